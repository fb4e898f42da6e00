"""The ONNX Runtime backend: same labels as torch, exported once, cached in the right place."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from restag.data.readers import read_resolution
from restag.model import onnx_backend
from restag.model.artifact import Artifact
from restag.model.onnx_backend import OnnxBackend

BATCH_DOCS = Path(__file__).parent / "data" / "batch" / "good"


@pytest.fixture
def model_copy(tiny_model_dir: Path, tmp_path: Path) -> Path:
    """A private copy: the ONNX cache is written beside the model."""
    return Path(shutil.copytree(tiny_model_dir, tmp_path / "model"))


@pytest.fixture(scope="module")
def paragraphs(seed_path: Path) -> list:
    docs = [seed_path, *sorted(p for p in BATCH_DOCS.rglob("*") if p.is_file() and ".hidden" not in p.parts)]
    return [p for doc in docs for p in read_resolution(doc).paragraphs]


def label_agreement(a: list, b: list) -> float:
    from restag.data.schema import THEMES

    same = sum((t in x.themes) == (t in y.themes) for x, y in zip(a, b) for t in THEMES) + sum(x.force == y.force for x, y in zip(a, b))
    return same / (4 * len(a))


@pytest.mark.parametrize("quantize", [False, True], ids=["fp32", "int8"])
def test_onnx_agrees_with_torch(model_copy: Path, paragraphs: list, quantize: bool) -> None:
    from restag.model.tagger import Tagger

    reference = Tagger.load(model_copy).predict(paragraphs)
    onnx = Tagger.load(model_copy, backend=OnnxBackend.from_artifact(Artifact.open(model_copy), quantize=quantize))
    predictions = onnx.predict(paragraphs, batch_size=8)
    assert [p.id for p in predictions] == [p.id for p in reference]
    if not quantize:  # fp32 computes the same function: scores equal up to float noise
        assert label_agreement(reference, predictions) == 1.0
        for a, b in zip(reference, predictions):
            assert dict(b.theme_scores) == pytest.approx(dict(a.theme_scores), abs=1e-4)
            assert dict(b.force_scores) == pytest.approx(dict(a.force_scores), abs=1e-4)
    else:  # int8 approximates it (the bench measures how well on the real models: ~99% of dev labels)
        differences = [abs(a.theme_scores[t] - b.theme_scores[t]) for a, b in zip(reference, predictions) for t in a.theme_scores]
        assert label_agreement(reference, predictions) >= 0.95
        assert float(np.mean(differences)) < 0.05


def test_tagger_load_finds_the_onnx_backend_by_name(model_copy: Path, paragraphs: list) -> None:
    from restag.model.tagger import Tagger

    tagger = Tagger.load(model_copy, backend="onnx")
    assert isinstance(tagger.backend, OnnxBackend)
    assert len(tagger.predict(paragraphs[:5])) == 5


def test_export_happens_once_then_the_cache_is_used(model_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = OnnxBackend.from_artifact(Artifact.open(model_copy), quantize=True)
    assert first.path.parent == model_copy / ".restag-cache" and first.path.name.endswith(".int8.onnx")
    cached = sorted(p.name for p in first.path.parent.iterdir())

    def no_torch(self):  # noqa: ANN001
        raise AssertionError("the torch network was built although the export is cached")

    monkeypatch.setattr(Artifact, "load_network", no_torch)
    again = OnnxBackend.from_artifact(Artifact.open(model_copy), quantize=True)
    fp32 = OnnxBackend.from_artifact(Artifact.open(model_copy))  # the default: exact fp32
    assert again.path == first.path and fp32.path.name.endswith(".fp32.onnx")
    assert sorted(p.name for p in first.path.parent.iterdir()) == cached


def test_changed_weights_get_a_new_export(model_copy: Path) -> None:
    before = onnx_backend.fingerprint(model_copy)
    heads = model_copy / "heads.safetensors"
    from safetensors.torch import load_file, save_file

    tensors = load_file(str(heads))
    tensors["theme_head.bias"] = tensors["theme_head.bias"] + 1.0
    save_file(tensors, str(heads))
    assert onnx_backend.fingerprint(model_copy) != before


def test_read_only_model_dir_caches_in_the_user_cache(model_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Root may write anywhere, so read-only-ness is simulated at the probe.
    real = onnx_backend._writable_dir
    monkeypatch.setattr(onnx_backend, "_writable_dir", lambda d: False if d.parent == model_copy else real(d))
    monkeypatch.setenv("RESTAG_CACHE", str(tmp_path / "cache"))
    backend = OnnxBackend.from_artifact(Artifact.open(model_copy))
    assert (tmp_path / "cache") in backend.path.parents
    assert not (model_copy / ".restag-cache").exists()


def test_all_padding_columns_are_trimmed_without_changing_logits(model_copy: Path) -> None:
    backend = OnnxBackend.from_artifact(Artifact.open(model_copy), quantize=False)
    ids = np.array([[101, 2023, 2003, 102, 0], [101, 2178, 102, 0, 0]], dtype=np.int64)
    mask = (ids != 0).astype(np.int64)
    padded_ids = np.pad(ids, ((0, 0), (0, 40)))
    padded_mask = np.pad(mask, ((0, 0), (0, 40)))
    for a, b in zip(backend.logits(ids, mask), backend.logits(padded_ids, padded_mask)):
        np.testing.assert_allclose(a, b, atol=1e-5)
    theme, force = backend.logits(ids[:1, :4], mask[:1, :4])
    assert theme.shape == (1, 3) and force.shape == (1, 5) and theme.dtype == np.float32


def test_token_budget_slices_give_the_same_logits(model_copy: Path, paragraphs: list) -> None:
    from restag.model.tagger import Tagger

    path = OnnxBackend.from_artifact(Artifact.open(model_copy), quantize=False).path
    whole = Tagger.load(model_copy, backend=OnnxBackend(path, max_batch_tokens=10**6))
    sliced = Tagger.load(model_copy, backend=OnnxBackend(path, max_batch_tokens=64))  # ~1-2 rows per run
    texts = [p.text for p in paragraphs]
    for a, b in zip(whole.logits(texts, batch_size=16), sliced.logits(texts, batch_size=16)):
        np.testing.assert_allclose(a, b, atol=1e-4)


def test_export_uses_plain_attention_without_the_sdpa_nan_guard(model_copy: Path) -> None:
    """SDPA traces to IsNaN/Where over every attention score, which costs ~13% of int8 time."""
    import onnx

    path = OnnxBackend.from_artifact(Artifact.open(model_copy), quantize=False).path
    ops = {node.op_type for node in onnx.load(str(path)).graph.node}
    assert "Softmax" in ops and "MatMul" in ops
    assert "IsNaN" not in ops
