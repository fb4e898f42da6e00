"""Inputs: PDF files (made here with pypdf), stdin, bad input, and the `restag segment` CLI."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from restag.cli import main
from restag.data import (
    BinaryInputError,
    EmptyInputError,
    EncodingError,
    InputError,
    InputTooLargeError,
    NoResolutionBodyError,
    PdfError,
    parse_text,
    read_resolution,
)

PAGES = [
    [
        "United Nations A/RES/99/5",
        "General Assembly Distr.: General",
        " Resolution adopted by the General Assembly on 4 May 2099",
        " [on the report of the Sixth Committee (A/99/600)]",
        " 99/5. Widget law",
        " The General Assembly,",
        " Recalling its resolution 97/45 of 20 December 2096 on widgets and the",
        "Widget Convention,1",
        " 1. Takes note of the report of the Secretary-General;",
        " 2. Requests the Secretary-General to submit a report on the",
        "__________________",
        " 1 Resolution 96/3, annex.",
    ],
    [
        "A/RES/99/5 Widget law",
        "99-54321 2/2",
        "implementation of the present resolution.",
        "",
        "88th plenary meeting",
        "4 May 2099",
    ],
]


def make_pdf(path: Path, pages: list[list[str]], password: str | None = None) -> Path:
    """Write a PDF whose pages show ``pages`` lines in Helvetica (a real text layer)."""
    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    for lines in pages:
        page = writer.add_blank_page(612, 792)
        ops = ["BT", "/F1 10 Tf"]
        for k, line in enumerate(lines):
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"1 0 0 1 50 {750 - 12 * k} Tm ({escaped}) Tj")
        ops.append("ET")
        stream = DecodedStreamObject()
        stream.set_data("\n".join(ops).encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
    if password is not None:
        writer.encrypt(user_password=password, algorithm="RC4-128")
    writer.write(path)
    return path


def test_pdf_file(tmp_path: Path) -> None:
    res = read_resolution(make_pdf(tmp_path / "A_RES_99_5.pdf", PAGES))
    assert res.symbol == "A/RES/99/5"
    assert res.committee == "Sixth"
    assert res.date == "2099-05-04"
    assert [(p.id, p.text) for p in res.paragraphs] == [
        ("A/RES/99/5#p1", "Recalling its resolution 97/45 of 20 December 2096 on widgets and the Widget Convention,"),
        ("A/RES/99/5#o1", "Takes note of the report of the Secretary-General;"),
        ("A/RES/99/5#o2", "Requests the Secretary-General to submit a report on the implementation of the present resolution."),
    ]


def test_pdf_with_an_empty_owner_password_opens(tmp_path: Path) -> None:
    res = read_resolution(make_pdf(tmp_path / "open.pdf", PAGES, password=""))
    assert len(res.paragraphs) == 3


def test_encrypted_pdf(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "locked.pdf", PAGES, password="secret")
    with pytest.raises(PdfError, match="encrypted"):
        read_resolution(path)


def test_scanned_pdf_without_text_layer(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    writer.add_blank_page(612, 792)
    path = tmp_path / "scan.pdf"
    writer.write(path)
    with pytest.raises(PdfError, match="no text layer"):
        read_resolution(path)


def test_broken_pdf(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"garbage " * 50)
    with pytest.raises(PdfError):
        read_resolution(path)


@pytest.mark.parametrize("content", [b"", b"   \n\t\n  "])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(EmptyInputError, match="empty"):
        read_resolution(path)


@pytest.mark.parametrize("text", ["", "  \n \t "])
def test_empty_string(text: str) -> None:
    with pytest.raises(EmptyInputError):
        parse_text(text)


def test_binary_junk(tmp_path: Path) -> None:
    path = tmp_path / "junk.txt"
    path.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(BinaryInputError, match="binary"):
        read_resolution(path)
    with pytest.raises(BinaryInputError):
        parse_text("\x00\x01\x02 The General Assembly, \x03\x04" * 20)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("The General Assembly,\n\nRecalling the Déclaration,\n".encode("cp1252"))
    with pytest.raises(EncodingError, match="UTF-8"):
        read_resolution(path)


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "utf16.txt"
    path.write_bytes("The General Assembly,\n\n1. Decides to act.\n".encode("utf-16"))
    assert read_resolution(path).operative[0].text == "Decides to act."


@pytest.mark.parametrize(
    "text",
    [
        "Shopping list: eggs, milk, bread.",
        "United Nations\nA/RES/99/1\nGeneral Assembly\nDistr.: General\n",
        "12345 67890\n\n--- ... ---\n",
        # no heading, and the first word only looks like a verb ("Minutes")
        "Minutes of the staff picnic\n\nWe ate sandwiches and played football.\n",
    ],
)
def test_no_resolution_body(text: str) -> None:
    with pytest.raises(NoResolutionBodyError, match="no resolution body"):
        parse_text(text)


def test_headless_unnumbered_operative_paragraph_is_accepted() -> None:
    resolution = parse_text("Encourages Member States to invest in renewable energy;\n")
    assert [p.id for p in resolution.paragraphs] == ["unknown#o1"]


def test_too_large(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(20 * 1024 * 1024)  # sparse 20 MB file
    with pytest.raises(InputTooLargeError, match="20.0 MiB"):
        read_resolution(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_resolution(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="directory"):
        read_resolution(tmp_path)


def test_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="invalid JSON"):
        read_resolution(path)
    path.write_text('{"symbol": "A/RES/1/1"}', encoding="utf-8")
    with pytest.raises(InputError, match="'text'"):
        read_resolution(path)


# --- CLI -----------------------------------------------------------------------------------------
def test_cli_writes_json_lines_for_many_files(tmp_path: Path, seed_path: Path) -> None:
    pdf = make_pdf(tmp_path / "A_RES_99_5.pdf", PAGES)
    out = tmp_path / "out.jsonl"
    assert main(["segment", str(seed_path), str(pdf), "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 35 + 3
    assert set(rows[0]) == {"symbol", "id", "kind", "number", "text", "lead"}
    assert rows[0]["id"] == "A/RES/65/175#p1"
    assert rows[-1]["id"] == "A/RES/99/5#o2"
    assert list(tmp_path.glob(".out.jsonl.*")) == []  # no temporary file left


def test_cli_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("The General Assembly,\n\n1. Decides to act.\n"))
    assert main(["segment", "-", "--symbol", "A/RES/99/77"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["id"] == "A/RES/99/77#o1" and row["lead"] == "Decides"


def test_cli_bad_file_one_line_exit_2_no_output(
    tmp_path: Path, seed_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_text("", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["segment", str(seed_path), str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert str(bad) in err and "empty" in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bad]


def test_cli_keeps_an_existing_output_on_error(tmp_path: Path, seed_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n", encoding="utf-8")
    locked = make_pdf(tmp_path / "locked.pdf", PAGES, password="secret")
    assert main(["segment", str(seed_path), str(locked), "--out", str(out)]) == 2
    assert out.read_text(encoding="utf-8") == "previous\n"


@pytest.mark.slow
def test_cli_subprocess(tmp_path: Path, seed_path: Path) -> None:
    bad = tmp_path / "junk.bin"
    bad.write_bytes(bytes(range(256)) * 10)
    proc = subprocess.run(
        [sys.executable, "-m", "restag", "segment", str(seed_path), str(bad)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and str(bad) in proc.stderr and "binary" in proc.stderr
    ok = subprocess.run(
        [sys.executable, "-m", "restag", "segment", str(seed_path)], capture_output=True, text=True, timeout=120
    )
    assert ok.returncode == 0 and len(ok.stdout.splitlines()) == 35
