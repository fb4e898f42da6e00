"""From logits to calibrated probabilities and labels: temperatures, thresholds, kinds.

Pure numpy, shared by training (fitting) and the Tagger (applying):

- temperature scaling (Guo et al., 2017): one temperature per theme sigmoid and one for the
  force softmax, fitted on ``dev`` by minimising the negative log-likelihood, so that a
  score of 0.8 is right about 80% of the time;
- a decision threshold per theme, chosen on ``dev`` to maximise that theme's F1;
- the kind constraint of LABELS.md: a preambular paragraph is always ``preambular``, an
  operative one never is.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from restag.data.errors import ModelError
from restag.data.schema import FORCE_LEVEL, FORCES, THEMES

PREAMBULAR = FORCE_LEVEL["preambular"]

#: Temperatures tried by the fit (log-spaced); a grid keeps the fit exact and dependency-free.
TEMPERATURE_GRID = np.exp(np.linspace(np.log(0.05), np.log(20.0), 400))


@dataclass(frozen=True)
class Calibration:
    """Per-theme temperatures and thresholds, and the force temperature (``calibration.json``)."""

    theme_temperatures: tuple[float, ...] = (1.0,) * len(THEMES)
    theme_thresholds: tuple[float, ...] = (0.5,) * len(THEMES)
    force_temperature: float = 1.0
    fitted_on: str = "none"  # which data the values come from, e.g. "dev (310 paragraphs)"
    notes: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "theme_temperatures", tuple(float(t) for t in self.theme_temperatures))
        object.__setattr__(self, "theme_thresholds", tuple(float(t) for t in self.theme_thresholds))
        if len(self.theme_temperatures) != len(THEMES) or len(self.theme_thresholds) != len(THEMES):
            raise ModelError(f"calibration: expected {len(THEMES)} theme temperatures and thresholds")
        if min(self.theme_temperatures) <= 0 or self.force_temperature <= 0:
            raise ModelError("calibration: temperatures must be > 0")
        if not all(0.0 < t < 1.0 for t in self.theme_thresholds):
            raise ModelError(f"calibration: thresholds {self.theme_thresholds} must lie in (0, 1)")

    def theme_probabilities(self, logits: np.ndarray) -> np.ndarray:
        return sigmoid(np.asarray(logits, dtype=np.float64) / np.asarray(self.theme_temperatures))

    def force_probabilities(self, logits: np.ndarray, kinds: list[str | None] | None = None) -> np.ndarray:
        probs = softmax(np.asarray(logits, dtype=np.float64) / self.force_temperature)
        return probs if kinds is None else constrain_kinds(probs, kinds)

    def theme_decisions(self, probabilities: np.ndarray) -> np.ndarray:
        return probabilities >= np.asarray(self.theme_thresholds)

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["themes"] = list(THEMES)
        data["theme_temperatures"] = list(self.theme_temperatures)
        data["theme_thresholds"] = list(self.theme_thresholds)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> "Calibration":
        data = dict(data)
        themes = data.pop("themes", list(THEMES))
        if list(themes) != list(THEMES):  # type: ignore[call-overload]
            raise ModelError(f"calibration.json is for themes {themes}; expected {list(THEMES)}")
        return cls(**data)  # type: ignore[arg-type]

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "Calibration":
        try:
            return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError, TypeError) as error:
            raise ModelError(f"cannot read calibration {path}: {error}") from None


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free


def softmax(x: np.ndarray) -> np.ndarray:
    z = x - x.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def constrain_kinds(probabilities: np.ndarray, kinds: list[str | None]) -> np.ndarray:
    """Apply the kind rule: preambular -> all mass on ``preambular``; operative -> none on it.

    Rows whose kind is ``None`` (plain strings) are left as the model gave them.
    """
    out = np.array(probabilities, dtype=np.float64, copy=True)
    for row, kind in enumerate(kinds):
        if kind == "preambular":
            out[row] = 0.0
            out[row, PREAMBULAR] = 1.0
        elif kind == "operative":
            out[row, PREAMBULAR] = 0.0
            total = out[row].sum()
            out[row] = out[row] / total if total > 0 else np.full(len(FORCES), 0.0)
            if total <= 0:
                out[row, FORCE_LEVEL["declaratory"]] = 1.0
    return out


def fit_sigmoid_temperature(logits: np.ndarray, targets: np.ndarray) -> float:
    """Temperature minimising the binary NLL of ``sigmoid(logits / T)`` against 0/1 targets."""
    logits = np.asarray(logits, dtype=np.float64)[None, :] / TEMPERATURE_GRID[:, None]
    targets = np.asarray(targets, dtype=np.float64)[None, :]
    # log(1 + exp(-|z|)) + max(z, 0) - z * y  is the stable binary cross-entropy with logits
    nll = (np.logaddexp(0.0, logits) - logits * targets).mean(axis=1)
    return float(TEMPERATURE_GRID[int(np.argmin(nll))])


def fit_softmax_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """Temperature minimising the multiclass NLL of ``softmax(logits / T)``."""
    logits = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    best, best_nll = 1.0, np.inf
    for t in TEMPERATURE_GRID:
        z = logits / t
        log_norm = np.logaddexp.reduce(z, axis=1)
        nll = float((log_norm - z[np.arange(len(labels)), labels]).mean())
        if nll < best_nll:
            best, best_nll = float(t), nll
    return best


def best_threshold(probabilities: np.ndarray, targets: np.ndarray) -> tuple[float, float]:
    """Threshold in (0, 1) maximising F1 of ``probabilities >= t``; returns (t, F1).

    Candidates are midpoints between consecutive distinct scores, so the choice does not
    sit on a dev example; ties go to the threshold closest to 0.5.
    """
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(targets).astype(bool)
    values = np.unique(np.clip(p, 1e-6, 1 - 1e-6))
    candidates = np.concatenate([[0.5], (values[:-1] + values[1:]) / 2.0]) if len(values) > 1 else np.array([0.5])
    best_t, best_f1 = 0.5, -1.0
    for t in candidates:
        predicted = p >= t
        tp = float((predicted & y).sum())
        denominator = float(predicted.sum() + y.sum())
        f1 = 2 * tp / denominator if denominator else 1.0
        if f1 > best_f1 + 1e-12 or (abs(f1 - best_f1) <= 1e-12 and abs(t - 0.5) < abs(best_t - 0.5)):
            best_t, best_f1 = float(t), f1
    return best_t, best_f1


def fit_calibration(
    theme_logits: np.ndarray,
    theme_targets: np.ndarray,
    force_logits: np.ndarray,
    force_labels: np.ndarray,
    *,
    fitted_on: str = "dev",
) -> Calibration:
    """Fit temperatures (NLL), then per-theme thresholds (F1) on the calibrated scores."""
    theme_logits = np.asarray(theme_logits, dtype=np.float64)
    theme_targets = np.asarray(theme_targets)
    temperatures = tuple(fit_sigmoid_temperature(theme_logits[:, j], theme_targets[:, j]) for j in range(len(THEMES)))
    probabilities = sigmoid(theme_logits / np.asarray(temperatures))
    fits = [best_threshold(probabilities[:, j], theme_targets[:, j]) for j in range(len(THEMES))]
    return Calibration(
        theme_temperatures=temperatures,
        theme_thresholds=tuple(t for t, _ in fits),
        force_temperature=fit_softmax_temperature(force_logits, force_labels),
        fitted_on=fitted_on,
        notes={f"dev_f1_{theme}": f1 for theme, (_, f1) in zip(THEMES, fits)},
    )

