"""Gold label files (JSON Lines that follow LABELS.md): validated plain records and datasets.

Two readers over one parser:

- :func:`read_gold` returns :class:`GoldParagraph` records (plain frozen dataclasses), for
  evaluation, baselines and anything that wants no ``datasets`` dependency;
- :func:`load_labels` returns a :class:`datasets.DatasetDict` keyed by the ``split`` field,
  for training.

Every label is checked against :mod:`restag.data.schema` while reading; a bad line raises
:class:`~restag.data.errors.LabelError` naming the file, the line, the bad label and the
allowed ones. Files are read by path: :func:`default_gold_path` finds the shared gold file
(``$RESTAG_SHARED/labels/gold-78-80.jsonl`` or ``../shared/labels/...`` beside the checkout).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from restag.data.errors import LabelError
from restag.data.records import Paragraph, paragraph_id
from restag.data.schema import validate_force, validate_kind, validate_themes

if TYPE_CHECKING:  # pragma: no cover
    import datasets

logger = logging.getLogger(__name__)

#: The shared gold file of sessions 78-80 (splits ``train`` and ``dev``).
GOLD_FILE = "gold-78-80.jsonl"

#: Fields a label line must carry (LABELS.md "File format"); the others are optional.
REQUIRED_FIELDS: tuple[str, ...] = ("text", "themes", "force")


@dataclass(frozen=True)
class GoldParagraph:
    """One labelled paragraph of a gold file.

    ``symbol``, ``kind`` and ``number`` may be missing in user files (``""``, ``""`` and
    ``0``); ``id`` then falls back to ``<file name>:<line>``. ``split`` defaults to
    ``"train"`` so that a plain user file trains without extra fields.
    """

    id: str
    text: str
    themes: tuple[str, ...]
    force: str
    symbol: str = ""
    kind: str = ""
    number: int = 0
    title: str = ""
    committee: str = ""
    split: str = "train"

    def to_paragraph(self) -> Paragraph:
        """The record restag.model takes (kind decides the force constraint)."""
        kind = self.kind or ("preambular" if self.force == "preambular" else "operative")
        return Paragraph(symbol=self.symbol, kind=kind, number=self.number, text=self.text)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["themes"] = list(self.themes)
        return data


def shared_root() -> Path:
    """``$RESTAG_SHARED`` or the ``shared/`` folder beside the checkout."""
    env = os.environ.get("RESTAG_SHARED")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared"


def default_gold_path() -> Path:
    """Path of the shared gold file; :class:`LabelError` with the fix when it is absent."""
    path = shared_root() / "labels" / GOLD_FILE
    if not path.is_file():
        raise LabelError(
            f"gold labels not found at {path}; set RESTAG_SHARED to the shared/ folder "
            "or pass the path of a LABELS.md JSONL file"
        )
    return path


def parse_gold_line(line: str, *, source: str = "<string>", lineno: int = 1) -> GoldParagraph:
    """Parse and validate one JSON line; errors name ``source:lineno``."""
    where = f"{source}:{lineno}"
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        raise LabelError(f"{where}: not valid JSON ({error.msg}); each line must be one JSON object") from None
    if not isinstance(data, dict):
        raise LabelError(f"{where}: found a JSON {type(data).__name__}; expected one object per line")
    missing = [name for name in REQUIRED_FIELDS if name not in data]
    if missing:
        raise LabelError(
            f"{where}: missing field(s) {', '.join(missing)}; a label line needs "
            f"{', '.join(REQUIRED_FIELDS)} (LABELS.md, File format)"
        )
    text = data["text"]
    if not isinstance(text, str) or not text.strip():
        raise LabelError(f"{where}: field 'text' must be a non-empty string, found {text!r}")
    try:
        themes = validate_themes(data["themes"] if data["themes"] is not None else [])
        force = validate_force(data["force"])
        kind = validate_kind(data["kind"]) if data.get("kind") else ""
    except LabelError as error:
        raise LabelError(f"{where}: {error}") from None
    if kind == "preambular" and force != "preambular":
        raise LabelError(
            f"{where}: a preambular paragraph has force {force!r}; LABELS.md force rule 4 "
            "makes every preambular paragraph 'preambular'"
        )
    symbol = str(data.get("symbol") or "")
    number = int(data.get("number") or 0)
    if data.get("id"):
        pid = str(data["id"])
    elif symbol and kind and number:
        pid = paragraph_id(symbol, kind, number)
    else:
        pid = f"{Path(source).name}:{lineno}"
    return GoldParagraph(
        id=pid,
        text=text,
        themes=themes,
        force=force,
        symbol=symbol,
        kind=kind,
        number=number,
        title=str(data.get("title") or ""),
        committee=str(data.get("committee") or ""),
        split=str(data.get("split") or "train"),
    )


def read_gold(path: str | Path, *, splits: Sequence[str] | None = None) -> list[GoldParagraph]:
    """Read a LABELS.md JSONL file into validated records, in file order.

    ``splits`` keeps only those splits (e.g. ``["dev"]``); an unknown split name raises.
    """
    path = Path(path)
    if not path.is_file():
        raise LabelError(f"label file {path} not found; pass the path of a LABELS.md JSONL file")
    records: list[GoldParagraph] = []
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            if line.strip():
                records.append(parse_gold_line(line, source=str(path), lineno=lineno))
    if not records:
        raise LabelError(f"label file {path} holds no labelled paragraphs; expected JSON lines")
    if splits is not None:
        present = sorted({r.split for r in records})
        unknown = [s for s in splits if s not in present]
        if unknown:
            raise LabelError(
                f"split(s) {', '.join(unknown)} not in {path}; it holds {', '.join(present)}"
            )
        records = [r for r in records if r.split in splits]
    return records


def group_by_split(records: Iterable[GoldParagraph]) -> dict[str, list[GoldParagraph]]:
    groups: dict[str, list[GoldParagraph]] = {}
    for record in records:
        groups.setdefault(record.split, []).append(record)
    return groups


def load_labels(path: str | Path) -> "datasets.DatasetDict":
    """Load a label file as a :class:`datasets.DatasetDict` keyed by split.

    Columns: the :class:`GoldParagraph` fields (``themes`` a list of labels) plus
    ``theme_vector`` (multi-hot in THEMES order) and ``force_level`` (0-4).
    """
    import datasets

    from restag.data.schema import force_level, themes_to_vector

    groups = group_by_split(read_gold(path))
    features = datasets.Features(
        {
            "id": datasets.Value("string"),
            "text": datasets.Value("string"),
            "themes": datasets.Sequence(datasets.Value("string")),
            "force": datasets.Value("string"),
            "symbol": datasets.Value("string"),
            "kind": datasets.Value("string"),
            "number": datasets.Value("int64"),
            "title": datasets.Value("string"),
            "committee": datasets.Value("string"),
            "split": datasets.Value("string"),
            "theme_vector": datasets.Sequence(datasets.Value("float32")),
            "force_level": datasets.Value("int64"),
        }
    )
    splits = {}
    for name, records in groups.items():
        rows = []
        for record in records:
            row = record.to_dict()
            row["theme_vector"] = [float(v) for v in themes_to_vector(record.themes)]
            row["force_level"] = force_level(record.force)
            rows.append(row)
        splits[name] = datasets.Dataset.from_list(rows, features=features)
    logger.info("loaded %s from %s", {k: len(v) for k, v in splits.items()}, path)
    return datasets.DatasetDict(splits)
