"""restag eval end to end on hand-written gold: evaluate(), predictions files, CLI outputs."""

from __future__ import annotations

import argparse
import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import f1_score

from restag.data.errors import InputError
from restag.data.labels import read_gold
from restag.data.schema import FORCE_LEVEL, FORCES, THEMES
from restag.eval import cli as eval_cli
from restag.eval.evaluate import EvalConfig, SystemRun, evaluate, read_predictions, run_evaluation
from restag.eval.report import render_html, render_markdown
from restag.eval.schema import MAIN_SCORE, SCHEMA_NAME, SCHEMA_VERSION
from restag.model.results import Prediction

# Hand-written resolutions (not from the corpus): symbol -> (split, committee, paragraphs).
RESOLUTIONS = {
    "A/RES/90/1": ("train", "Second", [
        ("preambular", "Recognizing the role of small enterprises in job creation,", ["poverty"], "preambular"),
        ("preambular", "Noting the growth of exports and market access,", ["trade"], "preambular"),
        ("operative", "Encourages Member States to support small enterprises;", ["poverty"], "hortatory"),
        ("operative", "Requests the Secretary-General to report on pollution;", ["environment"], "directive"),
        ("operative", "Decides to include the item in its agenda;", [], "decisional"),
    ]),
    "A/RES/90/2": ("train", "Second", [
        ("preambular", "Concerned about pollution and the loss of biodiversity,", ["environment"], "preambular"),
        ("preambular", "Recalling its previous resolutions on the subject,", [], "preambular"),
        ("operative", "Takes note of the report on exports and market access;", ["trade"], "declaratory"),
        ("operative", "Encourages Member States to expand renewable energy and exports;", ["environment", "trade"], "hortatory"),
        ("operative", "Requests the Secretary-General to report on small enterprises;", ["poverty"], "directive"),
    ]),
    "A/RES/90/3": ("dev", "Second", [
        ("preambular", "Recognizing the importance of renewable energy for small enterprises,", ["environment", "poverty"], "preambular"),
        ("preambular", "Recalling the work of the Commission,", [], "preambular"),
        ("operative", "Welcomes the report on market access, and invites donors to support exports;", ["trade"], "hortatory"),
        ("operative", "Urges all States to reduce pollution;", ["environment"], "directive"),
    ]),
    "A/RES/90/4": ("dev", "Sixth", [
        ("preambular", "Bearing in mind the rules of procedure,", [], "preambular"),
        ("operative", "Takes note of the report of the Committee;", [], "declaratory"),
        ("operative", "Decides to include the item in the agenda of its next session.", [], "decisional"),
    ]),
}


def write_gold(path: Path) -> Path:
    lines = []
    for symbol, (split, committee, paragraphs) in RESOLUTIONS.items():
        counters = {"preambular": 0, "operative": 0}
        for kind, text, themes, force in paragraphs:
            counters[kind] += 1
            number = counters[kind]
            lines.append(json.dumps({
                "id": f"{symbol}#{kind[0]}{number}", "symbol": symbol, "kind": kind, "number": number,
                "title": "A hand-written resolution", "committee": committee, "text": text,
                "themes": sorted(themes), "force": force, "split": split,
            }))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def gold_file(tmp_path: Path) -> Path:
    return write_gold(tmp_path / "gold.jsonl")


def oracle(record, *, flip_theme: str | None = None, force: str | None = None) -> Prediction:
    """A prediction equal to gold, optionally with one theme flipped or another force."""
    themes = set(record.themes)
    if flip_theme:
        themes ^= {flip_theme}
    chosen = force or record.force
    return Prediction(
        themes=tuple(t for t in THEMES if t in themes),
        theme_scores={t: (0.9 if t in themes else 0.1) for t in THEMES},
        force=chosen, force_level=FORCE_LEVEL[chosen],
        force_scores={f: (0.8 if f == chosen else 0.05) for f in FORCES}, id=record.id,
    )


def test_evaluate_scores_match_sklearn_and_name_the_main_score(gold_file: Path) -> None:
    gold = read_gold(gold_file, splits=["dev"])
    perfect = [oracle(g) for g in gold]
    flawed = [oracle(g, flip_theme="trade" if i == 2 else None, force="hortatory" if i == 3 else None)
              for i, g in enumerate(gold)]
    result = evaluate(gold, [SystemRun("flawed", "model", "test", flawed), SystemRun("oracle", "baseline", "test", perfect)],
                      config=EvalConfig(n_bootstrap=200, seed=1))
    y = np.array([[t in g.themes for t in THEMES] for g in gold])
    yp = np.array([[t in p.themes for t in THEMES] for p in flawed])
    assert result.main_score_name == MAIN_SCORE == "themes.macro_f1"
    assert result.reference == "flawed"
    assert result.main_score == pytest.approx(f1_score(y, yp, average="macro", zero_division=np.nan))
    assert result.score("flawed", "force.macro_f1") == pytest.approx(
        f1_score([g.force for g in gold], [p.force for p in flawed], average="macro"))
    assert result.score("oracle", "themes.macro_f1") == 1.0
    assert result.score("oracle", "force.accuracy") == 1.0

    metrics = result.to_dict()
    json.dumps(metrics, allow_nan=False)  # strict JSON: undefined values are null
    assert metrics["schema"] == SCHEMA_NAME and metrics["schema_version"] == SCHEMA_VERSION
    assert metrics["data"]["n_resolutions"] == 2 and metrics["data"]["n_paragraphs"] == len(gold)
    flawed_m = metrics["systems"]["flawed"]
    assert flawed_m["force"]["confusion_matrix"][FORCE_LEVEL["directive"]][FORCE_LEVEL["hortatory"]] == 1
    assert sum(b["n"] for b in flawed_m["breakdowns"]["kind"].values()) == len(gold)
    assert set(flawed_m["breakdowns"]["committee"]) == {"Second", "Sixth"}
    # The Sixth Committee resolution has no themes and none is predicted: undefined, not 0.
    assert flawed_m["breakdowns"]["committee"]["Sixth"]["themes"]["macro_f1"] is None
    assert flawed_m["breakdowns"]["committee"]["Sixth"]["themes"]["exact_match"] == 1.0
    # Errors: the two mistakes, with their text.
    assert [e["id"] for e in flawed_m["errors"]["force"]] == [gold[3].id]
    assert flawed_m["errors"]["themes"][0]["text"] == gold[2].text
    assert flawed_m["errors"]["themes"][0]["confidence"] == pytest.approx(0.9)
    # Paired comparison against the reference.
    delta = metrics["systems"]["oracle"]["vs_reference"]["themes.macro_f1"]
    assert delta["delta"] == pytest.approx(1.0 - result.main_score)
    assert delta["ci"][0] <= delta["delta"] <= delta["ci"][1]
    assert "vs_reference" not in flawed_m


def test_bootstrap_is_seeded(gold_file: Path) -> None:
    gold = read_gold(gold_file, splits=["dev"])
    runs = [SystemRun("m", "model", "t", [oracle(g, flip_theme="trade") for g in gold])]
    a = evaluate(gold, runs, config=EvalConfig(n_bootstrap=100, seed=7)).to_dict()["systems"]["m"]["themes"]["ci"]
    b = evaluate(gold, runs, config=EvalConfig(n_bootstrap=100, seed=7)).to_dict()["systems"]["m"]["themes"]["ci"]
    assert a == b


def test_read_predictions_matches_by_id(gold_file: Path, tmp_path: Path) -> None:
    gold = read_gold(gold_file, splits=["dev"])
    rows = [oracle(g).to_dict() for g in reversed(gold)]
    rows.append({"id": "A/RES/99/9#o1", "themes": [], "force": "declaratory"})  # not in gold: ignored
    rows[0].pop("theme_scores")  # scores are optional: derived from the labels
    path = tmp_path / "tagged.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    preds = read_predictions(path, gold)
    assert [p.id for p in preds] == [g.id for g in gold]
    assert preds[-1].theme_scores == {t: float(t in gold[-1].themes) for t in THEMES}


def test_read_predictions_errors(gold_file: Path, tmp_path: Path) -> None:
    gold = read_gold(gold_file, splits=["dev"])
    path = tmp_path / "tagged.jsonl"
    path.write_text(json.dumps(oracle(gold[0]).to_dict()) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"no prediction for 6 of 7"):
        read_predictions(path, gold)
    bad = oracle(gold[0]).to_dict() | {"force": "mandatory"}
    path.write_text(json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown force label 'mandatory'"):
        read_predictions(path, gold)
    path.write_text("not json\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        read_predictions(path, gold)


def _run_cli(tmp_path: Path, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    eval_cli.configure(parser)
    return eval_cli.run(parser.parse_args(list(argv)))


def test_cli_scores_a_predictions_file_beside_the_baselines(gold_file: Path, tmp_path: Path, capsys) -> None:
    gold = read_gold(gold_file, splits=["dev"])
    tagged = tmp_path / "tagged.jsonl"
    tagged.write_text("\n".join(json.dumps(oracle(g).to_dict()) for g in gold) + "\n", encoding="utf-8")
    out = tmp_path / "report"
    assert _run_cli(tmp_path, "--predictions", str(tagged), "--data", str(gold_file), "--out", str(out),
                    "--bootstrap", "50", "--no-progress") == 0
    assert sorted(p.name for p in out.iterdir()) == ["metrics.json", "report.html", "report.md"]
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert list(metrics["systems"]) == ["predictions:tagged", "rules", "tfidf-logreg"]
    assert metrics["main_score"] == {"name": "themes.macro_f1", "system": "predictions:tagged", "value": 1.0}
    assert metrics["data"]["n_train_paragraphs"] == 10
    assert "themes.macro_f1 (predictions:tagged): 1.000" in capsys.readouterr().out

    md = (out / "report.md").read_text(encoding="utf-8")
    html = (out / "report.html").read_text(encoding="utf-8")
    rules = metrics["systems"]["rules"]
    for number in (f"{rules['themes']['macro_f1']:.3f}", f"{rules['force']['macro_f1']:.3f}"):
        assert number in md and number in html
    # Self-contained: no external resources; every figure an embedded PNG.
    assert not re.search(r"""(src|href)=["']?(https?:|//|file:)""", html)
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert len(images) == 4
    assert all(base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n" for data in images)


def test_cli_leaves_no_output_on_error(gold_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    with pytest.raises(InputError):
        _run_cli(tmp_path, "--predictions", str(tmp_path / "missing.jsonl"), "--data", str(gold_file), "--out", str(out))
    assert not out.exists() or not any(out.iterdir())


def test_renderers_accept_a_reloaded_metrics_file(gold_file: Path) -> None:
    gold = read_gold(gold_file, splits=["dev"])
    result = evaluate(gold, [SystemRun("m", "model", "t", [oracle(g) for g in gold])], config=EvalConfig(n_bootstrap=20))
    metrics = json.loads(json.dumps(result.to_dict()))
    assert "| m | 1.000 [1.000, 1.000]" in render_markdown(metrics)
    assert render_html(metrics).startswith("<!DOCTYPE html>")


def test_model_in_the_loop_with_the_tiny_model(gold_file: Path, tiny_model_dir: Path) -> None:
    result = run_evaluation(gold_file, split="dev", model=str(tiny_model_dir), baselines=True,
                            config=EvalConfig(n_bootstrap=50))
    assert result.reference == "model"
    assert list(result.systems) == ["model", "rules", "tfidf-logreg"]
    model = result.systems["model"]
    # The kind constraint of the model contract shows in the scores: preambular is always right.
    assert model["force"]["per_class"]["preambular"]["recall"] == 1.0
    assert model["force"]["per_class"]["preambular"]["precision"] == 1.0
    assert 0.0 <= result.main_score <= 1.0
    assert result.timing["total"] > 0


def test_restag_eval_through_the_dispatcher(gold_file: Path, tmp_path: Path, capsys) -> None:
    from restag.cli import main

    out = tmp_path / "report"
    code = main(["eval", "--predictions", str(tmp_path / "absent.jsonl"), "--data", str(gold_file), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("restag eval: error: predictions file") and "\n" not in err
    assert not out.exists()
    code = main(["eval", "--data", str(gold_file), "--split", "test", "--no-baselines", "--out", str(out)])
    assert code == 2 and "split 'test' not in" in capsys.readouterr().err
