"""Training config: validation, JSON file, command-line flags."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from restag.training.cli import config_from_args, configure
from restag.training.config import ConfigError, TrainConfig
from restag.training.train import batches, class_weights


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    configure(parser)
    return parser.parse_args(argv)


def test_defaults_are_valid_and_round_trip(tmp_path: Path) -> None:
    config = TrainConfig()
    config.save(tmp_path / "c.json")
    assert TrainConfig.from_file(tmp_path / "c.json") == config
    assert config.model_config().lora_rank == config.lora_rank


@pytest.mark.parametrize("bad", [{"epochs": 0}, {"lr": 0.0}, {"theme_weighting": "log"}, {"max_length": 1000},
                                 {"dev_split": "train"}])
def test_validation(bad: dict) -> None:
    with pytest.raises(ConfigError, match="restag train --help"):
        TrainConfig(**bad)


def test_flags_override_file(tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text(json.dumps({"epochs": 3, "lr": 0.01}))
    config = config_from_args(parse(["--config", str(tmp_path / "c.json"), "--epochs", "5", "--progress", "false"]))
    assert (config.epochs, config.lr, config.progress) == (5, 0.01, False)


def test_unknown_key_in_file(tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text(json.dumps({"epoch": 3}))
    with pytest.raises(ConfigError, match="unknown key"):
        config_from_args(parse(["--config", str(tmp_path / "c.json")]))


def test_help_lists_every_field(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse(["--help"])
    text = capsys.readouterr().out
    assert "--frozen-layers" in text and "--theme-weighting" in text and "--seed" in text


def test_batches_are_deterministic_and_complete() -> None:
    lengths = list(np.random.default_rng(0).integers(5, 200, 500))
    first = batches(lengths, 16, np.random.default_rng(7))
    again = batches(lengths, 16, np.random.default_rng(7))
    assert all((a == b).all() for a, b in zip(first, again))
    assert sorted(np.concatenate(first).tolist()) == list(range(500))
    assert max(len(b) for b in first) == 16


def test_class_weights() -> None:
    counts = np.array([10.0, 40.0])
    assert class_weights(counts, np.array([90.0, 60.0]), "balanced").tolist() == pytest.approx([9.0, 1.5])
    assert class_weights(counts, np.array([90.0, 60.0]), "sqrt").tolist() == pytest.approx([3.0, 1.5 ** 0.5])
    assert class_weights(counts, None, "balanced").tolist() == pytest.approx([2.5, 0.625])
    assert class_weights(counts, None, "none").tolist() == [1.0, 1.0]
