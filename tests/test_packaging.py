"""The four folders install under one import name, ``restag``, and nowhere else."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from restag.data import schema

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_has_only_the_restag_top_level(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)],
        check=True,
        cwd=tmp_path,
    )
    (wheel,) = tmp_path.glob("restag-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/", 1)[0] for name in names if not name.startswith("restag-")}
    assert top_level == {"restag"}, f"unexpected top-level entries in the wheel: {top_level}"
    for sub in ("data", "model", "training", "eval"):
        assert f"restag/{sub}/__init__.py" in names
    assert "restag/cli.py" in names
    assert "restag/data/examples/A-RES-65-175.txt" in names
    # Both shipped models travel inside the wheel, whole.
    for model in ("default", "full"):
        shipped = {n.rsplit("/", 1)[1] for n in names if n.startswith(f"restag/model/{model}/")}
        assert {"config.json", "labels.json", "heads.safetensors", "lora.safetensors", "calibration.json",
                "metrics.json", "train_log.jsonl"} <= shipped, (model, shipped)
    assert not any("tests/" in n or n.endswith(".pyc") for n in names)


def test_schema_matches_labels_md() -> None:
    assert schema.THEMES == ("poverty", "trade", "environment")
    assert schema.FORCES == ("preambular", "declaratory", "hortatory", "directive", "decisional")
    assert [schema.force_level(f) for f in schema.FORCES] == [0, 1, 2, 3, 4]


def test_schema_rejects_unknown_labels_with_the_allowed_ones() -> None:
    with pytest.raises(schema.LabelError, match="expected one of poverty, trade, environment"):
        schema.validate_themes(["poverty", "energy"])
    with pytest.raises(schema.LabelError, match="expected one of preambular"):
        schema.validate_force("binding")
    with pytest.raises(schema.LabelError, match="list of labels"):
        schema.validate_themes("trade")


def test_themes_come_back_in_schema_order() -> None:
    assert schema.validate_themes(["environment", "poverty", "environment"]) == ("poverty", "environment")
    assert schema.themes_to_vector(["trade"]) == [0, 1, 0]
    assert schema.vector_to_themes([1, 0, 1]) == ("poverty", "environment")


def test_saved_schema_must_match() -> None:
    ok = schema.LabelSchema()
    assert schema.LabelSchema.from_dict(ok.to_dict()) == ok
    with pytest.raises(schema.LabelError, match="retrain"):
        schema.LabelSchema.from_dict({"version": "0.9", "themes": ["poverty"], "forces": list(schema.FORCES)})
