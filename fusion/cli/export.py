"""``export-avdigits``: the built-in digits data written as a dataset folder (``manifest.csv``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from fusion.cli.common import seed_type


def add_parser(commands) -> argparse.ArgumentParser:
    command = commands.add_parser("export-avdigits", help="write the built-in digits data as a dataset folder (manifest.csv)")
    command.add_argument("dir", type=Path, help="a new (or empty) folder")
    command.add_argument("--clean", action="store_true", help="without the task's standard corruption")
    command.add_argument("--seed", type=seed_type, default=0, help="corruption seed")
    command.add_argument("--rows", type=int, metavar="N", help="at most N rows per split (the first ones): a tiny folder")
    return command


def run(args: argparse.Namespace) -> int:
    from fusion.userdata.export import export_avdigits

    if args.rows is not None and args.rows < 1:
        raise SystemExit("--rows must be at least 1")
    rows = None if args.rows is None else dict.fromkeys(("train", "val", "test"), args.rows)
    folder = export_avdigits(args.dir, clean=args.clean, seed=args.seed, rows=rows)
    print(f"wrote {folder} (manifest.csv, images/, audio/); train on it with "
          f"`python -m fusion train --data {folder} --strategy all`")
    return 0
