"""Inference speed of restag on this machine: ``python -m restag.eval.bench``.

Model-only throughput (tokenize + forward + calibrate, paragraphs per second) of the same
encoder, on the same paragraphs, in the same run:

1. ``naive``: ``transformers.pipeline("text-classification")`` called one paragraph at a time
   (a sequence-classification model built on the artifact's encoder weights: the 2-layer
   encoder for the default model, all 6 layers for ``--model full``);
2. ``torch``: the :class:`~restag.model.tagger.Tagger` with the PyTorch backend
   (length-sorted batches under ``torch.inference_mode``);
3. ``onnx-fp32`` and ``onnx-int8``: the same Tagger on ONNX Runtime
   (:mod:`restag.model.onnx_backend`).

Then the label agreement of each ONNX backend with the torch backend on the ``dev``
split (3 theme decisions + 1 force label per paragraph), and, with ``--end-to-end DIR``,
the whole ``restag tag DIR`` command in a subprocess: wall time and peak memory (RSS).
Paragraphs come from the gold labels (``dev`` first, then ``train``); the corpus and the
labels are read from ``$RESTAG_SHARED`` (default ``../shared``). Numbers on a shared or
busy machine are noisy: run it on a quiet one, and more than once (``--repeat``).
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

METHODS = ("naive", "torch", "onnx-fp32", "onnx-int8")
TARGET_RATE = 250.0  # paragraphs/s
TARGET_SPEEDUP = 3.0  # x naive
TARGET_AGREEMENT = 0.995
TARGET_E2E_SECONDS = 240.0
TARGET_E2E_BYTES = 1.5e9


@dataclass
class Timing:
    method: str
    paragraphs: int
    seconds: float  # wall clock
    cpu_seconds: float  # CPU time of this process, all threads (less sensitive to other load)

    @property
    def rate(self) -> float:
        return self.paragraphs / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Agreement:
    backend: str
    paragraphs: int
    themes: float  # share of the 3 x N theme decisions that agree
    force: float  # share of the N force labels that agree
    labels: float  # all 4 x N labels
    max_score_difference: float


@dataclass
class EndToEnd:
    inputs: str
    backend: str
    exit_code: int
    documents: int
    paragraphs: int
    seconds: float
    cpu_seconds: float  # user + system time of the child, all threads
    peak_rss_bytes: int


@dataclass
class BenchResult:
    machine: dict[str, Any]
    setup: dict[str, Any]
    timings: list[Timing] = field(default_factory=list)
    agreements: list[Agreement] = field(default_factory=list)
    end_to_end: EndToEnd | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for timing, row in zip(self.timings, data["timings"]):
            row["paragraphs_per_second"] = timing.rate
        return data


# --------------------------------------------------------------------------- inputs


def bench_paragraphs(gold: Path, n: int) -> tuple[list[Any], int]:
    """``n`` gold paragraphs as Paragraph records (all of ``dev`` first) and how many are dev."""
    from restag.data.labels import read_gold

    records = read_gold(gold)
    dev = [r for r in records if r.split == "dev"]
    rest = [r for r in records if r.split == "train"]
    chosen = (dev + rest)[: max(n, len(dev))]
    return [r.to_paragraph() for r in chosen], len(dev)


def machine_info() -> dict[str, Any]:
    import onnxruntime
    import torch
    import transformers

    from restag.model.onnx_backend import default_threads

    return {
        "cpu": platform.processor() or platform.machine(),
        "cores_available": default_threads(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "onnxruntime": onnxruntime.__version__,
        "transformers": transformers.__version__,
    }


# --------------------------------------------------------------------------- methods


def naive_pipeline(model: str, threads: int) -> Callable[[Sequence[Any]], None]:
    """The baseline: a text-classification pipeline on the same encoder, one paragraph per call."""
    import torch
    from transformers import AutoModelForSequenceClassification, pipeline

    from restag.model.artifact import Artifact

    torch.set_num_threads(threads)
    artifact = Artifact.open(model)
    encoder = artifact.load_network().encoder
    config = copy.deepcopy(encoder.config)
    config.num_labels = 8  # 3 themes + 5 forces; the head stays random: only speed is measured
    classifier = AutoModelForSequenceClassification.from_config(config)
    classifier.base_model.load_state_dict(encoder.state_dict(), strict=False)  # the pooler stays random
    classifier.eval()
    pipe = pipeline("text-classification", model=classifier, tokenizer=artifact.load_tokenizer(), device=-1)
    max_length = artifact.config.max_length

    def run(paragraphs: Sequence[Any]) -> None:
        for paragraph in paragraphs:
            pipe(paragraph.text, truncation=True, max_length=max_length)

    return run


def time_method(run: Callable[[Sequence[Any]], Any], paragraphs: Sequence[Any], repeat: int) -> tuple[float, float, Any]:
    """Wall and CPU time of the fastest of ``repeat`` runs (after a short warm-up), and its output."""
    run(paragraphs[:8])
    best, best_cpu, output = float("inf"), 0.0, None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        output = run(paragraphs)
        wall = time.perf_counter() - start
        if wall < best:
            best, best_cpu = wall, time.process_time() - start_cpu
    return best, best_cpu, output


def agreement(name: str, reference: Sequence[Any], other: Sequence[Any]) -> Agreement:
    from restag.data.schema import FORCES, THEMES

    n = len(reference)
    themes = sum((t in a.themes) == (t in b.themes) for a, b in zip(reference, other) for t in THEMES)
    force = sum(a.force == b.force for a, b in zip(reference, other))
    diff = max(
        (abs(a.theme_scores[t] - b.theme_scores[t]) for a, b in zip(reference, other) for t in THEMES),
        default=0.0,
    )
    diff = max(diff, max((abs(a.force_scores[f] - b.force_scores[f]) for a, b in zip(reference, other) for f in FORCES), default=0.0))
    return Agreement(name, n, themes / (3 * n), force / n, (themes + force) / (4 * n), diff)


def end_to_end(inputs: str, model: str, backend: str, threads: int, batch_size: int, precision: str = "fp32") -> EndToEnd:
    """``restag tag INPUTS`` in a child process: wall time, peak RSS, rows written."""
    with tempfile.TemporaryDirectory(prefix="restag-bench-") as tmp:
        out = Path(tmp) / "tags.jsonl"
        command = [
            sys.executable, "-m", "restag", "tag", inputs, "-o", str(out), "--model", model,
            "--backend", backend, "--precision", precision, "--threads", str(threads), "--batch-size", str(batch_size), "--no-progress",
        ]
        logger.info("running %s", " ".join(command))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_before = before.ru_utime + before.ru_stime
        start = time.perf_counter()
        completed = subprocess.run(command, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        # ru_maxrss of the children is the peak RSS of the largest child, in KiB on Linux.
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak = usage.ru_maxrss * 1024
        cpu = usage.ru_utime + usage.ru_stime - cpu_before
        if completed.returncode not in (0, 1):
            sys.stderr.write(completed.stderr[-2000:])
        symbols: set[str] = set()
        paragraphs = 0
        if out.exists():
            with out.open(encoding="utf-8") as stream:
                for line in stream:
                    paragraphs += 1
                    symbols.add(json.loads(line)["symbol"])
    label = f"{backend} --precision {precision}" if backend == "onnx" else backend
    return EndToEnd(inputs, label, completed.returncode, len(symbols), paragraphs, seconds, cpu, peak)


# --------------------------------------------------------------------------- report


def render(result: BenchResult) -> str:
    setup, machine = result.setup, result.machine
    lines = [
        f"restag bench: model {setup['model']}; {setup['paragraphs']} paragraphs ({setup['dev']} dev + "
        f"{setup['paragraphs'] - setup['dev']} train), mean {setup['mean_tokens']:.0f} tokens; "
        f"{setup['threads']} thread(s), batch size {setup['batch_size']}; best of {setup['repeat']}",
        f"machine: {machine['cores_available']} cores available, load average {machine['load_average'][0]:.2f} at start; "
        f"torch {machine['torch']}, onnxruntime {machine['onnxruntime']}",
        "",
        "| method | paragraphs/s | x naive | seconds | CPU seconds |",
        "|---|---:|---:|---:|---:|",
    ]
    naive = next((t for t in result.timings if t.method == "naive"), None)
    for t in result.timings:
        speedup = f"{t.rate / naive.rate:.1f}" if naive and naive.rate else "-"
        lines.append(f"| {LABELS[t.method]} | {t.rate:.0f} | {speedup} | {t.seconds:.1f} | {t.cpu_seconds:.1f} |")
    if result.agreements:
        lines += [
            "",
            f"Agreement with the torch backend on dev ({result.agreements[0].paragraphs} paragraphs, 3 theme decisions + 1 force label each):",
            "",
            "| backend | theme decisions | force labels | all labels | max abs score difference |",
            "|---|---:|---:|---:|---:|",
        ]
        for a in result.agreements:
            lines.append(f"| {a.backend} | {a.themes:.2%} | {a.force:.2%} | {a.labels:.2%} | {a.max_score_difference:.4f} |")
    e = result.end_to_end
    if e is not None:
        lines += [
            "",
            f"End to end (`restag tag {e.inputs} -o tags.jsonl --backend {e.backend}`): {e.documents} documents, "
            f"{e.paragraphs} paragraphs in {e.seconds:.1f} s ({e.paragraphs / e.seconds:.0f} paragraphs/s; "
            f"{e.cpu_seconds:.0f} CPU seconds), "
            f"peak memory {e.peak_rss_bytes / 1e6:.0f} MB, exit code {e.exit_code}",
        ]
    lines += ["", "Targets:"] + [f"- {line}" for line in verdicts(result)]
    return "\n".join(lines)


LABELS = {
    "naive": "naive `pipeline(\"text-classification\")`, 1 paragraph per call",
    "torch": "torch, length-sorted batches",
    "onnx-fp32": "ONNX Runtime fp32",
    "onnx-int8": "ONNX Runtime int8 (dynamic quantisation)",
}


def verdicts(result: BenchResult) -> list[str]:
    def mark(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    out = []
    batched = [t for t in result.timings if t.method != "naive"]
    naive = next((t for t in result.timings if t.method == "naive"), None)
    if batched:
        best = max(batched, key=lambda t: t.rate)
        out.append(f"{mark(best.rate >= TARGET_RATE)} >= {TARGET_RATE:.0f} paragraphs/s: best is {best.method} at {best.rate:.0f}")
        if naive and naive.rate:
            out.append(f"{mark(best.rate >= TARGET_SPEEDUP * naive.rate)} >= {TARGET_SPEEDUP:.0f}x naive: {best.rate / naive.rate:.1f}x")
    for a in result.agreements:
        out.append(f"{mark(a.labels >= TARGET_AGREEMENT)} {a.backend} agrees with torch on >= {TARGET_AGREEMENT:.1%} of dev labels: {a.labels:.2%}")
    e = result.end_to_end
    if e is not None:
        out.append(f"{mark(e.seconds < TARGET_E2E_SECONDS and e.exit_code == 0)} end to end under {TARGET_E2E_SECONDS:.0f} s: {e.seconds:.0f} s")
        out.append(f"{mark(e.peak_rss_bytes < TARGET_E2E_BYTES)} peak memory under {TARGET_E2E_BYTES / 1e9:.1f} GB: {e.peak_rss_bytes / 1e9:.2f} GB")
    return out


# --------------------------------------------------------------------------- main


def run_bench(args: argparse.Namespace) -> BenchResult:
    import numpy as np

    from restag.model.artifact import Artifact
    from restag.model.batch import TaggerSpec
    from restag.model.onnx_backend import default_threads

    threads = args.threads or default_threads()
    gold = Path(args.gold) if args.gold else Path(os.environ.get("RESTAG_SHARED", Path(__file__).resolve().parents[2] / "shared")) / "labels" / "gold-78-80.jsonl"
    paragraphs, n_dev = bench_paragraphs(gold, args.paragraphs)
    tokenizer = Artifact.open(args.model).load_tokenizer()
    lengths = [len(ids) for ids in tokenizer([p.text for p in paragraphs], truncation=True, max_length=512)["input_ids"]]
    result = BenchResult(
        machine=machine_info(),
        setup={
            "model": args.model, "paragraphs": len(paragraphs), "dev": n_dev, "mean_tokens": float(np.mean(lengths)),
            "threads": threads, "batch_size": args.batch_size, "repeat": args.repeat,
        },
    )
    outputs: dict[str, Any] = {}
    for method in args.methods:
        print(f"timing {method} ...", file=sys.stderr, flush=True)
        if method == "naive":
            run = naive_pipeline(args.model, threads)
        else:
            backend, _, precision = method.partition("-")
            tagger = TaggerSpec(args.model, backend, precision or "int8", threads).load()

            def run(items: Sequence[Any], tagger=tagger) -> Any:
                return tagger.predict(items, batch_size=args.batch_size)

        seconds, cpu_seconds, outputs[method] = time_method(run, paragraphs, args.repeat)
        result.timings.append(Timing(method, len(paragraphs), seconds, cpu_seconds))
    if "torch" in outputs:
        for method in ("onnx-fp32", "onnx-int8"):
            if method in outputs:
                result.agreements.append(agreement(method, outputs["torch"][:n_dev], outputs[method][:n_dev]))
    if args.end_to_end:
        print(f"running restag tag {args.end_to_end} ...", file=sys.stderr, flush=True)
        result.end_to_end = end_to_end(args.end_to_end, args.model, args.e2e_backend, threads, args.batch_size, args.e2e_precision)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m restag.eval.bench", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog="\n".join(__doc__.splitlines()[2:]))
    parser.add_argument("--model", default="default", help="a shipped model ('default', 'full') or a model directory")
    parser.add_argument("--gold", help="gold JSONL (default: $RESTAG_SHARED/labels/gold-78-80.jsonl)")
    parser.add_argument("--paragraphs", type=int, default=600, help="paragraphs to time (at least all of dev; default 600)")
    parser.add_argument("--methods", type=lambda s: s.split(","), default=list(METHODS), help=f"comma-separated, from {','.join(METHODS)}")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, help="inference threads (default: every core available)")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per method; the best counts (default 1)")
    parser.add_argument("--end-to-end", metavar="DIR", help="also time `restag tag DIR` in a subprocess (e.g. ../shared/corpus/ga-78-80/json)")
    parser.add_argument("--e2e-backend", choices=("torch", "onnx"), default="onnx", help="backend of the end-to-end run (default onnx)")
    parser.add_argument("--e2e-precision", choices=("fp32", "int8"), default="fp32", help="ONNX weights of the end-to-end run (default fp32)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    args = parser.parse_args(argv)
    unknown = [m for m in args.methods if m not in METHODS]
    if unknown:
        parser.error(f"unknown method(s) {', '.join(unknown)}; expected some of {', '.join(METHODS)}")
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as `restag tag` does (TaggerSpec.load), for every method alike
    result = run_bench(args)
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
