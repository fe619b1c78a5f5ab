"""``reliance``: accuracy per group (with intervals) and how much each group's predictions rest on
each modality (Shapley shares, perceptual scores), for built-in tasks and dataset tasks with group
columns; ``--demo`` runs the shipped demonstration (one accent's audio heavily corrupted)."""

from __future__ import annotations

import argparse
import json

from fusion.cli.common import add_analysis_parser, one_selection, table
from fusion.errors import ConfigError


def add_parser(commands) -> argparse.ArgumentParser:
    command = add_analysis_parser(commands, "reliance", "accuracy and modality reliance per group (accent, voice, a "
                                                        "dataset's group columns), and perceptual scores")
    command.add_argument("--group-by", default=None, metavar="COL",
                         help="a group column of the task (default: its first; digits and match: accent, voice)")
    command.add_argument("--split", default="test", choices=("train", "val", "test"))
    command.add_argument("--seeds", type=int, default=5, help="permutation seeds of the perceptual score (default 5)")
    command.add_argument("--demo", action="store_true",
                         help="the demonstration: the models trained with one accent's audio heavily corrupted, on that data")
    return command


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.seeds <= 100:
        raise ConfigError(f"--seeds must be in 1..100, got {args.seeds}")
    if args.demo:
        if args.task is not None or args.checkpoint is not None or args.data is not None:
            raise ConfigError("--demo brings its own task and models; leave out --task, --checkpoint and --data")
        from fusion.training.demos import DEMO_TASK, demo_models

        task, models = DEMO_TASK, demo_models(args.strategy)
    else:
        task, models = one_selection(args, fusion_only=True)
    from fusion.evaluation.reliance import describe_gap, reliance

    result = reliance(task, models, args.group_by, args.split, args.seed, args.seeds)
    if args.json:
        print(json.dumps(result.to_dict()))
        return 0
    print(f"{task.name}: {args.split} split by {result.group_by} (accuracy with its 95 % Wilson interval; "
          "share = mean |modality Shapley| share; * fewer than 30 rows)")
    for strategy in result.accuracy:
        print(f"\n{strategy} (accuracy {result.accuracy[strategy]:.3f})")
        print(table({f"{g.group}{'*' if g.small else ''}": {
            "n": g.n, "accuracy": g.strategies[strategy].accuracy, "low": g.strategies[strategy].interval[0],
            "high": g.strategies[strategy].interval[1],
            **{f"{m} share": v for m, v in g.strategies[strategy].shapley_share.items()}} for g in result.groups}))
    print("\nperceptual score (accuracy drop with the modality permuted across the split)")
    print(table(result.perceptual_score))
    print(f"\n{describe_gap(result)}")
    return 0
