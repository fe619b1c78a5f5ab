"""``pid``: the partial information decomposition of a task (redundancy, uniqueness, synergy, in
bits), from clustered unimodal embeddings, and of each model's predictions."""

from __future__ import annotations

import argparse
import json

from fusion.cli.common import add_analysis_parser, one_selection
from fusion.errors import ConfigError


def add_parser(commands) -> argparse.ArgumentParser:
    command = add_analysis_parser(commands, "pid", "PID of a task's information and of each model's predictions (bits)",
                                  strategy_help="whose predictions to decompose (default: every fusion strategy); the "
                                                "embeddings come from the task's late model")
    command.add_argument("--clusters", type=int, default=None, help="k-means clusters per modality (default 10)")
    return command


def run(args: argparse.Namespace) -> int:
    from fusion.evaluation.task_pid import CLUSTERS, EMBEDDER, task_pid

    clusters = CLUSTERS if args.clusters is None else args.clusters
    if not 2 <= clusters <= 64:
        raise ConfigError(f"--clusters must be in 2..64, got {clusters}")
    selection = one_selection(args, fusion_only=True)
    if not selection.task.is_built_in:
        raise ConfigError(f"pid runs on the built-in tasks, not on the dataset task {selection.task.name!r}")
    embedder = selection.models.get(EMBEDDER) or _late_model(args, selection.task.name)
    result = task_pid(selection.task, embedder, selection.models, clusters, args.seed)
    print(json.dumps(result) if args.json else summary(result))
    return 0


def _late_model(args: argparse.Namespace, task: str):
    from fusion.evaluation.task_pid import EMBEDDER
    from fusion.models.checkpoints import load_models

    return load_models(task, [EMBEDDER], args.checkpoint)[EMBEDDER]


def summary(result: dict) -> str:
    lines = [f"task {result['task']}: PID in bits on the {result['split']} split ({result['clusters']} clusters "
             f"per modality; shuffled-label control in brackets)"]
    for pair, control in zip(result["pairs"], result["control"]["pairs"]):
        a, b = pair["modalities"]
        lines.append(f"  {a} + {b}: R {pair['redundancy']:.3f} [{control['redundancy']:.3f}], U[{a}] "
                     f"{pair['uniqueness'][a]:.3f}, U[{b}] {pair['uniqueness'][b]:.3f}, S {pair['synergy']:.3f} "
                     f"[{control['synergy']:.3f}]")
    for name, row in result["predictions"].items():
        lines.append(f"  {name} predictions (accuracy {row['accuracy']:.3f}): R {row['redundancy']:.3f}, "
                     f"S {row['synergy']:.3f}, U {row['uniqueness']}")
    return "\n".join(lines)
