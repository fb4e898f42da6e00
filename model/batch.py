"""The batch job behind ``restag tag``: find documents, read, tag, write, resume.

::

    inputs (files, folders, globs, "-") --discover--> sources
    sources --engine (local or Ray)--> DocumentResult per document, in input order
    results --sink--> stdout (streamed)  or  journal --finalise--> output file (atomic)

**Resumable output.** With an output file, every tagged document is appended to a
journal beside it (``<output>.part``, JSON lines) followed by a commit line, and flushed
before the next document starts. A job killed at any point (even ``kill -9``) leaves at
worst a torn last document, which ``--resume`` cuts off before carrying on. When all
inputs are done the journal is converted into the output format in a temporary file,
renamed over the output in one step (``os.replace``) and removed. The output file is
therefore always absent, the previous complete output, or the new complete output.

The journal's first line records whether the job *extends* the existing output
(``--resume`` with an output present) or *replaces* it, so finalising is right even
after a crash between the rename and the removal of the journal.

**Identity.** A document is its resolution symbol: a symbol already in the output or
journal is skipped with ``--resume``, and a second file with a symbol already tagged in
this run (the same resolution as .txt and .pdf, say) is skipped with a warning, so ids
stay unique in the output. A text that names no symbol is given its file name instead
(``drafts/budget.txt`` -> ``budget``; standard input -> ``stdin``).

**Failures.** A document that cannot be read is reported on stderr with its reason and
skipped; the job then exits with code 1. ``--fail-fast`` stops at the first failure and
leaves the journal for ``--resume``.
"""

from __future__ import annotations

import glob
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING

from restag.data.errors import InputError, RestagError
from restag.data.records import Resolution
from restag.model.writers import (
    Row,
    SummaryBuilder,
    atomic_write,
    format_for,
    make_row,
    open_writer,
    read_rows,
    stream_writer,
    write_summary,
)

if TYPE_CHECKING:  # pragma: no cover
    from restag.model.tagger import Tagger

logger = logging.getLogger(__name__)

#: File types read from folders (a file named explicitly is read whatever its extension).
DOCUMENT_SUFFIXES: tuple[str, ...] = (".txt", ".pdf", ".md", ".json")
STDIN = "-"
UNKNOWN_SYMBOL = "unknown"  # what restag.data gives a text that names no symbol
JOURNAL_SUFFIX = ".part"
JOURNAL_VERSION = 1


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Source:
    """One input document: a file, or standard input (``path is None``)."""

    label: str  # shown in messages: the path as found, or "<stdin>"
    path: Path | None = None

    @property
    def is_stdin(self) -> bool:
        return self.path is None


def discover(inputs: Sequence[str]) -> list[Source]:
    """Expand files, folders (recursively), globs and ``-`` into an ordered list of sources.

    Folders contribute their ``.txt``, ``.pdf``, ``.md`` and ``.json`` files in sorted
    order, hidden files and folders excluded. A file found twice is listed once.
    Raises :class:`InputError` for a path that does not exist or a glob that matches
    nothing, before any work starts.
    """
    sources: list[Source] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            sources.append(Source(label=str(path), path=path))

    def add_tree(folder: Path) -> None:
        found = [
            p for p in folder.rglob("*")
            if p.suffix.lower() in DOCUMENT_SUFFIXES and p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        ]
        for p in sorted(found):
            add(p)

    for spec in inputs:
        if spec == STDIN:
            if not any(s.is_stdin for s in sources):
                sources.append(Source(label="<stdin>"))
            continue
        path = Path(spec).expanduser()
        if path.is_dir():
            add_tree(path)
        elif path.is_file():
            add(path)
        elif glob.has_magic(spec):
            matches = sorted(glob.glob(os.path.expanduser(spec), recursive=True))
            if not matches:
                raise InputError(f"the pattern {spec!r} matches no file; check the pattern (quote it to stop the shell expanding it)")
            for match in map(Path, matches):
                add_tree(match) if match.is_dir() else add(match)
        else:
            raise InputError(f"input {spec!r} not found; expected a file, a folder, a glob pattern or '-' for standard input")
    return sources


def read_source(source: Source, stdin: IO[str] | None = None) -> Resolution:
    """Read and segment one source with :mod:`restag.data`; see :func:`with_symbol`."""
    from restag.data.readers import parse_text, read_resolution

    if source.is_stdin:
        return with_symbol(parse_text((stdin or sys.stdin).read(), source="<stdin>"), "stdin")
    path = source.path
    return with_symbol(read_resolution(path), path.stem)  # type: ignore[union-attr]


def with_symbol(resolution: Resolution, fallback: str) -> Resolution:
    """A resolution whose text names no symbol gets ``fallback`` (the file name) instead of
    ``"unknown"``, so that paragraph ids stay unique across documents and stable across runs."""
    if resolution.symbol != UNKNOWN_SYMBOL:
        return resolution
    logger.info("%s names no resolution symbol; using %r", resolution.source, fallback)
    paragraphs = tuple(replace(p, symbol=fallback) for p in resolution.paragraphs)
    return replace(resolution, symbol=fallback, paragraphs=paragraphs)


def failure_reason(error: BaseException) -> str:
    """One line: restag's own messages as they are, anything else with its type."""
    text = " ".join(str(error).split()) or "no message"
    return text if isinstance(error, RestagError) else f"{type(error).__name__}: {text}"


# --------------------------------------------------------------------------- engines


@dataclass(frozen=True)
class TaggerSpec:
    """How to load the Tagger; plain data, so that Ray ships it to its actors."""

    model: str = "default"
    backend: str = "torch"  # torch | onnx
    precision: str = "fp32"  # onnx weights: fp32 (the torch labels exactly) | int8 (faster, approximate)
    threads: int | None = None  # inference threads; None: every core this process may use

    def load(self) -> "Tagger":
        # Before torch loads OpenMP: waiting threads sleep rather than spin, which keeps
        # them from starving the working ones on a busy machine (measured here with
        # another job running, torch on 2 threads: 16 -> 27 paragraphs/s). Has no effect
        # if torch was imported earlier; a value set by the user is kept.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        from restag.model.onnx_backend import OnnxBackend, default_threads
        from restag.model.tagger import Tagger

        if self.backend == "onnx":
            from restag.model.artifact import Artifact

            backend = OnnxBackend.from_artifact(Artifact.open(self.model), quantize=self.precision == "int8", threads=self.threads)
            return Tagger.load(self.model, backend=backend)
        import torch

        torch.set_num_threads(self.threads or default_threads())
        return Tagger.load(self.model, backend=self.backend)


@dataclass(frozen=True)
class DocumentResult:
    """The outcome of one source: its rows, or why it failed, or that it was already done."""

    source: str
    symbol: str | None = None
    rows: tuple[Row, ...] = ()
    error: str | None = None
    already_done: bool = False


#: An engine turns sources into results, in source order. ``done`` holds the symbols the
#: job already has (it grows as results are written); their documents need no tagging.
Engine = Callable[[Sequence[Source], AbstractSet[str]], Iterator[DocumentResult]]


def tag_resolutions(tagger: "Tagger", resolutions: Sequence[Resolution], batch_size: int) -> list[list[Row]]:
    """Rows of each resolution; all paragraphs go through the tagger together (one sort)."""
    paragraphs = [p for r in resolutions for p in r.paragraphs]
    predictions = tagger.predict(paragraphs, batch_size=batch_size)
    rows = [make_row(p, pred) for p, pred in zip(paragraphs, predictions)]
    out, start = [], 0
    for resolution in resolutions:
        out.append(rows[start : start + len(resolution.paragraphs)])
        start += len(resolution.paragraphs)
    return out


class LocalEngine:
    """Reads and tags in this process, pooling paragraphs of consecutive documents.

    Paragraphs of several documents are tagged together (``chunk_paragraphs`` at a time)
    so that the tagger's length-sorted batches stay full even for one-paragraph documents.
    The model is loaded on first need: a resumed job with nothing left loads nothing.
    """

    def __init__(self, load_tagger: Callable[[], "Tagger"], *, batch_size: int = 32, chunk_paragraphs: int = 512,
                 stdin: IO[str] | None = None) -> None:
        self.load_tagger = load_tagger
        self.batch_size = batch_size
        self.chunk_paragraphs = chunk_paragraphs
        self.stdin = stdin
        self._tagger: Tagger | None = None
        self.load_seconds = 0.0  # time spent loading the model, reported apart from tagging

    @property
    def tagger(self) -> "Tagger":
        if self._tagger is None:
            start = time.perf_counter()
            self._tagger = self.load_tagger()
            self.load_seconds = time.perf_counter() - start
        return self._tagger

    def __call__(self, sources: Sequence[Source], done: AbstractSet[str]) -> Iterator[DocumentResult]:
        pending: list[tuple[Source, Resolution]] = []
        size = 0
        for source in sources:
            try:
                resolution = read_source(source, self.stdin)
            except Exception as error:  # noqa: BLE001 - any reader failure skips the document
                yield from self._tag(pending)
                pending, size = [], 0
                yield DocumentResult(source.label, error=failure_reason(error))
                continue
            if resolution.symbol in done:
                yield from self._tag(pending)
                pending, size = [], 0
                yield DocumentResult(source.label, resolution.symbol, already_done=True)
                continue
            pending.append((source, resolution))
            size += len(resolution.paragraphs)
            if size >= self.chunk_paragraphs:
                yield from self._tag(pending)
                pending, size = [], 0
        yield from self._tag(pending)

    def _tag(self, pending: list[tuple[Source, Resolution]]) -> Iterator[DocumentResult]:
        if not pending:
            return
        rows = tag_resolutions(self.tagger, [r for _, r in pending], self.batch_size)
        for (source, resolution), doc_rows in zip(pending, rows):
            yield DocumentResult(source.label, resolution.symbol, tuple(doc_rows))


# --------------------------------------------------------------------------- journal


class JournalError(InputError):
    """A journal that cannot be continued."""


class Journal:
    """Append-only record of tagged documents beside the output file (``<output>.part``).

    Line 1: ``{"restag_journal": 1, "base": "output" | "none"}``. Then, per document,
    its rows (one JSON object each) and a commit line ``{"_commit": symbol, "rows": n}``.
    Rows after the last commit belong to a document that was cut off and are discarded.
    """

    def __init__(self, path: Path, base: str, committed: list[str], stream: IO[str]) -> None:
        self.path = path
        self.base = base  # "output": the job adds to the existing output; "none": replaces it
        self.committed = committed
        self.stream = stream

    @staticmethod
    def path_for(output: Path) -> Path:
        return output.with_name(output.name + JOURNAL_SUFFIX)

    @classmethod
    def start(cls, path: Path, base: str) -> "Journal":
        stream = open(path, "w", encoding="utf-8")
        stream.write(json.dumps({"restag_journal": JOURNAL_VERSION, "base": base}) + "\n")
        stream.flush()
        os.fsync(stream.fileno())
        return cls(path, base, [], stream)

    @classmethod
    def reopen(cls, path: Path) -> "Journal | None":
        """Open an existing journal to continue it, cutting off a torn last document.

        ``None`` when the file does not even hold a complete header (killed at once).
        """
        committed: list[str] = []
        base, keep, offset, pending = None, 0, 0, 0
        with open(path, "rb") as stream:
            for line in stream:
                offset += len(line)
                if not line.endswith(b"\n"):
                    break  # torn write
                try:
                    record = json.loads(line)
                except ValueError:
                    break
                if base is None:
                    if not isinstance(record, dict) or record.get("restag_journal") != JOURNAL_VERSION:
                        raise JournalError(
                            f"{path} is not a restag journal (version {JOURNAL_VERSION}); "
                            "delete it to start the job over"
                        )
                    base, keep = str(record.get("base", "none")), offset
                elif "_commit" in record:
                    if record.get("rows") != pending:
                        break  # a commit that does not match its rows: treat as torn
                    committed.append(record["_commit"])
                    keep, pending = offset, 0
                else:
                    pending += 1
        if base is None:  # not even a complete header line: nothing to keep
            return None
        if keep < path.stat().st_size:
            logger.info("journal %s: dropping a partly written document", path)
        stream_out = open(path, "r+", encoding="utf-8")
        stream_out.truncate(keep)
        stream_out.seek(keep)
        return cls(path, base, committed, stream_out)

    def add(self, symbol: str, rows: Sequence[Row]) -> None:
        """Append one document and flush it to the OS (survives the process being killed)."""
        lines = [json.dumps(row, ensure_ascii=False) + "\n" for row in rows]
        lines.append(json.dumps({"_commit": symbol, "rows": len(rows)}, ensure_ascii=False) + "\n")
        self.stream.write("".join(lines))
        self.stream.flush()
        self.committed.append(symbol)

    def sync(self) -> None:
        """Flush to the disk itself (survives a power cut too); called now and then."""
        self.stream.flush()
        os.fsync(self.stream.fileno())

    def close(self) -> None:
        if not self.stream.closed:
            self.sync()
            self.stream.close()

    def rows(self) -> Iterator[Row]:
        """Committed rows, in order (rows of a torn last document are not yielded)."""
        if not self.stream.closed:
            self.stream.flush()
        buffer: list[Row] = []
        with open(self.path, encoding="utf-8") as stream:
            next(stream)  # header
            for line in stream:
                if not line.endswith("\n"):
                    break
                record = json.loads(line)
                if "_commit" in record:
                    yield from buffer
                    buffer = []
                else:
                    buffer.append(record)


# --------------------------------------------------------------------------- the job


@dataclass(frozen=True)
class JobConfig:
    """What ``restag tag`` was asked to do (everything but the model)."""

    inputs: tuple[str, ...]
    output: Path | None = None  # None: JSON lines (or CSV) on stdout
    format: str | None = None  # jsonl | csv | parquet; None: from the output's extension
    summary: Path | None = None
    resume: bool = False
    fail_fast: bool = False
    progress: bool = True

    def __post_init__(self) -> None:
        if self.output is None and self.resume:
            raise InputError("--resume needs an output file (-o FILE): standard output cannot be resumed")
        fmt = format_for(self.output, self.format)
        object.__setattr__(self, "format", fmt)
        if self.output is None and fmt == "parquet":
            raise InputError("Parquet cannot be written to standard output; give an output file with -o FILE.parquet")


@dataclass
class JobReport:
    """Counts of a finished (or stopped) job; ``exit_code`` is 0, or 1 if anything failed."""

    documents: int = 0
    tagged: int = 0
    paragraphs: int = 0
    already_done: int = 0
    duplicates: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    stopped: bool = False
    seconds: float = 0.0  # the whole job, model loading included
    load_seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return 1 if self.failures else 0

    def line(self) -> str:
        working = self.seconds - self.load_seconds
        rate = self.paragraphs / working if working > 0 else 0.0
        startup = f"model loaded in {self.load_seconds:.1f}s, then " if self.load_seconds else ""
        documents = "document" if self.tagged == 1 else "documents"
        parts = [f"tagged {self.paragraphs} paragraphs of {self.tagged} {documents} in {self.seconds:.1f}s ({startup}{rate:.0f} paragraphs/s)"]
        if self.already_done:
            parts.append(f"{self.already_done} already in the output")
        if self.duplicates:
            parts.append(f"{self.duplicates} duplicate(s) skipped")
        if self.failures:
            parts.append(f"{len(self.failures)} failed")
        if self.stopped:
            parts.append("stopped early")
        return "; ".join(parts)


class _Progress:
    """Paragraph progress bar (paragraphs/s) with a documents counter."""

    def __init__(self, total_documents: int, enabled: bool) -> None:
        from tqdm.auto import tqdm

        self.total = total_documents
        # disable=None: shown on a terminal, silent when stderr is a file or a CI log
        self.bar = tqdm(unit="par", desc="tagging", disable=None if enabled else True, smoothing=0.1, dynamic_ncols=True, file=sys.stderr)

    def update(self, documents: int, paragraphs: int) -> None:
        self.bar.set_postfix_str(f"{documents}/{self.total} docs", refresh=False)
        self.bar.update(paragraphs)

    def close(self) -> None:
        self.bar.close()


def run_job(config: JobConfig, engine: Engine, *, stdout: IO[str] | None = None, stderr: IO[str] | None = None) -> JobReport:
    """Run a tagging job end to end; see the module docstring for the guarantees."""
    stderr = stderr or sys.stderr
    started = time.perf_counter()
    own_files = {p.resolve() for p in (config.output, config.summary) if p is not None}
    sources = [s for s in discover(config.inputs) if s.path is None or s.path.resolve() not in own_files]
    if not sources:
        raise InputError(f"no documents found in {', '.join(config.inputs)}; expected {', '.join(DOCUMENT_SUFFIXES)} files")

    report = JobReport()
    journal: Journal | None = None
    done: set[str] = set()
    summary = SummaryBuilder()
    output = config.output
    if output is not None:
        journal = _open_journal(output, config.resume, config.format, done, stderr)
        sink: Callable[[str, Sequence[Row]], None] = journal.add
    else:
        writer = stream_writer(stdout or sys.stdout, config.format)  # type: ignore[arg-type]

        def sink(symbol: str, rows: Sequence[Row]) -> None:
            writer.write(rows)
            writer.close()  # flushes
            summary.add_all(rows)

    already = set(done)
    prepare = getattr(engine, "prepare", None)
    if prepare is not None:
        prepare()
    progress = _Progress(len(sources), config.progress)
    last_sync = time.monotonic()
    try:
        for result in engine(sources, done):
            report.documents += 1
            written = 0
            if result.error is not None:
                report.failures.append((result.source, result.error))
                where = "" if result.error.startswith(result.source) else f"{result.source}: "
                print(f"restag tag: failed: {where}{result.error}", file=stderr)
                if config.fail_fast:
                    report.stopped = True
                    break
            elif result.already_done or result.symbol in done:
                if result.symbol in already:
                    report.already_done += 1
                    logger.info("%s: %s is already in the output; skipped", result.source, result.symbol)
                else:
                    report.duplicates += 1
                    print(f"restag tag: warning: {result.source}: {result.symbol} was already tagged from another file in this job; skipped", file=stderr)
            else:
                sink(result.symbol or "", result.rows)
                done.add(result.symbol or "")
                report.tagged += 1
                written = len(result.rows)
                report.paragraphs += written
                if journal is not None and time.monotonic() - last_sync > 5.0:
                    journal.sync()
                    last_sync = time.monotonic()
            progress.update(report.documents, written)
    except BaseException:
        if journal is not None:
            journal.close()
            if journal.committed:
                print(f"restag tag: {len(journal.committed)} tagged documents are kept in {journal.path}; "
                      "rerun with --resume to continue", file=stderr)
            else:  # nothing worth resuming (e.g. the model failed to load): leave no partial file
                journal.path.unlink(missing_ok=True)
        raise
    finally:
        progress.close()

    if journal is not None:
        journal.close()
        if report.stopped:
            print(f"restag tag: stopped at the first failure (--fail-fast); {output} was not written; "
                  f"{len(journal.committed)} tagged documents are kept in {journal.path} for --resume", file=stderr)
        else:
            _finalise(journal, output, config.format, summary)  # type: ignore[arg-type]
    if config.summary is not None and not report.stopped:
        write_summary(summary.result(), config.summary)
    report.seconds = time.perf_counter() - started
    report.load_seconds = float(getattr(engine, "load_seconds", 0.0))
    return report


def _open_journal(output: Path, resume: bool, fmt: str, done: set[str], stderr: IO[str]) -> Journal:
    """Start or continue the journal of ``output``; fill ``done`` with the symbols it has."""
    path = Journal.path_for(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    journal = Journal.reopen(path) if resume and path.exists() else None
    if journal is not None:
        logger.info("resuming %s: %d documents done", path, len(journal.committed))
    else:
        if path.exists() and not resume:
            print(f"restag tag: warning: replacing the unfinished job in {path} (use --resume to continue it)", file=stderr)
        journal = Journal.start(path, "output" if resume and output.exists() else "none")
    done.update(journal.committed)
    if journal.base == "output" and output.exists():
        done.update(row["symbol"] for row in _read_output(output, fmt))
    return journal


def _read_output(output: Path, fmt: str) -> Iterator[Row]:
    try:
        yield from read_rows(output, fmt)
    except (OSError, ValueError, KeyError) as error:
        raise InputError(
            f"cannot read the existing output {output} to resume: {error}; "
            "move it away or run without --resume"
        ) from None


def _finalise(journal: Journal, output: Path, fmt: str, summary: SummaryBuilder) -> None:
    """Write base output + journal into ``output`` atomically, then remove the journal."""

    def rows() -> Iterator[Row]:
        seen: set[str] = set()
        if journal.base == "output" and output.exists():
            for row in _read_output(output, fmt):
                seen.add(row["symbol"])
                yield row
        for row in journal.rows():
            if row["symbol"] not in seen:  # already in the base after a crash mid-finalise
                yield row

    def write(tmp: Path) -> None:
        writer, close = open_writer(tmp, fmt)
        try:
            batch: list[Row] = []
            for row in rows():
                summary.add(row)
                batch.append(row)
                if len(batch) >= 1024:
                    writer.write(batch)
                    batch = []
            writer.write(batch)
        finally:
            close()

    atomic_write(output, write)
    journal.path.unlink(missing_ok=True)
