"""restag.data: read resolutions, segment them into paragraphs, clean them, load labels.

raw document -> :func:`read_resolution` -> :class:`Resolution` of :class:`Paragraph` records.
"""

from restag.data.errors import (
    BinaryInputError,
    EmptyInputError,
    EncodingError,
    InputError,
    InputTooLargeError,
    LabelError,
    NoResolutionBodyError,
    PdfError,
    RestagError,
)
from restag.data.readers import parse_text, read_resolution
from restag.data.records import Paragraph, Resolution, paragraph_id
from restag.data.schema import FORCES, THEMES, LabelSchema

__all__ = [
    "FORCES",
    "THEMES",
    "BinaryInputError",
    "EmptyInputError",
    "EncodingError",
    "InputError",
    "InputTooLargeError",
    "NoResolutionBodyError",
    "PdfError",
    "LabelError",
    "LabelSchema",
    "Paragraph",
    "Resolution",
    "RestagError",
    "paragraph_id",
    "parse_text",
    "read_resolution",
]
