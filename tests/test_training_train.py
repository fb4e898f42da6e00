"""The training loop, end to end: on a tiny encoder (fast) and on the real labels (slow)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from restag.data.schema import FORCES
from restag.model.tagger import Tagger
from restag.training.config import TrainConfig
from restag.training.train import train

def test_train_tiny_encoder_writes_a_loadable_artifact(tmp_path: Path, tiny_encoder_dir: Path, synthetic_labels: Callable[..., Path]) -> None:
    labels = synthetic_labels(tmp_path / "labels.jsonl", {"train": 60, "dev": 30})
    config = TrainConfig(labels=str(labels), output=str(tmp_path / "model"), encoder=str(tiny_encoder_dir), max_length=32,
                         frozen_layers=1, lora_rank=2, lora_alpha=4.0, epochs=2, batch_size=8, progress=False)
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text("{}")  # an earlier model there is replaced whole
    metrics = train(config)
    names = {p.name for p in (tmp_path / "model").iterdir()}
    assert not list(tmp_path.glob(".model.*"))  # no staging or backup left behind
    assert {"config.json", "labels.json", "heads.safetensors", "lora.safetensors", "calibration.json",
            "metrics.json", "train_log.jsonl"} <= names
    assert "encoder.safetensors" not in names  # LoRA + heads only; the encoder comes from its reference
    assert metrics["dev"]["n"] == 30 and 0.0 <= metrics["dev"]["theme_macro_f1"] <= 1.0
    # The reloaded artifact (adapters merged) reproduces the training-time dev figures.
    assert metrics["dev_reloaded"]["theme_macro_f1"] == pytest.approx(metrics["dev"]["theme_macro_f1"], abs=1e-6)
    assert metrics["dev_reloaded"]["force_macro_f1"] == pytest.approx(metrics["dev"]["force_macro_f1"], abs=1e-6)
    log = [json.loads(line) for line in (tmp_path / "model" / "train_log.jsonl").read_text().splitlines()]
    assert log[0]["event"] == "start" and log[-1]["event"] == "end"
    assert [row["epoch"] for row in log if row["event"] == "dev"] == [1, 2][: metrics["epochs_run"]]
    [result] = Tagger.load(tmp_path / "model").predict(["Encourages renewable energy;"])
    assert result.force in FORCES


def test_training_is_deterministic(tmp_path: Path, tiny_encoder_dir: Path, synthetic_labels: Callable[..., Path]) -> None:
    labels = synthetic_labels(tmp_path / "labels.jsonl", {"train": 40, "dev": 20})
    runs = []
    for name in ("a", "b"):
        config = TrainConfig(labels=str(labels), output=str(tmp_path / name), encoder=str(tiny_encoder_dir), max_length=32,
                             frozen_layers=1, lora_rank=2, epochs=1, batch_size=8, progress=False, threads=1)
        runs.append(train(config)["dev"])
    assert runs[0] == runs[1]


def test_file_without_dev_split_holds_out_resolutions(tmp_path: Path, tiny_encoder_dir: Path, synthetic_labels: Callable[..., Path]) -> None:
    labels = synthetic_labels(tmp_path / "labels.jsonl", {"train": 60})
    config = TrainConfig(labels=str(labels), output=str(tmp_path / "m"), encoder=str(tiny_encoder_dir), max_length=32,
                         frozen_layers=1, lora_rank=2, epochs=1, batch_size=8, progress=False)
    metrics = train(config)
    assert "held out" in metrics["data"]["dev_from"]
    assert metrics["data"]["train"] + metrics["data"]["dev"] == 60
    assert metrics["dev_reloaded"] is None


@pytest.mark.slow
def test_train_a_few_steps_on_real_labels(gold_labels: Path, tmp_path: Path) -> None:
    config = TrainConfig(labels=str(gold_labels), output=str(tmp_path / "model"), max_length=48, frozen_layers=5,
                         max_train=300, max_steps=5, epochs=1, progress=False)
    metrics = train(config)
    assert metrics["steps"] == 5 and metrics["data"]["dev"] > 0
    assert Tagger.load(tmp_path / "model").predict(["Requests the Secretary-General to report;"])[0].force in FORCES


def test_refuses_to_overwrite_a_foreign_directory(tmp_path: Path) -> None:
    from restag.training.config import ConfigError

    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not a restag model directory"):
        train(TrainConfig(output=str(tmp_path / "notes"), progress=False))
    assert (tmp_path / "notes" / "todo.txt").read_text() == "mine"


def test_time_budget_stops_between_epochs(tmp_path: Path, tiny_encoder_dir: Path, synthetic_labels: Callable[..., Path]) -> None:
    labels = synthetic_labels(tmp_path / "labels.jsonl", {"train": 40, "dev": 20})
    config = TrainConfig(labels=str(labels), output=str(tmp_path / "m"), encoder=str(tiny_encoder_dir), max_length=32,
                         frozen_layers=1, lora_rank=2, epochs=5, patience=5, batch_size=8, progress=False,
                         time_budget_s=1e-3)
    metrics = train(config)
    assert metrics["epochs_run"] == 1
    log = [json.loads(line) for line in (tmp_path / "m" / "train_log.jsonl").read_text().splitlines()]
    assert any(row["event"] == "stop" and "time budget" in row["reason"] for row in log)
