"""From blocks to paragraphs: find the body, split it into preambular and operative
paragraphs, clean their text and read their lead phrases.

The body runs from "The General Assembly," (or, where a document omits it, from the title)
to the closing "NNth plenary meeting" line; headings, footnotes and annexes are outside it.
Inside it:

* an operative paragraph starts at the next expected number ("12." -- alone on its line or
  not); numbers out of sequence are content;
* lettered sub-items ("(a)", "(iv)") and lines that start in lower case continue the current
  paragraph;
* a paragraph whose text so far has no closing punctuation, or ends on a word like "the" or
  "and", continues in the next block (a page break, or a markdown block boundary, cut it),
  unless that block opens like a new preambular paragraph on the same page;
* every other block of the preamble opens a new preambular paragraph; short unpunctuated
  blocks between paragraphs are section headings and are dropped;
* in a resolution split into sections (I, II, ...) whose numbering restarts at 1, each section's
  preamble stays preambular and operative paragraphs are numbered on through the document, so
  that ids stay unique (the printed number is then the one in ``number`` minus the paragraphs of
  the sections before).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from restag.data.clean import (
    FootnoteMarkers,
    join_lines,
    squeeze,
    tidy,
    vocabulary,
)
from restag.data.errors import NoResolutionBodyError
from restag.data.heading import TITLE, parse_heading
from restag.data.layouts import BARCODE, CLOSING, JOB_NO, PAGE_NO, SUBITEM_START, SYMBOL_LINE, Block, Layout
from restag.data.records import Paragraph, Resolution
from restag.data.schema import FORCE_LEAD_VERBS

OPENING = re.compile(r"^The General Assembly\s*,?$")
ANNEX = re.compile(r"^Annex(?:es)?(?: [IVX]+)?$")
NUMBERED = re.compile(r"^(\d{1,3})\.(?:\s+(.*))?$", re.S)
BARE_NUMBER = re.compile(r"^\s*(\d{1,3})\s*$")  # "26" alone on its line, the period lost
#: closing punctuation of a paragraph, allowing a trailing quote and footnote marker
_TERMINAL = re.compile(r"[,;.:][”’\"')]?\s*(?:\d{1,3})?\s*$")
#: words that open a preambular paragraph: participles ("Recalling", "Alarmed") and the
#: adjectives and adverbs the Assembly uses ("Mindful", "Deeply concerned", "Also noting")
_PREAMBLE_OPENER = re.compile(
    r"^(?:[A-Z][a-z]+(?:ing|ed)|Aware|Mindful|Conscious|Cognizant|Desirous|Anxious|Also|Further|"
    r"Deeply|Gravely|Seriously|Strongly|Fully|Keenly|Profoundly|Firmly|Greatly|Highly|"
    r"Particularly|Acutely)\b"
)
#: an unnumbered operative paragraph (a resolution with a single operative paragraph)
_OPERATIVE_VERB = re.compile(
    r"^(?:(?:Also|Further|Strongly|Once again|Again|Hereby)\s+)?"
    r"(?!(?:[A-Z][a-z]+ous)\b)[A-Z][a-z]+[^su\W]s\b"
)
_ADVERBS = frozenset(
    "also further once again strongly firmly again hereby deeply gravely seriously fully "
    "resolutely urgently emphatically duly solemnly categorically unequivocally".split()
)
HEADING_MAX_WORDS = 20
#: a paragraph cut after one of these words goes on in the next block
_DANGLING = re.compile(
    r"\b(?:and|or|the|a|an|of|to|in|on|for|with|by|at|from|as|that|which|its|their|under|"
    r"between|into|upon|including|such|than|nor)\s*$"
)


@dataclass
class _Draft:
    kind: str
    number: int
    lines: list[str] = field(default_factory=list)
    awaiting_text: bool = False  # "12." alone on its line: the text follows

    def text(self) -> str:
        return squeeze(" ".join(self.lines))


def _is_terminal(text: str) -> bool:
    return bool(_TERMINAL.search(text))


def _is_furniture(text: str, title: str) -> bool:
    line = text.strip()
    return bool(
        SYMBOL_LINE.match(line)
        or PAGE_NO.match(line)
        or JOB_NO.match(line)
        or BARCODE.match(line)
        or (title and squeeze(line).lower() == title.lower())
    )


def _is_heading_like(text: str) -> bool:
    return (
        not _is_terminal(text)
        and len(text.split()) <= HEADING_MAX_WORDS
        and (text[:1].isupper() or text[:1].isdigit())
    )


def _starts_lower(text: str) -> bool:
    for ch in text:
        if ch.isalpha():
            return ch.islower()
        if ch.isdigit():
            return False
    return False


def find_body(texts: list[str]) -> tuple[int, int, int | None]:
    """Return (start, end, title_index): the body is ``texts[start:end]``."""
    opening = next((k for k, t in enumerate(texts) if OPENING.match(t)), None)
    title_index: int | None = None
    search_to = opening if opening is not None else len(texts)
    for k in range(search_to):
        if TITLE.match(texts[k]):
            title_index = k
            if opening is None:
                break
    if opening is not None:
        start = opening + 1
    elif title_index is not None:
        start = title_index + 1
    else:
        start = 0
    end = next(
        (k for k in range(start, len(texts)) if CLOSING.match(texts[k]) or ANNEX.match(texts[k])),
        len(texts),
    )
    return start, end, title_index


def segment(layout: Layout, *, source: str, symbol: str | None = None) -> Resolution:
    """Turn a :class:`Layout` into a :class:`Resolution`; raise NoResolutionBodyError if empty."""
    blocks = layout.blocks
    texts = [squeeze(b.text) for b in blocks]
    start, end, title_index = find_body(texts)
    heading = parse_heading(
        "\n".join(texts[:start]),
        "\n".join([*layout.furniture, *texts[end:]]),
        texts[title_index] if title_index is not None else "",
    )
    title = heading.title or _meta_title(layout)
    drafts = _split(blocks[start:end], texts[start:end], title)
    drafts = [d for d in drafts if d.lines]
    numbered = any(NUMBERED.match(t) or BARE_NUMBER.match(t) for t in texts[start:end])
    if start == 0 and drafts and not _looks_like_body(drafts[0], numbered):
        drafts = []  # no heading, and the text does not open like a resolution paragraph
    if not drafts:
        raise NoResolutionBodyError(
            f"{source}: found no resolution body (no preambular or numbered operative "
            f"paragraphs after 'The General Assembly,'); expected the text of a General Assembly "
            f"resolution; check that the file is a resolution and not, e.g., a cover page"
        )
    symbol = symbol or heading.symbol or _meta_symbol(layout) or _symbol_from_source(source)
    paragraphs = _finish(drafts, symbol, layout, "\n".join(texts))
    return Resolution(
        symbol=symbol,
        title=title,
        session=heading.session or _session_of(symbol),
        date=heading.date or _meta_date(layout),
        committee=heading.committee,
        agenda_item=heading.agenda_item,
        paragraphs=tuple(paragraphs),
        source=source,
    )


#: Lead verbs of the Assembly (LABELS.md, Task 2): without a heading, an unnumbered paragraph
#: counts as an operative one only when it opens with one of them ("Minutes of ..." does not).
_ASSEMBLY_VERB = re.compile(
    r"^(?:(?:Also|Further|Strongly|Once again|Again|Hereby)\s+)?(?:"
    + "|".join(dict.fromkeys(p.split()[0].capitalize() for ps in FORCE_LEAD_VERBS.values() for p in ps))
    + r")\b"
)


def _looks_like_body(first: _Draft, numbered: bool) -> bool:
    text = first.text()
    if first.kind == "operative":
        return numbered or _ASSEMBLY_VERB.match(text) is not None
    # a preambular paragraph ends with a comma (maybe followed by a footnote marker)
    return bool(
        _PREAMBLE_OPENER.match(text) and re.search(r",[”’\"')]?\s*\d{0,3}\s*$", text)
    )


def _split(blocks: list[Block], texts: list[str], title: str) -> list[_Draft]:
    drafts: list[_Draft] = []
    expected = 1
    has_numbered = any(
        (m := NUMBERED.match(t)) is not None and m.group(1) == "1" for t in texts
    )
    last_at: dict[int, int] = {}  # paragraph number -> last block that starts with it
    for k, text in enumerate(texts):
        if (m := NUMBERED.match(text)) is not None:
            last_at[int(m.group(1))] = k
    pending_break = False
    preamble_count = 0
    base = 0  # numbering restarts at 1 in each section of a sectioned resolution
    in_section = False  # a section heading came after the last operative paragraph
    for k, (block, text) in enumerate(zip(blocks, texts)):
        if not text:
            continue
        if _is_furniture(text, title):
            pending_break = True
            continue
        page_break = block.page_break or pending_break
        pending_break = False
        current = drafts[-1] if drafts else None

        m = NUMBERED.match(text) or BARE_NUMBER.match(block.lines[0])
        if m and int(m.group(1)) == 1 and in_section and expected > 1:
            base = expected - 1
        if m and int(m.group(1)) + base == expected:
            in_section = False
            lines = _strip_number(block.lines)
            drafts.append(_Draft("operative", expected, lines, awaiting_text=not lines))
            expected += 1
            continue
        if current is None:
            if not has_numbered and _OPERATIVE_VERB.match(text):
                drafts.append(_Draft("operative", expected, list(block.lines)))
                expected += 1
            elif not _is_heading_like(text) or _PREAMBLE_OPENER.match(text):
                preamble_count += 1
                drafts.append(_Draft("preambular", preamble_count, list(block.lines)))
            continue
        if current.awaiting_text:
            current.lines.extend(block.lines)
            current.awaiting_text = False
            continue
        so_far = current.text()
        open_end = not _is_terminal(so_far)
        continues = (
            SUBITEM_START.match(text + " ") is not None
            or _starts_lower(text)
            or (open_end and (page_break or not _PREAMBLE_OPENER.match(text)))
            or _DANGLING.search(so_far) is not None
            or (so_far.endswith(":") and not _PREAMBLE_OPENER.match(text))
        )
        if current.kind == "operative":
            if (
                not continues
                and so_far.endswith((";", "."))
                and _OPERATIVE_VERB.match(text)
                and last_at.get(expected, -1) < k
            ):
                # an operative paragraph whose number the extraction lost
                drafts.append(_Draft("operative", expected, list(block.lines)))
                expected += 1
            elif in_section and _PREAMBLE_OPENER.match(text):
                preamble_count += 1  # the preamble of a section ("II / Recalling ... / 1. ...")
                drafts.append(_Draft("preambular", preamble_count, list(block.lines)))
            elif continues or not _is_heading_like(text):
                current.lines.extend(block.lines)
            else:
                in_section = True  # a section heading between operative paragraphs
            continue
        # preamble
        if continues:
            current.lines.extend(block.lines)
        elif not has_numbered and _OPERATIVE_VERB.match(text):
            drafts.append(_Draft("operative", expected, list(block.lines)))
            expected += 1
        elif _is_heading_like(text) and not _PREAMBLE_OPENER.match(text):
            in_section = in_section or expected > 1
            continue
        else:
            preamble_count += 1
            drafts.append(_Draft("preambular", preamble_count, list(block.lines)))
    return drafts


def _strip_number(lines: list[str]) -> list[str]:
    """The block's lines without the leading paragraph number ("12." / "12.\t")."""
    if BARE_NUMBER.match(lines[0]):
        return list(lines[1:])
    first = _NUMBER_PREFIX.sub("", lines[0], count=1)
    return [first, *lines[1:]] if first.strip() else list(lines[1:])


_NUMBER_PREFIX = re.compile(r"^\s*\d{1,3}\.\s*")


def _finish(drafts: list[_Draft], symbol: str, layout: Layout, full_text: str) -> list[Paragraph]:
    vocab = vocabulary(full_text)
    markers = FootnoteMarkers(layout.footnotes)
    out = []
    for d in drafts:
        raw = join_lines(d.lines, vocab)
        text = tidy(markers.clean(raw))
        if not text:
            continue
        out.append(Paragraph(symbol, d.kind, d.number, text, lead_phrase(text)))
    return out


_LEAD_WORD = re.compile(r"[A-Za-z][A-Za-z-]*")


def lead_phrase(text: str) -> str:
    """The opening verb phrase: "Also encourages", "Recalling further", "Takes note",
    "Bearing in mind", "Deeply concerned"."""
    words = text.split(" ", 8)
    lead: list[str] = []
    i = 0
    while i < len(words) and words[i].lower().strip(",") in _ADVERBS and len(lead) < 3:
        lead.append(words[i].strip(","))
        i += 1
    if i >= len(words) or not _LEAD_WORD.fullmatch(words[i].strip(",:")):
        return " ".join(lead)
    verb = words[i].strip(",:")
    lead.append(verb)
    i += 1
    key = verb.lower()
    if key == "bearing" and i + 1 < len(words) and words[i] == "in" and words[i + 1].startswith("mind"):
        lead += ["in", "mind"]
        i += 2
    elif key in ("taking", "takes") and i < len(words) and words[i].strip(",") == "note":
        lead.append("note")
        i += 1
    elif key in ("taking",) and i + 1 < len(words) and words[i] == "into" and words[i + 1].startswith("account"):
        lead += ["into", "account"]
        i += 2
    elif key in ("calls", "calling") and i < len(words) and words[i] in ("upon", "on", "for"):
        lead.append(words[i])
        i += 1
    elif key in ("having",) and i < len(words) and _LEAD_WORD.fullmatch(words[i].strip(",")):
        lead.append(words[i].strip(","))
        i += 1
    while i < len(words) and words[i].lower().strip(",") in _ADVERBS and words[i][:1].islower():
        lead.append(words[i].strip(","))
        i += 1
    return " ".join(lead)


def _meta_title(layout: Layout) -> str:
    title = layout.meta.get("title")
    if not isinstance(title, str):
        return ""
    title = re.sub(r"\s*:\s*$", "", title.strip())
    t = TITLE.match(title)
    return squeeze(t.group(4)) if t else squeeze(title)


def _meta_symbol(layout: Layout) -> str | None:
    value = layout.meta.get("symbol")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _meta_date(layout: Layout) -> str | None:
    value = layout.meta.get("date")
    return str(value) if value else None


def _symbol_from_source(source: str) -> str:
    m = re.search(r"A[_-]RES[_-](\d{1,3})[_-](\d{1,4})", source)
    return f"A/RES/{m.group(1)}/{m.group(2)}" if m else "unknown"


def _session_of(symbol: str) -> int | None:
    m = re.match(r"A/RES/(\d{1,3})/", symbol)
    return int(m.group(1)) if m else None


__all__ = ["find_body", "lead_phrase", "segment"]
