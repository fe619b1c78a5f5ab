"""``interactions``: EMAP non-additive share of each model (cross-modal interaction) on a built-in task."""

from __future__ import annotations

import argparse
import json

from fusion.cli.common import add_analysis_parser, built_in_selection, table
from fusion.errors import ConfigError

SCALES = ("probability", "log_probability", "logit")  # fusion.explain.interactions.SCALES (not imported: it loads torch)


def add_parser(commands) -> argparse.ArgumentParser:
    command = add_analysis_parser(commands, "interactions", "EMAP non-additive share of each strategy (cross-modal interaction)")
    command.add_argument("--n", type=int, default=64, help="test samples; the grid has N x N combinations (default 64)")
    command.add_argument("--scale", choices=SCALES, default="probability",
                         help="the scale the share is measured on (default probability; the share depends on it)")
    return command


def run(args: argparse.Namespace) -> int:
    if args.n < 2:
        raise ConfigError("--n must be at least 2 (EMAP needs a grid of samples)")
    task, models = built_in_selection(args, "interactions")
    from fusion.explain.interactions import task_interactions

    strategies = task_interactions(models, task.name, args.n, args.seed, args.scale)
    if args.json:
        print(json.dumps({"task": task.name, "scale": args.scale, "strategies": strategies}))
    else:
        print(f"EMAP non-additive share on the {args.scale.replace('_', '-')} scale")
        print(table(strategies))
    return 0
