"""``train``: one model on a built-in task (``--task``), or heads over frozen encoders on a dataset
folder (``--data``; encoded once through the embedding cache)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from fusion.cli.common import seed_type, strategy_names
from fusion.errors import ConfigError

DEFAULT_OUT = Path("runs")


def add_parser(commands) -> argparse.ArgumentParser:
    from fusion.modalities import list_modalities
    from fusion.models.operators import list_operators
    from fusion.models.strategies import COMBINERS

    train = commands.add_parser("train", help="train one model on a built-in task, or heads on a dataset folder (--data)")
    source = train.add_mutually_exclusive_group(required=True)
    source.add_argument("--task", help="a built-in task (digits, match, motion: see `python -m fusion tasks`)")
    source.add_argument("--data", type=Path, metavar="DIR", help="a dataset folder with manifest.csv (see README)")
    train.add_argument("--strategy", required=True, choices=[*strategy_names(), "all"],
                       help="a fusion strategy, or a modality for a unimodal baseline; 'all' (--data only): every strategy and baseline")
    for m in list_modalities():
        train.add_argument(f"--{m}-encoder", metavar="NAME",
                           help=f"encoder for the {m} column (see `python -m fusion encoders`; 'none' leaves it out)")
    train.add_argument("--operator", choices=list_operators(), help="early / hybrid fusion operator")
    train.add_argument("--combiner", choices=COMBINERS.names(), help="late fusion combiner")
    train.add_argument("--epochs", type=int, default=None, help="default: the shipped models' setting")
    train.add_argument("--seed", type=seed_type, default=0)
    train.add_argument("--out", type=Path, default=DEFAULT_OUT, help="checkpoint root; writes OUT/TASK/NAME/ (default: runs)")
    return train


def run(args: argparse.Namespace) -> int:
    if args.out.exists() and not args.out.is_dir():
        raise ConfigError(f"--out {args.out} is a file; give a folder (it will hold TASK/NAME/)")
    if args.epochs is not None and args.epochs < 1:
        raise ConfigError("--epochs must be at least 1")
    return train_heads(args) if args.data is not None else train_built_in(args)


def chosen_encoders(args: argparse.Namespace) -> dict[str, str]:
    from fusion.modalities import list_modalities

    return {m: getattr(args, f"{m}_encoder") for m in list_modalities() if getattr(args, f"{m}_encoder")}


def train_built_in(args: argparse.Namespace) -> int:
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
    result = train_model(config, settings)
    metrics = {**evaluate(result.model), "best_epoch": result.best_epoch, "train_seconds": round(time.perf_counter() - start, 1)}
    folder = save_checkpoint(result.model, checkpoint_dir(args.out, args.task, config.name), metrics)
    print(f"saved {folder} (test accuracy {metrics['accuracy']:.3f}, {metrics['parameters']} parameters)")
    return 0


def train_heads(args: argparse.Namespace) -> int:
    """``train --data DIR``: encode the folder once (cached), then train the chosen heads."""
    from fusion.embeddings.runs import load_dataset, train_head
    from fusion.models.config import FUSION_STRATEGIES

    dataset = load_dataset(args.data, chosen_encoders(args), seed=args.seed)
    for skipped in dataset.manifest.report().get("skipped", []):
        print(f"skipped line {skipped['line']}: {skipped['reason']}", file=sys.stderr)
    if args.strategy == "all":
        names = [*FUSION_STRATEGIES, *dataset.modalities] if len(dataset.modalities) > 1 else list(dataset.modalities)
    else:
        names = [args.strategy]
    for name in names:
        _, metrics, folder = train_head(dataset, name, args.out, args.operator, args.combiner, args.seed, args.epochs)
        print(f"saved {folder} (test accuracy {metrics['accuracy']:.3f}, {metrics['parameters']} parameters, "
              f"{metrics['train_seconds']} s)")
    return 0
