"""Knowledge distillation: a trained restag model (the teacher) labels unlabelled paragraphs,
and a smaller student learns from those soft labels next to the gold ones.

The unlabelled paragraphs come from documents ``restag tag`` can read (e.g. the corpus
folder ``../shared/corpus/ga-78-80/json``), through :mod:`restag.data` like any other input.
So that dev stays an honest measure, a document is left out when it is one of the gold
file's resolutions (its gold labels are used instead) or when it belongs to the series of a
resolution held out for dev, judged by its title (the same series returns every session with
much the same text).

The teacher's targets are its calibrated probabilities: per-theme probabilities (soft
multi-label targets) and the distribution over the five force levels.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from restag.data.errors import RestagError
from restag.data.records import Paragraph
from restag.data.schema import FORCES, THEMES

logger = logging.getLogger(__name__)

_SESSION_PREFIX = re.compile(r"^\s*\d+/\d+\s*\.\s*")


def normalise_title(title: str) -> str:
    """A resolution title without its ``78/123.`` prefix, case and spacing (a series key)."""
    return " ".join(_SESSION_PREFIX.sub("", title).lower().split())


@dataclass(frozen=True)
class TeacherTargets:
    """Unlabelled paragraphs with the teacher's probabilities, in the teacher's label order."""

    paragraphs: list[Paragraph]
    themes: np.ndarray  # [N, 3] probabilities
    forces: np.ndarray  # [N, 5] probability distributions

    def __len__(self) -> int:
        return len(self.paragraphs)


def unlabelled_paragraphs(
    inputs: Sequence[str],
    *,
    exclude_symbols: Iterable[str],
    exclude_titles: Iterable[str],
    limit: int,
    seed: int,
    progress: bool = False,
) -> tuple[list[Paragraph], int, int]:
    """Up to ``limit`` paragraphs (0 = all), drawn at random (seeded) from the readable
    documents of ``inputs`` that are neither excluded by symbol nor by series title.

    Returns the paragraphs, the number of documents used and the number excluded.
    Unreadable documents are skipped with a warning; none readable is an error.
    """
    from tqdm.auto import tqdm

    from restag.model.batch import discover, read_source

    symbols, titles = set(exclude_symbols), {normalise_title(t) for t in exclude_titles if t}
    pool: list[Paragraph] = []
    used = excluded = failed = 0
    for source in tqdm(discover(list(inputs)), desc="reading unlabelled documents", disable=not progress):
        try:
            resolution = read_source(source)
        except RestagError as error:
            failed += 1
            logger.warning("skipping %s: %s", source.label, error)
            continue
        if resolution.symbol in symbols or normalise_title(resolution.title or "") in titles:
            excluded += 1
            continue
        used += 1
        pool.extend(resolution.paragraphs)
    if not pool:
        raise RestagError(
            f"no unlabelled paragraphs in {', '.join(inputs)} ({used} documents used, {excluded} excluded, "
            f"{failed} unreadable); expected documents restag can read, e.g. ../shared/corpus/ga-78-80/json"
        )
    if limit and len(pool) > limit:
        rng = np.random.default_rng(seed)
        pool = [pool[i] for i in sorted(rng.choice(len(pool), size=limit, replace=False))]
    logger.info("unlabelled: %d paragraphs from %d documents (%d excluded, %d unreadable)", len(pool), used, excluded, failed)
    return pool, used, excluded


def teacher_targets(
    teacher: str,
    paragraphs: list[Paragraph],
    *,
    threads: int,
    batch_size: int = 32,
    progress: bool = False,
) -> TeacherTargets:
    """The teacher's calibrated probabilities for ``paragraphs`` (ONNX fp32: the same labels as torch, faster)."""
    from restag.model.batch import TaggerSpec
    from restag.model.results import score_matrices

    tagger = TaggerSpec(teacher, "onnx", "fp32", threads).load()
    predictions = tagger.predict(paragraphs, batch_size=batch_size, progress=progress)
    themes, forces = (m.astype(np.float32) for m in score_matrices(predictions))
    forces /= forces.sum(axis=1, keepdims=True)
    return TeacherTargets(paragraphs, themes, forces)


def describe(targets: TeacherTargets, *, documents: int, excluded: int) -> dict[str, Any]:
    """What the distillation data was, for metrics.json: ``documents`` drawn from, ``excluded`` left out."""
    return {
        "paragraphs": len(targets),
        "documents": documents,
        "documents_excluded": excluded,
        "teacher_theme_rate": {t: round(float(targets.themes[:, i].mean()), 4) for i, t in enumerate(THEMES)},
        "teacher_force_share": {f: round(float(targets.forces[:, i].mean()), 4) for i, f in enumerate(FORCES)},
    }
