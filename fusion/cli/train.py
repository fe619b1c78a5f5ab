"""``train``: one model on a built-in task (``--task``), or heads over frozen encoders on a dataset
folder (``--data``; encoded once through the embedding cache).

Under ``torchrun --nproc-per-node N -m fusion train ...`` the N processes train one model together
(``fusion.training.distributed``): with ``--data`` each first encodes its shard of the folder into
the shared cache; rank 0 alone evaluates, writes the checkpoints and prints. The process that
writes (rank 0) holds the run lock on ``--out`` from start to end (``fusion.cli.common.out_lock``):
a second command on the same folder stops at once with one line naming the first one's pid.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from fusion.cli.common import add_device_option, add_encoder_options, chosen_encoders, out_lock, seed_type, strategy_names
from fusion.errors import ConfigError

DEFAULT_OUT = Path("runs")


def add_parser(commands) -> argparse.ArgumentParser:
    from fusion.models.operators import list_operators
    from fusion.models.strategies import COMBINERS

    train = commands.add_parser("train", help="train one model on a built-in task, or heads on a dataset folder (--data)")
    source = train.add_mutually_exclusive_group(required=True)
    source.add_argument("--task", help="a built-in task (digits, match, motion: see `python -m fusion tasks`)")
    source.add_argument("--data", type=Path, metavar="DIR", help="a dataset folder with manifest.csv (see README)")
    train.add_argument("--strategy", required=True, choices=[*strategy_names(), "all"],
                       help="a fusion strategy, or a modality for a unimodal baseline; 'all' (--data only): every strategy and baseline")
    add_encoder_options(train)
    train.add_argument("--operator", choices=list_operators(), help="early / hybrid fusion operator")
    train.add_argument("--combiner", choices=COMBINERS.names(), help="late fusion combiner")
    train.add_argument("--epochs", type=int, default=None, help="default: the shipped models' setting")
    train.add_argument("--seed", type=seed_type, default=0)
    train.add_argument("--out", type=Path, default=DEFAULT_OUT, help="checkpoint root; writes OUT/TASK/NAME/ (default: runs)")
    add_device_option(train)
    return train


def run(args: argparse.Namespace) -> int:
    from fusion.training.distributed import process_group

    if args.out.exists() and not args.out.is_dir():
        raise ConfigError(f"--out {args.out} is a file; give a folder (it will hold TASK/NAME/)")
    if args.epochs is not None and args.epochs < 1:
        raise ConfigError("--epochs must be at least 1")
    with process_group(args.device) as where, out_lock(args.out, writes=where.is_main):
        return train_heads(args, where) if args.data is not None else train_built_in(args, where)


def train_built_in(args: argparse.Namespace, where) -> int:
    from fusion.evaluation.accuracy import evaluate
    from fusion.models.checkpoints import checkpoint_dir, save_checkpoint
    from fusion.models.presets import default_config, default_settings
    from fusion.tasks import built_in_tasks
    from fusion.tasks import get_task
    from fusion.training.loop import train_model

    built_in = [task.name for task in built_in_tasks()]
    if args.task not in built_in:
        raise ConfigError(f"--task takes a built-in task ({', '.join(built_in)}), got {args.task!r}; "
                          "train heads on a dataset folder with --data DIR")
    given = [f"--{m}-encoder" for m in chosen_encoders(args)]
    if given or args.strategy == "all":
        raise ConfigError(f"{(given or ['--strategy all'])[0]} applies to --data (a dataset folder), not to a built-in task")
    config = default_config(args.task, args.strategy, get_task(args.task).vocabulary(), args.operator, args.combiner)
    settings = default_settings(config, seed=args.seed, epochs=args.epochs)
    start = time.perf_counter()
    result = train_model(config, settings, progress=where.is_main, run=where)
    if not where.is_main:
        return 0
    metrics = {**evaluate(result.model), **result.summary(), "train_seconds": round(time.perf_counter() - start, 1)}
    folder = save_checkpoint(result.model, checkpoint_dir(args.out, args.task, config.name), metrics)
    print(f"saved {folder} (test accuracy {metrics['accuracy']:.3f}, {metrics['parameters']} parameters)")
    return 0


def train_heads(args: argparse.Namespace, where) -> int:
    """``train --data DIR``: encode the folder once (cached; each rank its shard under torchrun),
    then train the chosen heads."""
    from fusion.embeddings.extract import encode_shard
    from fusion.embeddings.runs import load_dataset, train_head
    from fusion.models.config import FUSION_STRATEGIES
    from fusion.userdata.manifest import load_manifest

    if where.distributed:
        encode_shard(load_manifest(args.data, seed=args.seed), chosen_encoders(args), rank=where.rank,
                     world_size=where.world_size, progress=where.is_main)
        where.barrier()  # every rank's shard is in the cache: loading it below encodes nothing
    dataset = load_dataset(args.data, chosen_encoders(args), seed=args.seed, progress=where.is_main)
    if where.is_main:
        for skipped in dataset.manifest.report().get("skipped", []):
            print(f"skipped line {skipped['line']}: {skipped['reason']}", file=sys.stderr)
    if args.strategy == "all":
        names = [*FUSION_STRATEGIES, *dataset.modalities] if len(dataset.modalities) > 1 else list(dataset.modalities)
    else:
        names = [args.strategy]
    for name in names:
        _, metrics, folder = train_head(dataset, name, args.out, args.operator, args.combiner, args.seed, args.epochs,
                                        progress=where.is_main, run=where)
        if where.is_main:
            print(f"saved {folder} (test accuracy {metrics['accuracy']:.3f}, {metrics['parameters']} parameters, "
                  f"{metrics['train_seconds']} s)")
    return 0
