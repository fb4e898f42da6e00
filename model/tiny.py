"""A tiny randomly initialised model artifact, for fast tests and demos.

``build_tiny_artifact(dir)`` writes a complete artifact (see :mod:`restag.model.artifact`)
around a 2-layer BERT with hidden size 32, built from a config, with the packaged MiniLM
tokenizer. Its predictions are meaningless but deterministic for a given ``seed``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from restag.model.calibration import Calibration
from restag.model.config import DEFAULT_ENCODER, ModelConfig

if TYPE_CHECKING:  # pragma: no cover
    import torch

TINY_BERT: dict[str, object] = {
    "model_type": "bert",
    "vocab_size": 30522,  # the MiniLM tokenizer's vocabulary
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "max_position_embeddings": 512,
    "type_vocab_size": 2,
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
}


def tiny_config(max_length: int = 64, rule_features: bool = False) -> ModelConfig:
    return ModelConfig(
        encoder=DEFAULT_ENCODER, encoder_config=dict(TINY_BERT), max_length=max_length, lora_rank=0,
        rule_features=rule_features, extra={"purpose": "tiny random model for tests"},
    )


def build_tiny_artifact(
    directory: str | Path,
    *,
    seed: int = 0,
    calibration: Calibration | None = None,
    feature_weight: "torch.Tensor | None" = None,
) -> Path:
    """Write a tiny random artifact into ``directory`` and return its path.

    ``feature_weight`` ([8, 8]) makes a model with rule features (see restag.model.features).
    """
    import torch
    from transformers import AutoTokenizer

    from restag.model.artifact import save_artifact
    from restag.model.network import RestagNet, resolve_encoder

    torch.manual_seed(seed)
    config = tiny_config(rule_features=feature_weight is not None)
    net = RestagNet.from_config(config)
    if net.feature_head is not None:
        with torch.no_grad():
            net.feature_head.weight.copy_(feature_weight)
    # Spread the random head outputs so that tests see several themes and forces.
    with torch.no_grad():
        net.theme_head.weight.mul_(20.0)
        net.force_head.weight.mul_(20.0)
    tokenizer = AutoTokenizer.from_pretrained(resolve_encoder(DEFAULT_ENCODER))
    return save_artifact(
        directory,
        config=config,
        heads=net.head_state(),
        encoder=net.encoder.state_dict(),
        calibration=calibration or Calibration(fitted_on="none (tiny random model)"),
        metrics={"note": "tiny random model; no metrics"},
        train_log=[{"step": 0, "note": "not trained"}],
        tokenizer=tokenizer,
    )
