"""Evaluate a model or a predictions file against gold labels, beside the baselines.

Writes three files to --out: metrics.json (schema: restag.eval.schema), report.html (one
self-contained page with figures) and report.md (the same numbers as Markdown).

Examples:
  restag eval --model default --data ../shared/labels/gold-78-80.jsonl --split dev --out reports/dev
  restag eval --predictions tagged.jsonl --data gold.jsonl --split dev --out reports/other
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import shlex
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)

OUTPUT_FILES = ("metrics.json", "report.html", "report.md")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--model", metavar="default|PATH", default=None,
                        help="model to evaluate: a shipped model ('default', 'full') or an artifact directory "
                             "(default: 'default' unless --predictions is given)")
    parser.add_argument("--predictions", metavar="JSONL", default=None,
                        help="score a predictions file (the JSON lines `restag tag` writes), matched to gold by id")
    parser.add_argument("--data", metavar="LABELS.jsonl", required=True, help="gold labels following LABELS.md")
    parser.add_argument("--split", default="dev", help="split to evaluate on (default: dev); 'all' for every line")
    parser.add_argument("--train-split", default="train",
                        help="split the TF-IDF baseline is trained on (default: train)")
    parser.add_argument("--out", metavar="DIR", required=True, help="folder for metrics.json, report.html, report.md")
    parser.add_argument("--no-baselines", action="store_true", help="skip the rule and TF-IDF baselines")
    parser.add_argument("--bootstrap", type=int, default=1000, metavar="N", help="bootstrap resamples (default: 1000)")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default: 0)")
    parser.add_argument("--errors", type=int, default=15, metavar="N", help="mistakes listed per task (default: 15)")
    parser.add_argument("--batch-size", type=int, default=32, help="model batch size (default: 32)")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")


def _write_atomic(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder, so no partial file is left."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the report normal permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _command_line(args: argparse.Namespace) -> str:
    """The command that reproduces this run (options that change the numbers only)."""
    parts = ["restag", "eval"]
    for flag, value in (("--model", args.model), ("--predictions", args.predictions), ("--data", args.data),
                        ("--split", args.split), ("--train-split", args.train_split), ("--out", args.out),
                        ("--bootstrap", args.bootstrap), ("--seed", args.seed), ("--errors", args.errors)):
        if value is not None:
            parts += [flag, shlex.quote(str(value))]
    if args.no_baselines:
        parts.append("--no-baselines")
    return " ".join(parts)


def run(args: argparse.Namespace) -> int:
    from restag.eval.evaluate import EvalConfig, run_evaluation
    from restag.eval.report import render_html, render_markdown

    model = args.model if args.model is not None else (None if args.predictions else "default")
    result = run_evaluation(
        args.data,
        split=None if args.split == "all" else args.split,
        train_split=args.train_split,
        model=model,
        predictions=args.predictions,
        baselines=not args.no_baselines,
        batch_size=args.batch_size,
        progress=not args.no_progress,
        config=EvalConfig(n_bootstrap=args.bootstrap, seed=args.seed, n_errors=args.errors),
    )
    result = dataclasses.replace(result, command=_command_line(args))
    metrics = result.to_dict()
    # Render everything before writing anything: a rendering error leaves no partial output.
    texts = {
        "metrics.json": json.dumps(metrics, indent=2, ensure_ascii=False) + "\n",
        "report.html": render_html(metrics),
        "report.md": render_markdown(metrics),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in OUTPUT_FILES:
        _write_atomic(out / name, texts[name])
    print(f"{result.main_score_name} ({result.reference}): {result.main_score:.3f}")
    for name, system in metrics["systems"].items():
        print(f"  {name:<24} themes macro-F1 {system['themes']['macro_f1']:.3f}   force macro-F1 {system['force']['macro_f1']:.3f}")
    print(f"wrote {', '.join(str(out / n) for n in OUTPUT_FILES)}")
    return 0
