"""The batch job in-process: inputs, failures, atomic output, resume, summaries.

Documents are the made-up resolutions in tests/data/batch/ (good/, bad/, drafts/) and the
shipped seed; the model is the tiny random one.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from restag.data.errors import InputError
from restag.model.batch import (
    DocumentResult,
    JobConfig,
    Journal,
    LocalEngine,
    Source,
    discover,
    run_job,
)
from restag.model.writers import read_rows

DOCS = Path(__file__).parent / "data" / "batch"
GOOD = DOCS / "good"
GOOD_SYMBOLS = ["A/RES/85/101", "A/RES/85/102", "A/RES/85/103"]  # in discovery (sorted path) order


@pytest.fixture(scope="module")
def tagger(tiny_model_dir: Path):
    from restag.model.tagger import Tagger

    return Tagger.load(tiny_model_dir)


@pytest.fixture
def engine(tagger) -> LocalEngine:
    return LocalEngine(lambda: tagger, batch_size=4, chunk_paragraphs=6)


def job(*inputs: str | Path, **options) -> JobConfig:
    return JobConfig(inputs=tuple(str(i) for i in inputs), progress=False, **options)


def symbols(rows: list[dict]) -> list[str]:
    return list(dict.fromkeys(row["symbol"] for row in rows))


def assert_same_rows(got: list[dict], expected: list[dict]) -> None:
    """Same rows in the same order; scores equal up to float noise (batches differ in padding)."""
    assert [r["id"] for r in got] == [r["id"] for r in expected]
    for a, b in zip(got, expected):
        assert {k: v for k, v in a.items() if not k.endswith("_scores")} == {k: v for k, v in b.items() if not k.endswith("_scores")}
        for key in ("theme_scores", "force_scores"):
            assert a[key] == pytest.approx(b[key], abs=1e-5)


class Interrupting:
    """Wraps an engine and raises KeyboardInterrupt after ``after`` documents (a Ctrl-C)."""

    def __init__(self, inner: LocalEngine, after: int) -> None:
        self.inner, self.after = inner, after

    def __call__(self, sources: Sequence[Source], done) -> Iterator[DocumentResult]:
        for n, result in enumerate(self.inner(sources, done)):
            if n == self.after:
                raise KeyboardInterrupt
            yield result


# --------------------------------------------------------------------------- discovery


def test_folders_are_searched_recursively_in_sorted_order_without_hidden_files() -> None:
    found = [Path(s.label).relative_to(GOOD).as_posix() for s in discover([str(GOOD)])]
    assert found == ["A-RES-85-101.txt", "more/A-RES-85-102.md", "more/deeper/A_RES_85_103.json"]


def test_globs_files_and_stdin_combine_without_duplicates(seed_path: Path) -> None:
    sources = discover([str(GOOD / "**" / "*.md"), str(seed_path), "-", str(GOOD / "more" / "A-RES-85-102.md"), "-"])
    assert [s.label for s in sources] == [str(GOOD / "more" / "A-RES-85-102.md"), str(seed_path), "<stdin>"]
    assert sources[-1].is_stdin


def test_missing_inputs_fail_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        discover([str(GOOD), str(tmp_path / "nope.txt")])
    with pytest.raises(InputError, match="matches no file"):
        discover([str(tmp_path / "*.pdf")])


# --------------------------------------------------------------------------- happy paths


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_a_folder_is_tagged_into_each_format(engine: LocalEngine, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"tags{suffix}"
    report = run_job(job(GOOD, output=out, summary=tmp_path / "summary.json"), engine)
    assert report.exit_code == 0 and report.tagged == 3
    rows = list(read_rows(out))
    assert symbols(rows) == GOOD_SYMBOLS
    assert len(rows) == report.paragraphs == 7 + 5 + 4
    assert len({row["id"] for row in rows}) == len(rows)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([out.name, "summary.json"])  # no journal left
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert [s["symbol"] for s in summary] == GOOD_SYMBOLS
    assert [s["paragraphs"] for s in summary] == [7, 5, 4]


def test_rows_match_the_tagger_called_directly(engine: LocalEngine, tagger, tmp_path: Path, seed_path: Path) -> None:
    from restag.data.readers import read_resolution

    out = tmp_path / "seed.jsonl"
    run_job(job(seed_path, output=out), engine)
    rows = list(read_rows(out))
    paragraphs = read_resolution(seed_path).paragraphs
    assert len(rows) == len(paragraphs) == 35
    for row, paragraph, prediction in zip(rows, paragraphs, tagger.predict(paragraphs)):
        assert row["id"] == paragraph.id == prediction.id
        assert row["themes"] == list(prediction.themes) and row["force"] == prediction.force
        assert row["theme_scores"] == pytest.approx(dict(prediction.theme_scores), abs=1e-5)  # batches differ


def test_stdin_is_read_as_one_document_and_rows_stream_to_stdout(tagger, seed_path: Path) -> None:
    stdin = io.StringIO(seed_path.read_text(encoding="utf-8"))
    engine = LocalEngine(lambda: tagger, stdin=stdin)
    stdout = io.StringIO()
    report = run_job(job("-", summary=None), engine, stdout=stdout)
    rows = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert report.exit_code == 0 and len(rows) == 35
    assert rows[0]["id"] == "A/RES/65/175#p1"


def test_a_document_without_a_symbol_is_named_after_its_file(engine: LocalEngine, tmp_path: Path) -> None:
    out = tmp_path / "drafts.jsonl"
    run_job(job(DOCS / "drafts", output=out), engine)
    assert [row["id"] for row in read_rows(out)] == ["no-symbol-draft#p1", "no-symbol-draft#o1"]


def test_the_same_resolution_twice_is_tagged_once(engine: LocalEngine, tmp_path: Path) -> None:
    copy = tmp_path / "in" / "copy-of-101.txt"
    copy.parent.mkdir()
    copy.write_bytes((GOOD / "A-RES-85-101.txt").read_bytes())
    out = tmp_path / "tags.jsonl"
    err = io.StringIO()
    report = run_job(job(GOOD, copy, output=out), engine, stderr=err)
    assert report.duplicates == 1 and report.exit_code == 0
    assert "A/RES/85/101 was already tagged" in err.getvalue()
    ids = [row["id"] for row in read_rows(out)]
    assert len(ids) == len(set(ids)) == 16


# --------------------------------------------------------------------------- failures


def test_failing_documents_are_reported_skipped_and_set_exit_code_1(engine: LocalEngine, tmp_path: Path) -> None:
    out = tmp_path / "tags.jsonl"
    err = io.StringIO()
    report = run_job(job(DOCS / "bad", GOOD, output=out), engine, stderr=err)
    assert report.exit_code == 1
    assert [Path(source).name for source, _ in report.failures] == ["blank.txt", "broken.pdf"]
    lines = err.getvalue().splitlines()
    assert any("failed:" in line and "blank.txt" in line and "empty" in line for line in lines)
    assert any("failed:" in line and "broken.pdf" in line and "PDF" in line for line in lines)
    assert symbols(list(read_rows(out))) == GOOD_SYMBOLS  # the good ones are all there


def test_fail_fast_stops_writes_no_output_and_keeps_the_journal(engine: LocalEngine, tmp_path: Path) -> None:
    out = tmp_path / "tags.parquet"
    err = io.StringIO()
    report = run_job(job(GOOD / "A-RES-85-101.txt", DOCS / "bad", GOOD / "more", output=out, fail_fast=True), engine, stderr=err)
    assert report.exit_code == 1 and report.stopped and report.tagged == 1
    assert not out.exists()
    assert Journal.path_for(out).exists() and "--resume" in err.getvalue()
    # Fix the input (drop the bad folder) and resume: nothing lost, nothing twice.
    report = run_job(job(GOOD, output=out, resume=True), engine)
    assert report.exit_code == 0 and report.already_done == 1 and report.tagged == 2
    assert symbols(list(read_rows(out))) == GOOD_SYMBOLS
    assert not Journal.path_for(out).exists()


def test_an_interrupted_job_leaves_no_output_and_resumes(engine: LocalEngine, tmp_path: Path) -> None:
    out = tmp_path / "tags.csv"
    out.write_text("previous contents\n", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        run_job(job(GOOD, output=out), Interrupting(engine, after=2), stderr=io.StringIO())
    assert out.read_text(encoding="utf-8") == "previous contents\n"  # untouched: no partial output
    report = run_job(job(GOOD, output=out, resume=True), engine)
    assert report.already_done == 2 and report.tagged == 1
    full = tmp_path / "full.csv"
    run_job(job(GOOD, output=full), engine)
    assert_same_rows(list(read_rows(out)), list(read_rows(full)))


def test_resume_cuts_off_a_torn_last_document(engine: LocalEngine, tmp_path: Path) -> None:
    out = tmp_path / "tags.jsonl"
    with pytest.raises(KeyboardInterrupt):
        run_job(job(GOOD, output=out), Interrupting(engine, after=1), stderr=io.StringIO())
    journal = Journal.path_for(out)
    committed = journal.read_bytes()
    # What a kill in the middle of a write leaves: one full row of the next document
    # without its commit line, then half a line.
    row = json.loads(committed.splitlines()[1])
    row.update(symbol="A/RES/85/102", id="A/RES/85/102#p1")
    journal.write_bytes(committed + (json.dumps(row) + "\n").encode() + b'{"symbol": "A/RES/85/1')
    report = run_job(job(GOOD, output=out, resume=True), engine)
    assert report.already_done == 1 and report.tagged == 2
    full = tmp_path / "full.jsonl"
    run_job(job(GOOD, output=full), engine)
    assert_same_rows(list(read_rows(out)), list(read_rows(full)))


def test_resume_adds_new_documents_to_a_finished_output(engine: LocalEngine, tmp_path: Path, seed_path: Path) -> None:
    out = tmp_path / "tags.parquet"
    run_job(job(GOOD, output=out), engine)
    report = run_job(job(GOOD, seed_path, output=out, resume=True, summary=tmp_path / "s.csv"), engine)
    assert report.already_done == 3 and report.tagged == 1
    rows = list(read_rows(out))
    assert symbols(rows) == [*GOOD_SYMBOLS, "A/RES/65/175"]
    assert len({r["id"] for r in rows}) == len(rows) == 16 + 35
    assert (tmp_path / "s.csv").read_text(encoding="utf-8").count("\n") == 1 + 4  # header + 4 resolutions


def test_resume_with_everything_done_loads_no_model(tagger, tmp_path: Path) -> None:
    out = tmp_path / "tags.jsonl"
    run_job(job(GOOD, output=out), LocalEngine(lambda: tagger))
    before = out.read_bytes()

    def no_model():
        raise AssertionError("the model was loaded although nothing was left to tag")

    report = run_job(job(GOOD, output=out, resume=True), LocalEngine(no_model))
    assert report.already_done == 3 and report.tagged == 0
    assert out.read_bytes() == before


def test_crash_between_rename_and_journal_removal_duplicates_nothing(engine: LocalEngine, tmp_path: Path) -> None:
    out = tmp_path / "tags.jsonl"
    with pytest.raises(KeyboardInterrupt):
        run_job(job(GOOD, output=out), Interrupting(engine, after=2), stderr=io.StringIO())
    journal_bytes = Journal.path_for(out).read_bytes()
    run_job(job(GOOD, output=out, resume=True), engine)
    Journal.path_for(out).write_bytes(journal_bytes)  # as if the process died right after os.replace
    run_job(job(GOOD, output=out, resume=True), engine)
    rows = list(read_rows(out))
    assert symbols(rows) == GOOD_SYMBOLS and len({r["id"] for r in rows}) == len(rows) == 16


def test_a_fresh_job_replaces_an_unfinished_one(engine: LocalEngine, tmp_path: Path, seed_path: Path) -> None:
    out = tmp_path / "tags.jsonl"
    with pytest.raises(KeyboardInterrupt):
        run_job(job(GOOD, output=out), Interrupting(engine, after=2), stderr=io.StringIO())
    run_job(job(seed_path, output=out), engine, stderr=io.StringIO())  # no --resume: start over
    assert symbols(list(read_rows(out))) == ["A/RES/65/175"]


def test_stdout_cannot_be_resumed_or_hold_parquet() -> None:
    with pytest.raises(InputError, match="--resume needs an output file"):
        job(GOOD, resume=True)
    with pytest.raises(InputError, match="Parquet cannot be written to standard output"):
        job(GOOD, format="parquet")


def test_the_job_does_not_read_its_own_output_or_summary(engine: LocalEngine, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "A-RES-85-101.txt").write_bytes((GOOD / "A-RES-85-101.txt").read_bytes())
    config = job(folder, output=folder / "tags.jsonl", summary=folder / "summary.json")
    run_job(config, engine)
    report = run_job(job(folder, output=folder / "tags.jsonl", summary=folder / "summary.json", resume=True), engine)
    assert report.exit_code == 0 and report.failures == [] and report.already_done == 1
