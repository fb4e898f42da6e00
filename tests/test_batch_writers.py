"""Output rows: every format round-trips, summaries add up, files appear atomically."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from restag.data.errors import InputError
from restag.data.records import Paragraph
from restag.data.schema import FORCES, THEMES
from restag.model.results import Prediction
from restag.model.writers import (
    ROW_FIELDS,
    atomic_write,
    format_for,
    make_row,
    open_writer,
    read_rows,
    summarize,
    write_summary,
)


def prediction(themes: tuple[str, ...], force: str, *, score: float = 0.1) -> Prediction:
    level = FORCES.index(force)
    return Prediction(
        themes=themes,
        theme_scores={t: (0.9 if t in themes else score) for t in THEMES},
        force=force,
        force_level=level,
        force_scores={f: (0.96 if f == force else 0.01) for f in FORCES},
    )


def sample_rows() -> list[dict]:
    """Two made-up resolutions with awkward text: quotes, commas, newlines, non-ASCII."""
    items = [
        (Paragraph("A/RES/85/1", "preambular", 1, 'Recalling "the Charter", with commas, and; semicolons'), ("poverty",), "preambular"),
        (Paragraph("A/RES/85/1", "operative", 1, "Urges States\u2014all of them\u2014to act;\nsecond line"), ("trade", "environment"), "directive"),
        (Paragraph("A/RES/85/1", "operative", 2, "Décide d'inscrire la question à l'ordre du jour"), (), "decisional"),
        (Paragraph("A/RES/85/2", "operative", 1, "Takes note of the report; 1/3 = 0.333..."), ("environment",), "declaratory"),
    ]
    return [make_row(p, prediction(themes, force, score=1 / 3)) for p, themes, force in items]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_every_format_round_trips_exactly(tmp_path: Path, suffix: str) -> None:
    rows = sample_rows()
    path = tmp_path / f"tags{suffix}"
    writer, close = open_writer(path, format_for(path))
    writer.write(rows[:1])
    writer.write(rows[1:])
    close()
    back = list(read_rows(path))
    assert back == rows  # floats included: CSV writes repr(), Parquet stores float64
    assert all(list(row) == list(ROW_FIELDS) for row in back)


def test_rows_carry_the_contract_fields_and_stable_ids() -> None:
    row = sample_rows()[1]
    assert list(row) == ["symbol", "id", "kind", "number", "text", "themes", "theme_scores", "force", "force_level", "force_scores"]
    assert row["id"] == "A/RES/85/1#o1"
    assert row["themes"] == ["trade", "environment"]
    assert list(row["theme_scores"]) == list(THEMES) and list(row["force_scores"]) == list(FORCES)
    json.dumps(row)  # plain JSON types only


def test_parquet_keeps_nested_types(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    path = tmp_path / "tags.parquet"
    writer, close = open_writer(path, "parquet")
    writer.write(sample_rows())
    close()
    schema = pq.read_schema(path)
    assert str(schema.field("themes").type) == "list<element: string>"
    assert [f.name for f in schema.field("force_scores").type] == list(FORCES)
    assert schema.names == list(ROW_FIELDS)


def test_empty_outputs_are_valid_files(tmp_path: Path) -> None:
    for fmt in ("jsonl", "csv", "parquet"):
        path = tmp_path / f"empty.{fmt}"
        writer, close = open_writer(path, fmt)
        writer.write([])
        close()
        assert list(read_rows(path)) == []


def test_format_is_taken_from_the_extension_or_the_flag() -> None:
    assert format_for("out.JSONL") == "jsonl"
    assert format_for("out.csv") == "csv"
    assert format_for("out.pq") == "parquet"
    assert format_for(None) == "jsonl"
    assert format_for("out.txt", "csv") == "csv"
    with pytest.raises(InputError, match="use .jsonl, .csv or .parquet"):
        format_for("out.xlsx")
    with pytest.raises(InputError, match="unknown output format"):
        format_for("out.csv", "xml")


def test_csv_with_a_foreign_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a restag CSV"):
        list(read_rows(path))


def test_summary_counts_and_shares() -> None:
    (first, second) = summarize(sample_rows())
    assert first["symbol"] == "A/RES/85/1" and second["symbol"] == "A/RES/85/2"
    assert (first["paragraphs"], first["preambular"], first["operative"]) == (3, 1, 2)
    assert (first["poverty_count"], first["trade_count"], first["environment_count"]) == (1, 1, 1)
    assert first["trade_share"] == pytest.approx(1 / 3)
    assert [first[f"{f}_count"] for f in FORCES] == [1, 0, 0, 1, 1]
    assert sum(first[f"{f}_share"] for f in FORCES) == pytest.approx(1.0)
    # directive (3) and decisional (4) over the two operative paragraphs
    assert first["mean_force_level_operative"] == pytest.approx(3.5)
    assert second["environment_share"] == 1.0 and second["declaratory_share"] == 1.0
    assert second["mean_force_level_operative"] == 1.0


def test_summary_of_a_preamble_only_resolution_has_no_mean_level() -> None:
    row = make_row(Paragraph("A/RES/85/9", "preambular", 1, "Recalling"), prediction((), "preambular"))
    (summary,) = summarize([row])
    assert summary["mean_force_level_operative"] is None and summary["preambular_share"] == 1.0


@pytest.mark.parametrize("suffix", [".json", ".jsonl", ".csv", ".parquet"])
def test_summary_files(tmp_path: Path, suffix: str) -> None:
    summaries = summarize(sample_rows())
    path = tmp_path / f"summary{suffix}"
    write_summary(summaries, path)
    if suffix == ".json":
        assert json.loads(path.read_text(encoding="utf-8")) == summaries
    elif suffix == ".jsonl":
        assert [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] == summaries
    elif suffix == ".csv":
        import csv

        records = list(csv.DictReader(path.open(encoding="utf-8")))
        assert [r["symbol"] for r in records] == ["A/RES/85/1", "A/RES/85/2"]
        assert float(records[0]["trade_share"]) == pytest.approx(1 / 3)
    else:
        import pyarrow.parquet as pq

        assert pq.read_table(path).to_pylist() == summaries
    with pytest.raises(InputError, match="summary format"):
        write_summary(summaries, tmp_path / "summary.xml")


def test_atomic_write_leaves_the_old_file_on_error(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text("old\n", encoding="utf-8")

    def failing(tmp: Path) -> None:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(path, failing)
    assert path.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]  # no temporary left behind
    atomic_write(path, lambda tmp: tmp.write_text("new\n", encoding="utf-8"))
    assert path.read_text(encoding="utf-8") == "new\n"
