"""Segment and tag resolutions: one row per paragraph with its themes and operative force.

Inputs are files (.txt ODS export or PDF text, .pdf, .md, corpus .json), folders (searched
recursively), glob patterns and '-' for standard input. Rows go to standard output as JSON
lines, or to -o FILE as JSONL, CSV or Parquet (by extension or --format), written
atomically. An interrupted job continues with --resume. A document that cannot be read is
reported and skipped; the exit code is then 1.

examples:
  restag tag data/examples/A-RES-65-175.txt
  restag tag corpus/ -o tags.parquet --summary summary.csv --backend onnx
  restag tag 'drafts/**/*.pdf' -o tags.jsonl --resume
  cat draft.txt | restag tag - --format csv
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

logger = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="files, folders, glob patterns, or '-' for standard input")
    out = parser.add_argument_group("output")
    out.add_argument("-o", "--output", type=Path, help="output file (.jsonl, .csv, .parquet); default: JSON lines on stdout")
    out.add_argument("--format", choices=("jsonl", "csv", "parquet"), help="output format (default: from the extension, else jsonl)")
    out.add_argument("--summary", type=Path, metavar="FILE",
                     help="also write per-resolution counts and shares per theme and force (.json, .jsonl, .csv, .parquet)")
    out.add_argument("--resume", action="store_true",
                     help="continue an interrupted job: skip documents already in the output or its .part journal")
    out.add_argument("--fail-fast", action="store_true", help="stop at the first document that fails (default: report it and go on)")
    out.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    model = parser.add_argument_group("model")
    model.add_argument("--model", default="default", metavar="default|full|PATH",
                       help="a shipped model, 'default' (2 layers, fast) or 'full' (6 layers), or a model directory "
                            "(default: 'default')")
    model.add_argument("--backend", choices=("torch", "onnx"), default="torch",
                       help="inference backend (onnx: exported once, cached beside the model; faster on CPU)")
    model.add_argument("--precision", choices=("fp32", "int8"), default="fp32",
                       help="weights of the onnx backend: fp32 (default; the torch backend's labels exactly) or int8 "
                            "(dynamic quantisation: faster; about 2 dev labels in 1,000 differ)")
    model.add_argument("--batch-size", type=int, default=32, metavar="N", help="paragraphs per forward pass (default: 32)")
    model.add_argument("--threads", type=int, metavar="N", help="CPU threads for inference (default: all cores this process may use)")
    engine = parser.add_argument_group("engine")
    engine.add_argument("--engine", choices=("local", "ray"), default="local",
                        help="local: this process; ray: Ray Data actors (pip install 'restag[distributed]')")
    engine.add_argument("--workers", type=int, default=None, metavar="N",
                        help="ray: number of model actors (default: one per CPU of the cluster, divided by --threads)")


def run(args: argparse.Namespace) -> int:
    from restag.data.errors import InputError
    from restag.model.batch import JobConfig, LocalEngine, TaggerSpec, run_job

    if args.batch_size < 1:
        raise InputError(f"--batch-size must be at least 1, got {args.batch_size}")
    if args.threads is not None and args.threads < 1:
        raise InputError(f"--threads must be at least 1, got {args.threads}")
    config = JobConfig(
        inputs=tuple(args.inputs),
        output=args.output,
        format=args.format,
        summary=args.summary,
        resume=args.resume,
        fail_fast=args.fail_fast,
        progress=args.progress,
    )
    spec = TaggerSpec(args.model, args.backend, args.precision, args.threads)
    if args.engine == "ray":
        from restag.model.ray_engine import RayEngine

        engine = RayEngine(spec, batch_size=args.batch_size, workers=args.workers)
    else:
        engine = LocalEngine(spec.load, batch_size=args.batch_size)
    report = run_job(config, engine)
    print(f"restag tag: {report.line()}" + (f"; wrote {args.output}" if args.output and not report.stopped else ""), file=sys.stderr)
    return report.exit_code
