"""The Tagger: paragraphs in, :class:`~restag.model.results.Prediction` records out.

One Tagger loads a model once (tokenizer, backend, calibration) and is reused. Items are
paragraph strings or :class:`~restag.data.records.Paragraph` records; a Paragraph's kind
constrains its force (LABELS.md force rule 4) and its id is carried into the result.

Inputs are processed in chunks: each chunk is tokenized, sorted by length, cut into
batches (little padding), run through the backend and put back in input order, so memory
stays flat from one paragraph to a hundred thousand (:meth:`Tagger.predict_iter` streams).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

import numpy as np

from restag.data.records import Paragraph
from restag.data.schema import FORCES, THEMES
from restag.model.artifact import Artifact
from restag.model.backends import Backend, create_backend
from restag.model.calibration import Calibration
from restag.model.results import Prediction

logger = logging.getLogger(__name__)

#: Items tokenized and sorted together; bounds memory whatever the input size.
CHUNK_BATCHES = 16


def _item_fields(item: object, position: int) -> tuple[str, str | None, str | None]:
    """(text, kind, id) of one input item; TypeError for anything but str or Paragraph."""
    if isinstance(item, str):
        return item, None, None
    if isinstance(item, Paragraph):
        return item.text, item.kind, item.id
    raise TypeError(
        f"item {position} is of type {type(item).__name__} ({item!r:.60}); expected a paragraph "
        "string or a restag.data.Paragraph"
    )


class Tagger:
    """A loaded model. Build it with :meth:`load`; call :meth:`predict` or :meth:`predict_iter`."""

    def __init__(
        self,
        backend: Backend,
        tokenizer: Any,
        calibration: Calibration,
        *,
        max_length: int,
        feature_weight: np.ndarray | None = None,
        name: str = "",
    ) -> None:
        self.backend = backend
        self.feature_weight = feature_weight
        self.tokenizer = tokenizer
        self.calibration = calibration
        self.max_length = max_length
        self.name = name
        self.pad_id = int(tokenizer.pad_token_id or 0)

    @classmethod
    def load(cls, path: str | os.PathLike[str] = "default", backend: str | Backend = "torch") -> "Tagger":
        """Load an artifact directory, or a shipped model by name: ``"default"`` (MiniLM cut
        to 2 layers, distilled from ``"full"``) or ``"full"`` (all 6 layers).

        ``backend`` is a registered backend name (``"torch"``, ``"onnx"``; see
        :mod:`restag.model.backends`) or a ready object with a ``logits`` method.
        """
        artifact = Artifact.open(path)
        engine = create_backend(backend, artifact) if isinstance(backend, str) else backend
        logger.info("loaded model %s (backend %s)", artifact.directory, type(engine).__name__)
        return cls(
            engine,
            artifact.load_tokenizer(),
            artifact.calibration,
            max_length=artifact.config.max_length,
            feature_weight=artifact.feature_weight(),
            name=str(artifact.directory),
        )

    def __repr__(self) -> str:
        return f"Tagger({self.name!r}, backend={type(self.backend).__name__})"

    # -- inference -------------------------------------------------------------------

    def predict(self, items: Iterable[str | Paragraph], batch_size: int = 32, progress: bool = False) -> list[Prediction]:
        """One :class:`Prediction` per item, in input order; ``[]`` for no items."""
        items = list(items)
        for position, item in enumerate(items):
            _item_fields(item, position)  # fail before any work
        return list(self.predict_iter(items, batch_size=batch_size, progress=progress))

    def predict_iter(
        self, items: Iterable[str | Paragraph], batch_size: int = 32, progress: bool = False
    ) -> Iterator[Prediction]:
        """Stream predictions, in input order, holding one chunk of items at a time."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        from tqdm.auto import tqdm

        total = len(items) if isinstance(items, Sequence) else None
        bar = tqdm(total=total, desc="tagging", unit="par", disable=not progress)
        iterator = iter(items)
        position = 0
        try:
            while chunk := list(islice(iterator, batch_size * CHUNK_BATCHES)):
                fields = [_item_fields(item, position + i) for i, item in enumerate(chunk)]
                theme_logits, force_logits = self.logits(
                    [text for text, _, _ in fields], [kind for _, kind, _ in fields], batch_size=batch_size
                )
                yield from self._predictions(theme_logits, force_logits, fields)
                position += len(chunk)
                bar.update(len(chunk))
        finally:
            bar.close()

    def logits(
        self, texts: Sequence[str], kinds: Sequence[str | None] | None = None, batch_size: int = 32
    ) -> tuple[np.ndarray, np.ndarray]:
        """Uncalibrated logits of ``texts``, in order: arrays [N, 3] and [N, 5].

        The backend's logits plus, for a model with rule features, their learned offsets
        (``kinds`` helps the lead-verb rule; ``None`` reads the kind from the text's form).
        """
        if not texts:
            return np.zeros((0, len(THEMES)), np.float32), np.zeros((0, len(FORCES)), np.float32)
        encoded = self.tokenizer(list(texts), truncation=True, max_length=self.max_length)["input_ids"]
        order = np.argsort([len(ids) for ids in encoded], kind="stable")
        theme = np.zeros((len(texts), len(THEMES)), np.float32)
        force = np.zeros((len(texts), len(FORCES)), np.float32)
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            width = max(len(encoded[r]) for r in rows)
            input_ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
            attention_mask = np.zeros((len(rows), width), dtype=np.int64)
            for i, r in enumerate(rows):
                input_ids[i, : len(encoded[r])] = encoded[r]
                attention_mask[i, : len(encoded[r])] = 1
            theme[rows], force[rows] = self.backend.logits(input_ids, attention_mask)
        if self.feature_weight is not None:
            from restag.model.features import feature_offsets, rule_features

            theme_offset, force_offset = feature_offsets(rule_features(texts, kinds), self.feature_weight)
            theme, force = theme + theme_offset, force + force_offset
        return theme, force

    def _predictions(
        self, theme_logits: np.ndarray, force_logits: np.ndarray, fields: list[tuple[str, str | None, str | None]]
    ) -> Iterator[Prediction]:
        calibration = self.calibration
        theme_probs = calibration.theme_probabilities(theme_logits)
        chosen = calibration.theme_decisions(theme_probs)
        force_probs = calibration.force_probabilities(force_logits, [kind for _, kind, _ in fields])
        levels = force_probs.argmax(axis=1)
        for row, (_, _, item_id) in enumerate(fields):
            yield Prediction(
                themes=tuple(t for t, keep in zip(THEMES, chosen[row]) if keep),
                theme_scores={t: float(p) for t, p in zip(THEMES, theme_probs[row])},
                force=FORCES[int(levels[row])],
                force_level=int(levels[row]),
                force_scores={f: float(p) for f, p in zip(FORCES, force_probs[row])},
                id=item_id,
            )
