"""``evaluate``: accuracy of a task's models on a split, built-in models and heads alike."""

from __future__ import annotations

import argparse
import json

from fusion.cli.common import add_analysis_parser, parse_corruption, select, selected_folders


def add_parser(commands) -> argparse.ArgumentParser:
    command = add_analysis_parser(commands, "evaluate", "accuracy on the test split, as JSON with --json")
    command.add_argument("--corruption", nargs="+", metavar="MODALITY=LEVEL", help="default: the task's standard corruption")
    command.add_argument("--split", default="test", choices=("train", "val", "test"))
    command.add_argument("--predictions", action="store_true",
                         help="with --json: add each row's predicted class, in split order")
    return command


def run(args: argparse.Namespace) -> int:
    from fusion.evaluation.accuracy import evaluate
    from fusion.training.record import training_record

    for selection in select(args):  # one task, unless --checkpoint holds heads of several datasets
        task, models = selection
        corruption = parse_corruption(args.corruption, task)
        folders = selected_folders(args, selection)
        results = [{**evaluate(model, args.split, corruption, args.seed, task=task, predictions=args.predictions),
                    **({"training": training_record(folders[name])} if name in folders else {})}
                   for name, model in models.items()]
        if args.json:
            print(json.dumps({"task": task.name, "results": results}))
            continue
        print(f"{task.name} ({args.split} split)")
        print(f"{'strategy':>9} {'accuracy':>9} {'n':>5} {'parameters':>11}")
        for row in results:
            print(f"{row['strategy']:>9} {row['accuracy']:>9.3f} {row['n']:>5} {row['parameters']:>11}")
    return 0
