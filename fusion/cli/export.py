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
    return command


def run(args: argparse.Namespace) -> int:
    from fusion.userdata.export import export_avdigits

    folder = export_avdigits(args.dir, clean=args.clean, seed=args.seed)
    print(f"wrote {folder} (manifest.csv, images/, audio/); train on it with "
          f"`python -m fusion train --data {folder} --strategy all`")
    return 0
