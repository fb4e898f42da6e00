"""The predict API contract, on the tiny random model (fast, no shared data)."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from restag.data.errors import LabelError, ModelError
from restag.data.records import Paragraph
from restag.data.schema import FORCES, THEMES
from restag.model import Prediction
from restag.model.tagger import CHUNK_BATCHES, Tagger

TEXTS = [
    "Encourages Member States to promote renewable energy and energy efficiency;",
    "Requests the Secretary-General to submit a report at its next session;",
    "Stresses the importance of small and medium-sized enterprises, export diversification and market access for developing countries, including through aid for trade and the removal of tariff barriers;",
    "Decides to include in the provisional agenda the item entitled “Industrial development cooperation”;",
    "Notes",
]


@pytest.fixture(scope="module")
def tagger(tiny_model_dir: Path) -> Tagger:
    return Tagger.load(tiny_model_dir)


def test_contract(tagger: Tagger) -> None:
    results = tagger.predict(TEXTS)
    assert len(results) == len(TEXTS)
    for result in results:
        assert isinstance(result, Prediction)
        assert tuple(result.theme_scores) == THEMES and tuple(result.force_scores) == FORCES
        assert all(type(v) is float and 0.0 <= v <= 1.0 for v in [*result.theme_scores.values(), *result.force_scores.values()])
        assert sum(result.force_scores.values()) == pytest.approx(1.0)
        assert result.force == FORCES[result.force_level]
        assert result.force_scores[result.force] == max(result.force_scores.values())
        assert result.id is None
        json.dumps(result.to_dict())  # plain Python values only: no tensors, no numpy
        with pytest.raises(dataclasses.FrozenInstanceError):
            result.force = "decisional"  # type: ignore[misc]


def test_thresholds_decide_themes(tagger: Tagger) -> None:
    thresholds = dict(zip(THEMES, tagger.calibration.theme_thresholds))
    for result in tagger.predict(TEXTS):
        assert result.themes == tuple(t for t in THEMES if result.theme_scores[t] >= thresholds[t])


def test_frozen_results(tagger: Tagger) -> None:
    """The tiny model is seeded: its outputs are fixed (guards tokenization, pooling, calibration)."""
    result = tagger.predict([TEXTS[0]])[0]
    scores = [round(result.theme_scores[t], 4) for t in THEMES] + [round(result.force_scores[f], 4) for f in FORCES]
    assert scores == pytest.approx(EXPECTED_TEXT0, abs=2e-4)


#: Theme then force scores of TEXTS[0] from the seed-0 tiny model (torch 2.13, CPU).
EXPECTED_TEXT0 = [0.0001, 0.7707, 0.1022, 0.0014, 0.0, 0.0254, 0.0066, 0.9666]


def test_order_and_batching_do_not_change_results(tagger: Tagger) -> None:
    reference = tagger.predict(TEXTS, batch_size=len(TEXTS))
    for batch_size in (1, 2, 3):
        again = tagger.predict(TEXTS, batch_size=batch_size)
        for a, b in zip(reference, again):
            assert a.force == b.force and a.themes == b.themes
            assert np.allclose(list(a.theme_scores.values()), list(b.theme_scores.values()), atol=1e-5)
    reversed_results = tagger.predict(TEXTS[::-1])[::-1]
    for a, b in zip(reference, reversed_results):
        assert np.allclose(list(a.force_scores.values()), list(b.force_scores.values()), atol=1e-5)


def test_streaming_many_items_in_order(tagger: Tagger) -> None:
    n = 2 * CHUNK_BATCHES * 2 + 3  # several chunks with batch_size 2
    items = (TEXTS[i % len(TEXTS)] for i in range(n))  # a generator: never a list
    stream = tagger.predict_iter(items, batch_size=2)
    first = tagger.predict(TEXTS)
    for i, result in enumerate(stream):
        assert result.force_scores == pytest.approx(dict(first[i % len(TEXTS)].force_scores), abs=1e-5)
    assert i == n - 1


def test_empty_input(tagger: Tagger) -> None:
    assert tagger.predict([]) == []
    assert list(tagger.predict_iter(iter([]))) == []


@pytest.mark.parametrize("bad", [42, None, b"bytes", {"text": "x"}])
def test_non_string_item_is_a_type_error(tagger: Tagger, bad: object) -> None:
    with pytest.raises(TypeError, match=r"item 1 is of type .*expected a paragraph string or a restag.data.Paragraph"):
        tagger.predict(["fine", bad])  # type: ignore[list-item]


def test_kind_constraint_and_ids(tagger: Tagger) -> None:
    text = TEXTS[3]
    pre = Paragraph("A/RES/1/1", "preambular", 2, text)
    op = Paragraph("A/RES/1/1", "operative", 7, text)
    plain, p, o = tagger.predict([text, pre, op])
    assert p.force == "preambular" and p.force_scores["preambular"] == 1.0 and p.id == "A/RES/1/1#p2"
    assert o.force != "preambular" and o.force_scores["preambular"] == 0.0 and o.id == "A/RES/1/1#o7"
    assert p.theme_scores == plain.theme_scores == o.theme_scores  # kind only touches force


def test_long_text_is_truncated(tagger: Tagger) -> None:
    [result] = tagger.predict(["Encourages trade " * 2000])
    assert result.force in FORCES


def test_custom_backend_object(tiny_model_dir: Path) -> None:
    class Fixed:
        def logits(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            n = len(input_ids)
            return np.tile([10.0, -10.0, 0.0], (n, 1)), np.tile([0.0, 0.0, 0.0, 0.0, 10.0], (n, 1))

    tagger = Tagger.load(tiny_model_dir, backend=Fixed())
    [result] = tagger.predict(["anything"])
    assert result.force == "decisional" and "poverty" in result.themes and "trade" not in result.themes


def test_load_errors(tmp_path: Path, tiny_model_dir: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        Tagger.load(tmp_path / "missing")
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model_dir, broken)
    (broken / "heads.safetensors").unlink()
    with pytest.raises(ModelError, match="heads.safetensors"):
        Tagger.load(broken)
    relabelled = tmp_path / "relabelled"
    shutil.copytree(tiny_model_dir, relabelled)
    (relabelled / "labels.json").write_text(json.dumps({"version": "0", "themes": ["a"], "forces": list(FORCES)}))
    with pytest.raises(LabelError, match="retrain"):
        Tagger.load(relabelled)
    with pytest.raises(ModelError, match="unknown backend"):
        Tagger.load(tiny_model_dir, backend="tpu")


def test_import_is_light() -> None:
    import subprocess

    code = "import sys, restag.model; assert 'torch' not in sys.modules and 'transformers' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_rule_features_add_learned_offsets(tmp_path: Path) -> None:
    """A model whose feature map trusts the lead-verb rule follows it, on every input form."""
    import torch

    from restag.model.features import FEATURE_NAMES, rule_features
    from restag.model.tiny import build_tiny_artifact

    weight = torch.zeros(len(THEMES) + len(FORCES), len(FEATURE_NAMES))
    for level in range(len(FORCES)):
        weight[len(THEMES) + level, level] = 100.0  # rule level -> force logit
    directory = build_tiny_artifact(tmp_path / "m", seed=1, feature_weight=weight)
    tagger = Tagger.load(directory)
    texts = ["Decides to convene a meeting;", "Requests the Secretary-General to report;", "Welcomes the report;"]
    assert [r.force for r in tagger.predict(texts)] == ["decisional", "directive", "declaratory"]
    features = rule_features(["Recalling its resolution 1/1,", "Encourages renewable energy;"], [None, "operative"])
    assert features.shape == (2, len(FEATURE_NAMES))
    assert features[0, FORCES.index("preambular")] == 1.0 and features[1, FORCES.index("hortatory")] == 1.0
    assert features[1, len(FORCES) + THEMES.index("environment")] == 1.0
