"""Corpus-level figures of issue 2 (slow; skipped when ../shared is absent)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from restag.data import read_resolution
from restag.data.corpus_check import (
    check_gold,
    check_json,
    check_markdown,
    check_pdfs,
    classify_mismatch,
    same_paragraphs,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def json_figures(corpus_json_dir: Path):
    return check_json(corpus_json_dir, progress=False)


def test_every_corpus_resolution_segments(json_figures) -> None:
    assert len(json_figures.results) == json_figures.total == 902
    assert all(r.operative or r.preambular for r in json_figures.results.values())


def test_operative_counts_match_the_source_except_where_the_source_is_wrong(json_figures) -> None:
    # raw agreement; every mismatch must be one of the classified source errors
    assert json_figures.equal / json_figures.total >= 0.95
    assert "unclassified" not in json_figures.mismatches, json_figures.mismatches.get("unclassified")


def test_preamble_found_wherever_there_is_one(json_figures) -> None:
    assert json_figures.preamble_missed == []
    assert json_figures.preamble_found == json_figures.preamble_expected


def test_ids_are_unique_and_sequential(json_figures) -> None:
    for res in json_figures.results.values():
        ids = [p.id for p in res.paragraphs]
        assert len(ids) == len(set(ids)), res.symbol
        assert [p.number for p in res.preambular] == list(range(1, len(res.preambular) + 1))
        assert [p.number for p in res.operative] == list(range(1, len(res.operative) + 1))


def test_segmenting_the_corpus_is_fast(corpus_json_dir: Path) -> None:
    files = sorted(corpus_json_dir.glob("*.json"))
    start = time.process_time()  # CPU time of this process: one core, whatever else runs
    for path in files:
        read_resolution(path)
    assert time.process_time() - start < 30


def test_pdfs_agree_with_json_text(json_figures, corpus_json_dir: Path) -> None:
    pdf_dir = corpus_json_dir.parent / "pdf"
    if not pdf_dir.is_dir():
        pytest.skip(f"no PDFs at {pdf_dir}")
    same, total, differing = check_pdfs(pdf_dir, json_figures.results, progress=False)
    assert total == 44
    assert same / total >= 0.95, differing


def test_markdown_agrees_with_json_text(json_figures, shared_dir: Path) -> None:
    md_dir = shared_dir / "corpus" / "ga-80-markdown"
    if not md_dir.is_dir():
        pytest.skip(f"no markdown at {md_dir}")
    agree, total, _ = check_markdown(md_dir, json_figures.results)
    assert total > 1000
    assert agree / total >= 0.97


def test_texts_close_to_gold(json_figures, gold_labels: Path) -> None:
    g = check_gold(gold_labels, json_figures.results)
    assert g["found"] >= g["gold"] - 5
    assert g["no_digits"] / g["found"] >= 0.9


def test_same_paragraphs_notices_a_difference(json_figures) -> None:
    res = json_figures.results["A_RES_79_222"]
    assert same_paragraphs(res, res)
    shorter = type(res)(symbol=res.symbol, paragraphs=res.paragraphs[:-1])
    assert not same_paragraphs(res, shorter)


def test_mismatch_classifier_on_a_made_up_record(json_figures, corpus_json_dir: Path) -> None:
    record = json.loads((corpus_json_dir / "A_RES_78_124.json").read_text(encoding="utf-8"))
    assert classify_mismatch(record, json_figures.results["A_RES_78_124"]) == "source-misses-unnumbered"
    record = dict(record, paragraphs={"1": "x", "2": "y"}, text="The General Assembly,\n\n1. x\n")
    assert classify_mismatch(record, json_figures.results["A_RES_78_124"]) == "unclassified"
