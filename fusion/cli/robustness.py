"""``robustness``: accuracy as each modality's corruption rises, and with each modality missing,
on a built-in task."""

from __future__ import annotations

import argparse
import json

from fusion.cli.common import add_analysis_parser, built_in_selection, table
from fusion.errors import ConfigError


def add_parser(commands) -> argparse.ArgumentParser:
    command = add_analysis_parser(commands, "robustness", "accuracy vs corruption level per modality, and with each modality missing")
    command.add_argument("--levels", type=float, nargs="+", default=[0.0, 0.25, 0.5, 0.75, 1.0], metavar="LEVEL",
                         help="corruption levels in [0, 1]; each modality's standard level is always added")
    command.add_argument("--split", default="test", choices=("train", "val", "test"))
    return command


def run(args: argparse.Namespace) -> int:
    levels = sorted(set(args.levels))
    if any(not 0.0 <= level <= 1.0 for level in levels):
        raise ConfigError("--levels must lie in [0, 1]")
    task, models = built_in_selection(args, "robustness")
    from fusion.evaluation.robustness import robustness

    result = robustness(models, task.name, levels, args.split, args.seed)
    strategies = {
        name: {"curves": result.curves[name], "missing": result.missing[name], "full": result.full[name],
               **result.conditions[name]}
        for name in result.full
    }
    if args.json:
        print(json.dumps({"task": task.name, "levels": list(result.levels), "standard_corruption": result.standard,
                          "n": result.n, "strategies": strategies}))
    else:
        print(table({name: {"full": row["full"], **{f"no {m}": a for m, a in row["missing"].items()},
                            **{c: row[c] for c in result.conditions[name]}}
                     for name, row in strategies.items()}))
    return 0
