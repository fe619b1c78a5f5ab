"""``faithfulness``: the deletion test of each model's attention maps on a built-in task — removing
the most-attended tokens against removing random ones (``fusion.explain.faithfulness``)."""

from __future__ import annotations

import argparse
import json

from fusion.cli.common import add_analysis_parser, built_in_selection
from fusion.errors import ConfigError

MAX_N = 5000


def add_parser(commands) -> argparse.ArgumentParser:
    command = add_analysis_parser(commands, "faithfulness",
                                  "do the attention maps point at what the prediction needs? (deletion test)",
                                  strategy_help="a model name, or all (the task's fusion strategies)")
    command.add_argument("--n", type=int, default=None,
                         help="test samples, a seeded choice (default: every row of the test split)")
    command.add_argument("--k", type=int, default=4, help="tokens removed per modality and sample (default 4)")
    return command


def run(args: argparse.Namespace) -> int:
    if args.n is not None and not 1 <= args.n <= MAX_N:
        raise ConfigError(f"--n must be in 1..{MAX_N}")
    if args.k < 1:
        raise ConfigError("--k must be at least 1")
    task, models = built_in_selection(args, "faithfulness", fusion_only=True)
    import torch

    from fusion.explain.faithfulness import task_faithfulness

    torch.set_num_threads(1)  # tiny models: extra OpenMP threads only spin

    strategies = task_faithfulness(models, task.name, args.n, args.k, args.seed, records=False)  # measured by this program
    if args.json:
        print(json.dumps({"task": task.name, "strategies": strategies}))
        return 0
    for name, per_modality in strategies.items():
        if not per_modality:
            print(f"{name:>8}  no attention")
        for m, f in per_modality.items():
            low, high = f["difference_ci"]
            print(f"{name:>8} {m:>6}  attention {f['attention_drop']:+.3f}  random {f['random_drop']:+.3f}  "
                  f"difference CI [{low:+.3f}, {high:+.3f}]  padding {f['padding_share']:.3f}  n {f['n']}")
    return 0
