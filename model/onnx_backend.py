"""ONNX Runtime backend: the network exported once, optionally int8-quantised, then cached.

``Tagger.load(path, backend="onnx")`` builds an :class:`OnnxBackend` through
:meth:`OnnxBackend.from_artifact`. The first load exports the PyTorch network to ONNX
(dynamic batch and sequence axes), quantises its weights to int8 with
``onnxruntime.quantization.quantize_dynamic`` when asked, and caches the file:

- beside the model, in ``<model dir>/.restag-cache/``, when that directory is writable;
- otherwise (the shipped default model inside site-packages) in the user cache,
  ``$RESTAG_CACHE`` or ``$XDG_CACHE_HOME/restag`` or ``~/.cache/restag``.

The cache file name carries a fingerprint of the artifact's weights and config plus the
versions of the export recipe, torch and onnxruntime, so a retrained model or a new
toolchain never picks up a stale export. Files are written to a temporary name and
renamed, so two processes exporting at once both end with a complete file.

Later loads only open the cached file: no torch network is built.

**fp32 is the default, int8 an option.** fp32 gives the torch backend's labels exactly.
Dynamic int8 quantises activations with one scale per tensor, so a paragraph's scores
depend a little on the other paragraphs of its batch (measured: one dev paragraph's
``trade`` score was 0.85 alone and 0.06 in its batch). On the 2-layer default model and
on the 6-layer ``full`` model int8 agrees with torch on about 99.8% of dev labels (measured:
2-3 of 1,240 labels differ), and is about 1.5x as fast as fp32. ``python -m restag.eval.bench``
prints both.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from restag.data.errors import ModelError

if TYPE_CHECKING:  # pragma: no cover
    from restag.model.artifact import Artifact

logger = logging.getLogger(__name__)

#: Bump when the export recipe changes so that old cached files are not reused.
EXPORT_VERSION = "3"
OPSET = 17
INPUT_NAMES = ("input_ids", "attention_mask")
OUTPUT_NAMES = ("theme_logits", "force_logits")
CACHE_DIRNAME = ".restag-cache"
#: Largest slice (rows x padded length) given to ONNX Runtime at once; see OnnxBackend.logits.
#: 1024 keeps a slice's FFN activations (1024 x 1536 floats, 6 MB) near the CPU caches:
#: on the 2-layer default model fp32 ran at 189-207 paragraphs/s with 768-1024 tokens
#: against 156-169 with 1536-4096 (two sweeps); a 3-layer model was the same at 1024 and 2048.
MAX_BATCH_TOKENS = 1024


def default_threads() -> int:
    """CPU cores this process may use (respects affinity masks and cgroup-pinned sets)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def user_cache_dir() -> Path:
    if os.environ.get("RESTAG_CACHE"):
        return Path(os.environ["RESTAG_CACHE"]).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "restag"


def fingerprint(directory: Path) -> str:
    """Hash of everything in an artifact that changes the network's outputs."""
    import onnxruntime
    import torch

    digest = hashlib.sha256(f"export={EXPORT_VERSION};opset={OPSET};torch={torch.__version__};ort={onnxruntime.__version__}".encode())
    for path in sorted(directory.glob("*.safetensors")) + [directory / "config.json"]:
        digest.update(path.name.encode())
        with open(path, "rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def _writable_dir(directory: Path) -> bool:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".probe-"):
            pass
        return True
    except OSError:
        return False


def cache_dir_for(model_dir: Path) -> Path:
    """``<model dir>/.restag-cache`` if writable, else a per-model folder of the user cache."""
    beside = model_dir / CACHE_DIRNAME
    if _writable_dir(beside):
        return beside
    key = hashlib.sha256(str(model_dir.resolve()).encode()).hexdigest()[:12]
    fallback = user_cache_dir() / "onnx" / f"{model_dir.name}-{key}"
    if not _writable_dir(fallback):
        raise ModelError(
            f"cannot cache the ONNX export: neither {beside} nor {fallback} is writable; "
            "set RESTAG_CACHE to a writable directory"
        )
    logger.info("model directory %s is read-only; caching the ONNX export in %s", model_dir, fallback)
    return fallback


def use_eager_attention(network: Any) -> None:
    """Switch a transformers encoder inside ``network`` to its plain ("eager") attention.

    The default SDPA attention traces to an ONNX graph that guards the softmax against
    fully masked rows with ``IsNaN``/``Where`` over every attention score; ONNX Runtime then
    spends about 13% of an int8 forward pass on that guard alone (profiled on a 3-layer
    MiniLM). The eager attention computes the same function with the mask added before the
    softmax, which exports to plain MatMul/Softmax nodes: same logits to within 1e-5,
    about 6% (fp32) and 20% (int8) faster here.
    """
    for module in network.modules():
        setter = getattr(module, "set_attn_implementation", None)
        if callable(setter) and getattr(getattr(module, "config", None), "_attn_implementation", "eager") != "eager":
            setter("eager")


def export_onnx(network: Any, path: Path) -> None:
    """Export ``network`` (``forward(input_ids, attention_mask)``) to ``path``, atomically."""
    import warnings

    import torch

    network = network.eval()
    use_eager_attention(network)
    ids = torch.full((2, 8), 5, dtype=torch.long)
    mask = torch.ones((2, 8), dtype=torch.long)
    mask[1, 5:] = 0  # padding in the example, so that the traced graph keeps the mask path
    axes = {name: {0: "batch", 1: "sequence"} for name in INPUT_NAMES} | {name: {0: "batch"} for name in OUTPUT_NAMES}
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about shape-dependent Python branches
            torch.onnx.export(
                network,
                (ids, mask),
                str(tmp),
                dynamo=False,  # the TorchScript exporter: no onnxscript dependency, dynamic axes
                input_names=list(INPUT_NAMES),
                output_names=list(OUTPUT_NAMES),
                dynamic_axes=axes,
                opset_version=OPSET,
                do_constant_folding=True,
            )
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def quantize_int8(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation of the weights of ``source``.

    Weights are stored as int8 with one scale per output channel (``per_channel``):
    on MiniLM that cuts the logit error against fp32 about threefold compared with one
    scale per matrix, at the same speed. Activations are quantised on the fly per batch.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    root = logging.getLogger()
    root.addFilter(_quiet_preprocess_advice)
    try:
        quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
        os.replace(tmp, target)
    finally:
        root.removeFilter(_quiet_preprocess_advice)
        tmp.unlink(missing_ok=True)


def _quiet_preprocess_advice(record: logging.LogRecord) -> bool:
    """Drop onnxruntime's generic "consider pre-processing" warning (logged on the root logger)."""
    return "pre-processing before quantization" not in record.getMessage()


def cached_onnx_file(model_dir: Path, load_network: Callable[[], Any], *, quantize: bool) -> Path:
    """Path of the (possibly quantised) ONNX file of ``model_dir``, exporting it if needed."""
    cache = cache_dir_for(model_dir)
    stem = f"model-{fingerprint(model_dir)}"
    fp32 = cache / f"{stem}.fp32.onnx"
    int8 = cache / f"{stem}.int8.onnx"
    wanted = int8 if quantize else fp32
    if wanted.exists():
        return wanted
    if not fp32.exists():
        logger.info("exporting %s to ONNX (once; cached as %s)", model_dir, fp32)
        export_onnx(load_network(), fp32)
    if quantize:
        logger.info("quantising the ONNX export to int8 (%s)", int8)
        quantize_int8(fp32, int8)
    return wanted


class OnnxBackend:
    """The backend protocol on an ONNX Runtime CPU session."""

    def __init__(self, onnx_path: str | Path, *, threads: int | None = None, max_batch_tokens: int = MAX_BATCH_TOKENS) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or default_threads()
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # errors only; ORT warns about unused initializers otherwise
        # Idle threads sleep instead of spinning. On a quiet machine this costs little; on a
        # busy one (other jobs on the same cores) spinning threads steal the cores the
        # working ones need: measured here with another job running, 2 threads went from
        # about 50 to 70-145 paragraphs/s.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        try:
            self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own exception types
            raise ModelError(f"cannot open ONNX model {onnx_path}: {error}; delete it to re-export") from None
        self.path = Path(onnx_path)
        self.threads = options.intra_op_num_threads
        self.max_batch_tokens = max_batch_tokens

    @classmethod
    def from_artifact(cls, artifact: "Artifact", *, quantize: bool = False, threads: int | None = None) -> "OnnxBackend":
        """Export (first time) or reuse the cached ONNX file of ``artifact``."""
        path = cached_onnx_file(artifact.directory, artifact.load_network, quantize=quantize)
        return cls(path, threads=threads)

    def logits(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Logits of a right-padded batch, run in slices of at most ``max_batch_tokens`` tokens.

        Each slice is cut to its own longest row, so a batch of long paragraphs is run in
        smaller pieces (bounding the attention buffers ONNX Runtime keeps in its arena)
        and padding shared by a whole slice costs nothing.
        """
        ids = np.ascontiguousarray(input_ids, dtype=np.int64)
        mask = np.ascontiguousarray(attention_mask, dtype=np.int64)
        if len(ids) == 0:
            return np.zeros((0, 3), np.float32), np.zeros((0, 5), np.float32)
        rows = max(1, self.max_batch_tokens // max(1, ids.shape[1]))
        themes, forces = [], []
        for start in range(0, len(ids), rows):
            piece_ids, piece_mask = ids[start : start + rows], mask[start : start + rows]
            length = max(1, int(piece_mask.sum(axis=1).max()))
            if length < piece_mask.shape[1] and not piece_mask[:, length:].any():
                piece_ids, piece_mask = piece_ids[:, :length], piece_mask[:, :length]
            theme, force = self.session.run(list(OUTPUT_NAMES), {"input_ids": piece_ids, "attention_mask": piece_mask})
            themes.append(theme)
            forces.append(force)
        return np.concatenate(themes).astype(np.float32, copy=False), np.concatenate(forces).astype(np.float32, copy=False)
