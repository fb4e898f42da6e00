"""The label contract of ``shared/spec/LABELS.md`` (v1.2), defined once.

Every other module takes label names, their order and the ordinal force levels from
here. Nothing infers the label set from whatever data happens to be loaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from restag.data.errors import LabelError

SPEC_VERSION = "1.2"

#: Task 1: the three UNIDO thematic priorities, in the order of LABELS.md.
THEMES: tuple[str, ...] = ("poverty", "trade", "environment")

#: Human-readable names of the themes (LABELS.md, Task 1).
THEME_NAMES: dict[str, str] = {
    "poverty": "Poverty reduction through productive activities",
    "trade": "Trade capacity-building",
    "environment": "Environment and energy",
}

#: Task 2: operative force, an ordinal scale; a label's level is its index (0-4).
FORCES: tuple[str, ...] = ("preambular", "declaratory", "hortatory", "directive", "decisional")

FORCE_DESCRIPTIONS: dict[str, str] = {
    "preambular": "is a preambular paragraph (whatever its content)",
    "declaratory": "states a position, records or expresses, and asks nobody to act",
    "hortatory": "invites, recommends or supports action without demanding it",
    "directive": "asks or instructs a named actor to act",
    "decisional": "takes a decision with institutional effect",
}

#: Typical lead verbs of each operative force level (LABELS.md, Task 2), in the Assembly's
#: voice. The lead-verb baseline builds on them; segmentation uses them to recognise an
#: operative paragraph that carries no number.
FORCE_LEAD_VERBS: dict[str, tuple[str, ...]] = {
    "declaratory": (
        "takes note", "notes", "recognizes", "acknowledges", "reaffirms", "reiterates", "recalls",
        "affirms", "emphasizes", "stresses", "underlines", "underscores", "highlights", "welcomes",
        "commends", "expresses", "deplores", "condemns", "considers", "is convinced", "looks forward",
    ),
    "hortatory": ("encourages", "invites", "recommends", "calls for", "appeals", "suggests", "supports"),
    "directive": ("requests", "calls upon", "urges", "demands", "exhorts", "instructs", "directs"),
    "decisional": (
        "decides", "adopts", "approves", "endorses", "proclaims", "declares", "establishes",
        "authorizes", "extends", "elects", "appoints",
    ),
}

#: Paragraph kinds (the unit of LABELS.md) and their id prefixes.
KINDS: tuple[str, ...] = ("preambular", "operative")
KIND_PREFIX: dict[str, str] = {"preambular": "p", "operative": "o"}

THEME_INDEX: dict[str, int] = {name: i for i, name in enumerate(THEMES)}
FORCE_LEVEL: dict[str, int] = {name: i for i, name in enumerate(FORCES)}


def validate_theme(label: str) -> str:
    """Return ``label`` if it is a theme; raise :class:`LabelError` naming the allowed ones."""
    if label not in THEME_INDEX:
        raise LabelError(
            f"unknown theme label {label!r}; expected one of {', '.join(THEMES)} "
            f"(LABELS.md v{SPEC_VERSION}); fix the label or the file that holds it"
        )
    return label


def validate_themes(labels: Iterable[str]) -> tuple[str, ...]:
    """Validate a collection of theme labels and return them in schema order, deduplicated."""
    if isinstance(labels, str):
        raise LabelError(
            f"themes must be a list of labels, found the string {labels!r}; "
            f"write it as [{labels!r}] or []"
        )
    seen = {validate_theme(label) for label in labels}
    return tuple(t for t in THEMES if t in seen)


def validate_force(label: str) -> str:
    """Return ``label`` if it is a force label; raise :class:`LabelError` otherwise."""
    if label not in FORCE_LEVEL:
        raise LabelError(
            f"unknown force label {label!r}; expected one of {', '.join(FORCES)} "
            f"(LABELS.md v{SPEC_VERSION}); fix the label or the file that holds it"
        )
    return label


def validate_kind(kind: str) -> str:
    if kind not in KINDS:
        raise LabelError(f"unknown paragraph kind {kind!r}; expected one of {', '.join(KINDS)}")
    return kind


def themes_to_vector(labels: Iterable[str]) -> list[int]:
    """Multi-hot vector in :data:`THEMES` order."""
    chosen = set(validate_themes(labels))
    return [int(t in chosen) for t in THEMES]


def vector_to_themes(vector: Sequence[int | bool | float]) -> tuple[str, ...]:
    if len(vector) != len(THEMES):
        raise LabelError(f"theme vector has {len(vector)} entries; expected {len(THEMES)}")
    return tuple(t for t, v in zip(THEMES, vector) if v)


def force_level(label: str) -> int:
    return FORCE_LEVEL[validate_force(label)]


@dataclass(frozen=True)
class LabelSchema:
    """The schema as data, written as ``labels.json`` beside every model artifact."""

    version: str = SPEC_VERSION
    themes: tuple[str, ...] = THEMES
    forces: tuple[str, ...] = FORCES

    def to_dict(self) -> dict[str, object]:
        return {"version": self.version, "themes": list(self.themes), "forces": list(self.forces)}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> "LabelSchema":
        schema = cls(
            version=str(data["version"]),
            themes=tuple(data["themes"]),  # type: ignore[arg-type]
            forces=tuple(data["forces"]),  # type: ignore[arg-type]
        )
        schema.check_compatible()
        return schema

    def check_compatible(self) -> None:
        """Raise if a saved schema disagrees with the one this code was built for."""
        if self.themes != THEMES or self.forces != FORCES:
            raise LabelError(
                f"model labels {list(self.themes)} / {list(self.forces)} differ from this "
                f"restag's LABELS.md v{SPEC_VERSION} labels {list(THEMES)} / {list(FORCES)}; "
                "retrain the model or install the restag version it was trained with"
            )
