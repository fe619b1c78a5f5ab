"""``tasks``: the built-in tasks and the dataset tasks of your runs (heads trained with
``train --data`` into ``$FUSION_USER_DIR``), with their modalities, classes and chance level."""

from __future__ import annotations

import argparse
import json


def add_parser(commands) -> argparse.ArgumentParser:
    command = commands.add_parser("tasks", help="list the tasks: built-in ones and the dataset tasks of your runs")
    command.add_argument("--json", action="store_true", help="print one JSON object")
    return command


def run(args: argparse.Namespace) -> int:
    from fusion.tasks import list_tasks

    rows = [task.to_dict() for task in list_tasks()]
    if args.json:
        print(json.dumps({"tasks": rows}))
        return 0
    print(f"{'name':<20} {'kind':<9} {'modalities':<18} {'chance':>6}  classes")
    for row in rows:
        classes = ", ".join(row["classes"])
        if len(classes) > 60:
            classes = f"{classes[:57]}... ({len(row['classes'])})"
        print(f"{row['name']:<20} {row['kind']:<9} {' '.join(row['modalities']):<18} {row['chance']:>6.3f}  {classes}")
    return 0
