"""Dev-set figures of a model: theme and force F1, calibration error. Pure numpy + sklearn."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from restag.data.schema import FORCES, THEMES
from restag.model.calibration import expected_calibration_error


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
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    theme_true = np.asarray(theme_true).astype(int)
    theme_pred = np.asarray(theme_pred).astype(int)
    force_true = np.asarray(force_true, dtype=int)
    force_pred = np.asarray(force_probs).argmax(axis=1)
    p, r, f, support = precision_recall_fscore_support(theme_true, theme_pred, average=None, labels=range(len(THEMES)), zero_division=0)
    force_f1 = f1_score(force_true, force_pred, average=None, labels=range(len(FORCES)), zero_division=0)
    present = [i for i in range(len(FORCES)) if (force_true == i).any() or (force_pred == i).any()]
    return {
        "main_score": "theme_macro_f1",
        "n": int(len(force_true)),
        "theme_macro_f1": float(np.mean(f)),
        "theme": {
            t: {"f1": float(f[i]), "precision": float(p[i]), "recall": float(r[i]), "support": int(support[i])}
            for i, t in enumerate(THEMES)
        },
        "theme_ece": expected_calibration_error(np.asarray(theme_probs).ravel(), theme_true.ravel() == 1)
        if len(force_true) else 0.0,
        "force_macro_f1": float(f1_score(force_true, force_pred, average="macro", labels=present, zero_division=0)),
        "force_accuracy": float(accuracy_score(force_true, force_pred)),
        "force_f1": {FORCES[i]: float(force_f1[i]) for i in range(len(FORCES))},
        "force_ece": expected_calibration_error(np.asarray(force_probs).max(axis=1), force_pred == force_true)
        if len(force_true) else 0.0,
    }
