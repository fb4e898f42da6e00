"""The model artifact: one directory, flat files, no pickle.

=====================  ==============================================================
``config.json``        :class:`~restag.model.config.ModelConfig`
``labels.json``        :class:`~restag.data.schema.LabelSchema` (checked at load)
``heads.safetensors``  theme and force heads
``lora.safetensors``   LoRA adapters (``<module>.lora_A`` / ``.lora_B``) when ``lora_rank > 0``
``encoder.safetensors`` full encoder weights, when the encoder is not the pretrained one
``calibration.json``   temperatures and per-theme thresholds (:class:`Calibration`)
``metrics.json``       dev metrics of the training run
``train_log.jsonl``    one JSON object per logged training step / evaluation
tokenizer files        optional; otherwise the tokenizer of ``config.encoder`` is used
=====================  ==============================================================
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from restag.data.errors import ModelError
from restag.data.schema import LabelSchema
from restag.model.calibration import Calibration
from restag.model.config import ModelConfig

logger = logging.getLogger(__name__)

#: The models shipped inside the package, by name: ``default`` (MiniLM cut to 2 layers, distilled
#: from ``full``; about three times as fast) and ``full`` (all 6 MiniLM layers; the teacher of ``default``).
SHIPPED_MODELS: dict[str, Path] = {name: Path(__file__).resolve().parent / name for name in ("default", "full")}
DEFAULT_DIR = SHIPPED_MODELS["default"]
CONFIG_FILE = "config.json"
LABELS_FILE = "labels.json"
HEADS_FILE = "heads.safetensors"
LORA_FILE = "lora.safetensors"
ENCODER_FILE = "encoder.safetensors"
CALIBRATION_FILE = "calibration.json"
METRICS_FILE = "metrics.json"
TRAIN_LOG_FILE = "train_log.jsonl"
REQUIRED_FILES = (CONFIG_FILE, LABELS_FILE, HEADS_FILE, CALIBRATION_FILE)


def resolve_model_dir(path: str | os.PathLike[str]) -> Path:
    """A shipped model's name (``"default"``, ``"full"``) -> its directory; otherwise the
    directory itself (write ``./full`` for a folder of that name), checked for completeness."""
    directory = SHIPPED_MODELS.get(str(path)) or Path(path).expanduser()
    if not directory.is_dir():
        raise ModelError(
            f"model directory {directory} not found; pass a directory written by `restag train` "
            f"or the name of a shipped model ({', '.join(SHIPPED_MODELS)})"
        )
    missing = [name for name in REQUIRED_FILES if not (directory / name).is_file()]
    if missing:
        raise ModelError(
            f"model directory {directory} lacks {', '.join(missing)}; expected a complete "
            "artifact written by `restag train`"
        )
    return directory


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _write_tensors(path: Path, tensors: Mapping[str, torch.Tensor]) -> None:
    from safetensors.torch import save_file

    tmp = path.with_name(path.name + ".tmp")
    save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, str(tmp))
    tmp.chmod(0o644)  # readable like the JSON files beside it
    os.replace(tmp, path)


def save_artifact(
    directory: str | Path,
    *,
    config: ModelConfig,
    heads: Mapping[str, torch.Tensor],
    calibration: Calibration,
    lora: Mapping[str, torch.Tensor] | None = None,
    encoder: Mapping[str, torch.Tensor] | None = None,
    metrics: Mapping[str, Any] | None = None,
    train_log: Iterable[Mapping[str, Any]] = (),
    tokenizer: Any = None,
) -> Path:
    """Write a complete artifact into ``directory`` (created if needed) and return it."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if config.lora_rank and not lora:
        raise ModelError("config has lora_rank > 0 but no LoRA weights were given")
    if config.encoder_config is not None and not encoder:
        raise ModelError("config builds the encoder from encoder_config, so its weights must be saved")
    _write_text(directory / CONFIG_FILE, json.dumps(config.to_dict(), indent=2) + "\n")
    _write_text(directory / LABELS_FILE, json.dumps(LabelSchema().to_dict(), indent=2) + "\n")
    _write_tensors(directory / HEADS_FILE, heads)
    for name, tensors in ((LORA_FILE, lora), (ENCODER_FILE, encoder)):
        if tensors:
            _write_tensors(directory / name, tensors)
        elif (directory / name).exists():
            (directory / name).unlink()  # stale weights of an earlier run would be loaded
    _write_text(directory / CALIBRATION_FILE, json.dumps(calibration.to_dict(), indent=2) + "\n")
    _write_text(directory / METRICS_FILE, json.dumps(dict(metrics or {}), indent=2) + "\n")
    _write_text(directory / TRAIN_LOG_FILE, "".join(json.dumps(dict(row)) + "\n" for row in train_log))
    if tokenizer is not None:
        tokenizer.save_pretrained(str(directory))
    return directory


@dataclass
class Artifact:
    """A loaded artifact: its directory, config and calibration (weights are loaded on demand)."""

    directory: Path
    config: ModelConfig
    calibration: Calibration

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> "Artifact":
        directory = resolve_model_dir(path)
        try:
            schema = json.loads((directory / LABELS_FILE).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise ModelError(f"cannot read {directory / LABELS_FILE}: {error}") from None
        LabelSchema.from_dict(schema)  # raises LabelError if the labels differ from this restag's
        return cls(directory, ModelConfig.load(directory / CONFIG_FILE), Calibration.load(directory / CALIBRATION_FILE))

    def metrics(self) -> dict[str, Any]:
        path = self.directory / METRICS_FILE
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def tokenizer_source(self) -> str:
        """The artifact's own tokenizer files when present, else the encoder's."""
        from restag.model.network import resolve_encoder

        if (self.directory / "tokenizer_config.json").exists():
            return str(self.directory)
        return resolve_encoder(self.config.encoder)

    def load_tokenizer(self) -> Any:
        from transformers import AutoTokenizer

        try:
            return AutoTokenizer.from_pretrained(self.tokenizer_source())
        except (OSError, ValueError) as error:
            raise ModelError(f"cannot load the tokenizer of {self.directory}: {error}") from None

    def feature_weight(self) -> Any:
        """The learned rule-feature map ``[8, 8]`` as numpy, or ``None`` without rule features."""
        if not self.config.rule_features:
            return None
        from safetensors.numpy import load_file

        heads = load_file(str(self.directory / HEADS_FILE))
        if "feature_head.weight" not in heads:
            raise ModelError(f"{self.directory / HEADS_FILE} lacks feature_head.weight although config has rule_features")
        return heads["feature_head.weight"]

    def load_network(self) -> torch.nn.Module:
        """The network in eval mode, LoRA adapters merged into the encoder weights."""
        from safetensors.torch import load_file

        from restag.model.network import RestagNet, merge_lora

        config = self.config
        has_encoder = (self.directory / ENCODER_FILE).exists()
        net = RestagNet.from_config(config, pretrained=not has_encoder)
        if has_encoder:
            missing, unexpected = net.encoder.load_state_dict(load_file(str(self.directory / ENCODER_FILE)), strict=False)
            missing = [k for k in missing if "position_ids" not in k]
            if missing or unexpected:
                raise ModelError(
                    f"{self.directory / ENCODER_FILE} does not fit the encoder: missing {missing[:3]}, "
                    f"unexpected {unexpected[:3]}"
                )
        net.load_head_state(load_file(str(self.directory / HEADS_FILE)))
        if config.lora_rank:
            lora_path = self.directory / LORA_FILE
            if not lora_path.exists():
                raise ModelError(f"{self.directory} has lora_rank {config.lora_rank} but no {LORA_FILE}")
            merged = merge_lora(net.encoder, load_file(str(lora_path)), config.lora_scaling)
            logger.debug("merged LoRA adapters into %d encoder layers", merged)
        return net.eval()
