"""Fine-tune a restag model on LABELS.md JSONL (default: the shared gold train split).

Every field of the training config is a flag; ``--config FILE`` reads a JSON file of them
first (flags win). The model artifact is written to ``--output``; its dev figures are
printed at the end and stored in ``metrics.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
from typing import Any

from restag.training.config import TrainConfig

logger = logging.getLogger(__name__)


def _flag_type(default: Any) -> Any:
    if isinstance(default, bool):
        return lambda text: {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}[text.lower()]
    return type(default)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE", help="JSON file of training config fields (flags override it)")
    parser.add_argument("--save-config", metavar="FILE", help="write the resolved config as JSON and exit")
    for field in dataclasses.fields(TrainConfig):
        default = field.default
        parser.add_argument(
            f"--{field.name.replace('_', '-')}",
            dest=field.name,
            type=_flag_type(default),
            default=argparse.SUPPRESS,
            metavar=type(default).__name__.upper(),
            help=f"{field.metadata.get('help', '')} (default: {default!r})",
        )


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    overrides = {k: v for k, v in vars(args).items() if k in names}
    if getattr(args, "config", None):
        return TrainConfig.from_file(args.config, **overrides)
    return TrainConfig(**overrides)


def summary(metrics: dict[str, Any]) -> str:
    """Human-readable dev figures of a metrics.json."""
    dev = metrics.get("dev_reloaded") or metrics.get("dev")
    if not dev:
        return "no dev figures recorded for this model (metrics.json has none)"
    lines = [f"dev ({dev['n']} paragraphs): theme macro-F1 {dev['theme_macro_f1']:.4f}, "
             f"force macro-F1 {dev['force_macro_f1']:.4f} (accuracy {dev['force_accuracy']:.4f})"]
    lines += [f"  {theme:<12} F1 {v['f1']:.4f}  P {v['precision']:.4f}  R {v['recall']:.4f}  (n={v['support']})"
              for theme, v in dev["theme"].items()]
    lines.append("  force F1: " + ", ".join(f"{k} {v:.4f}" for k, v in dev["force_f1"].items()))
    lines.append(f"  calibration error (ECE): themes {dev['theme_ece']:.4f}, force {dev['force_ece']:.4f}")
    if "train_seconds" in metrics:
        lines.append(f"training time {metrics['train_seconds']:.0f} s (best epoch {metrics.get('best_epoch')} of "
                     f"{metrics.get('epochs_run')}); artifact {metrics.get('artifact_bytes', 0) / 1e6:.2f} MB")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    if args.save_config:
        config.save(args.save_config)
        print(f"wrote {args.save_config}")
        return 0
    from restag.training.train import train

    logger.info("training config: %s", json.dumps(config.to_dict()))
    metrics = train(config)
    print(summary(metrics))
    print(f"model written to {config.output}")
    return 0
