"""``models``: the shipped models with their fusion operator or combiner, accuracy and size."""

from __future__ import annotations

import argparse


def add_parser(commands) -> argparse.ArgumentParser:
    return commands.add_parser("models", help="list the shipped models with their parameter counts and test accuracy")


def run(args: argparse.Namespace) -> int:
    from fusion.models.checkpoints import checkpoint_dir, read_config, read_metrics, shipped_root
    from fusion.models.presets import SHIPPED
    from fusion.training.demos import DEMO_CHECKPOINTS

    for task, name in (*SHIPPED, *DEMO_CHECKPOINTS):
        folder = checkpoint_dir(shipped_root(), task, name)
        metrics = read_metrics(folder) or {}
        config = read_config(folder)
        detail = config.operator or config.combiner
        print(f"{task:>7} {name:>7} {detail:>8}  accuracy {metrics.get('accuracy', float('nan')):.3f}  "
              f"{metrics.get('parameters', '?')} parameters")
    return 0
