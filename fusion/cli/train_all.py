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
    command.add_argument("--jobs", type=_jobs_type, default=None,
                         help="models trained at once, each in its own process on one thread (default: one per core)")
    return command


def _jobs_type(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--jobs takes a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("--jobs must be at least 1")
    return value


def run(args: argparse.Namespace) -> int:
    from fusion.models.checkpoints import shipped_root
    from fusion.training.shipped import retrain_shipped

    out = args.out if args.out is not None else shipped_root()
    with out_lock(out):  # the workers write under it; this process holds the lock for them all
        for row in retrain_shipped(out, seed=args.seed, jobs=args.jobs):
            print(f"{row['task']:>7} {row['strategy']:>7}  accuracy {row['accuracy']:.3f}  ({row['train_seconds']} s)")
    return 0
