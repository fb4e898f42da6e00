"""From raw text to :class:`Block` lists: one function per source layout.

A block is a run of lines that the layout shows as one unit (lines between blank lines, one
line of an ODS export, one indented paragraph of a PDF page). Page furniture (running headers,
footnote blocks, ODS job markers) is taken out here and kept aside in ``Layout.furniture``;
a block that follows removed furniture carries ``page_break=True`` so that the segmenter can
rejoin a paragraph split across pages. Deciding what the blocks *are* (heading, preambular,
operative, sub-item) is the segmenter's job.

Layouts:

* :func:`pdf_text_layout` -- text extracted from a PDF (hard-wrapped lines, page headers in two
  layouts, footnote blocks after a line of underscores), as in the corpus JSON ``text``.
* :func:`line_layout` -- ODS / Word text exports: one paragraph per line.
* :func:`markdown_layout` -- markdown with YAML front matter and ``[^n]`` footnotes.
* :func:`pdf_pages_layout` -- the per-page text of a PDF file (see :mod:`restag.data.pdf`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from restag.data.clean import normalize_chars


@dataclass
class Block:
    """Lines shown together; ``page_break`` is set when page furniture was removed before it."""

    lines: list[str]
    page_break: bool = False

    @property
    def text(self) -> str:
        return " ".join(line.strip() for line in self.lines if line.strip())


@dataclass
class Layout:
    blocks: list[Block]
    furniture: list[str] = field(default_factory=list)  # removed headers, markers, footnotes
    footnotes: tuple[int, ...] | None = None  # footnote numbers the document lists
    meta: dict[str, Any] = field(default_factory=dict)  # front matter, corpus JSON fields
    kind: str = ""


# --- patterns of page furniture -------------------------------------------------------------
PAGE_NO = re.compile(r"^\d{1,3}/\d{1,3}$")
JOB_NO = re.compile(r"^\d{2}-\d{5}(?:\s*\(E\))?(?:\s+\d{6})?$")
SYMBOL_LINE = re.compile(r"^A/(?:RES/)?\d{1,3}/[\w./-]+(?: [A-Z])?$")
BARCODE = re.compile(r"^\*\d{7,}\*$")
UNDERSCORES = re.compile(r"^\s*_{5,}\s*$")
FOOTNOTE_LINE = re.compile(r"^\s*(\d{1,3})\s+\S")
#: Starts of a new block inside a run of lines: "12. Encourages", "12." alone, "(a) the".
OPERATIVE_START = re.compile(r"^\s*(\d{1,3})(?:\.(?:\s|$)|\s*$)")
SUBITEM_START = re.compile(r"^\s*\((?:[a-z]{1,2}|[ivxl]{1,6})\)\s")
#: The closing line of a resolution body: "69th plenary meeting", "55th (resumed) plenary meeting".
CLOSING = re.compile(r"^\s*\d{1,3}(?:st|nd|rd|th)\s+(?:\(resumed\)\s+)?plenary meeting\b", re.I)
ODS_MARKER = re.compile(r"<<ODS[^>]*>>|\[DU\d+\]")

HEADER_WINDOW = 12


def _header_end(lines: Sequence[str], start: int) -> int | None:
    """Index of the last line of a running page header starting at ``start``, or None.

    Both layouts hold the symbol, the running title (one or more lines), the job number
    ("24-24329") and the page number ("3/13"); the header ends with whichever of the last two
    comes later.
    """
    job = symbol = None
    stop = min(len(lines), start + HEADER_WINDOW)
    for j in range(start, stop):
        line = lines[j].strip()
        if JOB_NO.match(line):
            job = j
        elif SYMBOL_LINE.match(line):
            symbol = j
        elif PAGE_NO.match(line):
            # layout B puts the job number after the page number; some headers lack one
            for k in range(j + 1, min(stop, j + 3)):
                if JOB_NO.match(lines[k].strip()):
                    return k
            if symbol is not None or job is not None:
                return j
    return None


def _footnote_numbers(lines: Iterable[str]) -> list[int]:
    """Footnote numbers listed in footnote blocks (a wrapped footnote counts once).

    A number counts when it continues the sequence (up to 3 ahead, as a footnote may be
    split oddly) or restarts it at 1, as annexes may; a stray date line does no harm.
    """
    numbers: set[int] = set()
    last = 0
    for line in lines:
        m = FOOTNOTE_LINE.match(line)
        if m:
            n = int(m.group(1))
            if n == 1 or last < n <= last + 3:
                numbers.add(n)
                last = n
    return sorted(numbers)


def split_blocks(lines: Iterable[tuple[str, bool]], *, indent_starts: bool = False) -> list[Block]:
    """Group ``(line, page_break_before)`` pairs into blocks.

    A block ends at a blank line; a new one starts at a page break, at an operative number
    ("12." at a line start), at a sub-item ("(a) "), and, when ``indent_starts``, at an
    indented line (pypdf marks first lines of paragraphs with a leading space).
    """
    blocks: list[Block] = []
    current: list[str] = []
    pending_break = False

    def flush() -> None:
        nonlocal current, pending_break
        if current:
            blocks.append(Block(current, pending_break))
            pending_break = False
        current = []

    for line, page_break in lines:
        if page_break:
            flush()
            pending_break = True
        if not line.strip():
            flush()
            continue
        if current and (
            OPERATIVE_START.match(line)
            or CLOSING.match(line)
            or SUBITEM_START.match(line)
            or (indent_starts and line[:1].isspace())
        ):
            flush()
        current.append(line)
    flush()
    return blocks


def pdf_text_layout(text: str) -> Layout:
    """Text extracted from a PDF, e.g. the ``text`` field of the corpus JSON (PyMuPDF).

    Pages are separated by an empty line; a page may open with a running header and close
    with a footnote block after a line of underscores. Both are removed, and the next block
    is flagged as following a page break.
    """
    lines = normalize_chars(text).split("\n")
    stream: list[tuple[str, bool]] = []
    furniture: list[str] = []
    footnote_lines: list[str] = []
    in_footnotes = False
    page_break = False
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        if line == "":  # PyMuPDF separates pages with an empty line; blank lines hold a space
            end = _header_end(lines, i + 1)
            if end is not None:
                furniture.extend(lines[i : end + 1])
                in_footnotes = False
                page_break = True
                i = end + 1
                continue
        if in_footnotes:
            footnote_lines.append(line)
            furniture.append(line)
        elif UNDERSCORES.match(line):
            in_footnotes = True
            page_break = True
            furniture.append(line)
        else:
            stream.append((line, page_break))
            page_break = False
        i += 1
    return Layout(
        split_blocks(stream), furniture, tuple(_footnote_numbers(footnote_lines)), kind="pdf-text"
    )


def line_layout(text: str) -> Layout:
    """ODS / Word text export: one paragraph per line, tab-indented, markers inline.

    ``[DU1]`` and ``<<ODS ...>>`` markers are removed; everything after the last body line
    (footnotes, page furniture) stays as blocks for the segmenter to cut at the closing
    "plenary meeting" line. Numbered lines after it are read as the footnote list.
    """
    blocks: list[Block] = []
    furniture: list[str] = []
    for raw in normalize_chars(text).split("\n"):
        if ODS_MARKER.search(raw):
            furniture.append(raw)
            raw = ODS_MARKER.sub("", raw)
        if raw.strip():
            blocks.append(Block([raw.strip()]))
    footnotes = _footnote_numbers(b.text for b in _after_closing(blocks))
    return Layout(blocks, furniture, tuple(footnotes), kind="lines")




def _after_closing(blocks: list[Block]) -> list[Block]:
    for k, block in enumerate(blocks):
        if CLOSING.match(block.text):
            return blocks[k + 1 :]
    return []


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_MD_FOOTNOTE_DEF = re.compile(r"^\[\^(\d{1,4})\]:")
_MD_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")


def markdown_layout(text: str) -> Layout:
    """Markdown: YAML front matter, one block per paragraph, footnotes as ``[^n]:`` lines."""
    text = normalize_chars(text)
    meta: dict[str, Any] = {}
    m = _FRONT_MATTER.match(text)
    if m:
        try:
            loaded = yaml.safe_load(m.group(1))
        except yaml.YAMLError:
            loaded = None
        if isinstance(loaded, dict):
            meta = {str(k): v for k, v in loaded.items()}
        text = text[m.end() :]
    stream: list[tuple[str, bool]] = []
    furniture: list[str] = []
    footnotes: list[int] = []
    in_def = False
    for line in text.split("\n"):
        d = _MD_FOOTNOTE_DEF.match(line)
        if d:
            footnotes.append(int(d.group(1)))
            in_def = True
            furniture.append(line)
            continue
        if in_def and (line.startswith("    ") or not line.strip()):
            furniture.append(line)
            continue
        in_def = False
        if _MD_RULE.match(line):
            stream.append(("", False))
            continue
        line = _MD_HEADING.sub("", line).replace("**", "")
        stream.append((line, False))
    known = sorted({n for n in footnotes if n < 1000})
    return Layout(split_blocks(stream), furniture, tuple(known), meta, kind="markdown")


def pdf_pages_layout(pages: Sequence[str]) -> Layout:
    """Per-page text of a PDF file as pypdf extracts it.

    pypdf puts the running header on one or two lines at the top of pages 2.. ("A/RES/79/222
    Industrial development cooperation" / "24-24329 2/13"), keeps footnotes after a line of
    underscores at the bottom, and marks the first line of each paragraph with a leading space.
    """
    stream: list[tuple[str, bool]] = []
    furniture: list[str] = []
    footnote_lines: list[str] = []
    for number, page in enumerate(pages):
        lines = normalize_chars(page).split("\n")
        start = _pypdf_header_end(lines) + 1 if number > 0 else 0
        furniture.extend(lines[:start])
        first = True
        for k in range(start, len(lines)):
            if UNDERSCORES.match(lines[k]):
                footnote_lines.extend(lines[k + 1 :])
                furniture.extend(lines[k:])
                break
            stream.append((lines[k], first and number > 0))
            first = False
    return Layout(
        split_blocks(stream, indent_starts=True),
        furniture,
        tuple(_footnote_numbers(footnote_lines)),
        kind="pdf",
    )


_PYPDF_HEADER = re.compile(r"\b\d{2}-\d{5}\b.*\b\d{1,3}/\d{1,3}\b|\b\d{1,3}/\d{1,3}\s+\d{2}-\d{5}\b")


def _pypdf_header_end(lines: Sequence[str]) -> int:
    for k, line in enumerate(lines[:HEADER_WINDOW]):
        if _PYPDF_HEADER.search(line) or PAGE_NO.match(line.strip()):
            # the job number may sit on its own line just after the page number
            if k + 1 < len(lines) and JOB_NO.match(lines[k + 1].strip()):
                return k + 1
            return k
    return -1
