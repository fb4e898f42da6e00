"""Knowledge distillation: unlabelled documents, the teacher's soft labels, and a shallow student."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from restag.data.errors import RestagError
from restag.model.artifact import Artifact
from restag.model.tagger import Tagger
from restag.training.config import ConfigError, TrainConfig
from restag.training.distill import normalise_title, teacher_targets, unlabelled_paragraphs
from restag.training.train import train

# Fictional resolutions written for these tests: (session/number, title, operative paragraphs).
DOCUMENTS = [
    ("90/11", "Clean kilns for small workshops", ["Encourages Member States to fund efficient kilns;",
                                                  "Requests the Secretary-General to report on solar dryers;"]),
    ("90/12", "Market access for small producers", ["Invites partners to help small exporters meet standards;"]),
    ("91/12", "Market access for small producers", ["Decides to continue its work on market access;"]),
    ("90/13", "Cooperatives and rural jobs", ["Calls upon States to support cooperatives of weavers;",
                                              "Stresses the role of credit for rural workshops;",
                                              "Decides to remain seized of the matter;"]),
]


def write_documents(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for number, title, operative in DOCUMENTS:
        body = "".join(f"\t{i}.\t{text}\n" for i, text in enumerate(operative, 1))
        (folder / f"A-RES-{number.replace('/', '-')}.txt").write_text(
            "Resolution adopted by the General Assembly on 1 December 2035\n"
            f"{number}.\t{title}\n\n\n\tThe General Assembly,\n"
            "\tRecalling its earlier resolutions on the subject,\n"
            f"{body}\n\t50th plenary meeting\n\t1 December 2035\n",
            encoding="utf-8",
        )
    return folder


def test_normalise_title_drops_the_number_case_and_spacing() -> None:
    assert normalise_title("79/195.  International trade\nand development") == "international trade and development"
    assert normalise_title("International Trade and Development") == "international trade and development"
    assert normalise_title("") == ""


def test_unlabelled_paragraphs_leave_out_gold_symbols_and_dev_series(tmp_path: Path) -> None:
    folder = write_documents(tmp_path / "docs")
    everything, used, excluded = unlabelled_paragraphs([str(folder)], exclude_symbols=(), exclude_titles=(), limit=0, seed=0)
    assert (used, excluded, len(everything)) == (4, 0, 4 + (2 + 1 + 1 + 3))  # one preambular paragraph each + the operative ones

    kept, used, excluded = unlabelled_paragraphs(
        [str(folder)], exclude_symbols={"A/RES/90/13"}, exclude_titles={"80/5. MARKET ACCESS for small producers"}, limit=0, seed=0,
    )
    assert (used, excluded) == (1, 3)  # 90/13 by symbol; 90/12 and 91/12 by series title
    assert {p.symbol for p in kept} == {"A/RES/90/11"}


def test_unlabelled_paragraphs_draw_a_seeded_sample(tmp_path: Path) -> None:
    folder = write_documents(tmp_path / "docs")
    first, _, _ = unlabelled_paragraphs([str(folder)], exclude_symbols=(), exclude_titles=(), limit=5, seed=3)
    again, _, _ = unlabelled_paragraphs([str(folder)], exclude_symbols=(), exclude_titles=(), limit=5, seed=3)
    assert len(first) == 5 and [p.id for p in first] == [p.id for p in again]


def test_nothing_left_to_label_is_an_error_that_says_what_was_found(tmp_path: Path) -> None:
    folder = write_documents(tmp_path / "docs")
    with pytest.raises(RestagError, match=r"no unlabelled paragraphs in .*\(0 documents used, 4 excluded, 0 unreadable\)"):
        unlabelled_paragraphs([str(folder)], exclude_symbols=(), exclude_titles=[t for _, t, _ in DOCUMENTS], limit=0, seed=0)


def test_teacher_targets_are_the_teachers_probabilities(tmp_path: Path, tiny_model_dir: Path) -> None:
    teacher = shutil.copytree(tiny_model_dir, tmp_path / "teacher")  # the ONNX export is cached beside it
    paragraphs, _, _ = unlabelled_paragraphs([str(write_documents(tmp_path / "docs"))], exclude_symbols=(),
                                             exclude_titles=(), limit=0, seed=0)
    targets = teacher_targets(str(teacher), paragraphs, threads=1)
    reference = Tagger.load(teacher).predict(paragraphs)
    assert targets.themes.shape == (len(paragraphs), 3) and targets.forces.shape == (len(paragraphs), 5)
    np.testing.assert_allclose(targets.forces.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(targets.themes, [list(p.theme_scores.values()) for p in reference], atol=1e-3)
    # preambular paragraphs keep the kind constraint: all their force mass on "preambular"
    preambular = [i for i, p in enumerate(paragraphs) if p.kind == "preambular"]
    assert preambular and np.allclose(targets.forces[preambular, 0], 1.0)


def test_teacher_and_unlabeled_go_together() -> None:
    with pytest.raises(ConfigError, match="teacher and unlabeled go together"):
        TrainConfig(teacher="model/default")
    with pytest.raises(ConfigError, match="frozen_layers must be below encoder_layers"):
        TrainConfig(encoder_layers=2, frozen_layers=2)


def test_distil_a_one_layer_student(
    tmp_path: Path, tiny_encoder_dir: Path, tiny_model_dir: Path, synthetic_labels: Callable[..., Path]
) -> None:
    labels = synthetic_labels(tmp_path / "labels.jsonl", {"train": 40, "dev": 12})
    teacher = shutil.copytree(tiny_model_dir, tmp_path / "teacher")
    config = TrainConfig(labels=str(labels), output=str(tmp_path / "student"), encoder=str(tiny_encoder_dir), max_length=32,
                         encoder_layers=1, frozen_layers=0, lora_rank=4, epochs=2, batch_size=8, progress=False,
                         teacher=str(teacher), unlabeled=str(write_documents(tmp_path / "docs")), unlabeled_max=10)
    metrics = train(config)
    distillation = metrics["data"]["distillation"]
    assert distillation["paragraphs"] == 10 and distillation["documents"] == 4
    assert metrics["steps"] == 2 * (5 + 2)  # 40 gold + 10 teacher-labelled paragraphs a epoch, in batches of 8
    saved = json.loads((tmp_path / "student" / "config.json").read_text())
    assert saved["encoder_layers"] == 1
    assert len(Artifact.open(tmp_path / "student").load_network().encoder.encoder.layer) == 1
    assert len(Tagger.load(tmp_path / "student").predict(["Decides to remain seized of the matter;"])) == 1
