"""The shipped example, resolution 65/175 as an ODS text export."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from restag.data import read_resolution
from restag.data.records import Resolution


@pytest.fixture(scope="module")
def seed(seed_path: Path) -> Resolution:
    return read_resolution(seed_path)


def test_seed_counts_and_ids(seed: Resolution) -> None:
    assert len(seed.preambular) == 12
    assert len(seed.operative) == 23
    assert [p.id for p in seed.paragraphs] == [f"A/RES/65/175#p{i}" for i in range(1, 13)] + [
        f"A/RES/65/175#o{i}" for i in range(1, 24)
    ]


def test_seed_metadata(seed: Resolution) -> None:
    assert (seed.symbol, seed.title, seed.session, seed.date, seed.committee, seed.agenda_item) == (
        "A/RES/65/175", "Industrial development cooperation", 65, "2010-12-20", "Second", "24 (b)",
    )


def test_seed_has_no_footnote_digits_or_markers(seed: Resolution) -> None:
    for p in seed.paragraphs:
        assert not re.search(r"[A-Za-z,;.)”\"]\d{1,2}(?:\s|$)", p.text), p.id
        assert "<<" not in p.text and "[DU" not in p.text and "\t" not in p.text, p.id
        assert p.text == p.text.strip() and "  " not in p.text


def test_seed_texts(seed: Resolution) -> None:
    texts = {p.id.split("#")[1]: p.text for p in seed.paragraphs}
    assert texts["p2"].startswith("Recalling also the United Nations Millennium Declaration, the Monterrey Consensus")
    assert "Financing for Development and the Plan of Implementation" in texts["p2"]
    assert texts["p2"].endswith('("Johannesburg Plan of Implementation"),')
    assert texts["p3"].startswith("Recalling further the 2005 World Summit Outcome and its resolution 60/265 of 30 June 2006")
    assert texts["o1"] == "Takes note of the report of the Director-General of the United Nations Industrial Development Organization;"
    assert "resolution 62/208 of 19 December 2007" in texts["o13"]
    assert "New Partnership for Africa's Development, the African Agribusiness" in texts["o16"]
    assert texts["o23"].endswith("report on the implementation of the present resolution.")


def test_seed_leads(seed: Resolution) -> None:
    leads = [p.lead for p in seed.paragraphs]
    assert leads[:3] == ["Recalling", "Recalling also", "Recalling further"]
    assert leads[12] == "Takes note"
    assert leads[-2] == "Also encourages"
    assert leads[-1] == "Requests"
