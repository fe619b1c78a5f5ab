"""``cost``: what each model of a task costs per sample — parameters, FLOPs (torch's
FlopCounterMode), latency and peak memory of a forward pass — beside its test accuracy."""

from __future__ import annotations

import argparse
import json

from fusion.cli.common import add_analysis_parser, one_selection, table
from fusion.errors import ConfigError


def add_parser(commands) -> argparse.ArgumentParser:
    command = add_analysis_parser(commands, "cost", "parameters, FLOPs, latency and peak memory per sample of each model")
    command.add_argument("--runs", type=int, default=30, help="timed forward passes for the latency median (default 30)")
    command.add_argument("--threads", type=int, default=1, help="torch threads while timing (default 1)")
    command.add_argument("--sweep", choices=("tokens", "batch", "width", "modalities"),
                         help="instead: how each strategy's cost grows with the tokens per modality, the batch size, "
                              "the width or the number of modalities")
    return command


def run(args: argparse.Namespace) -> int:
    if args.runs < 2 or args.threads < 1:
        raise ConfigError("--runs must be at least 2 and --threads at least 1")
    if args.sweep:
        return print_sweep(args)
    task, models = one_selection(args)
    from fusion.evaluation.accuracy import score
    from fusion.evaluation.cost import cost, one_row

    strategies = {}
    for name, model in models.items():
        split = task.split(model, "test", None, args.seed)
        inputs, present = one_row(split.inputs, split.present)
        figures = cost(model, {m: inputs[m] for m in model.modalities}, present, args.runs, args.threads)
        strategies[name] = {**figures.to_dict(), "accuracy": score(model, split)["accuracy"]}
    if args.json:
        print(json.dumps({"task": task.name, "strategies": strategies}))
    else:
        print(table(strategies))
    return 0


def print_sweep(args: argparse.Namespace) -> int:
    from fusion.evaluation.scaling import scaling

    result = scaling(args.sweep, runs=args.runs, threads=args.threads)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"FLOPs per sample by {args.sweep}: " + ", ".join(map(str, result["values"])))
    for label, row in result["strategies"].items():
        print(f"{label:>24}: " + "  ".join(f"{v:>10}" for v in row["flops"]))
    return 0
