"""Model config and artifact: JSON round trips, LoRA merge, save/load equivalence."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from restag.data.errors import ModelError
from restag.model.artifact import Artifact, save_artifact
from restag.model.calibration import Calibration
from restag.model.config import DEFAULT_ENCODER, ModelConfig
from restag.model.network import RestagNet, merge_lora, resolve_encoder
from restag.model.tiny import TINY_BERT


def test_config_round_trip(tmp_path: Path) -> None:
    config = ModelConfig(max_length=128, lora_rank=4, extra={"run": "x"})
    config.save(tmp_path / "config.json")
    assert ModelConfig.load(tmp_path / "config.json") == config
    assert config.lora_scaling == pytest.approx(8.0)


@pytest.mark.parametrize("bad", [{"max_length": 4}, {"head_dropout": 1.0}, {"lora_rank": -1}, {"encoder": ""}])
def test_config_validates(bad: dict) -> None:
    with pytest.raises(ModelError, match="config"):
        ModelConfig(**bad)


def test_config_rejects_unknown_keys() -> None:
    with pytest.raises(ModelError, match="unknown field"):
        ModelConfig.from_dict({"encoder": DEFAULT_ENCODER, "layers": 3})


def test_default_encoder_resolves_to_package() -> None:
    assert (Path(resolve_encoder(DEFAULT_ENCODER)) / "config.json").exists()
    assert resolve_encoder("some-org/some-model") == "some-org/some-model"


def test_forward_shapes() -> None:
    torch.manual_seed(0)
    net = RestagNet.from_config(ModelConfig(encoder_config=dict(TINY_BERT), lora_rank=0)).eval()
    ids = torch.randint(5, 1000, (3, 7))
    mask = torch.ones_like(ids)
    mask[0, 4:] = 0
    themes, forces = net(ids, mask)
    assert themes.shape == (3, 3) and forces.shape == (3, 5)
    # padding does not change a paragraph's output
    short, _ = net(ids[:1, :4], mask[:1, :4])
    assert torch.allclose(short, themes[:1], atol=1e-5)


def test_lora_merge_matches_adapter_forward(tmp_path: Path) -> None:
    """An artifact with LoRA adapters, reloaded (adapters merged), gives the adapted logits."""
    from peft import LoraConfig, inject_adapter_in_model

    from restag.training.train import lora_state

    torch.manual_seed(0)
    config = ModelConfig(encoder_config=dict(TINY_BERT), lora_rank=4, lora_alpha=8.0)
    net = RestagNet.from_config(config).eval()
    base = {k: v.clone() for k, v in net.encoder.state_dict().items()}
    inject_adapter_in_model(LoraConfig(r=4, lora_alpha=8.0, target_modules=list(config.lora_targets)), net.encoder)
    with torch.no_grad():
        for name, parameter in net.encoder.named_parameters():
            if "lora_B" in name:
                parameter.normal_(0, 0.5)  # peft starts B at zero; make the adapters matter
    ids = torch.randint(5, 1000, (2, 9))
    mask = torch.ones_like(ids)
    with torch.no_grad():
        expected = [t.numpy() for t in net(ids, mask)]
    adapters = lora_state(net.encoder)
    assert adapters and all(k.endswith((".lora_A", ".lora_B")) for k in adapters)
    directory = save_artifact(tmp_path / "m", config=config, heads=net.head_state(), encoder=base, lora=adapters,
                              calibration=Calibration())
    reloaded = Artifact.open(directory).load_network()
    assert not any("lora" in name for name, _ in reloaded.named_parameters())  # plain encoder at inference
    with torch.no_grad():
        got = [t.numpy() for t in reloaded(ids, mask)]
    for a, b in zip(expected, got):
        assert np.allclose(a, b, atol=1e-4)


def test_merge_lora_rejects_foreign_weights() -> None:
    net = RestagNet.from_config(ModelConfig(encoder_config=dict(TINY_BERT), lora_rank=0))
    with pytest.raises(ModelError, match="do not fit"):
        merge_lora(net.encoder, {"encoder.layer.9.attention.self.query.lora_A": torch.zeros(2, 32),
                                 "encoder.layer.9.attention.self.query.lora_B": torch.zeros(32, 2)}, 1.0)


def test_artifact_files_and_round_trip(tiny_model_dir: Path, tmp_path: Path) -> None:
    names = {p.name for p in tiny_model_dir.iterdir()}
    assert {"config.json", "labels.json", "heads.safetensors", "encoder.safetensors", "calibration.json",
            "metrics.json", "train_log.jsonl"} <= names
    assert not any(name.endswith((".pt", ".pkl", ".bin")) for name in names)
    artifact = Artifact.open(tiny_model_dir)
    assert artifact.config.encoder_config is not None
    copy = tmp_path / "copy"
    shutil.copytree(tiny_model_dir, copy)
    calibration = Calibration(theme_thresholds=(0.3, 0.6, 0.7), force_temperature=2.0)
    calibration.save(copy / "calibration.json")
    assert Artifact.open(copy).calibration == calibration


def test_save_requires_weights_for_config(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="LoRA"):
        save_artifact(tmp_path, config=ModelConfig(lora_rank=4), heads={}, calibration=Calibration())


def test_truncated_config_is_a_model_error(tiny_model_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(tiny_model_dir, copy)
    (copy / "config.json").write_text("{", encoding="utf-8")
    with pytest.raises(ModelError, match="config"):
        Artifact.open(copy)
    (copy / "config.json").write_text(json.dumps({"encoder": DEFAULT_ENCODER, "max_length": 2}), encoding="utf-8")
    with pytest.raises(ModelError, match="max_length"):
        Artifact.open(copy)
