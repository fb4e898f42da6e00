"""Print the dev figures of a model: ``python -m restag.training.report [MODEL_DIR] [--recompute]``.

Without ``--recompute`` it prints the model's ``metrics.json`` (written by ``restag train``);
with it, it reloads the model through :class:`~restag.model.Tagger` and scores the ``dev``
split of the gold file again (needs ``shared/`` or ``--labels``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m restag.training.report", description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default="default", help="a shipped model ('default', 'full') or a model directory (default: 'default')")
    parser.add_argument("--recompute", action="store_true", help="score dev again through the Tagger")
    parser.add_argument("--labels", default="", help="label JSONL (default: shared gold-78-80.jsonl)")
    parser.add_argument("--split", default="dev", help="split to score with --recompute")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    args = parser.parse_args(argv)

    from restag.data.errors import RestagError
    from restag.model.artifact import Artifact
    from restag.training.cli import summary

    try:
        artifact = Artifact.open(args.model)
        metrics = artifact.metrics()
        if args.recompute:
            from restag.training.train import dev_figures

            metrics = {**metrics, "dev_reloaded": dev_figures(artifact.directory, args.labels, args.split)}
        size = sum(p.stat().st_size for p in artifact.directory.iterdir() if p.is_file())
        metrics["artifact_bytes"] = size
    except RestagError as error:
        print(f"report: error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(metrics, indent=2) if args.json else f"model {artifact.directory}\n{summary(metrics)}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
