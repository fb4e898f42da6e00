"""Output rows of ``restag tag``: one per paragraph, written as JSONL, CSV or Parquet.

A row joins a :class:`~restag.data.Paragraph` with its
:class:`~restag.model.results.Prediction`::

    symbol, id, kind, number, text, themes, theme_scores, force, force_level, force_scores

JSONL and Parquet keep the nesting (a list of themes, a map of scores); CSV flattens it
into one column per score (``theme_score_poverty``, ``force_score_directive``, ...) and
joins the themes with ``;``. :func:`read_rows` reads any of the three back into the
same plain dicts, so every format round-trips.

Writers stream: rows go out as they come, in row groups for Parquet, so writing
100,000 paragraphs needs no more memory than writing 100. They write to the path they
are given; making that atomic (temporary file, then ``os.replace``) is the caller's job.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, Protocol

from restag.data.errors import InputError
from restag.data.records import Paragraph
from restag.data.schema import FORCES, THEMES
from restag.model.results import Prediction

#: Row fields, in output order.
ROW_FIELDS: tuple[str, ...] = (
    "symbol", "id", "kind", "number", "text", "themes", "theme_scores", "force", "force_level", "force_scores",
)

#: Output formats and the file extensions that select them.
FORMATS: dict[str, tuple[str, ...]] = {"jsonl": (".jsonl", ".ndjson"), "csv": (".csv",), "parquet": (".parquet", ".pq")}

Row = dict[str, Any]


def make_row(paragraph: Paragraph, prediction: Prediction) -> Row:
    """The output row of one tagged paragraph."""
    return {
        "symbol": paragraph.symbol,
        "id": paragraph.id,
        "kind": paragraph.kind,
        "number": paragraph.number,
        "text": paragraph.text,
        "themes": list(prediction.themes),
        "theme_scores": dict(prediction.theme_scores),
        "force": prediction.force,
        "force_level": prediction.force_level,
        "force_scores": dict(prediction.force_scores),
    }


def format_for(path: str | Path | None, explicit: str | None = None) -> str:
    """The output format: ``explicit`` if given, else from the file extension (default JSONL)."""
    if explicit:
        if explicit not in FORMATS:
            raise InputError(f"unknown output format {explicit!r}; expected one of {', '.join(FORMATS)}")
        return explicit
    if path is None or str(path) == "-":
        return "jsonl"
    suffix = Path(path).suffix.lower()
    for name, suffixes in FORMATS.items():
        if suffix in suffixes:
            return name
    raise InputError(
        f"cannot tell the output format of {path} from its extension {suffix!r}; "
        f"use .jsonl, .csv or .parquet, or pass --format"
    )


# --------------------------------------------------------------------------- writers


class RowWriter(Protocol):
    def write(self, rows: Iterable[Row]) -> None: ...

    def close(self) -> None: ...


class JsonlWriter:
    """One JSON object per line, UTF-8, non-ASCII kept as is."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, rows: Iterable[Row]) -> None:
        self.stream.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)

    def close(self) -> None:
        self.stream.flush()


#: CSV columns: nested fields flattened, one column per score.
CSV_FIELDS: tuple[str, ...] = (
    "symbol", "id", "kind", "number", "text", "themes",
    *(f"theme_score_{t}" for t in THEMES),
    "force", "force_level",
    *(f"force_score_{f}" for f in FORCES),
)


class CsvWriter:
    """RFC 4180 CSV with a header; themes joined by ``;``; floats written exactly (repr)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.csv = csv.writer(stream, lineterminator="\n")
        self.csv.writerow(CSV_FIELDS)

    def write(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self.csv.writerow(
                [row["symbol"], row["id"], row["kind"], row["number"], row["text"], ";".join(row["themes"])]
                + [repr(float(row["theme_scores"][t])) for t in THEMES]
                + [row["force"], row["force_level"]]
                + [repr(float(row["force_scores"][f])) for f in FORCES]
            )

    def close(self) -> None:
        self.stream.flush()


def parquet_schema() -> Any:
    import pyarrow as pa

    return pa.schema(
        [
            ("symbol", pa.string()),
            ("id", pa.string()),
            ("kind", pa.string()),
            ("number", pa.int32()),
            ("text", pa.string()),
            ("themes", pa.list_(pa.string())),
            ("theme_scores", pa.struct([(t, pa.float64()) for t in THEMES])),
            ("force", pa.string()),
            ("force_level", pa.int8()),
            ("force_scores", pa.struct([(f, pa.float64()) for f in FORCES])),
        ]
    )


class ParquetWriter:
    """Parquet (zstd) with a fixed schema; rows are buffered into row groups."""

    def __init__(self, path: str | Path, row_group_size: int = 8192) -> None:
        import pyarrow.parquet as pq

        self.schema = parquet_schema()
        self.row_group_size = row_group_size
        self.buffer: list[Row] = []
        self.writer = pq.ParquetWriter(str(path), self.schema, compression="zstd")

    def write(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self.buffer.append(row)
            if len(self.buffer) >= self.row_group_size:
                self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self.buffer:
            self.writer.write_table(pa.Table.from_pylist(self.buffer, schema=self.schema))
            self.buffer = []

    def close(self) -> None:
        self._flush()
        self.writer.close()


def open_writer(path: str | Path, fmt: str) -> tuple[RowWriter, Callable[[], None]]:
    """A writer for a new file at ``path`` and a function that closes writer and file."""
    if fmt == "parquet":
        writer = ParquetWriter(path)
        return writer, writer.close
    stream = open(path, "w", encoding="utf-8", newline="")
    text_writer: RowWriter = JsonlWriter(stream) if fmt == "jsonl" else CsvWriter(stream)

    def close() -> None:
        text_writer.close()
        stream.close()

    return text_writer, close


def stream_writer(stream: IO[str], fmt: str) -> RowWriter:
    """A writer on an open text stream (stdout); Parquet needs a file."""
    if fmt == "jsonl":
        return JsonlWriter(stream)
    if fmt == "csv":
        return CsvWriter(stream)
    raise InputError("Parquet cannot be written to standard output; give an output file with -o FILE.parquet")


# --------------------------------------------------------------------------- reading back


def read_rows(path: str | Path, fmt: str | None = None) -> Iterator[Row]:
    """Rows of an output file written by this module, as the dicts :func:`make_row` builds."""
    fmt = format_for(path, fmt)
    if fmt == "jsonl":
        with open(path, encoding="utf-8") as stream:
            for line in stream:
                if line.strip():
                    yield json.loads(line)
    elif fmt == "csv":
        with open(path, encoding="utf-8", newline="") as stream:
            reader = csv.DictReader(stream)
            if tuple(reader.fieldnames or ()) != CSV_FIELDS:
                raise InputError(f"{path} is not a restag CSV: its header is {reader.fieldnames}; expected {list(CSV_FIELDS)}")
            for record in reader:
                yield {
                    "symbol": record["symbol"],
                    "id": record["id"],
                    "kind": record["kind"],
                    "number": int(record["number"]),
                    "text": record["text"],
                    "themes": [t for t in record["themes"].split(";") if t],
                    "theme_scores": {t: float(record[f"theme_score_{t}"]) for t in THEMES},
                    "force": record["force"],
                    "force_level": int(record["force_level"]),
                    "force_scores": {f: float(record[f"force_score_{f}"]) for f in FORCES},
                }
    else:
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(str(path))
        for batch in parquet.iter_batches(batch_size=4096):
            for row in batch.to_pylist():
                yield {name: row[name] for name in ROW_FIELDS}


# --------------------------------------------------------------------------- summary

#: Summary columns, flat so that every format holds them.
SUMMARY_FIELDS: tuple[str, ...] = (
    "symbol", "paragraphs", "preambular", "operative",
    *(f"{t}_count" for t in THEMES), *(f"{t}_share" for t in THEMES),
    *(f"{f}_count" for f in FORCES), *(f"{f}_share" for f in FORCES),
    "mean_force_level_operative",
)


class SummaryBuilder:
    """Per-resolution counts and shares, built one row at a time (memory: one entry per resolution).

    Counts of paragraphs by kind, by theme (a paragraph counts once for each theme it
    carries) and by force label; shares are counts divided by the resolution's
    paragraphs (theme shares need not sum to 1, force shares do).
    ``mean_force_level_operative`` is the mean force level (0-4) over operative
    paragraphs, or ``None`` when there are none. Resolutions keep the order in which
    they first appear.
    """

    def __init__(self) -> None:
        self.groups: dict[str, dict[str, Any]] = {}
        self.level_sums: dict[str, int] = {}

    def add(self, row: Row) -> None:
        symbol = row["symbol"]
        group = self.groups.get(symbol)
        if group is None:
            group = {"symbol": symbol, "paragraphs": 0, "preambular": 0, "operative": 0}
            group.update({f"{label}_count": 0 for label in (*THEMES, *FORCES)})
            self.groups[symbol] = group
            self.level_sums[symbol] = 0
        group["paragraphs"] += 1
        group[row["kind"]] += 1
        for theme in row["themes"]:
            group[f"{theme}_count"] += 1
        group[f"{row['force']}_count"] += 1
        if row["kind"] == "operative":
            self.level_sums[symbol] += int(row["force_level"])

    def add_all(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self.add(row)

    def result(self) -> list[Row]:
        summaries = []
        for symbol, group in self.groups.items():
            n = group["paragraphs"]
            summary = dict(group)
            for label in (*THEMES, *FORCES):
                summary[f"{label}_share"] = group[f"{label}_count"] / n
            operative = group["operative"]
            summary["mean_force_level_operative"] = self.level_sums[symbol] / operative if operative else None
            summaries.append({name: summary[name] for name in SUMMARY_FIELDS})
        return summaries


def summarize(rows: Iterable[Row]) -> list[Row]:
    """Summaries of ``rows`` (see :class:`SummaryBuilder`)."""
    builder = SummaryBuilder()
    builder.add_all(rows)
    return builder.result()


def write_summary(summaries: list[Row], path: str | Path) -> None:
    """Write summaries to ``path`` atomically: .json (a list), .jsonl, .csv or .parquet."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".json", ".jsonl", ".csv", ".parquet"):
        raise InputError(f"cannot tell the summary format of {path}; use .json, .jsonl, .csv or .parquet")

    def write(tmp: Path) -> None:
        if suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.Table.from_pylist(summaries), str(tmp))
            return
        with open(tmp, "w", encoding="utf-8", newline="") as stream:
            if suffix == ".json":
                json.dump(summaries, stream, indent=2, ensure_ascii=False)
                stream.write("\n")
            elif suffix == ".jsonl":
                stream.writelines(json.dumps(s, ensure_ascii=False) + "\n" for s in summaries)
            else:
                writer = csv.DictWriter(stream, fieldnames=SUMMARY_FIELDS, lineterminator="\n")
                writer.writeheader()
                writer.writerows(summaries)

    atomic_write(path, write)


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``.

    Readers see the old file or the complete new one, never a partial one; on error the
    temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        with open(tmp, "rb") as stream:
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
