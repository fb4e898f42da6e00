"""``restag tag`` as a user runs it: real processes, exit codes, stdin, and kill -9 + --resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from restag.model.writers import read_rows

DOCS = Path(__file__).parent / "data" / "batch"
TEMPLATE = (DOCS / "good" / "A-RES-85-101.txt").read_text(encoding="utf-8")

pytestmark = pytest.mark.slow


def restag(*args: str | Path, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error"}
    return subprocess.run(
        [sys.executable, "-m", "restag", "tag", *map(str, args)],
        input=stdin, capture_output=True, text=True, env=env, cwd=cwd, timeout=300,
    )


def make_corpus(folder: Path, n: int) -> list[str]:
    """``n`` distinct made-up resolutions (85/1000 ...), each 7 paragraphs long."""
    folder.mkdir(parents=True, exist_ok=True)
    symbols = []
    for i in range(n):
        number = 1000 + i
        (folder / f"A-RES-85-{number}.txt").write_text(TEMPLATE.replace("85/101.", f"85/{number}."), encoding="utf-8")
        symbols.append(f"A/RES/85/{number}")
    return symbols


def test_stdin_to_stdout(tiny_model_dir: Path, seed_path: Path) -> None:
    done = restag("-", "--model", tiny_model_dir, "--no-progress", stdin=seed_path.read_text(encoding="utf-8"))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) == 35 and rows[-1]["id"] == "A/RES/65/175#o23"
    assert set(rows[0]) == {"symbol", "id", "kind", "number", "text", "themes", "theme_scores", "force", "force_level", "force_scores"}
    assert "tagged 35 paragraphs of 1 document in" in done.stderr


def test_failures_give_exit_code_1_and_a_line_each(tiny_model_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "tags.csv"
    done = restag(DOCS / "good", DOCS / "bad", "-o", out, "--model", tiny_model_dir, "--no-progress", "--summary", tmp_path / "s.json")
    assert done.returncode == 1
    failed = [line for line in done.stderr.splitlines() if "failed:" in line]
    assert len(failed) == 2 and "blank.txt" in failed[0] and "broken.pdf" in failed[1]
    assert len(list(read_rows(out))) == 16 and (tmp_path / "s.json").exists()


def test_fail_fast_writes_nothing(tiny_model_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "tags.jsonl"
    done = restag(DOCS / "bad", DOCS / "good", "-o", out, "--model", tiny_model_dir, "--fail-fast", "--no-progress")
    assert done.returncode == 1
    assert sum("failed:" in line for line in done.stderr.splitlines()) == 1
    assert not out.exists()


def test_bad_arguments_exit_2_before_any_work(tiny_model_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "tags.jsonl"
    done = restag(tmp_path / "missing.txt", "-o", out, "--model", tiny_model_dir)
    assert done.returncode == 2 and "not found" in done.stderr and not out.exists()
    done = restag(DOCS / "good", "-o", out, "--model", tmp_path / "no-model")
    assert done.returncode == 2 and "model directory" in done.stderr
    assert list(tmp_path.iterdir()) == [], "a failed start must leave no output and no journal"


def test_kill_9_mid_run_then_resume_loses_and_duplicates_nothing(tiny_model_dir: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    symbols = make_corpus(corpus, 400)
    out = tmp_path / "tags.parquet"
    journal = tmp_path / "tags.parquet.part"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "restag", "tag", str(corpus), "-o", str(out), "--model", str(tiny_model_dir),
               "--no-progress", "--batch-size", "4"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    commits = 0
    while time.monotonic() < deadline and process.poll() is None:
        if journal.exists():
            commits = journal.read_bytes().count(b'"_commit"')
            if commits >= 20:
                break
        time.sleep(0.02)
    assert process.poll() is None, "the job finished before it could be killed; make the corpus bigger"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not out.exists(), "a killed job must leave no output file"
    committed = journal.read_bytes().count(b'"_commit"')
    assert 20 <= committed < len(symbols)

    done = restag(corpus, "-o", out, "--model", tiny_model_dir, "--no-progress", "--resume")
    assert done.returncode == 0, done.stderr
    assert f"{committed} already in the output" in done.stderr
    rows = list(read_rows(out))
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)) == 7 * len(symbols)
    assert sorted(set(row["symbol"] for row in rows)) == sorted(symbols)
    assert not journal.exists()
