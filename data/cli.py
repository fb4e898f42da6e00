"""Split resolutions into paragraphs: one JSON line per paragraph (symbol, id, kind, number,
text, lead), to stdout or --out.

Files may be ODS/Word text exports, PDF-extracted text, PDF files, markdown or corpus JSON;
"-" reads a text from stdin. With --out the file is written atomically: on any error no
partial file is left behind.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from tqdm import tqdm

from restag.data.errors import InputError
from restag.data.readers import parse_text, read_resolution
from restag.data.records import Resolution

logger = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="resolution files; '-' for stdin")
    parser.add_argument("--out", "-o", type=Path, help="write JSON lines here instead of stdout")
    parser.add_argument("--symbol", help="symbol to use for stdin input (e.g. A/RES/79/222)")
    parser.add_argument("--progress", action="store_true", help="show a progress bar")


def read_one(name: str, symbol: str | None = None) -> Resolution:
    """Read a file, or stdin for '-'."""
    if name == "-":
        return parse_text(sys.stdin.read(), source="<stdin>", symbol=symbol)
    return read_resolution(name)


def iter_lines(resolutions: Iterable[Resolution]) -> Iterator[str]:
    for res in resolutions:
        for paragraph in res.paragraphs:
            yield json.dumps(paragraph.to_dict(), ensure_ascii=False)


def write_atomic(path: Path, lines: Iterable[str]) -> int:
    """Write lines to ``path`` through a temporary file in the same folder; return the count."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{path}: output folder {folder} does not exist; create it or choose another --out")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            for line in lines:
                handle.write(line + "\n")
                count += 1
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


def _write(stream: TextIO, lines: Iterable[str]) -> int:
    count = 0
    try:
        for line in lines:
            stream.write(line + "\n")
            count += 1
        stream.flush()
    except BrokenPipeError:
        # the reader went away (`restag segment x | head`): stop quietly, as Unix tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
    return count


def run(args: argparse.Namespace) -> int:
    if args.files.count("-") > 1:
        raise InputError("'-' (stdin) given more than once; expected it at most once; pass it once")
    names = tqdm(args.files, desc="segment", unit="file", disable=not args.progress)
    # Read everything first, so that a bad file stops the run before any output is written.
    resolutions = [read_one(name, args.symbol) for name in names]
    lines = iter_lines(resolutions)
    count = write_atomic(args.out, lines) if args.out else _write(sys.stdout, lines)
    logger.info("wrote %d paragraphs from %d file(s)", count, len(resolutions))
    return 0
