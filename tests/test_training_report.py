"""``python -m restag.training.report``: prints a model's recorded dev figures."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from restag.training.report import main

METRICS = {
    "dev": {"n": 10, "theme_macro_f1": 0.5, "force_macro_f1": 0.75, "force_accuracy": 0.8, "theme_ece": 0.1, "force_ece": 0.2,
            "theme": {t: {"f1": 0.5, "precision": 0.5, "recall": 0.5, "support": 3} for t in ("poverty", "trade", "environment")},
            "force_f1": {"preambular": 1.0, "declaratory": 0.5}},
    "train_seconds": 12.0, "best_epoch": 2, "epochs_run": 3,
}


def test_report_prints_recorded_figures(tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "m"
    shutil.copytree(tiny_model_dir, model)
    (model / "metrics.json").write_text(json.dumps(METRICS))
    assert main([str(model)]) == 0
    out = capsys.readouterr().out
    assert "theme macro-F1 0.5000" in out and "force macro-F1 0.7500" in out and "training time 12 s" in out
    assert main([str(model), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["artifact_bytes"] > 0


def test_report_without_figures_and_missing_model(tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tiny_model_dir)]) == 0
    assert "no dev figures" in capsys.readouterr().out
    assert main([str(tmp_path / "none")]) == 2
    assert "not found" in capsys.readouterr().err
