"""restag.model: the fine-tuned classifier and its inference API.

    from restag.model import predict, Tagger
    predict(["Encourages ... renewable energy ..."])          # cached default model
    tagger = Tagger.load("path/to/model", backend="torch")    # or "onnx", or a backend object
    tagger.predict(paragraphs, batch_size=32, progress=True)

Importing this package loads no weights and imports no torch: :func:`predict` loads the
shipped model (``model/default/``) on first use and keeps it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from restag.model.results import Prediction

if TYPE_CHECKING:  # pragma: no cover
    from restag.data.records import Paragraph
    from restag.model.tagger import Tagger

__all__ = ["Prediction", "Tagger", "default_tagger", "predict"]


def __getattr__(name: str) -> object:
    if name == "Tagger":  # imported on demand so that `import restag.model` stays light
        from restag.model.tagger import Tagger

        return Tagger
    raise AttributeError(f"module 'restag.model' has no attribute {name!r}")


@lru_cache(maxsize=1)
def default_tagger() -> "Tagger":
    """The shipped model, loaded once per process."""
    from restag.model.tagger import Tagger

    return Tagger.load("default")


def predict(items: Iterable["str | Paragraph"], batch_size: int = 32, progress: bool = False) -> list[Prediction]:
    """Tag paragraph strings or :class:`~restag.data.Paragraph` records with the default model."""
    return default_tagger().predict(items, batch_size=batch_size, progress=progress)
