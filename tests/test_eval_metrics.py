"""Every metric of restag.eval.metrics against scikit-learn or a hand computation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    cohen_kappa_score,
    confusion_matrix,
    f1_score,
    hamming_loss,
    mean_absolute_error,
    precision_recall_fscore_support,
)

from restag.eval import metrics as M

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")

# Gold and predicted themes of six paragraphs (columns poverty, trade, environment).
# trade has no gold support but one prediction; the last two rows are empty in both.
Y_TRUE = np.array([[1, 0, 1], [1, 0, 0], [0, 0, 1], [1, 0, 0], [0, 0, 0], [0, 0, 0]])
Y_PRED = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0], [0, 0, 0]])


def theme_scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, np.ndarray]:
    return M.theme_scores_from_counts(M.theme_counts(y_true, y_pred))


def test_theme_scores_match_sklearn_with_a_label_without_support() -> None:
    ours = theme_scores(Y_TRUE, Y_PRED)
    p, r, f, s = precision_recall_fscore_support(Y_TRUE, Y_PRED, zero_division=np.nan)
    np.testing.assert_allclose(ours["precision"], p)
    np.testing.assert_allclose(ours["recall"], r)
    np.testing.assert_allclose(ours["f1"], f)
    np.testing.assert_array_equal(ours["support"], s)
    assert ours["macro_f1"] == pytest.approx(f1_score(Y_TRUE, Y_PRED, average="macro", zero_division=np.nan))
    assert ours["micro_f1"] == pytest.approx(f1_score(Y_TRUE, Y_PRED, average="micro", zero_division=np.nan))
    assert ours["exact_match"] == pytest.approx(accuracy_score(Y_TRUE, Y_PRED))
    assert math.isnan(ours["recall"][1])  # trade: no support, so recall is undefined
    assert ours["hamming_loss"] == pytest.approx(hamming_loss(Y_TRUE, Y_PRED))
    # By hand: poverty tp 2 fp 0 fn 1 -> F1 0.8; trade (no support, one false positive) 0;
    # environment tp 1 fp 0 fn 1 -> 2/3; macro = (0.8 + 0 + 2/3) / 3.
    assert ours["macro_f1"] == pytest.approx((0.8 + 0 + 2 / 3) / 3)
    assert ours["exact_match"] == pytest.approx(3 / 6)


def test_a_label_that_neither_occurs_nor_is_predicted_is_left_out_of_macro_f1() -> None:
    y_true = np.array([[1, 0, 0], [0, 0, 1]])
    y_pred = np.array([[1, 0, 0], [0, 0, 0]])  # trade: no support, no prediction -> undefined
    ours = theme_scores(y_true, y_pred)
    assert math.isnan(ours["f1"][1])
    assert ours["macro_f1"] == pytest.approx((1.0 + 0.0) / 2)
    assert ours["macro_f1"] == pytest.approx(f1_score(y_true, y_pred, average="macro", zero_division=np.nan))


def test_all_empty_themes() -> None:
    empty = np.zeros((4, 3), dtype=int)
    ours = theme_scores(empty, empty)
    assert math.isnan(ours["macro_f1"]) and math.isnan(ours["micro_f1"])
    assert math.isnan(f1_score(empty, empty, average="macro", zero_division=np.nan))
    assert ours["exact_match"] == 1.0
    assert ours["hamming_loss"] == 0.0
    assert M.average_precision(empty, np.full((4, 3), 0.3)) == [None, None, None]


def test_average_precision_per_label_matches_sklearn_and_is_none_without_support() -> None:
    scores = np.array([[0.9, 0.6, 0.4], [0.7, 0.2, 0.1], [0.2, 0.1, 0.8], [0.4, 0.3, 0.3], [0.5, 0.1, 0.6], [0.1, 0.0, 0.2]])
    ap = M.average_precision(Y_TRUE, scores)
    assert ap[1] is None  # trade: no positive support
    assert ap[0] == pytest.approx(average_precision_score(Y_TRUE[:, 0], scores[:, 0]))
    assert ap[2] == pytest.approx(average_precision_score(Y_TRUE[:, 2], scores[:, 2]))


FORCE_TRUE = [0, 0, 1, 1, 2, 3, 3, 4, 1, 2]
FORCE_PRED = [0, 0, 1, 2, 2, 3, 2, 4, 1, 1]


def test_force_scores_match_sklearn() -> None:
    matrix = M.force_confusion(FORCE_TRUE, FORCE_PRED)
    np.testing.assert_array_equal(matrix, confusion_matrix(FORCE_TRUE, FORCE_PRED, labels=range(5)))
    ours = M.force_scores_from_confusion(matrix)
    assert ours["accuracy"] == pytest.approx(accuracy_score(FORCE_TRUE, FORCE_PRED))
    assert ours["macro_f1"] == pytest.approx(f1_score(FORCE_TRUE, FORCE_PRED, average="macro"))
    p, r, f, s = precision_recall_fscore_support(FORCE_TRUE, FORCE_PRED, labels=range(5), zero_division=np.nan)
    np.testing.assert_allclose(ours["precision"], p)
    np.testing.assert_allclose(ours["recall"], r)
    np.testing.assert_allclose(ours["f1"], f)
    np.testing.assert_array_equal(ours["support"], s)
    assert ours["quadratic_kappa"] == pytest.approx(
        cohen_kappa_score(FORCE_TRUE, FORCE_PRED, labels=list(range(5)), weights="quadratic")
    )
    assert ours["level_mae"] == pytest.approx(mean_absolute_error(FORCE_TRUE, FORCE_PRED))


def test_force_macro_f1_averages_classes_present_like_sklearn() -> None:
    # No decisional (4) in gold or predictions: sklearn's default label set leaves it out.
    true, pred = [0, 1, 2, 3, 1], [0, 1, 2, 1, 1]
    ours = M.force_scores_from_confusion(M.force_confusion(true, pred))
    assert ours["macro_f1"] == pytest.approx(f1_score(true, pred, average="macro"))
    assert ours["support"][4] == 0 and math.isnan(ours["f1"][4])


def test_quadratic_kappa_uses_the_full_ordinal_scale_and_is_nan_when_undefined() -> None:
    # Levels 0 and 4 only: distance 4, not 1 (sklearn without labels= would squeeze the scale).
    true, pred = [0, 0, 4, 4], [0, 4, 4, 4]
    ours = M.force_scores_from_confusion(M.force_confusion(true, pred))["quadratic_kappa"]
    assert ours == pytest.approx(cohen_kappa_score(true, pred, labels=list(range(5)), weights="quadratic"))
    undefined = M.force_scores_from_confusion(M.force_confusion([2, 2, 2], [2, 2, 2]))["quadratic_kappa"]
    assert math.isnan(undefined)
    assert math.isnan(cohen_kappa_score([2, 2, 2], [2, 2, 2], labels=list(range(5)), weights="quadratic"))


def test_ece_by_hand() -> None:
    confidence = np.array([0.05, 0.15, 0.18, 0.55, 0.95, 1.0])
    correct = np.array([0, 0, 1, 1, 1, 0])
    rel = M.reliability(confidence, correct, n_bins=10)
    # Bins: [0,.1]: {0.05 wrong}; (.1,.2]: {0.15 wrong, 0.18 right}; (.5,.6]: {0.55 right};
    # (.9,1]: {0.95 right, 1.0 wrong}.
    expected = (1 / 6) * abs(0 - 0.05) + (2 / 6) * abs(0.5 - 0.165) + (1 / 6) * abs(1 - 0.55) + (2 / 6) * abs(0.5 - 0.975)
    assert rel.ece == pytest.approx(expected)
    assert rel.count == (1, 2, 0, 0, 0, 1, 0, 0, 0, 2)
    assert rel.accuracy[2] is None and rel.confidence[1] == pytest.approx(0.165)
    assert sum(rel.count) == rel.n == 6


def test_perfectly_calibrated_and_one_hot_rules() -> None:
    assert M.reliability(np.ones(5), np.ones(5)).ece == 0.0
    proba = np.eye(5)[[0, 1, 2, 3, 4]]
    assert M.force_reliability([0, 1, 2, 3, 0], proba).ece == pytest.approx(1 / 5)
    theme = M.theme_reliability(np.array([[1, 0, 0]]), np.array([[0.8, 0.1, 0.3]]))
    assert theme.ece == pytest.approx((0.2 + 0.1 + 0.3) / 3)


def test_bootstrap_weights_are_seeded_multinomials() -> None:
    w = M.bootstrap_weights(7, 200, seed=3)
    assert w.shape == (200, 7)
    assert (w.sum(axis=1) == 7).all()
    np.testing.assert_array_equal(w, M.bootstrap_weights(7, 200, seed=3))
    assert not np.array_equal(w, M.bootstrap_weights(7, 200, seed=4))


def test_vectorised_bootstrap_equals_an_explicit_resample_of_resolutions() -> None:
    rng = np.random.default_rng(0)
    groups = np.repeat(["A/RES/1", "A/RES/2", "A/RES/3", "A/RES/4", "A/RES/5"], [3, 5, 2, 6, 4])
    y_true = rng.integers(0, 2, size=(len(groups), 3))
    y_pred = rng.integers(0, 2, size=(len(groups), 3))
    f_true = rng.integers(0, 5, size=len(groups))
    f_pred = np.where(rng.random(len(groups)) < 0.7, f_true, rng.integers(0, 5, size=len(groups)))
    weights = M.bootstrap_weights(5, 50, seed=1)

    theme_groups, order = M.group_sums(M.per_item_theme_counts(y_true, y_pred), groups)
    force_groups, _ = M.group_sums(M.per_item_force_confusion(f_true, f_pred), groups)
    vec_theme = M.theme_scores_from_counts(weights @ theme_groups)["macro_f1"]
    vec_force = M.force_scores_from_confusion((weights @ force_groups.reshape(5, -1)).reshape(-1, 5, 5))

    for b in range(len(weights)):
        rows = np.concatenate([np.flatnonzero(groups == g) for g, k in zip(order, weights[b]) for _ in range(int(k))])
        assert vec_theme[b] == pytest.approx(
            f1_score(y_true[rows], y_pred[rows], average="macro", zero_division=np.nan), nan_ok=True)
        assert vec_force["accuracy"][b] == pytest.approx(accuracy_score(f_true[rows], f_pred[rows]))
        assert vec_force["macro_f1"][b] == pytest.approx(f1_score(f_true[rows], f_pred[rows], average="macro"))


def test_per_item_counts_sum_to_the_totals() -> None:
    np.testing.assert_array_equal(M.per_item_theme_counts(Y_TRUE, Y_PRED).sum(axis=0), M.theme_counts(Y_TRUE, Y_PRED))
    np.testing.assert_array_equal(M.per_item_force_confusion(FORCE_TRUE, FORCE_PRED).sum(axis=0),
                                  M.force_confusion(FORCE_TRUE, FORCE_PRED))


def test_percentile_interval_ignores_undefined_resamples() -> None:
    low, high = M.percentile_interval(np.array([np.nan, *np.linspace(0, 1, 101)]), 0.9)
    assert low == pytest.approx(0.05) and high == pytest.approx(0.95)
    assert M.percentile_interval(np.array([np.nan, np.nan])) == (None, None)


def test_shape_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError):
        M.theme_counts(np.zeros((2, 3)), np.zeros((3, 3)))
    with pytest.raises(ValueError):
        M.force_confusion([0, 1], [0])


def test_clean_makes_json_ready() -> None:
    assert M.clean({"a": np.float64("nan"), "b": [np.int64(2), (np.float32(0.5),)], 3: np.array([1.0])}) == {
        "a": None, "b": [2, [0.5]], "3": [1.0]
    }


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=30), st.integers(min_value=0, max_value=10_000))
def test_random_theme_matrices_agree_with_sklearn(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    y_true, y_pred = rng.integers(0, 2, size=(n, 3)), rng.integers(0, 2, size=(n, 3))
    ours = theme_scores(y_true, y_pred)
    assert ours["macro_f1"] == pytest.approx(f1_score(y_true, y_pred, average="macro", zero_division=np.nan), nan_ok=True)
    assert ours["micro_f1"] == pytest.approx(f1_score(y_true, y_pred, average="micro", zero_division=np.nan), nan_ok=True)
    assert ours["hamming_loss"] == pytest.approx(hamming_loss(y_true, y_pred))
    f_true, f_pred = rng.integers(0, 5, size=n), rng.integers(0, 5, size=n)
    force = M.force_scores_from_confusion(M.force_confusion(f_true, f_pred))
    assert force["macro_f1"] == pytest.approx(f1_score(f_true, f_pred, average="macro", zero_division=np.nan))
    kappa = cohen_kappa_score(f_true, f_pred, labels=list(range(5)), weights="quadratic")
    if math.isnan(kappa):
        assert math.isnan(force["quadratic_kappa"])
    else:
        assert force["quadratic_kappa"] == pytest.approx(kappa)
