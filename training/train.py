"""Fine-tune the restag network: LoRA on the top encoder layers, two heads, early stopping.

Recipe (defaults of :class:`~restag.training.config.TrainConfig`):

1. Load the labels through ``datasets`` (:func:`restag.data.labels.load_labels`); ``dev`` is
   only used for early stopping, thresholds and calibration.
   With ``teacher`` and ``unlabeled``, a trained model's calibrated probabilities on
   unlabelled paragraphs join them as soft labels (:mod:`restag.training.distill`).
2. Tokenize once; run the frozen bottom of the encoder (embeddings + ``frozen_layers``
   layers) once and cache its output, so each epoch only pays for the trained top layers.
3. Train LoRA adapters on every linear layer of the top layers plus both heads with AdamW,
   class-weighted losses against the label imbalance (BCE with ``pos_weight`` for themes,
   weighted cross-entropy for force), deterministic length-bucketed batches.
4. After each epoch score ``dev``; keep the best state; stop after ``patience`` epochs
   without improvement.
5. Fit temperatures and per-theme thresholds on ``dev``; write the artifact (LoRA + heads,
   a few MB); reload it through :class:`~restag.model.Tagger` and record its dev figures.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from restag.data.errors import LabelError
from restag.data.schema import FORCES, THEMES
from restag.model.calibration import Calibration, fit_calibration
from restag.model.network import RestagNet, mean_pool
from restag.training.config import ConfigError, TrainConfig
from restag.training.metrics import score

logger = logging.getLogger(__name__)


# -- data ---------------------------------------------------------------------------------


@dataclass
class Split:
    """One split, tokenized: token ids per paragraph and its targets."""

    ids: list[list[int]]
    themes: np.ndarray  # [N, 3] float multi-hot
    forces: np.ndarray  # [N] int levels
    kinds: list[str]
    features: torch.Tensor  # [N, 8] rule features (restag.model.features)
    cached: list[torch.Tensor] | None = None  # frozen-bottom hidden states per paragraph
    soft_forces: np.ndarray | None = None  # [N, 5] force distributions (teacher targets); None = gold levels
    symbols: list[str] = field(default_factory=list)  # resolution of each paragraph (may be "")
    titles: list[str] = field(default_factory=list)  # its title (may be "")

    def __len__(self) -> int:
        return len(self.ids)


@contextmanager
def _datasets_progress(enabled: bool) -> Iterator[None]:
    """Show datasets' progress bars only when asked, restoring its setting afterwards."""
    from datasets.utils import logging as ds_logging

    was_enabled = ds_logging.is_progress_bar_enabled()
    if not enabled:
        ds_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            ds_logging.enable_progress_bar()


def load_splits(config: TrainConfig, tokenizer: Any) -> tuple[Split, Split, dict[str, Any]]:
    """Train and dev splits of ``config.labels``, tokenized; and a description of the data."""
    from restag.data.labels import default_gold_path, load_labels
    from restag.model.features import rule_features

    path = Path(config.labels) if config.labels else default_gold_path()
    data = load_labels(path)
    if config.train_split not in data:
        raise LabelError(f"{path} has no split {config.train_split!r}; it holds {', '.join(data)}")
    train = data[config.train_split]
    if config.dev_split in data:
        dev = data[config.dev_split]
        dev_note = f"split {config.dev_split!r}"
    else:  # hold out whole resolutions (or lines) of the train split, deterministically
        groups = sorted(set(train["symbol"])) if all(train["symbol"]) else sorted(set(train["id"]))
        rng = np.random.default_rng(config.seed)
        held = set(rng.permutation(groups)[: max(1, round(config.dev_fraction * len(groups)))].tolist())
        key = "symbol" if all(train["symbol"]) else "id"
        dev = train.filter(lambda row: row[key] in held)
        train = train.filter(lambda row: row[key] not in held)
        dev_note = f"{len(held)} of {len(groups)} groups of {config.train_split!r} held out (no {config.dev_split!r} split)"
    if config.max_train:
        train = train.select(range(min(config.max_train, len(train))))
    if len(train) == 0 or len(dev) == 0:
        raise LabelError(f"{path}: need paragraphs to train on and a dev set; found {len(train)} and {len(dev)}")

    def tokenize(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
        return {"input_ids": tokenizer(batch["text"], truncation=True, max_length=config.max_length)["input_ids"]}

    splits = []
    for ds in (train, dev):
        with _datasets_progress(config.progress):
            ds = ds.map(tokenize, batched=True, desc="tokenizing")
        kinds = [k or ("preambular" if f == "preambular" else "operative") for k, f in zip(ds["kind"], ds["force"])]
        features = torch.from_numpy(rule_features(ds["text"], kinds))
        splits.append(Split(ds["input_ids"], np.asarray(ds["theme_vector"], np.float32), np.asarray(ds["force_level"]), kinds,
                            features, symbols=list(ds["symbol"]), titles=list(ds["title"])))
    info = {"labels": str(path), "train": len(train), "dev": len(dev), "dev_from": dev_note}
    return splits[0], splits[1], info


def teacher_split(config: TrainConfig, tokenizer: Any, train: Split, dev: Split) -> tuple[Split, dict[str, Any]]:
    """Paragraphs of ``config.unlabeled`` with ``config.teacher``'s soft labels, tokenized.

    Gold resolutions (train and dev) and every document of a dev resolution's series are
    left out (see :mod:`restag.training.distill`).
    """
    from restag.model.features import rule_features
    from restag.training.distill import describe, teacher_targets, unlabelled_paragraphs

    paragraphs, used, excluded = unlabelled_paragraphs(
        [config.unlabeled], exclude_symbols={s for s in train.symbols + dev.symbols if s},
        exclude_titles=set(dev.titles), limit=config.unlabeled_max, seed=config.seed, progress=config.progress,
    )
    targets = teacher_targets(config.teacher, paragraphs, threads=config.threads, progress=config.progress)
    texts = [p.text for p in paragraphs]
    kinds = [p.kind for p in paragraphs]
    ids = tokenizer(texts, truncation=True, max_length=config.max_length)["input_ids"]
    split = Split(ids, targets.themes, targets.forces.argmax(axis=1), kinds, torch.from_numpy(rule_features(texts, kinds)),
                  soft_forces=targets.forces)
    return split, {"teacher": config.teacher, **describe(targets, documents=used, excluded=excluded)}


def batches(lengths: list[int], batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Length-bucketed batches in a seeded random order (little padding, still shuffled)."""
    order = rng.permutation(len(lengths))
    pool = batch_size * 50
    out: list[np.ndarray] = []
    for start in range(0, len(order), pool):
        chunk = order[start : start + pool]
        chunk = chunk[np.argsort([lengths[i] for i in chunk], kind="stable")]
        out.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    return [out[i] for i in rng.permutation(len(out))]


def pad_hidden(states: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(s.shape[0] for s in states)
    hidden = torch.zeros(len(states), width, states[0].shape[1])
    mask = torch.zeros(len(states), width, dtype=torch.long)
    for i, s in enumerate(states):
        hidden[i, : s.shape[0]] = s
        mask[i, : s.shape[0]] = 1
    return hidden, mask


# -- network split at the frozen layers --------------------------------------------------------


class SplitNet:
    """Runs a BERT-style :class:`RestagNet` as frozen bottom (cached) + trained top."""

    def __init__(self, net: RestagNet, frozen_layers: int) -> None:
        encoder = net.encoder
        if not (hasattr(encoder, "embeddings") and hasattr(encoder, "encoder") and hasattr(encoder.encoder, "layer")):
            raise ConfigError(f"encoder {type(encoder).__name__} is not BERT-style (embeddings + encoder.layer); "
                              "restag train supports BERT-style encoders")
        if frozen_layers > len(encoder.encoder.layer):
            raise ConfigError(f"frozen_layers {frozen_layers} exceeds the encoder's {len(encoder.encoder.layer)} layers")
        self.net, self.k = net, frozen_layers

    def _mask(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> Any:
        from transformers.masking_utils import create_bidirectional_mask

        return create_bidirectional_mask(config=self.net.encoder.config, inputs_embeds=hidden, attention_mask=attention_mask)

    @torch.inference_mode()
    def bottom(self, ids: list[list[int]], batch_size: int = 64, progress: bool = False) -> list[torch.Tensor]:
        from tqdm.auto import tqdm

        encoder = self.net.encoder.eval()
        order = np.argsort([len(x) for x in ids], kind="stable")
        out: list[torch.Tensor | None] = [None] * len(ids)
        for start in tqdm(range(0, len(order), batch_size), desc="caching frozen layers", disable=not progress):
            rows = order[start : start + batch_size]
            width = max(len(ids[r]) for r in rows)
            input_ids = torch.zeros(len(rows), width, dtype=torch.long)
            mask = torch.zeros(len(rows), width, dtype=torch.long)
            for i, r in enumerate(rows):
                input_ids[i, : len(ids[r])] = torch.tensor(ids[r])
                mask[i, : len(ids[r])] = 1
            hidden = encoder.embeddings(input_ids=input_ids)
            extended = self._mask(hidden, mask)
            for layer in encoder.encoder.layer[: self.k]:
                hidden = layer(hidden, extended)
            for i, r in enumerate(rows):
                out[r] = hidden[i, : len(ids[r])].clone()
        return out  # type: ignore[return-value]

    def top(self, hidden: torch.Tensor, mask: torch.Tensor, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        extended = self._mask(hidden, mask)
        for layer in self.net.encoder.encoder.layer[self.k :]:
            hidden = layer(hidden, extended)
        pooled = self.net.dropout(mean_pool(hidden, mask))
        return self.net.add_feature_offsets(self.net.theme_head(pooled), self.net.force_head(pooled), features)

    @torch.inference_mode()
    def logits(self, split: Split, batch_size: int = 64) -> tuple[np.ndarray, np.ndarray]:
        self.net.eval()
        assert split.cached is not None
        theme = np.zeros((len(split), len(THEMES)), np.float32)
        force = np.zeros((len(split), len(FORCES)), np.float32)
        order = np.argsort([s.shape[0] for s in split.cached], kind="stable")
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            t, f = self.top(*pad_hidden([split.cached[r] for r in rows]), split.features[rows])
            theme[rows], force[rows] = t.numpy(), f.numpy()
        return theme, force


# -- losses and evaluation -----------------------------------------------------------------


def class_weights(counts: np.ndarray, negatives: np.ndarray | None, how: str) -> torch.Tensor:
    """``none`` -> 1; ``balanced`` -> neg/pos (themes) or mean/count (force); ``sqrt`` -> its root."""
    counts = np.maximum(counts.astype(np.float64), 1.0)
    ratio = (negatives / counts) if negatives is not None else counts.mean() / counts
    weights = {"none": np.ones_like(ratio), "balanced": ratio, "sqrt": np.sqrt(ratio)}[how]
    return torch.tensor(weights, dtype=torch.float32)


def evaluate(split_net: SplitNet, dev: Split, calibration: Calibration | None = None) -> tuple[dict[str, Any], Calibration]:
    """Dev figures; calibration (temperatures, thresholds) fitted on dev unless given."""
    theme_logits, force_logits = split_net.logits(dev)
    if calibration is None:
        calibration = fit_calibration(theme_logits, dev.themes, force_logits, dev.forces, fitted_on=f"dev ({len(dev)} paragraphs)")
    theme_probs = calibration.theme_probabilities(theme_logits)
    force_probs = calibration.force_probabilities(force_logits, dev.kinds)
    return score(theme_probs, calibration.theme_decisions(theme_probs), dev.themes, force_probs, dev.forces), calibration


# -- training -----------------------------------------------------------------------------------


def lora_state(encoder: nn.Module) -> dict[str, torch.Tensor]:
    """LoRA weights as ``<module>.lora_A`` / ``.lora_B`` (the names :func:`merge_lora` reads)."""
    out = {}
    for name, tensor in encoder.named_parameters():
        if ".lora_A." in name or ".lora_B." in name:
            module, kind = name.split(".lora_")[0], "lora_" + name.split(".lora_")[1][0]
            out[f"{module.removeprefix('base_model.model.')}.{kind}"] = tensor.detach().clone()
    return out


def train(config: TrainConfig) -> dict[str, Any]:
    """Train, calibrate and save a model as ``config.output``; return its dev metrics."""
    from tqdm.auto import tqdm
    from transformers import AutoTokenizer

    from restag.model.artifact import Artifact, save_artifact
    from restag.model.network import resolve_encoder

    check_output(Path(config.output))  # before minutes of training, not after
    started = time.perf_counter()
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    model_config = config.model_config()
    net = RestagNet.from_config(model_config)
    tokenizer = AutoTokenizer.from_pretrained(resolve_encoder(config.encoder))
    train_split, dev, data_info = load_splits(config, tokenizer)
    pseudo: Split | None = None
    if config.teacher:
        pseudo, data_info["distillation"] = teacher_split(config, tokenizer, train_split, dev)
    logger.info("data: %s", data_info)

    for parameter in net.encoder.parameters():
        parameter.requires_grad_(False)
    n_layers = len(net.encoder.encoder.layer)
    if config.lora_rank:
        from peft import LoraConfig, inject_adapter_in_model

        lora_config = LoraConfig(
            r=config.lora_rank, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
            target_modules=list(model_config.lora_targets), layers_to_transform=list(range(config.frozen_layers, n_layers)),
        )
        inject_adapter_in_model(lora_config, net.encoder)
    split_net = SplitNet(net, config.frozen_layers)
    train_split.cached = split_net.bottom(train_split.ids, progress=config.progress)
    dev.cached = split_net.bottom(dev.ids, progress=config.progress)
    if pseudo is not None:
        pseudo.cached = split_net.bottom(pseudo.ids, progress=config.progress)
    cache_seconds = time.perf_counter() - started

    adapters = [p for n, p in net.encoder.named_parameters() if "lora_" in n]
    heads = [*net.theme_head.parameters(), *net.force_head.parameters()]
    groups = [{"params": adapters, "lr": config.lr}, {"params": heads, "lr": config.head_lr}]
    if net.feature_head is not None:
        groups.append({"params": list(net.feature_head.parameters()), "lr": config.feature_lr, "weight_decay": 0.0})
        heads = heads + groups[-1]["params"]  # for gradient clipping
    optimizer = torch.optim.AdamW(groups, weight_decay=config.weight_decay)
    steps_per_epoch = math.ceil(len(train_split) / config.batch_size)
    if pseudo is not None:
        steps_per_epoch += math.ceil(len(pseudo) / config.batch_size)
    total_steps = steps_per_epoch * config.epochs if not config.max_steps else min(config.max_steps, steps_per_epoch * config.epochs)
    warmup = max(1, int(config.warmup_ratio * total_steps))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total_steps - s) / max(1, total_steps - warmup)))
    )
    positives = train_split.themes.sum(axis=0)
    theme_loss = nn.BCEWithLogitsLoss(pos_weight=class_weights(positives, len(train_split) - positives, config.theme_weighting))
    force_counts = np.bincount(train_split.forces, minlength=len(FORCES))
    force_loss = nn.CrossEntropyLoss(weight=class_weights(force_counts, None, config.force_weighting))

    log: list[dict[str, Any]] = [{"event": "start", "data": data_info, "config": config.to_dict(), "cache_seconds": round(cache_seconds, 1)}]
    best: dict[str, Any] = {"score": -1.0}
    step, stale = 0, 0
    lengths = [len(x) for x in train_split.ids]
    epoch_started = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        net.train()
        schedule = [(train_split, rows) for rows in batches(lengths, config.batch_size, rng)]
        if pseudo is not None:  # teacher-labelled batches, shuffled in among the gold ones
            schedule += [(pseudo, rows) for rows in batches([len(x) for x in pseudo.ids], config.batch_size, rng)]
            schedule = [schedule[i] for i in rng.permutation(len(schedule))]
        bar = tqdm(schedule, desc=f"epoch {epoch}/{config.epochs}", disable=not config.progress)
        running = 0.0
        for split, rows in bar:
            hidden, mask = pad_hidden([split.cached[r] for r in rows])
            theme_logits, force_logits = split_net.top(hidden, mask, split.features[rows])
            if split.soft_forces is None:  # gold: multi-hot themes, one force level
                loss = theme_loss(theme_logits, torch.from_numpy(split.themes[rows])) + force_loss(
                    force_logits, torch.from_numpy(split.forces[rows]).long()
                )
            else:  # teacher: theme probabilities and a force distribution (soft targets)
                loss = config.distill_weight * (
                    theme_loss(theme_logits, torch.from_numpy(split.themes[rows]))
                    + force_loss(force_logits, torch.from_numpy(split.soft_forces[rows]))
                )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(adapters + heads, 1.0)
            optimizer.step()
            scheduler.step()
            step += 1
            running = loss.item() if step == 1 else 0.9 * running + 0.1 * loss.item()
            bar.set_postfix(loss=f"{running:.4f}")
            if step % 20 == 0:
                log.append({"event": "step", "epoch": epoch, "step": step, "loss": round(running, 5), "lr": scheduler.get_last_lr()[0]})
            if config.max_steps and step >= config.max_steps:
                break
        figures, _ = evaluate(split_net, dev)
        combined = figures["theme_macro_f1"] + figures["force_macro_f1"]
        log.append({"event": "dev", "epoch": epoch, "step": step, "loss": round(running, 5),
                    "theme_macro_f1": round(figures["theme_macro_f1"], 4), "force_macro_f1": round(figures["force_macro_f1"], 4),
                    "seconds": round(time.perf_counter() - started, 1)})
        logger.info("epoch %d: dev theme macro-F1 %.4f, force macro-F1 %.4f", epoch, figures["theme_macro_f1"], figures["force_macro_f1"])
        if config.progress:
            tqdm.write(f"epoch {epoch}: loss {running:.4f}  dev theme macro-F1 {figures['theme_macro_f1']:.4f}  "
                       f"force macro-F1 {figures['force_macro_f1']:.4f}")
        if combined > best["score"] + 1e-4:
            best = {"score": combined, "epoch": epoch, "heads": net.head_state(), "lora": lora_state(net.encoder)}
            stale = 0
        else:
            stale += 1
            if stale >= config.patience:
                log.append({"event": "stop", "epoch": epoch, "reason": f"no dev improvement for {stale} epochs"})
                break
        if config.max_steps and step >= config.max_steps:
            break
        now = time.perf_counter()
        if config.time_budget_s and epoch < config.epochs and (now - started) + (now - epoch_started) > config.time_budget_s:
            log.append({"event": "stop", "epoch": epoch, "reason": f"time budget of {config.time_budget_s:.0f} s"})
            logger.warning("stopping after epoch %d: another epoch would exceed the time budget of %.0f s", epoch, config.time_budget_s)
            break
        epoch_started = now

    # Restore the best epoch, then calibrate on dev with the model as it will be shipped.
    net.load_head_state(best["heads"])
    with torch.no_grad():
        named = dict(net.encoder.named_parameters())
        for key, value in best["lora"].items():
            module, kind = key.rsplit(".", 1)
            named[f"{module}.{kind}.default.weight"].copy_(value)
    figures, calibration = evaluate(split_net, dev)
    train_seconds = time.perf_counter() - started

    output = Path(config.output)
    staging = output.with_name(f".{output.name}.partial")
    if staging.exists():
        shutil.rmtree(staging)
    metrics: dict[str, Any] = {
        "dev": figures,
        "best_epoch": best["epoch"],
        "epochs_run": epoch,
        "steps": step,
        "train_seconds": round(train_seconds, 1),
        "data": data_info,
        "train_config": config.to_dict(),
    }
    save_artifact(
        staging, config=model_config, heads=best["heads"], calibration=calibration,
        lora=best["lora"] if config.lora_rank else None, metrics=metrics,
        train_log=log + [{"event": "end", "best_epoch": best["epoch"], "train_seconds": round(train_seconds, 1)}],
    )
    # The shipped path: reload the artifact (adapters merged) and score dev through the Tagger.
    metrics["dev_reloaded"] = dev_figures(staging, config.labels, config.dev_split if data_info["dev_from"].startswith("split") else None)
    metrics["artifact_bytes"] = sum(p.stat().st_size for p in staging.iterdir() if p.is_file())
    (staging / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    Artifact.open(staging)  # fails loudly if anything written is unreadable
    publish(staging, output)
    return metrics


def check_output(output: Path) -> None:
    """Refuse to train into a directory that holds something other than a model artifact."""
    if output.exists() and (not output.is_dir() or (any(output.iterdir()) and not (output / "config.json").exists())):
        raise ConfigError(f"output {output} exists and is not a restag model directory; choose another --output")


def publish(staging: Path, output: Path) -> None:
    """Move a finished artifact into place; an earlier model there is replaced whole."""
    check_output(output)
    if output.exists():
        old = output.with_name(f".{output.name}.old")
        if old.exists():
            shutil.rmtree(old)
        os.replace(output, old)
        os.replace(staging, output)
        shutil.rmtree(old)
    else:
        os.replace(staging, output)


def dev_figures(model_dir: str | Path, labels: str = "", split: str | None = "dev", batch_size: int = 32) -> dict[str, Any] | None:
    """Score a saved model on a labelled split through :class:`~restag.model.Tagger` (the shipped path)."""
    from restag.data.labels import default_gold_path, read_gold
    from restag.data.schema import force_level, themes_to_vector
    from restag.model.results import score_matrices
    from restag.model.tagger import Tagger

    if split is None:
        return None
    gold = read_gold(Path(labels) if labels else default_gold_path(), splits=[split])
    predictions = Tagger.load(model_dir).predict([g.to_paragraph() for g in gold], batch_size=batch_size)
    theme_probs, force_probs = score_matrices(predictions)
    theme_pred = np.array([[t in p.themes for t in THEMES] for p in predictions])
    return score(theme_probs, theme_pred, np.array([themes_to_vector(g.themes) for g in gold]), force_probs,
                 [force_level(g.force) for g in gold])
