"""Shared fixtures. Tests that need ../shared skip with a reason when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
