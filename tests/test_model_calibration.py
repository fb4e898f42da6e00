"""Calibration math: temperatures, thresholds, kind constraint, ECE."""

from __future__ import annotations

import numpy as np
import pytest

from restag.data.errors import ModelError
from restag.model.calibration import (
    Calibration,
    best_threshold,
    constrain_kinds,
    fit_calibration,
    fit_sigmoid_temperature,
    fit_softmax_temperature,
    sigmoid,
    softmax,
)


def test_sigmoid_softmax_stable() -> None:
    assert sigmoid(np.array([-1000.0, 0.0, 1000.0])).tolist() == [0.0, 0.5, 1.0]
    probs = softmax(np.array([[1000.0, 0.0], [0.0, 0.0]]))
    assert np.allclose(probs, [[1.0, 0.0], [0.5, 0.5]])


def test_sigmoid_temperature_recovers_overconfidence() -> None:
    rng = np.random.default_rng(0)
    true_logits = rng.normal(0, 2, 20000)
    targets = rng.random(20000) < sigmoid(true_logits)
    # a model three times too confident: T should come out near 3
    assert fit_sigmoid_temperature(3 * true_logits, targets) == pytest.approx(3.0, rel=0.1)


def test_softmax_temperature_recovers_underconfidence() -> None:
    rng = np.random.default_rng(1)
    logits = rng.normal(0, 3, (20000, 5))
    labels = np.array([rng.choice(5, p=p) for p in softmax(logits)])
    assert fit_softmax_temperature(logits / 2, labels) == pytest.approx(0.5, rel=0.1)


def test_best_threshold_separates() -> None:
    probs = np.array([0.1, 0.2, 0.3, 0.6, 0.7, 0.9])
    targets = np.array([0, 0, 1, 1, 1, 1])
    threshold, f1 = best_threshold(probs, targets)
    assert 0.2 < threshold <= 0.3 and f1 == 1.0


def test_best_threshold_prefers_half_on_ties() -> None:
    threshold, f1 = best_threshold(np.array([0.1, 0.9]), np.array([0, 1]))
    assert threshold == 0.5 and f1 == 1.0


def test_kind_constraint() -> None:
    probs = np.array([[0.5, 0.2, 0.1, 0.1, 0.1]] * 3)
    out = constrain_kinds(probs, ["preambular", "operative", None])
    assert out[0].tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]
    assert out[1][0] == 0.0 and out[1].sum() == pytest.approx(1.0) and out[1][1] == pytest.approx(0.4)
    assert out[2].tolist() == probs[2].tolist()
    assert probs[0, 0] == 0.5  # input untouched


def test_fit_calibration_and_round_trip(tmp_path) -> None:
    rng = np.random.default_rng(2)
    theme_targets = rng.random((400, 3)) < 0.3
    theme_logits = np.where(theme_targets, 2.0, -2.0) + rng.normal(0, 1.5, (400, 3))
    force_labels = rng.integers(0, 5, 400)
    force_logits = np.eye(5)[force_labels] * 4 + rng.normal(0, 1, (400, 5))
    calibration = fit_calibration(theme_logits, theme_targets, force_logits, force_labels, fitted_on="synthetic")
    assert all(0 < t < 1 for t in calibration.theme_thresholds)
    assert set(calibration.notes) == {"dev_f1_poverty", "dev_f1_trade", "dev_f1_environment"}
    calibration.save(tmp_path / "c.json")
    assert Calibration.load(tmp_path / "c.json") == calibration
    decisions = calibration.theme_decisions(calibration.theme_probabilities(theme_logits))
    assert decisions.shape == (400, 3) and decisions.dtype == bool


def test_calibration_validates() -> None:
    with pytest.raises(ModelError):
        Calibration(theme_thresholds=(0.5, 1.0, 0.5))
    with pytest.raises(ModelError):
        Calibration(force_temperature=0.0)

