"""``python -m restag.eval.bench`` runs end to end on the tiny model (speed itself is not tested)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from restag.data.readers import read_resolution
from restag.eval import bench

DOCS = Path(__file__).parent / "data" / "batch" / "good"


@pytest.fixture
def gold_file(tmp_path: Path) -> Path:
    """A small LABELS.md-style file from the made-up fixture resolutions (labels arbitrary)."""
    lines = []
    for i, path in enumerate(sorted(p for p in DOCS.rglob("*") if p.is_file() and ".hidden" not in p.parts)):
        for p in read_resolution(path).paragraphs:
            force = "preambular" if p.kind == "preambular" else "directive"
            lines.append(json.dumps({"id": p.id, "symbol": p.symbol, "kind": p.kind, "number": p.number, "text": p.text,
                                     "themes": [], "force": force, "split": "dev" if i == 0 else "train"}))
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_bench_prints_every_method_and_the_agreement(tiny_model_dir: Path, tmp_path: Path, gold_file: Path, capsys) -> None:
    import shutil

    model = shutil.copytree(tiny_model_dir, tmp_path / "model")  # the ONNX cache goes beside the model
    out = tmp_path / "bench.json"
    assert bench.main(["--model", str(model), "--gold", str(gold_file), "--paragraphs", "12", "--json", str(out)]) == 0
    table = capsys.readouterr().out
    for label in bench.LABELS.values():
        assert label in table
    assert "Agreement with the torch backend on dev (7 paragraphs" in table
    result = json.loads(out.read_text(encoding="utf-8"))
    assert [t["method"] for t in result["timings"]] == list(bench.METHODS)
    assert all(t["paragraphs"] == 12 and t["paragraphs_per_second"] > 0 for t in result["timings"])
    fp32 = next(a for a in result["agreements"] if a["backend"] == "onnx-fp32")
    assert fp32["labels"] == 1.0 and fp32["max_score_difference"] < 1e-3


def test_agreement_counts_theme_decisions_and_force_labels() -> None:
    from restag.data.schema import FORCES, THEMES
    from restag.model.results import Prediction

    def p(themes: tuple[str, ...], force: str) -> Prediction:
        return Prediction(themes, {t: 0.9 if t in themes else 0.1 for t in THEMES}, force, FORCES.index(force), {f: 0.2 for f in FORCES})

    a = bench.agreement("x", [p(("trade",), "directive"), p((), "hortatory")], [p(("trade", "poverty"), "directive"), p((), "decisional")])
    assert a.themes == pytest.approx(5 / 6) and a.force == 0.5 and a.labels == pytest.approx(6 / 8)
    assert a.max_score_difference == pytest.approx(0.8)
