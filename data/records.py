"""The records that flow from ``restag.data`` to ``restag.model``: Resolution and Paragraph."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from restag.data.schema import KIND_PREFIX, validate_kind


def paragraph_id(symbol: str, kind: str, number: int) -> str:
    """Id in the LABELS.md scheme: ``A/RES/79/222#o18`` or ``A/RES/79/222#p3``."""
    return f"{symbol}#{KIND_PREFIX[validate_kind(kind)]}{number}"


@dataclass(frozen=True)
class Paragraph:
    """One unit of LABELS.md: a preambular or operative paragraph of a resolution body.

    ``number`` is the 1-based position among preambular paragraphs, or the operative
    paragraph's own number. ``text`` is cleaned (wraps joined, footnote markers removed)
    and includes lettered sub-items; ``lead`` is its lead phrase ("Also encourages").
    """

    symbol: str
    kind: str
    number: int
    text: str
    lead: str = ""

    @property
    def id(self) -> str:
        return paragraph_id(self.symbol, self.kind, self.number)

    def to_dict(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "id": self.id,
            "kind": self.kind,
            "number": self.number,
            "text": self.text,
            "lead": self.lead,
        }


@dataclass(frozen=True)
class Resolution:
    """A segmented resolution: its heading metadata and its body paragraphs, in order."""

    symbol: str
    title: str = ""
    session: int | None = None
    date: str | None = None  # date of adoption, ISO 8601 (YYYY-MM-DD) when known
    committee: str | None = None  # "Second", "Third", ... or "plenary"; None when unknown
    agenda_item: str | None = None
    paragraphs: tuple[Paragraph, ...] = field(default_factory=tuple)
    source: str | None = None  # file path or "<stdin>"/"<string>"

    @property
    def preambular(self) -> tuple[Paragraph, ...]:
        return tuple(p for p in self.paragraphs if p.kind == "preambular")

    @property
    def operative(self) -> tuple[Paragraph, ...]:
        return tuple(p for p in self.paragraphs if p.kind == "operative")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["paragraphs"] = [p.to_dict() for p in self.paragraphs]
        return data
