"""Inference backends: anything that turns token ids into logits.

The protocol is one method::

    logits(input_ids: np.ndarray[int64, (B, L)], attention_mask: np.ndarray[int64, (B, L)])
        -> (theme_logits: np.ndarray[float32, (B, 3)], force_logits: np.ndarray[float32, (B, 5)])

Backends are found by name in a registry of factories, each called as
``factory(artifact) -> Backend`` with the opened :class:`~restag.model.artifact.Artifact`.
``"torch"`` is built in; ``"onnx"`` is looked up lazily as
``restag.model.onnx_backend:OnnxBackend.from_artifact``. Add another with
:func:`register_backend` (a callable, or a ``"module:attribute"`` string imported on first
use), or pass a ready backend object to ``Tagger(..., backend=obj)`` /
``Tagger.load(path, backend=obj)``.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from restag.data.errors import ModelError

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from restag.model.artifact import Artifact

logger = logging.getLogger(__name__)


@runtime_checkable
class Backend(Protocol):
    def logits(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


BackendFactory = Callable[["Artifact"], Backend]

_REGISTRY: dict[str, BackendFactory | str] = {
    "torch": "restag.model.backends:TorchBackend.from_artifact",
    "onnx": "restag.model.onnx_backend:OnnxBackend.from_artifact",
}


def register_backend(name: str, factory: BackendFactory | str) -> None:
    """Make ``Tagger.load(path, backend=name)`` build its backend with ``factory``."""
    _REGISTRY[name] = factory


def backend_names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def _resolve(spec: BackendFactory | str) -> BackendFactory:
    if callable(spec):
        return spec
    module_name, _, attribute = spec.partition(":")
    target: object = importlib.import_module(module_name)
    for part in attribute.split("."):
        target = getattr(target, part)
    return target  # type: ignore[return-value]


def create_backend(name: str, artifact: "Artifact") -> Backend:
    if name not in _REGISTRY:
        raise ModelError(f"unknown backend {name!r}; expected one of {', '.join(_REGISTRY)}")
    try:
        factory = _resolve(_REGISTRY[name])
    except (ImportError, AttributeError) as error:
        raise ModelError(f"backend {name!r} is not available: {error}") from None
    return factory(artifact)


class TorchBackend:
    """Runs the PyTorch network under ``torch.inference_mode`` on the CPU (or ``device``)."""

    def __init__(self, network: "torch.nn.Module", device: str = "cpu") -> None:
        self.network = network.eval().to(device)
        self.device = device

    @classmethod
    def from_artifact(cls, artifact: "Artifact") -> "TorchBackend":
        return cls(artifact.load_network())

    def logits(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import torch

        with torch.inference_mode():
            ids = torch.as_tensor(np.asarray(input_ids, dtype=np.int64), device=self.device)
            mask = torch.as_tensor(np.asarray(attention_mask, dtype=np.int64), device=self.device)
            theme, force = self.network(ids, mask)
        return theme.float().cpu().numpy(), force.float().cpu().numpy()
