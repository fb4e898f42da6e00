"""Score systems against gold labels: the model, a predictions file and the baselines.

:func:`evaluate` takes gold paragraphs and one list of predictions per system and returns
an :class:`EvaluationResult` whose ``to_dict()`` is the content of ``metrics.json`` (schema
in :mod:`restag.eval.schema`). :func:`run_evaluation` does the whole job of ``restag eval``:
read gold, run the model and the baselines (or read a predictions file), evaluate.
The metric math lives in :mod:`restag.eval.metrics`; rendering in :mod:`restag.eval.report`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from restag import __version__
from restag.data.errors import InputError, LabelError
from restag.data.labels import GoldParagraph, read_gold
from restag.data.schema import FORCE_LEVEL, FORCES, KINDS, SPEC_VERSION, THEMES, validate_force, validate_themes
from restag.eval import metrics as M
from restag.eval.schema import MAIN_SCORE, SCHEMA_NAME, SCHEMA_VERSION
from restag.model.results import Prediction, score_matrices

logger = logging.getLogger(__name__)

#: Scalar scores that get bootstrap confidence intervals (and their place in the metrics).
THEME_CI_KEYS: tuple[str, ...] = ("macro_f1", "micro_f1", "exact_match", "hamming_loss")
FORCE_CI_KEYS: tuple[str, ...] = ("accuracy", "macro_f1", "quadratic_kappa", "level_mae")
#: Scores compared with the reference system by paired bootstrap (same resamples).
PAIRED_KEYS: tuple[tuple[str, str], ...] = (("themes", "macro_f1"), ("force", "macro_f1"))


@dataclass(frozen=True)
class EvalConfig:
    """Settings of one evaluation run (saved in metrics.json)."""

    n_bootstrap: int = 1000
    seed: int = 0
    confidence: float = 0.95
    n_bins: int = 10
    n_errors: int = 15

    def __post_init__(self) -> None:
        if self.n_bootstrap < 0:
            raise ValueError(f"n_bootstrap must be >= 0, found {self.n_bootstrap}")
        if not 0.0 < self.confidence < 1.0:
            raise ValueError(f"confidence must lie in (0, 1), found {self.confidence}")
        if self.n_bins < 1 or self.n_errors < 0:
            raise ValueError("n_bins must be >= 1 and n_errors >= 0")


@dataclass(frozen=True)
class SystemRun:
    """One system's predictions for the gold paragraphs, in gold order."""

    name: str
    kind: str  # "model", "baseline" or "predictions"
    description: str
    predictions: Sequence[Prediction]
    seconds: float = 0.0
    source: str = ""


@dataclass(frozen=True)
class EvaluationResult:
    """Everything ``restag eval`` measured; ``main_score`` is the reference system's theme macro-F1."""

    reference: str
    systems: Mapping[str, Mapping[str, Any]]
    data: Mapping[str, Any]
    config: EvalConfig
    created: str = field(default_factory=lambda: _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
    timing: Mapping[str, float] = field(default_factory=dict)
    command: str = ""  # the command line that reproduces the run, when known

    main_score_name: str = MAIN_SCORE

    @property
    def main_score(self) -> float:
        task, key = self.main_score_name.split(".")
        return float(self.systems[self.reference][task][key])

    def score(self, system: str, name: str) -> float | None:
        """A scalar score by dotted name, e.g. ``score("rules", "force.macro_f1")``."""
        value: Any = self.systems[system]
        for part in name.split("."):
            value = value[part]
        return value

    def to_dict(self) -> dict[str, Any]:
        return M.clean({
            "schema": SCHEMA_NAME,
            "schema_version": SCHEMA_VERSION,
            "restag_version": __version__,
            "label_spec_version": SPEC_VERSION,
            "created": self.created,
            "command": self.command,
            "main_score": {"name": self.main_score_name, "system": self.reference, "value": self.main_score},
            "data": dict(self.data),
            "config": {
                "bootstrap_resamples": self.config.n_bootstrap, "bootstrap_unit": "resolution (symbol)",
                "seed": self.config.seed, "confidence": self.config.confidence,
                "calibration_bins": self.config.n_bins, "n_errors": self.config.n_errors,
            },
            "labels": {"themes": list(THEMES), "forces": list(FORCES)},
            "timing_seconds": dict(self.timing),
            "systems": {name: dict(value) for name, value in self.systems.items()},
        })


# --------------------------------------------------------------------------------------
# Arrays from records
# --------------------------------------------------------------------------------------


def _theme_matrix(labels: Sequence[Sequence[str]]) -> np.ndarray:
    return np.array([[t in set(row) for t in THEMES] for row in labels], dtype=bool).reshape(-1, len(THEMES))


def _slice_scores(y: np.ndarray, yp: np.ndarray, lt: np.ndarray, lp: np.ndarray, mask: np.ndarray) -> dict[str, Any]:
    themes = M.theme_scores_from_counts(M.theme_counts(y[mask], yp[mask]))
    force = M.force_scores_from_confusion(M.force_confusion(lt[mask], lp[mask]))
    return {
        "n": int(mask.sum()),
        "themes": {k: float(themes[k]) for k in ("macro_f1", "micro_f1", "exact_match")},
        "force": {k: float(force[k]) for k in ("accuracy", "macro_f1")},
    }


def _errors(
    gold: Sequence[GoldParagraph], predictions: Sequence[Prediction], y: np.ndarray, yp: np.ndarray,
    scores: np.ndarray, lt: np.ndarray, lp: np.ndarray, proba: np.ndarray, limit: int,
) -> dict[str, list[dict[str, Any]]]:
    """The most confident mistakes of each task, most confident first."""
    theme_rows: list[tuple[float, int]] = []
    for i in np.flatnonzero((y != yp).any(axis=1)):
        wrong = y[i] != yp[i]
        # Confidence in the wrong decisions: the score for a false theme, 1 - score for a missed one.
        confidence = np.where(yp[i], scores[i], 1.0 - scores[i])[wrong].max()
        theme_rows.append((float(confidence), int(i)))
    force_rows = [(float(proba[i].max()), int(i)) for i in np.flatnonzero(lt != lp)]

    def row(i: int, confidence: float) -> dict[str, Any]:
        g, p = gold[i], predictions[i]
        return {
            "id": g.id, "symbol": g.symbol, "kind": g.kind, "text": g.text, "confidence": confidence,
            "gold_themes": list(g.themes), "predicted_themes": list(p.themes),
            "theme_scores": dict(p.theme_scores),
            "gold_force": g.force, "predicted_force": p.force, "force_scores": dict(p.force_scores),
        }

    return {
        "themes": [row(i, c) for c, i in sorted(theme_rows, key=lambda r: (-r[0], r[1]))[:limit]],
        "force": [row(i, c) for c, i in sorted(force_rows, key=lambda r: (-r[0], r[1]))[:limit]],
    }


# --------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------


def evaluate(
    gold: Sequence[GoldParagraph],
    runs: Sequence[SystemRun],
    *,
    config: EvalConfig = EvalConfig(),
    reference: str | None = None,
    data_info: Mapping[str, Any] | None = None,
    timing: Mapping[str, float] | None = None,
) -> EvaluationResult:
    """Score every system on the same gold paragraphs and the same bootstrap resamples."""
    if not gold:
        raise LabelError("no gold paragraphs to evaluate; check the file and the --split")
    if not runs:
        raise ValueError("no systems to evaluate")
    for run in runs:
        if len(run.predictions) != len(gold):
            raise InputError(f"system {run.name!r} has {len(run.predictions)} predictions for {len(gold)} gold paragraphs")
    reference = reference or runs[0].name
    groups = [g.symbol or g.id for g in gold]
    y = _theme_matrix([g.themes for g in gold])
    lt = np.array([FORCE_LEVEL[g.force] for g in gold], dtype=int)
    kinds = np.array([g.kind or (KINDS[0] if g.force == FORCES[0] else KINDS[1]) for g in gold])
    committees = np.array([g.committee or "unknown" for g in gold])
    weights = M.bootstrap_weights(len(set(groups)), config.n_bootstrap, config.seed)

    systems: dict[str, dict[str, Any]] = {}
    resampled: dict[str, dict[tuple[str, str], np.ndarray]] = {}
    for run in runs:
        preds = list(run.predictions)
        yp = _theme_matrix([p.themes for p in preds])
        scores, proba = score_matrices(preds)
        lp = np.array([FORCE_LEVEL[p.force] for p in preds], dtype=int)

        theme = M.theme_scores_from_counts(M.theme_counts(y, yp))
        ap = M.average_precision(y, scores)
        force = M.force_scores_from_confusion(M.force_confusion(lt, lp))

        theme_groups, _ = M.group_sums(M.per_item_theme_counts(y, yp), groups)
        force_groups, _ = M.group_sums(M.per_item_force_confusion(lt, lp), groups)
        theme_ci = M.bootstrap_intervals(theme_groups, weights, M.theme_scores_from_counts, THEME_CI_KEYS, config.confidence)
        force_ci = M.bootstrap_intervals(force_groups, weights, M.force_scores_from_confusion, FORCE_CI_KEYS, config.confidence)
        # Keep the per-resample scores for paired comparisons with the reference system.
        theme_boot = M.theme_scores_from_counts(weights @ theme_groups)
        force_boot = M.force_scores_from_confusion((weights @ force_groups.reshape(len(force_groups), -1)).reshape(-1, len(FORCES), len(FORCES)))
        resampled[run.name] = {("themes", "macro_f1"): theme_boot["macro_f1"], ("force", "macro_f1"): force_boot["macro_f1"]}
        per_label_ci = {
            t: M.percentile_interval(theme_boot["f1"][:, j], config.confidence) for j, t in enumerate(THEMES)
        }

        systems[run.name] = {
            "kind": run.kind,
            "description": run.description,
            "source": run.source,
            "seconds": run.seconds,
            "themes": {
                **{k: float(theme[k]) for k in ("micro_f1", "macro_f1", "exact_match", "hamming_loss")},
                "ci": {k: list(v) for k, v in theme_ci.items()},
                "per_label": {
                    t: {
                        "precision": float(theme["precision"][j]), "recall": float(theme["recall"][j]),
                        "f1": float(theme["f1"][j]), "support": int(theme["support"][j]),
                        "average_precision": ap[j], "f1_ci": list(per_label_ci[t]),
                        "predicted": int(yp[:, j].sum()),
                    }
                    for j, t in enumerate(THEMES)
                },
            },
            "force": {
                **{k: float(force[k]) for k in ("accuracy", "macro_f1", "quadratic_kappa", "level_mae")},
                "ci": {k: list(v) for k, v in force_ci.items()},
                "per_class": {
                    f: {
                        "precision": float(force["precision"][k]), "recall": float(force["recall"][k]),
                        "f1": float(force["f1"][k]), "support": int(force["support"][k]),
                    }
                    for k, f in enumerate(FORCES)
                },
                "confusion_matrix": M.force_confusion(lt, lp).astype(int).tolist(),
            },
            "calibration": {
                "themes": M.theme_reliability(y, scores, config.n_bins).to_dict(),
                "force": M.force_reliability(lt, proba, config.n_bins).to_dict(),
            },
            "breakdowns": {
                "kind": {k: _slice_scores(y, yp, lt, lp, kinds == k) for k in KINDS if (kinds == k).any()},
                "committee": {c: _slice_scores(y, yp, lt, lp, committees == c) for c in sorted(set(committees))},
            },
            "errors": _errors(gold, preds, y, yp, scores, lt, lp, proba, config.n_errors),
        }

    if reference in resampled:
        for name in systems:
            if name == reference:
                continue
            systems[name]["vs_reference"] = {
                f"{task}.{key}": {
                    "delta": systems[name][task][key] - systems[reference][task][key],
                    "ci": list(M.percentile_interval(resampled[name][(task, key)] - resampled[reference][(task, key)], config.confidence)),
                }
                for task, key in PAIRED_KEYS
            }

    info = {
        "path": None, "sha256": None, "split": "all", "train_split": None, "n_train_paragraphs": 0, "notes": [],
        "n_paragraphs": len(gold),
        "n_resolutions": len(set(groups)),
        "theme_support": {t: int(y[:, j].sum()) for j, t in enumerate(THEMES)},
        "no_theme": int((~y.any(axis=1)).sum()),
        "force_support": {f: int((lt == k).sum()) for k, f in enumerate(FORCES)},
        "kinds": {k: int((kinds == k).sum()) for k in KINDS},
        "committees": {c: int((committees == c).sum()) for c in sorted(set(committees))},
        **(data_info or {}),
    }
    return EvaluationResult(reference=reference, systems=systems, data=info, config=config, timing=dict(timing or {}))


# --------------------------------------------------------------------------------------
# Predictions files (the JSONL that `restag tag` writes)
# --------------------------------------------------------------------------------------


def _prediction_from_row(row: Mapping[str, Any], where: str) -> Prediction:
    try:
        themes = validate_themes(row.get("themes") or [])
        force = validate_force(row["force"])
    except KeyError:
        raise InputError(f"{where}: no 'force' field; a predictions line needs id, themes and force") from None
    except LabelError as error:
        raise InputError(f"{where}: {error}") from None
    theme_scores = row.get("theme_scores") or {t: float(t in themes) for t in THEMES}
    force_scores = row.get("force_scores") or {f: float(f == force) for f in FORCES}
    missing = [t for t in THEMES if t not in theme_scores] + [f for f in FORCES if f not in force_scores]
    if missing:
        raise InputError(f"{where}: scores for {', '.join(missing)} missing; give a score for every label or none")
    return Prediction(
        themes=themes, theme_scores=theme_scores, force=force, force_level=FORCE_LEVEL[force],
        force_scores=force_scores, id=str(row.get("id")),
    )


def read_predictions(path: str | Path, gold: Sequence[GoldParagraph]) -> list[Prediction]:
    """Predictions for the gold paragraphs, matched by ``id``; lines for other ids are ignored."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"predictions file {path} not found; pass the JSONL that `restag tag` writes")
    wanted = {g.id for g in gold}
    found: dict[str, Prediction] = {}
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise InputError(f"{where}: not valid JSON ({error.msg}); expected one JSON object per line") from None
            if not isinstance(row, dict) or "id" not in row:
                raise InputError(f"{where}: expected a JSON object with an 'id' (as `restag tag` writes)")
            if str(row["id"]) in wanted:
                found[str(row["id"])] = _prediction_from_row(row, where)
    missing = [g.id for g in gold if g.id not in found]
    if missing:
        raise InputError(
            f"{path} has no prediction for {len(missing)} of {len(gold)} gold paragraphs "
            f"(e.g. {', '.join(missing[:3])}); tag the same resolutions, or evaluate on the split they cover"
        )
    return [found[g.id] for g in gold]


# --------------------------------------------------------------------------------------
# The whole run of `restag eval`
# --------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def baseline_runs(
    gold: Sequence[GoldParagraph], train: Sequence[GoldParagraph], *, progress: bool = False,
) -> list[SystemRun]:
    """Predictions of the rule baseline and (when there is training data) TF-IDF + LR."""
    from restag.model.baselines import rule_baseline, tfidf_baseline

    runs: list[SystemRun] = []
    start = time.perf_counter()
    rules = rule_baseline()
    runs.append(SystemRun(
        "rules", "baseline", "lead-verb rules (force) + LABELS.md keywords (themes); no training",
        rules.predict(gold), time.perf_counter() - start,
    ))
    if train:
        start = time.perf_counter()
        tfidf = tfidf_baseline(train, [g.themes for g in train], [g.force for g in train])
        runs.append(SystemRun(
            "tfidf-logreg", "baseline",
            f"TF-IDF + logistic regression (one-vs-rest for themes), trained on {len(train)} paragraphs",
            tfidf.predict(gold), time.perf_counter() - start,
        ))
    else:
        logger.warning("no training paragraphs: the TF-IDF + logistic regression baseline is left out")
    return runs


def run_evaluation(
    data: str | Path,
    *,
    split: str | None = "dev",
    train_split: str = "train",
    model: str | None = None,
    predictions: str | Path | None = None,
    baselines: bool = True,
    batch_size: int = 32,
    progress: bool = False,
    config: EvalConfig = EvalConfig(),
) -> EvaluationResult:
    """Read gold, run the model, a predictions file and the baselines, and evaluate them."""
    start_all = time.perf_counter()
    data = Path(data)
    records = read_gold(data)
    present = sorted({r.split for r in records})
    if split is not None and split not in present:
        raise LabelError(f"split {split!r} not in {data}; it holds {', '.join(present)} (use --split)")
    gold = [r for r in records if split is None or r.split == split]
    # The TF-IDF baseline never sees the paragraphs it is scored on.
    train = [] if split is None else [r for r in records if r.split == train_split and r.split != split]
    runs: list[SystemRun] = []
    timing: dict[str, float] = {}

    if model is not None:
        from restag.model.tagger import Tagger

        logger.info("loading model %s", model)
        start = time.perf_counter()
        tagger = Tagger.load(model)
        timing["model_load"] = time.perf_counter() - start
        start = time.perf_counter()
        preds = tagger.predict([g.to_paragraph() for g in gold], batch_size=batch_size, progress=progress)
        seconds = time.perf_counter() - start
        runs.append(SystemRun("model", "model", f"restag model {model}", preds, seconds, str(model)))
    if predictions is not None:
        start = time.perf_counter()
        preds = read_predictions(predictions, gold)
        runs.append(SystemRun(
            f"predictions:{Path(predictions).stem}", "predictions", f"predictions file {predictions}",
            preds, time.perf_counter() - start, str(predictions),
        ))
    if baselines:
        logger.info("running the baselines (TF-IDF trained on %d %s paragraphs)", len(train), train_split)
        runs.extend(baseline_runs(gold, train, progress=progress))
    if not runs:
        raise InputError("nothing to evaluate: give --model, --predictions, or keep the baselines")
    for run in runs:
        timing[f"{run.name}"] = run.seconds

    notes = []
    if model is not None and split == "dev":
        notes.append(
            "restag models use the dev split for early stopping, theme thresholds and calibration "
            "(never as training data), so the model's dev scores are somewhat optimistic; the baselines "
            "never see dev."
        )
    start = time.perf_counter()
    result = evaluate(
        gold, runs, config=config,
        data_info={
            "path": str(data), "sha256": _sha256(data), "split": split or "all",
            "train_split": train_split if train else None, "n_train_paragraphs": len(train),
            "notes": notes,
        },
        timing=timing,
    )
    timing["scoring"] = time.perf_counter() - start
    timing["total"] = time.perf_counter() - start_all
    return dataclasses.replace(result, timing=timing)
