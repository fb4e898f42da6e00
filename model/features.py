"""Rule features: what the LABELS.md rules say about a paragraph, as numbers for the model.

Eight values per paragraph: the one-hot level of the lead-verb rules (force, 5 values) and
the keyword hits of the LABELS.md topic lists (themes, 3 values), both from the baselines
of :mod:`restag.model.baselines`. A model with ``rule_features`` learns one linear map from
them to logit offsets (``feature_head``, trained with the network), so the network only has
to learn where the rules are wrong. The offsets are added by the Tagger after the backend,
so every backend (torch, ONNX) shares them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from restag.data.schema import FORCE_LEVEL, FORCES, THEMES

N_FEATURES = len(FORCES) + len(THEMES)
FEATURE_NAMES: tuple[str, ...] = tuple(f"rule:{f}" for f in FORCES) + tuple(f"keyword:{t}" for t in THEMES)


@lru_cache(maxsize=1)
def _keywords() -> Any:
    from restag.model.baselines import KeywordThemes

    return KeywordThemes().fit()


def rule_features(texts: Sequence[str], kinds: Sequence[str | None] | None = None) -> np.ndarray:
    """[N, 8] float32: lead-verb level one-hot, then theme keyword hits (0/1)."""
    from restag.model.baselines import lead_verb_force

    kinds = kinds if kinds is not None else [None] * len(texts)
    out = np.zeros((len(texts), N_FEATURES), dtype=np.float32)
    if not len(texts):
        return out
    for row, (text, kind) in enumerate(zip(texts, kinds)):
        out[row, FORCE_LEVEL[lead_verb_force(text, kind)]] = 1.0
    out[:, len(FORCES) :] = _keywords().predict_proba(list(texts))
    return out


def feature_offsets(features: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Theme [N, 3] and force [N, 5] logit offsets of ``features @ weight.T``."""
    offsets = np.asarray(features, dtype=np.float32) @ np.asarray(weight, dtype=np.float32).T
    return offsets[:, : len(THEMES)], offsets[:, len(THEMES) :]
