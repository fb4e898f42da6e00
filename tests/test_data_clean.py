"""Cleaning: footnote markers go, real numbers stay, wrapped lines join."""

from __future__ import annotations

import pytest

from restag.data.clean import FootnoteMarkers, join_lines, normalize_chars, tidy, vocabulary


def clean_all(*paragraphs: str, known: tuple[int, ...] | None = None) -> list[str]:
    markers = FootnoteMarkers(known)
    return [tidy(markers.clean(p)) for p in paragraphs]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("the Millennium Declaration,1 the Monterrey Consensus", "the Millennium Declaration, the Monterrey Consensus"),
        ("on Financing for Development1 and the Plan", "on Financing for Development and the Plan"),
        ("Recalling the Outcome,1", "Recalling the Outcome,"),
        ("the report of the Organization;1", "the report of the Organization;"),
        ("Framework Convention on Climate Change 1  that have not", "Framework Convention on Climate Change that have not"),
        ("held in Nairobi in 2016 1 and the fifteenth", "held in Nairobi in 2016 and the fifteenth"),
        ("the Covenant on Civil and Political Rights, 1 the Covenant", "the Covenant on Civil and Political Rights, the Covenant"),
        ("entitled “Transforming our world”,1 in which", "entitled “Transforming our world”, in which"),
        ("(Habitat III),1 held in Quito", "(Habitat III), held in Quito"),
        ("reports of 18 November 2024,1 and", "reports of 18 November 2024, and"),
        ("and 20 June 20251 following", "and 20 June 2025 following"),
        ("the Convention on the Rights of the Child[^1] and", "the Convention on the Rights of the Child and"),
    ],
)
def test_first_footnote_marker_is_removed(raw: str, expected: str) -> None:
    assert clean_all(raw) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "Recalling its resolution 65/175 of 20 December 2010,",
        "the review of Sustainable Development Goal 9, on building resilient infrastructure,",
        "Goal 1 and Goal 2 of the 2030 Agenda for Sustainable Development,",
        "as referred to in para. 1 of its resolution 70/1,",
        "in paragraphs 1 and 2 of the annex,",
        "Recognizing that 1 September is observed as a day,",
        "the Group of 20 Initiative on Supporting Industrialization,",
        "a reduction of CO2 emissions by 1 per cent,",
        "Decides: (a) To include 1 item; (b) To hold 2 meetings;",
        "the Third Industrial Development Decade for Africa (2016–2025),",
        "No. 1, vol. 1771, art. 2 and chap. I,",
        "Security Council resolutions 1754 (2007), 1783 (2007) and 2703 (2023),",
        "the 1.5°C limit and the G20 summit held on 1 and 2 December 2023,",
    ],
)
def test_real_numbers_are_kept(text: str) -> None:
    assert clean_all(text) == [text]


def test_markers_must_come_in_order_across_paragraphs() -> None:
    first, second, third = clean_all(
        "the Paris Agreement1 and the Sendai Framework,2",
        "Recalling the New Urban Agenda,3 adopted in Quito,",
        "Welcoming 4 new members and the 9 Goals,",
    )
    assert first == "the Paris Agreement and the Sendai Framework,"
    assert second == "Recalling the New Urban Agenda, adopted in Quito,"
    # 4 would be the next marker, but a lower-case noun after it makes it a count; 9 is not next
    assert third == "Welcoming 4 new members and the 9 Goals,"


def test_numbers_before_decimals_are_kept() -> None:
    assert clean_all("limit warming to 1.5 degrees and the Goals,") == ["limit warming to 1.5 degrees and the Goals,"]


def test_known_footnotes_limit_what_counts() -> None:
    # the document lists footnotes 1 and 2 only: a "3" is never a marker
    assert clean_all("the Agenda,1 and its Goals,2 and Article 3 of it, Annex,3", known=(1, 2)) == [
        "the Agenda, and its Goals, and Article 3 of it, Annex,3"
    ]


def test_a_missed_marker_does_not_block_the_next_ones() -> None:
    # marker 1 was lost by the extraction; 2 must still be found
    assert clean_all("the Declaration and the Programme of Action,2 the Plan,3") == [
        "the Declaration and the Programme of Action, the Plan,"
    ]


def test_join_lines_keeps_compound_hyphens() -> None:
    assert join_lines(["the high-", "level political forum"]) == "the high-level political forum"
    assert join_lines(["Decade (2018–", "2027) and"]) == "Decade (2018–2027) and"
    assert join_lines(["micro-, small and medium-", "sized enterprises"]) == "micro-, small and medium-sized enterprises"


def test_join_lines_drops_a_line_break_hyphen_only_when_the_document_says_so() -> None:
    vocab = vocabulary("the Organization and the Organization's mandate")
    assert join_lines(["the Organiza-", "tion"], vocab) == "the Organization"
    assert join_lines(["the capacity-", "building"], vocab) == "the capacity-building"


def test_join_lines_spaces_and_symbols() -> None:
    assert join_lines(["Recalling its  ", "", "  resolution 70/1,"]) == "Recalling its resolution 70/1,"
    assert join_lines(["document A/RES/", "79/1 and"]) == "document A/RES/79/1 and"


def test_normalize_chars() -> None:
    assert normalize_chars("pre\u2011recorded\u00a0text\u00ad\u200b") == "pre-recorded text"


def test_tidy_removes_space_before_punctuation() -> None:
    assert tidy("the Agenda , and the Goals ; ") == "the Agenda, and the Goals;"
