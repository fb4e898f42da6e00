"""Typed results of :func:`restag.model.predict`: frozen dataclasses, never tensors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from restag.data.schema import FORCES, THEMES

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np


@dataclass(frozen=True)
class Prediction:
    """Themes and operative force of one paragraph.

    ``theme_scores`` maps every theme (in :data:`THEMES` order) to a calibrated
    probability; ``themes`` holds those above the model's per-theme threshold.
    ``force_scores`` maps every force label (in :data:`FORCES` order) to a calibrated
    probability; ``force`` is the chosen label and ``force_level`` its ordinal level 0-4.
    ``id`` is the paragraph id when a :class:`~restag.data.Paragraph` was given.
    """

    themes: tuple[str, ...]
    theme_scores: Mapping[str, float]
    force: str
    force_level: int
    force_scores: Mapping[str, float]
    id: str | None = None

    def __post_init__(self) -> None:
        # Read-only views so that a frozen result is frozen all the way down.
        object.__setattr__(self, "theme_scores", MappingProxyType({t: float(self.theme_scores[t]) for t in THEMES}))
        object.__setattr__(self, "force_scores", MappingProxyType({f: float(self.force_scores[f]) for f in FORCES}))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (``id`` first when present)."""
        data: dict[str, Any] = {} if self.id is None else {"id": self.id}
        data.update(
            themes=list(self.themes),
            theme_scores=dict(self.theme_scores),
            force=self.force,
            force_level=self.force_level,
            force_scores=dict(self.force_scores),
        )
        return data


def score_matrices(predictions: Sequence[Prediction]) -> tuple["np.ndarray", "np.ndarray"]:
    """Theme scores ``[N, 3]`` and force scores ``[N, 5]`` of ``predictions``, in label order (float64)."""
    import numpy as np

    themes = np.array([[p.theme_scores[t] for t in THEMES] for p in predictions], dtype=float).reshape(-1, len(THEMES))
    forces = np.array([[p.force_scores[f] for f in FORCES] for p in predictions], dtype=float).reshape(-1, len(FORCES))
    return themes, forces
