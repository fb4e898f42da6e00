"""TF-IDF + logistic regression baselines: the scikit-learn contract and pickle-free persistence."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from restag.data.errors import ModelError
from restag.data.records import Paragraph
from restag.data.schema import FORCES, THEMES
from restag.model.baselines import (
    BaselineTagger,
    TfidfConfig,
    constrain_force,
    load_baseline,
    make_tfidf_force,
    make_tfidf_themes,
    save_baseline,
    tfidf_baseline,
    theme_targets,
)

# Hand-written paragraphs (not from the corpus): (kind, text, themes, force).
TRAIN = [
    ("preambular", "Recognizing the role of small enterprises in job creation,", ["poverty"], "preambular"),
    ("preambular", "Noting the growth of exports and market access for developing countries,", ["trade"], "preambular"),
    ("preambular", "Concerned about pollution and the loss of biodiversity,", ["environment"], "preambular"),
    ("preambular", "Recalling its previous resolutions on the subject,", [], "preambular"),
    ("operative", "Encourages Member States to support small enterprises and job creation;", ["poverty"], "hortatory"),
    ("operative", "Encourages Member States to expand exports and market access;", ["trade"], "hortatory"),
    ("operative", "Requests the Secretary-General to report on pollution and biodiversity;", ["environment"], "directive"),
    ("operative", "Requests the Secretary-General to report on the present resolution;", [], "directive"),
    ("operative", "Takes note of the report on small enterprises and job creation;", ["poverty"], "declaratory"),
    ("operative", "Takes note of the report on exports and market access;", ["trade"], "declaratory"),
    ("operative", "Decides to include the item on pollution in its agenda;", ["environment"], "decisional"),
    ("operative", "Decides to include the item in the agenda of its next session;", [], "decisional"),
]


def items() -> list[Paragraph]:
    return [Paragraph("A/RES/0/1", kind, i + 1, text) for i, (kind, text, _, _) in enumerate(TRAIN)]


@pytest.fixture(scope="module")
def fitted() -> BaselineTagger:
    return tfidf_baseline(items(), [t for _, _, t, _ in TRAIN], [f for _, _, _, f in TRAIN], TfidfConfig(min_df=1))


def test_pipelines_follow_the_sklearn_contract() -> None:
    X, forces = items(), np.array([f for _, _, _, f in TRAIN], dtype=object)
    force = make_tfidf_force(TfidfConfig(min_df=1))
    assert force.fit(X, forces) is force
    assert sorted(force.classes_) == sorted(set(forces))
    proba = force.predict_proba(X)
    assert proba.shape == (len(X), len(force.classes_))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(force.classes_[proba.argmax(axis=1)]) == list(force.predict(X))

    Y = theme_targets([t for _, _, t, _ in TRAIN])
    themes = make_tfidf_themes(TfidfConfig(min_df=1))
    assert themes.fit(X, Y) is themes
    assert list(themes.classes_) == list(range(len(THEMES)))  # column j is THEMES[j]
    assert themes.predict_proba(X).shape == (len(X), len(THEMES))
    # It learns the training data of this easy fixture.
    np.testing.assert_array_equal(themes.predict(X), Y)


def test_baseline_tagger_applies_the_kind_constraint(fitted: BaselineTagger) -> None:
    preds = fitted.predict([
        Paragraph("A/RES/0/2", "operative", 1, "Recalling exports"),  # preambular wording, operative kind
        Paragraph("A/RES/0/2", "preambular", 1, "Requests the Secretary-General to report;"),
    ])
    assert preds[0].force != "preambular" and preds[0].force_scores["preambular"] == 0.0
    assert preds[1].force == "preambular" and preds[1].force_scores["preambular"] == 1.0
    for p in preds:
        assert sum(p.force_scores.values()) == pytest.approx(1.0)
        assert set(p.theme_scores) == set(THEMES)


def test_constrain_force_keeps_an_all_zero_operative_row_valid() -> None:
    proba = np.array([[1.0, 0, 0, 0, 0], [0.2, 0.2, 0.2, 0.2, 0.2]])
    out = constrain_force(proba, ["operative", None])
    np.testing.assert_array_equal(out[0], [0, 1, 0, 0, 0])  # declaratory when nothing else is left
    np.testing.assert_array_equal(out[1], proba[1])  # unknown kind: untouched


def test_save_and_load_round_trip_without_pickle(fitted: BaselineTagger, tmp_path: Path) -> None:
    save_baseline(fitted, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline.json", "baseline.safetensors"]
    meta = json.loads((tmp_path / "baseline.json").read_text(encoding="utf-8"))
    assert meta["themes"] == list(THEMES) and meta["forces"] == list(FORCES)
    loaded = load_baseline(tmp_path)
    probe = items() + [Paragraph("A/RES/0/3", "operative", 1, "Urges unseen words about exports;")]
    for a, b in zip(fitted.predict(probe), loaded.predict(probe)):
        assert a.themes == b.themes and a.force == b.force
        for label in THEMES:
            assert a.theme_scores[label] == pytest.approx(b.theme_scores[label], abs=1e-12)
        for label in FORCES:
            assert a.force_scores[label] == pytest.approx(b.force_scores[label], abs=1e-12)


def test_load_errors_say_what_is_missing(tmp_path: Path, fitted: BaselineTagger) -> None:
    with pytest.raises(ModelError, match="baseline.json"):
        load_baseline(tmp_path)
    save_baseline(fitted, tmp_path)
    meta = json.loads((tmp_path / "baseline.json").read_text(encoding="utf-8"))
    meta["themes"] = ["poverty", "health"]
    (tmp_path / "baseline.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match="refit"):
        load_baseline(tmp_path)
