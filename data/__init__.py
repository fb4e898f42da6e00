"""restag.data: read resolutions, segment them into paragraphs, clean them, load labels.

raw document -> :func:`read_resolution` -> :class:`Resolution` of :class:`Paragraph` records.
"""

from restag.data.errors import InputError, LabelError, RestagError
from restag.data.records import Paragraph, Resolution, paragraph_id
from restag.data.schema import FORCES, THEMES, LabelSchema

__all__ = [
    "FORCES",
    "THEMES",
    "InputError",
    "LabelError",
    "LabelSchema",
    "Paragraph",
    "Resolution",
    "RestagError",
    "paragraph_id",
]
