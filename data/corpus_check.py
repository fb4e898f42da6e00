"""Print the segmentation figures of issue 2 on the shared corpus.

    python -m restag.data.corpus_check --shared ../shared

Figures: the seed (12 preambular + 23 operative, clean text); operative counts of all corpus
JSON resolutions against the source's ``paragraphs`` field, with every mismatch classified;
preambles found; PDF files and markdown files against the JSON text; agreement with the gold
paragraph texts; and the time to segment the whole corpus on one core.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from tqdm import tqdm

from restag.data.layouts import CLOSING
from restag.data.readers import read_resolution
from restag.data.records import Resolution

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "data" / "examples" / "A-RES-65-175.txt"

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_DIGITS = re.compile(r"\d+")


def normalise(text: str) -> str:
    """Compare texts by letters and digits only (case, spacing, quotes, dashes ignored)."""
    return _NON_ALNUM.sub("", unicodedata.normalize("NFKC", text).casefold())


def default_shared() -> Path:
    return Path(os.environ.get("RESTAG_SHARED", REPO.parent / "shared"))


# --- the seed --------------------------------------------------------------------------------
def check_seed(path: Path = SEED) -> dict[str, object]:
    res = read_resolution(path)
    texts = [p.text for p in res.paragraphs]
    return {
        "preambular": len(res.preambular),
        "operative": len(res.operative),
        "ids_ok": [p.id.split("#")[1] for p in res.paragraphs]
        == [f"p{i}" for i in range(1, 13)] + [f"o{i}" for i in range(1, 24)],
        "footnote_digits": sum(bool(re.search(r"[A-Za-z,;.)”]\d{1,2}(?:\s|$)", t)) for t in texts),
        "ods_markers": sum(("<<" in t or "[DU" in t) for t in texts),
    }


# --- corpus JSON against its `paragraphs` field -------------------------------------------------
@dataclass
class JsonFigures:
    total: int = 0
    equal: int = 0
    seconds: float = 0.0  # wall clock
    cpu_seconds: float = 0.0  # CPU time of this (single-threaded) process
    mismatches: dict[str, list[str]] = field(default_factory=dict)  # class -> files
    preamble_expected: int = 0
    preamble_found: int = 0
    preamble_missed: list[str] = field(default_factory=list)
    results: dict[str, Resolution] = field(default_factory=dict)


#: mismatch classes, and which side is wrong
MISMATCH_CLASSES = {
    "source-misses-unnumbered": "source wrong: the only operative paragraph is unnumbered; the field is empty",
    "source-counts-annex": "source wrong: it lists the numbered paragraphs of the annex (declaration, convention, guidelines), not of the resolution",
    "source-year-as-number": "source wrong: a wrapped line starting with a year ('2028. ...') became an extra paragraph",
    "source-misses-number-without-period": "source wrong: paragraphs printed as '26' without a period are missing from the field",
    "source-sectioned": "source wrong: numbering restarts at 1 in each section (I, II, ...); the field, keyed by number, keeps one paragraph per number",
    "unclassified": "not explained; to inspect",
}
_OPENING_TO_ONE = re.compile(r"^The General Assembly\s*,?\s*$(.*?)^\s*1\.?\s*$|^\s*1\.\s", re.M | re.S)
_PREAMBLE_LINE = re.compile(
    r"^(?:[A-Z][a-z]+(?:ing|ed)|Aware|Mindful|Conscious|Cognizant|Desirous|Deeply|Gravely|Also)\b", re.M
)
_CLOSING = re.compile(CLOSING.pattern, re.M | re.I)


def classify_mismatch(record: dict, res: Resolution) -> str:
    source = record["paragraphs"]
    ours = len(res.operative)
    keys = [int(k) for k in source if k.isdigit()]
    text = record["text"]
    if not source and ours == 1 and not re.search(r"^\s*1\.", text, re.M):
        return "source-misses-unnumbered"
    years = [k for k in keys if k >= 1000]
    if years and len(source) - len(years) == ours:
        return "source-year-as-number"
    closing = _CLOSING.search(text)
    if closing and source:
        first = normalise(next(iter(source.values())))[:60]
        if first and first in normalise(text[closing.end() :]) and first not in normalise(
            " ".join(p.text for p in res.operative)
        ):
            return "source-counts-annex"
    body = text[: closing.start()] if closing else text
    if ours > len(source) and len(re.findall(r"^\s*1\.(?:\s|$)", body, re.M)) > 1:
        return "source-sectioned"
    if keys and max(keys) == ours and len(keys) < ours:
        missing = sorted(set(range(1, ours + 1)) - set(keys))
        if all(re.search(rf"^\s*{n}\s*$", text, re.M) for n in missing):
            return "source-misses-number-without-period"
    return "unclassified"


def has_preamble(text: str) -> bool:
    """Independent check: a line that opens a preambular paragraph between 'The General
    Assembly' and operative paragraph 1 (or the end of the body)."""
    start = re.search(r"^\s*The General Assembly\s*,?\s*$", text, re.M)
    if not start:
        return False
    end = re.search(r"^\s*1\.?\s*$|^\s*1\.\s|" + CLOSING.pattern, text[start.end() :], re.M | re.I)
    body = text[start.end() : start.end() + end.start()] if end else text[start.end() :]
    return bool(_PREAMBLE_LINE.search(body))


def check_json(json_dir: Path, progress: bool = True) -> JsonFigures:
    files = sorted(json_dir.glob("*.json"))
    figures = JsonFigures(total=len(files))
    start, cpu = time.perf_counter(), time.process_time()
    for path in tqdm(files, desc="segment json", disable=not progress):
        figures.results[path.stem] = read_resolution(path)
    figures.seconds = time.perf_counter() - start
    figures.cpu_seconds = time.process_time() - cpu
    for path in files:
        record = json.loads(path.read_text(encoding="utf-8"))
        res = figures.results[path.stem]
        if len(res.operative) == len(record["paragraphs"]):
            figures.equal += 1
        else:
            label = classify_mismatch(record, res)
            figures.mismatches.setdefault(label, []).append(
                f"{path.stem} (ours {len(res.operative)}, source {len(record['paragraphs'])})"
            )
        if has_preamble(record["text"]):
            figures.preamble_expected += 1
            if res.preambular:
                figures.preamble_found += 1
            else:
                figures.preamble_missed.append(path.stem)
    return figures


# --- other formats against the JSON text ----------------------------------------------------
def same_paragraphs(a: Resolution, b: Resolution) -> bool:
    return [(p.kind, p.number, normalise(p.text)) for p in a.paragraphs] == [
        (p.kind, p.number, normalise(p.text)) for p in b.paragraphs
    ]


def paragraph_agreement(a: Resolution, b: Resolution) -> tuple[int, int]:
    """(paragraphs of ``a`` whose id and normalised text are in ``b``, paragraphs of ``a``)."""
    other = {p.id.split("#")[1]: normalise(p.text) for p in b.paragraphs}
    agree = sum(other.get(p.id.split("#")[1]) == normalise(p.text) for p in a.paragraphs)
    return agree, len(a.paragraphs)


def check_pdfs(pdf_dir: Path, json_results: dict[str, Resolution], progress: bool = True) -> tuple[int, int, list[str]]:
    files = sorted(pdf_dir.glob("*.pdf"))
    same = 0
    differing = []
    for path in tqdm(files, desc="segment pdf", disable=not progress):
        res = read_resolution(path)
        ref = json_results[path.stem]
        if same_paragraphs(res, ref):
            same += 1
        else:
            differing.append(f"{path.stem} (pdf {len(res.paragraphs)}, json {len(ref.paragraphs)})")
    return same, len(files), differing


def check_markdown(md_dir: Path, json_results: dict[str, Resolution]) -> tuple[int, int, list[str]]:
    agree = total = 0
    worst = []
    for path in sorted(md_dir.glob("*.md")):
        res = read_resolution(path)
        ref = json_results.get(path.stem)
        if ref is None:
            continue
        a, n = paragraph_agreement(ref, res)
        agree += a
        total += n
        if a < n:
            worst.append(f"{path.stem} ({a}/{n})")
    return agree, total, worst


def check_gold(gold_path: Path, json_results: dict[str, Resolution]) -> dict[str, float]:
    ours = {p.id: p.text for r in json_results.values() for p in r.paragraphs}
    rows = [json.loads(line) for line in gold_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    found = identical = no_digits = close = 0
    for row in rows:
        text = ours.get(row["id"])
        if text is None:
            continue
        found += 1
        a, b = normalise(text), normalise(row["text"])
        if a == b:
            identical += 1
        if _DIGITS.sub("", a) == _DIGITS.sub("", b):
            no_digits += 1
        if a == b or SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.98:
            close += 1
    return {"gold": len(rows), "found": found, "identical": identical, "no_digits": no_digits, "close": close}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=default_shared(), help="the shared/ folder")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="list every mismatching file")
    args = parser.parse_args(argv)
    shared: Path = args.shared
    progress = not args.no_progress

    seed = check_seed()
    print(f"seed A/RES/65/175: {seed['preambular']} preambular + {seed['operative']} operative, "
          f"ids p1-p12/o1-o23: {seed['ids_ok']}, paragraphs with footnote digits: "
          f"{seed['footnote_digits']}, with ODS markers: {seed['ods_markers']}")

    corpus = shared / "corpus" / "ga-78-80"
    if not (corpus / "json").is_dir():
        print(f"corpus not found under {shared}; pass --shared", file=sys.stderr)
        return 1
    fig = check_json(corpus / "json", progress)
    n_par = sum(len(r.paragraphs) for r in fig.results.values())
    print(f"corpus json: segmented {fig.total} resolutions ({n_par} paragraphs) in {fig.seconds:.1f} s "
          f"wall, {fig.cpu_seconds:.1f} s CPU on one core (reading files included)")
    print(f"operative count == source 'paragraphs' count: {fig.equal}/{fig.total} "
          f"= {fig.equal / fig.total:.1%}")
    for label, files in sorted(fig.mismatches.items()):
        print(f"  {len(files):3d} {label}: {MISMATCH_CLASSES[label]}")
        if args.verbose or label == "unclassified":
            print("      " + ", ".join(files))
    wrong_source = sum(len(v) for k, v in fig.mismatches.items() if k != "unclassified")
    print(f"  agreement where the source field is not demonstrably wrong: {fig.equal}/"
          f"{fig.total - wrong_source} = {fig.equal / max(1, fig.total - wrong_source):.1%}")
    print(f"preamble found: {fig.preamble_found}/{fig.preamble_expected} documents that have one"
          + (f" (missed: {', '.join(fig.preamble_missed)})" if fig.preamble_missed else ""))

    if (corpus / "pdf").is_dir():
        same, total, differing = check_pdfs(corpus / "pdf", fig.results, progress)
        print(f"pdf files: same paragraphs (kind, number, normalised text) as the JSON text: "
              f"{same}/{total} = {same / max(1, total):.1%}"
              + (f" (differ: {', '.join(differing)})" if differing else ""))
    md_dir = shared / "corpus" / "ga-80-markdown"
    if md_dir.is_dir():
        agree, total, worst = check_markdown(md_dir, fig.results)
        print(f"markdown: paragraphs of the JSON text found with the same id and normalised text: "
              f"{agree}/{total} = {agree / max(1, total):.1%}"
              + (f" (short: {', '.join(worst)})" if worst and args.verbose else ""))
    gold = shared / "labels" / "gold-78-80.jsonl"
    if gold.exists():
        g = check_gold(gold, fig.results)
        print(f"gold texts: {g['found']}/{g['gold']} gold ids segmented; normalised text identical for "
              f"{g['identical']}/{g['found']} = {g['identical'] / max(1, g['found']):.1%}; ignoring digits "
              f"(gold keeps footnote markers) {g['no_digits']}/{g['found']} = "
              f"{g['no_digits'] / max(1, g['found']):.1%}; "
              f"similarity >= 0.98 for {g['close']}/{g['found']} = {g['close'] / max(1, g['found']):.1%} "
              f"(gold was cut by a simple splitter: merged paragraphs shift ids, some lines lost)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
