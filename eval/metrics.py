"""Metric math of ``restag eval``, in one place (no I/O, no plotting).

Every score is computed from *counts* — per theme true/false positives and negatives, the
force confusion matrix — so that a bootstrap replicate is a weighted sum of per-resolution
counts and thousands of replicates cost milliseconds. The tests check each function
against scikit-learn (or a hand computation) on small fixed examples.

Conventions (the same as scikit-learn's, so numbers agree with it):

- An undefined precision, recall or F1 (zero denominator) is ``nan`` and left out of
  averages — scikit-learn's ``zero_division=np.nan``. So a theme that neither occurs nor
  is predicted (a committee without trade paragraphs, a bootstrap resample that drew none)
  does not drag macro-F1 to 0; a theme predicted where it never occurs still scores F1 0.
- Themes are a multi-hot matrix ``[n, 3]`` in :data:`~restag.data.schema.THEMES` order.
  Average precision is ``None`` for a label without positive support.
- Force labels are levels 0-4 (:data:`~restag.data.schema.FORCES` order). Macro-F1
  averages the classes present in gold or predictions (the classes whose F1 is defined,
  as scikit-learn does); the confusion matrix always has all five rows and columns;
  quadratic-weighted kappa uses the full 0-4 scale, and is ``nan`` where undefined.
- Calibration: expected calibration error (ECE) over equal-width confidence bins. For
  force the confidence is the top probability and the outcome whether the top label is
  right; for themes every (paragraph, theme) score is a binary forecast of that theme.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from restag.data.schema import FORCES, THEMES

N_THEMES = len(THEMES)
N_FORCES = len(FORCES)

# --------------------------------------------------------------------------------------
# Counts
# --------------------------------------------------------------------------------------

#: Layout of a theme count vector: tp, fp, fn for each theme, then exact matches, n.
THEME_COUNT_SIZE = 3 * N_THEMES + 2


def theme_counts(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Count vector of a set of paragraphs (see :data:`THEME_COUNT_SIZE`)."""
    y_true = np.asarray(y_true, dtype=bool).reshape(-1, N_THEMES)
    y_pred = np.asarray(y_pred, dtype=bool).reshape(-1, N_THEMES)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"gold themes {y_true.shape} and predicted themes {y_pred.shape} differ in shape")
    tp = (y_true & y_pred).sum(axis=0)
    fp = (~y_true & y_pred).sum(axis=0)
    fn = (y_true & ~y_pred).sum(axis=0)
    exact = (y_true == y_pred).all(axis=1).sum()
    return np.concatenate([np.stack([tp, fp, fn], axis=1).reshape(-1), [exact, len(y_true)]]).astype(float)


def force_confusion(levels_true: Sequence[int], levels_pred: Sequence[int]) -> np.ndarray:
    """5 x 5 confusion matrix, rows gold level, columns predicted level."""
    true = np.asarray(levels_true, dtype=int)
    pred = np.asarray(levels_pred, dtype=int)
    if true.shape != pred.shape:
        raise ValueError(f"{len(true)} gold force labels but {len(pred)} predictions")
    matrix = np.zeros((N_FORCES, N_FORCES))
    np.add.at(matrix, (true, pred), 1)
    return matrix


# --------------------------------------------------------------------------------------
# Scores from counts; each accepts a batch (leading axes) of count vectors
# --------------------------------------------------------------------------------------


def _safe_div(num: np.ndarray, den: np.ndarray, undefined: float = np.nan) -> np.ndarray:
    """``num / den``, with ``undefined`` where ``den`` is 0."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    out = np.full(np.broadcast(num, den).shape, undefined)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _nanmean(values: np.ndarray) -> np.ndarray:
    """Mean over the last axis ignoring nan; nan where every value is nan."""
    values = np.asarray(values, dtype=float)
    defined = ~np.isnan(values)
    return _safe_div(np.where(defined, values, 0.0).sum(-1), defined.sum(-1))


def theme_scores_from_counts(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Per-label P/R/F1/support and micro/macro F1, exact match, Hamming loss."""
    counts = np.asarray(counts, dtype=float)
    per = counts[..., : 3 * N_THEMES].reshape(*counts.shape[:-1], N_THEMES, 3)
    tp, fp, fn = per[..., 0], per[..., 1], per[..., 2]
    exact, n = counts[..., -2], counts[..., -1]
    f1 = _safe_div(2 * tp, 2 * tp + fp + fn)
    stp, sfp, sfn = tp.sum(-1), fp.sum(-1), fn.sum(-1)
    return {
        "precision": _safe_div(tp, tp + fp),
        "recall": _safe_div(tp, tp + fn),
        "f1": f1,
        "support": tp + fn,
        "micro_f1": _safe_div(2 * stp, 2 * stp + sfp + sfn),
        "macro_f1": _nanmean(f1),
        "exact_match": _safe_div(exact, n),
        "hamming_loss": _safe_div(sfp + sfn, n * N_THEMES),
    }


def force_scores_from_confusion(matrix: np.ndarray) -> dict[str, np.ndarray]:
    """Accuracy, macro-F1, per-class P/R/F1/support, quadratic kappa and level MAE."""
    matrix = np.asarray(matrix, dtype=float)
    total = matrix.sum(axis=(-2, -1))
    tp = np.diagonal(matrix, axis1=-2, axis2=-1)
    gold = matrix.sum(-1)
    pred = matrix.sum(-2)
    f1 = _safe_div(2 * tp, gold + pred)
    levels = np.arange(N_FORCES)
    distance = np.abs(levels[:, None] - levels[None, :])
    # Quadratic-weighted kappa: 1 - sum(w * O) / sum(w * E), E from the marginals.
    weights = distance.astype(float) ** 2
    expected = _safe_div(gold[..., :, None] * pred[..., None, :], total[..., None, None])
    observed_w = (weights * matrix).sum(axis=(-2, -1))
    expected_w = (weights * expected).sum(axis=(-2, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = np.where(expected_w > 0, 1.0 - observed_w / np.where(expected_w > 0, expected_w, 1.0), np.nan)
    return {
        "accuracy": _safe_div(tp.sum(-1), total),
        "macro_f1": _nanmean(f1),
        "precision": _safe_div(tp, pred),
        "recall": _safe_div(tp, gold),
        "f1": f1,
        "support": gold,
        "quadratic_kappa": kappa,
        "level_mae": _safe_div((distance * matrix).sum(axis=(-2, -1)), total),
    }


# --------------------------------------------------------------------------------------
# Score-based metrics: average precision and calibration
# --------------------------------------------------------------------------------------


def average_precision(y_true: np.ndarray, scores: np.ndarray) -> list[float | None]:
    """Average precision per theme (scikit-learn's definition); None without positives."""
    from sklearn.metrics import average_precision_score

    y_true = np.asarray(y_true, dtype=int).reshape(-1, N_THEMES)
    scores = np.asarray(scores, dtype=float).reshape(-1, N_THEMES)
    out: list[float | None] = []
    for j in range(N_THEMES):
        if y_true[:, j].sum() == 0:
            out.append(None)
        else:
            out.append(float(average_precision_score(y_true[:, j], scores[:, j])))
    return out


@dataclass(frozen=True)
class Reliability:
    """A reliability diagram: per confidence bin, its mean confidence, accuracy and size."""

    bin_edges: tuple[float, ...]
    confidence: tuple[float | None, ...]
    accuracy: tuple[float | None, ...]
    count: tuple[int, ...]
    ece: float
    n: int

    def to_dict(self) -> dict[str, object]:
        return {
            "ece": self.ece, "n": self.n, "bin_edges": list(self.bin_edges),
            "confidence": list(self.confidence), "accuracy": list(self.accuracy), "count": list(self.count),
        }


def reliability(confidence: np.ndarray, correct: np.ndarray, n_bins: int = 10) -> Reliability:
    """Equal-width bins over [0, 1]; ECE = sum_b (n_b / n) * |acc_b - conf_b|.

    A confidence of exactly 1.0 falls in the last bin; 0.0 in the first.
    """
    confidence = np.asarray(confidence, dtype=float).reshape(-1)
    correct = np.asarray(correct, dtype=float).reshape(-1)
    if confidence.shape != correct.shape:
        raise ValueError("confidence and correct must have the same length")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    index = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, n_bins - 1)
    n = len(confidence)
    conf_out: list[float | None] = []
    acc_out: list[float | None] = []
    counts: list[int] = []
    ece = 0.0
    for b in range(n_bins):
        mask = index == b
        size = int(mask.sum())
        counts.append(size)
        if size == 0:
            conf_out.append(None)
            acc_out.append(None)
            continue
        mean_conf, mean_acc = float(confidence[mask].mean()), float(correct[mask].mean())
        conf_out.append(mean_conf)
        acc_out.append(mean_acc)
        ece += size / n * abs(mean_acc - mean_conf)
    return Reliability(tuple(edges.tolist()), tuple(conf_out), tuple(acc_out), tuple(counts), float(ece), n)


def theme_reliability(y_true: np.ndarray, scores: np.ndarray, n_bins: int = 10) -> Reliability:
    """Each (paragraph, theme) score as a forecast that the theme applies."""
    return reliability(np.asarray(scores, dtype=float).reshape(-1), np.asarray(y_true, dtype=float).reshape(-1), n_bins)


def force_reliability(levels_true: Sequence[int], proba: np.ndarray, n_bins: int = 10) -> Reliability:
    """Top-label confidence against whether the top label is the gold one."""
    proba = np.asarray(proba, dtype=float).reshape(-1, N_FORCES)
    top = proba.argmax(axis=1)
    return reliability(proba.max(axis=1), top == np.asarray(levels_true, dtype=int), n_bins)


# --------------------------------------------------------------------------------------
# Bootstrap over whole resolutions
# --------------------------------------------------------------------------------------


def bootstrap_weights(n_groups: int, n_resamples: int, seed: int) -> np.ndarray:
    """How often each group is drawn in each resample: ``[n_resamples, n_groups]``.

    Each row draws ``n_groups`` groups with replacement (a multinomial over groups).
    """
    rng = np.random.default_rng(seed)
    if n_groups == 0 or n_resamples == 0:
        return np.zeros((n_resamples, n_groups))
    return rng.multinomial(n_groups, np.full(n_groups, 1.0 / n_groups), size=n_resamples).astype(float)


def group_sums(values: np.ndarray, groups: Sequence[object]) -> tuple[np.ndarray, list[object]]:
    """Sum per-item count rows by group: ``([n_groups, ...], group order)``."""
    order: dict[object, int] = {}
    index = np.array([order.setdefault(g, len(order)) for g in groups], dtype=int)
    values = np.asarray(values, dtype=float)
    out = np.zeros((len(order),) + values.shape[1:])
    np.add.at(out, index, values)
    return out, list(order)


def percentile_interval(samples: np.ndarray, confidence: float = 0.95) -> tuple[float | None, float | None]:
    """Percentile bootstrap interval, ignoring undefined (nan) replicates."""
    samples = np.asarray(samples, dtype=float)
    samples = samples[~np.isnan(samples)]
    if samples.size == 0:
        return None, None
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(samples, [alpha, 1.0 - alpha])
    return float(low), float(high)


def bootstrap_intervals(
    group_counts: np.ndarray,
    weights: np.ndarray,
    score_fn: Callable[[np.ndarray], Mapping[str, np.ndarray]],
    keys: Sequence[str],
    confidence: float = 0.95,
) -> dict[str, tuple[float | None, float | None]]:
    """CIs of scalar scores: counts of each resample = weights @ per-group counts."""
    flat = group_counts.reshape(group_counts.shape[0], -1)
    resampled = (weights @ flat).reshape((weights.shape[0],) + group_counts.shape[1:])
    scores = score_fn(resampled)
    return {key: percentile_interval(scores[key], confidence) for key in keys}


def per_item_theme_counts(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """One count vector per paragraph (rows sum to :func:`theme_counts`)."""
    y_true = np.asarray(y_true, dtype=bool).reshape(-1, N_THEMES)
    y_pred = np.asarray(y_pred, dtype=bool).reshape(-1, N_THEMES)
    tp, fp, fn = y_true & y_pred, ~y_true & y_pred, y_true & ~y_pred
    per = np.stack([tp, fp, fn], axis=2).reshape(len(y_true), -1)
    exact = (y_true == y_pred).all(axis=1)
    return np.concatenate([per, exact[:, None], np.ones((len(y_true), 1))], axis=1).astype(float)


def per_item_force_confusion(levels_true: Sequence[int], levels_pred: Sequence[int]) -> np.ndarray:
    """One 5 x 5 one-hot confusion matrix per paragraph."""
    true = np.asarray(levels_true, dtype=int)
    pred = np.asarray(levels_pred, dtype=int)
    out = np.zeros((len(true), N_FORCES, N_FORCES))
    out[np.arange(len(true)), true, pred] = 1.0
    return out


def clean(value: object) -> object:
    """JSON-ready: numpy scalars to Python, nan/inf to None, recursively."""
    if isinstance(value, Mapping):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return clean(value.tolist())
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(value, np.integer):
        return int(value)
    return value
