"""``restag tag --engine ray``: the same job on Ray Data, for corpora bigger than one machine.

Documents become a Ray dataset of ``{position, path, text}`` items; ``map_batches`` runs
them through a pool of actors, each of which loads the model once and reads, segments
and tags a few documents per call (:func:`restag.model.batch.tag_resolutions`, the code
the local engine runs). Results come back to the driver in input order and go through
the same journal, resume, failure and writer logic as the local engine, so both engines
produce the same output file.

Install with ``pip install 'restag[distributed]'``. Without a cluster, Ray starts a local
one; with ``RAY_ADDRESS`` set (or ``ray.init(address=...)`` called first) the job runs on
that cluster. Input files and the model directory must be readable from every node (a
shared file system, or the shipped ``default`` model installed everywhere).
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator, Sequence, Set
from pathlib import Path
from typing import Any

import numpy as np

from restag.data.errors import RestagError
from restag.model.batch import DocumentResult, Source, TaggerSpec, failure_reason, read_source, tag_resolutions

logger = logging.getLogger(__name__)


def _require_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise RestagError(
            "--engine ray needs Ray Data; install it with `pip install 'restag[distributed]'` "
            "(or `pip install 'ray[data]'`), or use --engine local"
        ) from None
    return ray


class TagDocuments:
    """Ray Data actor: loads the model once, then reads and tags batches of documents."""

    def __init__(self, spec: TaggerSpec, batch_size: int, skip: frozenset[str]) -> None:
        self.tagger = spec.load()
        self.batch_size = batch_size
        self.skip = skip

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        n = len(batch["position"])
        symbols: list[str] = [""] * n
        errors: list[str] = [""] * n
        rows: list[str] = ["[]"] * n
        done = [False] * n
        to_tag = []
        for i in range(n):
            path, text = str(batch["path"][i]), str(batch["text"][i])
            source = Source(label=path, path=Path(path)) if path else Source(label="<stdin>")
            try:
                resolution = read_source(source, stdin=io.StringIO(text))
            except Exception as error:  # noqa: BLE001 - reported per document, as locally
                errors[i] = failure_reason(error)
                continue
            symbols[i] = resolution.symbol
            if resolution.symbol in self.skip:
                done[i] = True
            else:
                to_tag.append((i, resolution))
        if to_tag:
            tagged = tag_resolutions(self.tagger, [r for _, r in to_tag], self.batch_size)
            for (i, _), doc_rows in zip(to_tag, tagged):
                rows[i] = json.dumps(doc_rows, ensure_ascii=False)
        return {
            "position": np.asarray(batch["position"]),
            "symbol": np.asarray(symbols, dtype=object),
            "error": np.asarray(errors, dtype=object),
            "rows": np.asarray(rows, dtype=object),
            "already_done": np.asarray(done, dtype=bool),
        }


class RayEngine:
    """An engine for :func:`restag.model.batch.run_job` that runs on Ray Data."""

    def __init__(self, spec: TaggerSpec, *, batch_size: int = 32, workers: int | None = None,
                 documents_per_call: int = 16, stdin_reader: Callable[[], str] | None = None) -> None:
        self.spec = spec
        self.batch_size = batch_size
        self.workers = workers
        self.documents_per_call = documents_per_call
        self.stdin_reader = stdin_reader
        self.ray = _require_ray()

    def prepare(self) -> None:
        """Start (or join) Ray; build the ONNX export once here rather than in every actor."""
        ray = self.ray
        if not ray.is_initialized():
            ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False)
        if self.spec.backend == "onnx":
            from restag.model.artifact import Artifact
            from restag.model.onnx_backend import cached_onnx_file

            artifact = Artifact.open(self.spec.model)
            cached_onnx_file(artifact.directory, artifact.load_network, quantize=self.spec.precision == "int8")

    def __call__(self, sources: Sequence[Source], done: Set[str]) -> Iterator[DocumentResult]:
        import sys

        ray = self.ray
        if not ray.is_initialized():
            self.prepare()
        from ray.data import ActorPoolStrategy, DataContext

        context = DataContext.get_current()
        context.execution_options.preserve_order = True  # results in input order, like the local engine
        if hasattr(context, "enable_progress_bars"):
            context.enable_progress_bars = False  # restag shows its own bar

        items = []
        for position, source in enumerate(sources):
            text = (self.stdin_reader or sys.stdin.read)() if source.is_stdin else ""
            items.append({"position": position, "path": "" if source.is_stdin else str(source.path), "text": text})
        threads = self.spec.threads or 1
        cpus = int(ray.cluster_resources().get("CPU", 1))
        workers = self.workers or max(1, min(cpus // threads, -(-len(items) // self.documents_per_call)))
        # Each actor is one Ray worker process; give it the threads it will use.
        spec = TaggerSpec(self.spec.model, self.spec.backend, self.spec.precision, threads)
        skip = frozenset(done)  # a snapshot; duplicates within the job are caught by run_job
        logger.info("ray: %d documents on %d actor(s) x %d thread(s)", len(items), workers, threads)
        dataset = ray.data.from_items(items).map_batches(
            TagDocuments,
            fn_constructor_kwargs={"spec": spec, "batch_size": self.batch_size, "skip": skip},
            batch_size=self.documents_per_call,
            batch_format="numpy",
            compute=ActorPoolStrategy(size=workers),
            num_cpus=threads,
        )
        for row in dataset.iter_rows():
            source = sources[int(row["position"])]
            if row["error"]:
                yield DocumentResult(source.label, error=str(row["error"]))
            elif row["already_done"]:
                yield DocumentResult(source.label, str(row["symbol"]), already_done=True)
            else:
                yield DocumentResult(source.label, str(row["symbol"]), tuple(json.loads(row["rows"])))
