"""Shared fixtures. Tests that need ../shared skip with a reason when it is absent."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from restag.data.schema import THEMES

REPO = Path(__file__).resolve().parents[1]


def shared_root() -> Path:
    """``$RESTAG_SHARED`` or ``../shared`` beside the checkout."""
    return Path(os.environ.get("RESTAG_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    root = shared_root()
    if not (root / "spec" / "LABELS.md").exists():
        pytest.skip(f"shared data not found at {root}; set RESTAG_SHARED to the shared/ folder")
    return root


@pytest.fixture(scope="session")
def corpus_json_dir(shared_dir: Path) -> Path:
    path = shared_dir / "corpus" / "ga-78-80" / "json"
    if not path.is_dir():
        pytest.skip(f"corpus not found at {path}")
    return path


@pytest.fixture(scope="session")
def gold_labels(shared_dir: Path) -> Path:
    path = shared_dir / "labels" / "gold-78-80.jsonl"
    if not path.exists():
        pytest.skip(f"gold labels not found at {path}")
    return path


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """The example resolution shipped in the package (A/RES/65/175)."""
    return REPO / "data" / "examples" / "A-RES-65-175.txt"


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete model artifact around a tiny random BERT (2 layers, hidden 32).

    Load it with ``Tagger.load(tiny_model_dir)``; predictions are meaningless but
    deterministic. Session-scoped: treat the directory as read-only (copy it to change it).
    """
    from restag.model.tiny import build_tiny_artifact

    return build_tiny_artifact(tmp_path_factory.mktemp("tiny-model"), seed=0)


# Handwritten paragraphs (not from the corpus) with LABELS.md-style labels.
TOPICS = {
    "poverty": ["small and medium-sized enterprises", "job creation in manufacturing", "agro-industry"],
    "trade": ["export diversification", "market access and tariffs", "trade facilitation"],
    "environment": ["renewable energy", "climate change adaptation", "marine pollution"],
}
LEADS = {"declaratory": "Stresses", "hortatory": "Encourages", "directive": "Requests", "decisional": "Decides"}


def _write_synthetic_labels(path: Path, n_per_split: dict[str, int]) -> Path:
    rng = random.Random(0)
    rows = []
    for split, n in n_per_split.items():
        for i in range(n):
            themes = sorted({rng.choice(THEMES) for _ in range(rng.randint(0, 2))}, key=THEMES.index)
            topic = " and ".join(rng.choice(TOPICS[t]) for t in themes) or "the report of the Secretary-General"
            if i % 3 == 0:
                text, force, kind = f"Recognizing the role of {topic},", "preambular", "preambular"
            else:
                force = rng.choice(list(LEADS))
                text, kind = f"{LEADS[force]} Member States to consider {topic};", "operative"
            rows.append({"id": f"A/RES/0/{split}#{i}", "symbol": f"A/RES/0/{i % 5}{split}", "kind": kind, "number": i + 1,
                         "text": text, "themes": themes, "force": force, "split": split})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def synthetic_labels() -> Callable[[Path, dict[str, int]], Path]:
    """``synthetic_labels(path, {"train": 60, "dev": 30})`` writes a small labelled file, seeded."""
    return _write_synthetic_labels


@pytest.fixture(scope="session")
def tiny_encoder_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random BERT saved like a pretrained encoder (config, weights, tokenizer)."""
    import torch
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    from restag.model.config import DEFAULT_ENCODER
    from restag.model.network import resolve_encoder
    from restag.model.tiny import TINY_BERT

    directory = tmp_path_factory.mktemp("tiny-encoder")
    torch.manual_seed(0)
    AutoModel.from_config(AutoConfig.for_model(**TINY_BERT)).save_pretrained(directory)
    AutoTokenizer.from_pretrained(resolve_encoder(DEFAULT_ENCODER)).save_pretrained(directory)
    return directory
