"""Dev-set figures of a model during and after training, from the metric math of
:mod:`restag.eval.metrics` (one implementation of F1 and calibration error for restag)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from restag.data.schema import FORCES, THEMES
from restag.eval.metrics import (
    force_confusion,
    force_reliability,
    force_scores_from_confusion,
    theme_counts,
    theme_reliability,
    theme_scores_from_counts,
)


def _num(value: Any) -> float:
    value = float(value)
    return 0.0 if np.isnan(value) else value


def score(
    theme_probs: np.ndarray,
    theme_pred: np.ndarray,
    theme_true: np.ndarray,
    force_probs: np.ndarray,
    force_true: Sequence[int],
) -> dict[str, Any]:
    """Figures from calibrated probabilities and decisions (kind constraint already applied).

    ``theme_*`` are [N, 3] arrays in THEMES order; ``force_probs`` is [N, 5], ``force_true``
    the gold levels. The main score is ``theme_macro_f1``.
    """
    theme_true = np.asarray(theme_true).astype(bool)
    force_true = np.asarray(force_true, dtype=int)
    themes = theme_scores_from_counts(theme_counts(theme_true, np.asarray(theme_pred).astype(bool)))
    forces = force_scores_from_confusion(force_confusion(force_true, np.asarray(force_probs).argmax(axis=1)))
    return {
        "main_score": "theme_macro_f1",
        "n": int(len(force_true)),
        "theme_macro_f1": _num(themes["macro_f1"]),
        "theme": {
            t: {"f1": _num(themes["f1"][i]), "precision": _num(themes["precision"][i]),
                "recall": _num(themes["recall"][i]), "support": int(themes["support"][i])}
            for i, t in enumerate(THEMES)
        },
        "theme_ece": theme_reliability(theme_true, theme_probs).ece,
        "force_macro_f1": _num(forces["macro_f1"]),
        "force_accuracy": _num(forces["accuracy"]),
        "force_f1": {f: _num(forces["f1"][i]) for i, f in enumerate(FORCES)},
        "force_ece": force_reliability(force_true, force_probs).ece,
    }
