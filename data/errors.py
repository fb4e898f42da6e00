"""Exceptions of restag, in one place.

Every message says what was found, what was expected and what to do. The CLI prints
``str(error)`` as one line on stderr and exits with code 2.
"""

from __future__ import annotations


class RestagError(Exception):
    """Base class of every error restag raises on bad input."""


class LabelError(RestagError, ValueError):
    """A label, label file or saved schema does not follow LABELS.md."""


class InputError(RestagError, ValueError):
    """A document could not be read as a General Assembly resolution."""


class EmptyInputError(InputError):
    """The input is empty or whitespace only."""


class BinaryInputError(InputError):
    """The input is binary data, not text."""


class EncodingError(InputError):
    """The input is not valid UTF-8 text."""


class NoResolutionBodyError(InputError):
    """The text holds no recognisable resolution body."""


class InputTooLargeError(InputError):
    """The input is larger than restag accepts."""


class PdfError(InputError):
    """A PDF that cannot be read: encrypted, scanned without a text layer, or broken."""


class ModelError(RestagError):
    """A model artifact is missing, incomplete or incompatible."""
