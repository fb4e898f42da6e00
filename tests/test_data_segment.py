"""Segmentation of small synthetic resolutions in each layout (texts written for these tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from restag.data import parse_text, read_resolution
from restag.data.readers import detect_layout
from restag.data.segment import lead_phrase

# --- PDF-extracted text (PyMuPDF style): blank lines hold a space, pages are separated by an
# empty line, page 2 has header layout A (symbol / title / job / page), page 3 layout B
# (title / symbol / page / job), footnotes follow a line of underscores.
PAGE1 = [
    "United Nations ", "A/RES/99/123", " ", " ", "General Assembly ", "Distr.: General ",
    "3 January 2099 ", " ", "99-12345 (E)     ", "*9912345* ", " ", " ", "Ninety-ninth session ",
    "Agenda item 18 (a) ", "Macroeconomic policy questions ", " ", " ",
    " Resolution adopted by the General Assembly ", "on 21 December 2098 ", " ", " ",
    "[on the report of the Second Committee (A/99/400/Add.1, para. 9)] ", " ", " ",
    " 99/123. Widgets and sustainable ", "development ", " ", " ",
    "The General Assembly, ", " ",
    "Recalling its resolution 97/45 of 20 December 2096 on widgets and the ",
    "Sustainable Development Goals,1 ", " ",
    "Reaffirming the 2030 Agenda for Sustainable Development,2 in particular Goal 9 ",
    "and para. 7 of its resolution 70/1, ", " ",
    "Noting with concern that widget production fell by 12 per cent in 2097 and that the ",
    "high-",
    "level forum on widgets was postponed, ",
    "__________________ ", " ", "1  See A/97/100. ", " ", "2  Resolution 70/1. ",
]
PAGE2 = [
    "A/RES/99/123 ", "Widgets and sustainable development", " ", "99-12345", "2/3 ", " ", " ",
    "1. ", "Takes note of the report of the Secretary-General;3 ", " ",
    "2. Encourages Member States to support widget makers in developing ",
    "countries, including through: ", " ",
    "(a) Technology transfer on mutually agreed terms; ", " ",
    "(b) Capacity-building for micro-, small and medium-sized enterprises; ", " ",
    "3. Also encourages the international community to promote dialogue on ",
    "widgets, in line with the Programme of Action4 and the Declaration,5 the ",
    "__________________ ", " ", "3  A/99/200. ", " ", "4  Resolution 95/1. ", " ", "5  Resolution 96/2. ",
]
PAGE3 = [
    "Widgets and sustainable development ", "A/RES/99/123", " ", "3/3", "99-12345 ", " ", " ",
    "United Nations system, and stresses their importance; ", " ",
    "Section on follow-up ", " ",
    "4. Requests the Secretary-General to report to it at its hundredth session. ", " ",
    "71st plenary meeting ", "21 December 2098 ", " ", "Annex ", " ",
    "1. Widget makers should cooperate. ",
]
PDF_TEXT = "\n\n".join("\n".join(page) for page in (PAGE1, PAGE2, PAGE3))


@pytest.fixture(scope="module")
def pdf_res():
    return parse_text(PDF_TEXT, source="synthetic")


def test_pdf_text_layout_is_detected() -> None:
    assert detect_layout(PDF_TEXT).kind == "pdf-text"


def test_pdf_text_paragraph_ids(pdf_res) -> None:
    assert [p.id.split("#")[1] for p in pdf_res.paragraphs] == ["p1", "p2", "p3", "o1", "o2", "o3", "o4"]
    assert all(p.symbol == "A/RES/99/123" for p in pdf_res.paragraphs)


def test_pdf_text_metadata(pdf_res) -> None:
    assert pdf_res.symbol == "A/RES/99/123"
    assert pdf_res.title == "Widgets and sustainable development"
    assert pdf_res.session == 99
    assert pdf_res.date == "2098-12-21"
    assert pdf_res.committee == "Second"
    assert pdf_res.agenda_item == "18 (a)"
    assert pdf_res.source == "synthetic"


def test_pdf_text_cleaning(pdf_res) -> None:
    p1, p2, p3 = (p.text for p in pdf_res.preambular)
    assert p1 == (
        "Recalling its resolution 97/45 of 20 December 2096 on widgets and the Sustainable "
        "Development Goals,"
    )
    assert p2 == "Reaffirming the 2030 Agenda for Sustainable Development, in particular Goal 9 and para. 7 of its resolution 70/1,"
    assert "fell by 12 per cent in 2097 and that the high-level forum" in p3
    assert p3.endswith("postponed,")


def test_pdf_text_number_alone_on_its_line(pdf_res) -> None:
    assert pdf_res.operative[0].text == "Takes note of the report of the Secretary-General;"
    assert pdf_res.operative[0].number == 1


def test_pdf_text_sub_items_stay_in_their_paragraph(pdf_res) -> None:
    o2 = pdf_res.operative[1].text
    assert o2.startswith("Encourages Member States")
    assert "including through: (a) Technology transfer on mutually agreed terms; (b) Capacity-building for micro-, small" in o2


def test_pdf_text_paragraph_split_across_a_page_break(pdf_res) -> None:
    o3 = pdf_res.operative[2].text
    assert o3 == (
        "Also encourages the international community to promote dialogue on widgets, in line with "
        "the Programme of Action and the Declaration, the United Nations system, and stresses their importance;"
    )


def test_pdf_text_excludes_headings_closing_lines_and_annex(pdf_res) -> None:
    texts = " ".join(p.text for p in pdf_res.paragraphs)
    for furniture in ("Section on follow-up", "plenary meeting", "Widget makers should", "2/3", "99-12345", "See A/97/100"):
        assert furniture not in texts
    assert pdf_res.operative[-1].text == "Requests the Secretary-General to report to it at its hundredth session."


def test_pdf_text_leads(pdf_res) -> None:
    assert [p.lead for p in pdf_res.paragraphs] == [
        "Recalling", "Reaffirming", "Noting", "Takes note", "Encourages", "Also encourages", "Requests",
    ]


# --- ODS / Word export: one paragraph per line ------------------------------------------------
ODS_TEXT = "\n".join(
    [
        "[DU1]",
        "Resolution adopted by the General Assembly on 2 March 2099",
        "[without reference to a Main Committee (A/99/L.5)]",
        "99/7.\tInternational Day of Widgets",
        "",
        "\tThe General Assembly,",
        "\tRecalling the Widget Declaration,1 ",
        "\tConscious of the role of widgets in the 2030 Agenda,2 ",
        "\t1.\tDecides to proclaim 7 March the International Day of Widgets;3 ",
        "\t2.\tInvites all Member States to observe the Day.",
        "",
        "80th plenary meeting",
        "2 March 2099",
        "1 Resolution 98/1, annex.",
        "2 Resolution 70/1.",
        "3 See A/99/1.",
        "[DU1]<<ODS JOB NO>>N9912345E<<ODS JOB NO>>",
        "<<ODS DOC SYMBOL1>>A/RES/99/7<<ODS DOC SYMBOL1>>",
    ]
)


def test_ods_export() -> None:
    res = parse_text(ODS_TEXT)
    assert detect_layout(ODS_TEXT).kind == "lines"
    assert res.symbol == "A/RES/99/7"
    assert res.committee == "plenary"
    assert res.date == "2099-03-02"
    assert [(p.kind, p.number, p.text) for p in res.paragraphs] == [
        ("preambular", 1, "Recalling the Widget Declaration,"),
        ("preambular", 2, "Conscious of the role of widgets in the 2030 Agenda,"),
        ("operative", 1, "Decides to proclaim 7 March the International Day of Widgets;"),
        ("operative", 2, "Invites all Member States to observe the Day."),
    ]
    assert [p.lead for p in res.paragraphs] == ["Recalling", "Conscious", "Decides", "Invites"]


# --- markdown -----------------------------------------------------------------------------------
MD_TEXT = """---
symbol: A/RES/99/8
title: "Widget cooperation :"
date: "2099-03-03"
---

United Nations

General Assembly Distr.: General

Ninety-ninth session Agenda item 20

Resolution adopted by the General Assembly on 3 March 2099

[on the report of the Third Committee (A/99/500)]

99/8. Widget cooperation

The General Assembly,

Recalling the Widget Convention[^1] and the Protocol thereto, 2 and the Charter,

Bearing in mind the needs of developing countries, in particular the least developed

Widget cooperation

countries,

1. Welcomes the report;[^3]

2. Calls upon States to cooperate.

12th plenary meeting

---

[^1]: Resolution 98/2, annex.

[^2]: Ibid.

[^3]: A/99/2.
"""


def test_markdown() -> None:
    res = parse_text(MD_TEXT)
    assert detect_layout(MD_TEXT).kind == "markdown"
    assert (res.symbol, res.title, res.date, res.committee, res.agenda_item) == (
        "A/RES/99/8", "Widget cooperation", "2099-03-03", "Third", "20",
    )
    assert [p.text for p in res.paragraphs] == [
        "Recalling the Widget Convention and the Protocol thereto, and the Charter,",
        "Bearing in mind the needs of developing countries, in particular the least developed countries,",
        "Welcomes the report;",
        "Calls upon States to cooperate.",
    ]
    assert [p.lead for p in res.paragraphs] == ["Recalling", "Bearing in mind", "Welcomes", "Calls upon"]


def test_read_resolution_by_extension(tmp_path: Path) -> None:
    md = tmp_path / "A_RES_99_8.md"
    md.write_text(MD_TEXT, encoding="utf-8")
    assert len(read_resolution(md).paragraphs) == 4
    txt = tmp_path / "res.txt"
    txt.write_text(PDF_TEXT, encoding="utf-8")
    assert [p.text for p in read_resolution(txt).paragraphs] == [
        p.text for p in parse_text(PDF_TEXT).paragraphs
    ]
    record = tmp_path / "A_RES_99_123.json"
    import json

    record.write_text(json.dumps({"symbol": "A/RES/99/123", "title": "x", "text": PDF_TEXT}), encoding="utf-8")
    assert read_resolution(record).to_dict()["paragraphs"] == parse_text(PDF_TEXT, source=str(record)).to_dict()["paragraphs"]


# --- special structures -------------------------------------------------------------------------
def test_single_unnumbered_operative_paragraph() -> None:
    res = parse_text(
        "The General Assembly,\n\nHaving considered the report of the Credentials Committee,\n\n"
        "Approves the report of the Credentials Committee.\n\n79th plenary meeting\n"
    )
    assert [(p.kind, p.number) for p in res.paragraphs] == [("preambular", 1), ("operative", 1)]


def test_no_preamble() -> None:
    res = parse_text("The General Assembly\n\n1. Decides to hold a meeting;\n\n2. Requests a report.\n")
    assert [p.id.split("#")[1] for p in res.paragraphs] == ["o1", "o2"]


def test_sectioned_resolution_numbers_on() -> None:
    text = (
        "The General Assembly,\n\nI\n\nFirst topic\n\nRecalling its resolution 98/1,\n\n"
        "1. Takes note of the first report;\n\n2. Decides to act;\n\n"
        "II\n\nSecond topic\n\nRecalling its resolution 98/2,\n\n"
        "1. Takes note of the second report;\n\n2. Requests a report.\n\n90th plenary meeting\n"
    )
    res = parse_text(text, symbol="A/RES/99/9")
    assert [p.id for p in res.paragraphs] == [
        "A/RES/99/9#p1", "A/RES/99/9#o1", "A/RES/99/9#o2", "A/RES/99/9#p2", "A/RES/99/9#o3", "A/RES/99/9#o4",
    ]
    assert res.paragraphs[4].text == "Takes note of the second report;"


def test_number_out_of_sequence_is_content() -> None:
    res = parse_text(
        "The General Assembly,\n\n1. Decides that the list shall read:\n\n"
        "5. Widgets\n\n2. Requests a report.\n"
    )
    assert [p.number for p in res.operative] == [1, 2]
    assert res.operative[0].text == "Decides that the list shall read: 5. Widgets"


def test_symbol_argument_wins() -> None:
    assert parse_text(PDF_TEXT, symbol="A/RES/1/1").paragraphs[0].id == "A/RES/1/1#p1"


@pytest.mark.parametrize(
    ("text", "lead"),
    [
        ("Also encourages States to act;", "Also encourages"),
        ("Recalling further its resolution 70/1,", "Recalling further"),
        ("Taking note also of the report,", "Taking note also"),
        ("Deeply concerned about the situation,", "Deeply concerned"),
        ("Bearing in mind the Charter,", "Bearing in mind"),
        ("Having considered the report,", "Having considered"),
        ("Calls upon all States to act;", "Calls upon"),
        ("Taking into account the needs,", "Taking into account"),
        ("Strongly condemns the attacks;", "Strongly condemns"),
    ],
)
def test_lead_phrase(text: str, lead: str) -> None:
    assert lead_phrase(text) == lead
