"""``train-all``: retrain every shipped model (all built-in tasks and strategies), holding the run
lock on the checkpoint root while it writes (``fusion.cli.common.out_lock``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from fusion.cli.common import out_lock, seed_type


def add_parser(commands) -> argparse.ArgumentParser:
    command = commands.add_parser("train-all", help="retrain every shipped model (all tasks and strategies)")
    command.add_argument("--out", type=Path, default=None, help="checkpoint root (default: assets/checkpoints)")
    command.add_argument("--seed", type=seed_type, default=0)
    return command


def run(args: argparse.Namespace) -> int:
    from fusion.models.checkpoints import shipped_root
    from fusion.training.shipped import retrain_shipped

    out = args.out if args.out is not None else shipped_root()
    with out_lock(out):
        for row in retrain_shipped(out, seed=args.seed):
            print(f"{row['task']:>7} {row['strategy']:>7}  accuracy {row['accuracy']:.3f}  ({row['train_seconds']} s)")
    return 0
