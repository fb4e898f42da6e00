"""The ``restag`` command line: ``segment``, ``tag``, ``train``, ``eval``.

Each subcommand lives beside the code it drives and exposes two functions:
``configure(parser)`` adds its arguments and ``run(args) -> int`` does the work.
Errors from bad input (:class:`restag.data.errors.RestagError`) become one line on
stderr and exit code 2. Logging is configured here, and only here.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from restag import __version__
from restag.data.errors import RestagError

#: subcommand -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "segment": ("restag.data.cli", "split resolutions into paragraphs (one JSON line each)"),
    "tag": ("restag.model.cli", "segment and tag resolutions with themes and operative force"),
    "train": ("restag.training.cli", "fine-tune a model on LABELS.md-style JSONL"),
    "eval": ("restag.eval.cli", "evaluate a model or a predictions file against gold labels"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="restag", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"restag {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        module = importlib.import_module(module_name)
        p = sub.add_parser(name, help=help_text, description=(module.__doc__ or help_text).strip())
        module.configure(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args._run(args))
    except RestagError as error:
        print(f"restag {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"restag {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
