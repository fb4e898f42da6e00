"""Read a resolution from a file or a string: check the input, pick the layout, segment.

Formats, by extension and then by content:

* ``.pdf`` (or bytes starting ``%PDF-``): a PDF file, read with pypdf (:mod:`restag.data.pdf`);
* ``.json``: a corpus record with ``text`` (PDF-extracted) and optional ``symbol``/``title``;
* ``.md`` / ``.markdown`` (or text opening with YAML front matter): markdown;
* anything else is text: an ODS / Word export (one paragraph per line, ``<<ODS`` markers) or
  PDF-extracted text (hard-wrapped lines), told apart by how lines end.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from restag.data.errors import (
    BinaryInputError,
    EmptyInputError,
    EncodingError,
    InputError,
    InputTooLargeError,
)
from restag.data.layouts import (
    ODS_MARKER,
    Layout,
    line_layout,
    markdown_layout,
    pdf_pages_layout,
    pdf_text_layout,
)
from restag.data.records import Resolution
from restag.data.segment import segment

logger = logging.getLogger(__name__)

#: Largest input accepted. The biggest resolution PDF in the corpus is 0.4 MB.
MAX_BYTES = 10 * 1024 * 1024

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_LINE_END = re.compile(r"[,;.:][”’\"')]?\s*\d{0,3}\s*$")


def read_resolution(path: str | Path) -> Resolution:
    """Read and segment one resolution file (.txt, .pdf, .md, corpus .json)."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(f"{path}: file not found; expected a resolution file; check the path") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror}); check the path and permissions") from None
    if path.is_dir():
        raise InputError(f"{path}: is a directory; expected a resolution file; pass the files in it")
    if size > MAX_BYTES:
        raise InputTooLargeError(
            f"{path}: file is {size / 2**20:.1f} MiB; expected at most {MAX_BYTES / 2**20:.0f} MiB "
            f"(a resolution is well under 1 MB); split it or pass the resolution alone"
        )
    data = path.read_bytes()
    source = str(path)
    if not data.strip():
        raise EmptyInputError(f"{source}: file is empty; expected the text of a resolution; check the file")
    suffix = path.suffix.lower()
    if suffix == ".pdf" or data.startswith(b"%PDF-"):
        from restag.data.pdf import read_pdf_pages

        layout = pdf_pages_layout(read_pdf_pages(source, data))
        return segment(layout, source=source)
    text = decode(data, source)
    if suffix == ".json":
        return _read_json(text, source)
    return parse_text(text, source=source, markdown=suffix in (".md", ".markdown") or None)


def parse_text(
    text: str,
    *,
    source: str = "<string>",
    symbol: str | None = None,
    markdown: bool | None = None,
) -> Resolution:
    """Segment a resolution given as text (ODS export, PDF-extracted text or markdown).

    ``markdown=None`` detects markdown by its front matter or ``[^n]`` footnotes.
    """
    check_text(text, source)
    return segment(detect_layout(text, markdown=markdown), source=source, symbol=symbol)


def check_text(text: str, source: str) -> None:
    """Raise the specific :class:`InputError` for empty, binary or oversized text."""
    if len(text) > MAX_BYTES:
        raise InputTooLargeError(
            f"{source}: text is {len(text) / 2**20:.1f} Mi characters; expected at most "
            f"{MAX_BYTES / 2**20:.0f} Mi; pass one resolution at a time"
        )
    if not text.strip():
        raise EmptyInputError(
            f"{source}: input is empty or whitespace only; expected the text of a resolution; "
            f"check the file or the pipe"
        )
    sample = text[:65536]
    controls = len(_CONTROL.findall(sample))
    if "\x00" in sample or controls > max(8, len(sample) // 100):
        raise BinaryInputError(
            f"{source}: input looks binary ({controls} control characters in the first "
            f"{len(sample)}); expected text, PDF, markdown or corpus JSON; pass the document itself"
        )


def decode(data: bytes, source: str) -> str:
    """Bytes to text: UTF-8 (with or without BOM), or UTF-16 with a BOM; otherwise an error."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    sample = data[:65536]
    if b"\x00" in sample or len(_CONTROL.findall(sample.decode("latin-1"))) > max(8, len(sample) // 100):
        raise BinaryInputError(
            f"{source}: file is binary data, not text; expected text, PDF, markdown or corpus "
            f"JSON; pass the document itself"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise EncodingError(
            f"{source}: not valid UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start}); "
            f"expected UTF-8 text; convert it first, e.g. iconv -f cp1252 -t utf-8"
        ) from None


def detect_layout(text: str, *, markdown: bool | None = None) -> Layout:
    """Pick the layout of a text: markdown, one-paragraph-per-line export, or PDF text."""
    if markdown is None:
        markdown = text.lstrip().startswith("---") or "[^1]" in text
    if markdown:
        return markdown_layout(text)
    if ODS_MARKER.search(text) or _one_paragraph_per_line(text):
        return line_layout(text)
    return pdf_text_layout(text)


def _one_paragraph_per_line(text: str) -> bool:
    """True when most non-blank lines end a sentence or clause (ODS/Word exports), false for
    hard-wrapped text, where most lines stop mid-sentence."""
    lines = [line for line in text.split("\n") if len(line.strip()) > 40]
    if not lines:
        return False
    ends = sum(1 for line in lines if _LINE_END.search(line))
    return ends / len(lines) >= 0.6


def _read_json(text: str, source: str) -> Resolution:
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{source}: invalid JSON ({error.msg} at line {error.lineno}); expected a corpus "
            f"record with a 'text' field; check the file"
        ) from None
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        raise InputError(
            f"{source}: JSON has no 'text' string; expected a corpus record "
            f"{{'symbol': ..., 'text': ...}}; pass the document text instead"
        )
    check_text(record["text"], source)
    layout = pdf_text_layout(record["text"])
    if isinstance(record.get("title"), str):
        layout.meta["title"] = record["title"]
    symbol = record.get("symbol") if isinstance(record.get("symbol"), str) else None
    return segment(layout, source=source, symbol=symbol)
