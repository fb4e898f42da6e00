"""PDF files: page texts through pypdf.

Why pypdf: it is pure Python (no compiled wheels; already a dependency of restag), actively
maintained by the py-pdf project, opens PDFs encrypted with an empty user password and reports
the others clearly, and its plain-text extraction keeps what the segmenter needs from UN PDFs:
one line per printed line, a leading space on the first line of every paragraph, the running
header on its own lines at the top of each page. On the 44 corpus PDFs it yields the same
paragraphs as the PyMuPDF text of the corpus JSON for all 44 (``python -m
restag.data.corpus_check``). pdfplumber (built on pdfminer.six) would add layout and table tools
that restag has no use for, and one more dependency.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from restag.data.errors import PdfError

logger = logging.getLogger(__name__)

#: A page with fewer letters than this is treated as an image (scanned) page.
MIN_LETTERS_PER_DOCUMENT = 40
_LETTER = re.compile(r"[A-Za-z]")


def read_pdf_pages(path: str | Path, data: bytes | None = None) -> list[str]:
    """Return the text of each page; raise :class:`PdfError` for encrypted, scanned or broken PDFs."""
    from io import BytesIO

    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PyPdfError

    name = str(path)
    try:
        reader = PdfReader(BytesIO(data) if data is not None else name)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")  # owner-password-only PDFs open with an empty password
            except DependencyError as error:
                raise PdfError(
                    f"{name}: PDF is encrypted with a scheme that needs an extra package ({error}); "
                    f"expected an unencrypted PDF; install 'cryptography' or save an unencrypted copy"
                ) from error
            if not opened:
                raise PdfError(
                    f"{name}: PDF is encrypted and needs a password; expected an unencrypted PDF; "
                    f"save an unencrypted copy (e.g. print to PDF) and try again"
                )
        pages = [page.extract_text() or "" for page in reader.pages]
    except FileNotDecryptedError as error:
        raise PdfError(
            f"{name}: PDF is encrypted and needs a password; expected an unencrypted PDF; "
            f"save an unencrypted copy and try again"
        ) from error
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise PdfError(
            f"{name}: PDF could not be read ({type(error).__name__}: {error}); expected a valid "
            f"PDF file; download it again or pass the extracted text instead"
        ) from error
    letters = sum(len(_LETTER.findall(p)) for p in pages)
    if letters < MIN_LETTERS_PER_DOCUMENT:
        raise PdfError(
            f"{name}: PDF has no text layer ({len(pages)} page(s), {letters} letters of text; "
            f"probably a scan); expected a PDF with text; run OCR on it first (e.g. ocrmypdf) "
            f"or pass its text"
        )
    logger.debug("read %d pages from %s", len(pages), name)
    return pages
