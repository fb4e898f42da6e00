"""encoder_layers: a shallower encoder keeps the bottom layers and survives the artifact round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from restag.data.errors import ModelError
from restag.model.artifact import Artifact, save_artifact
from restag.model.calibration import Calibration
from restag.model.config import ModelConfig
from restag.model.network import RestagNet
from restag.model.tagger import Tagger
from restag.model.tiny import TINY_BERT, tiny_config


def shallow_config(layers: int) -> ModelConfig:
    return ModelConfig(**{**tiny_config().to_dict(), "encoder_layers": layers})


def test_keeps_the_bottom_layers_with_their_weights() -> None:
    torch.manual_seed(0)
    full = RestagNet.from_config(tiny_config())
    shallow = RestagNet.from_config(shallow_config(1))
    shallow.encoder.load_state_dict(full.encoder.state_dict(), strict=False)
    assert len(shallow.encoder.encoder.layer) == 1 and shallow.encoder.config.num_hidden_layers == 1
    ids, mask = torch.tensor([[101, 2023, 102]]), torch.ones(1, 3, dtype=torch.long)
    full.eval(), shallow.eval()
    with torch.no_grad():
        # the shallow encoder's output is the full encoder's hidden state after its first layer
        expected = full.encoder(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states[1]
        got = shallow.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
    torch.testing.assert_close(got, expected)


@pytest.mark.parametrize("layers, message", [(3, "exceeds the 2 layers"), (-1, "must be >= 0")])
def test_impossible_layer_counts_are_refused(layers: int, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        RestagNet.from_config(shallow_config(layers))


def test_artifact_round_trip_rebuilds_the_shallow_encoder(tmp_path: Path) -> None:
    torch.manual_seed(1)
    net = RestagNet.from_config(shallow_config(1))
    save_artifact(tmp_path / "m", config=net.config, heads=net.head_state(), calibration=Calibration(),
                  encoder=net.encoder.state_dict())
    loaded = Artifact.open(tmp_path / "m").load_network()
    assert len(loaded.encoder.encoder.layer) == 1
    assert TINY_BERT["num_hidden_layers"] == 2  # the encoder config itself still describes two
    for (name, a), (_, b) in zip(net.encoder.state_dict().items(), loaded.encoder.state_dict().items()):
        torch.testing.assert_close(a, b, msg=name)
    assert len(Tagger.load(tmp_path / "m").predict(["Decides to remain seized of the matter;"])) == 1
