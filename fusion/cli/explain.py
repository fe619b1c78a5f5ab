"""``explain``: the Explore analysis of one sample (a test row or files) for a task's models,
built-in models and heads alike: prediction, Shapley values, attention, Integrated Gradients."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fusion.cli.common import add_analysis_parser, one_selection, parse_corruption, read_bytes
from fusion.errors import ConfigError

if TYPE_CHECKING:
    from fusion.models.strategies import FusionModel
    from fusion.tasks import Sample, Task

FILE_FLAGS = ("image", "audio", "text", "text_file")


def add_parser(commands) -> argparse.ArgumentParser:
    command = add_analysis_parser(
        commands, "explain", "prediction, Shapley values, attention and Integrated Gradients for one sample",
        strategy_help="default: early, late and hybrid",
    )
    command.add_argument("--sample", type=int, help="index of a test sample (at the standard corruption unless --corruption)")
    command.add_argument("--image", type=Path, help="an image file (PNG, JPG, ...)")
    command.add_argument("--audio", type=Path, help="an audio file (WAV, FLAC, OGG, MP3)")
    text = command.add_mutually_exclusive_group()
    text.add_argument("--text", help="a caption")
    text.add_argument("--text-file", type=Path, help="a UTF-8 file holding the caption")
    command.add_argument("--target", type=int, default=None, help="class to explain (default: each model's prediction)")
    command.add_argument("--corruption", nargs="+", metavar="MODALITY=LEVEL", help="built-in tasks only")
    return command


def run(args: argparse.Namespace) -> int:
    import torch

    given = [flag for flag in FILE_FLAGS if getattr(args, flag) is not None]
    if args.sample is not None and given:
        raise ConfigError("--sample cannot be combined with --image / --audio / --text")
    if args.sample is None and not given:
        raise ConfigError("give either --sample N (a test row) or at least one of --image, --audio, --text, --text-file")
    task, models = one_selection(args, fusion_only=True)
    sample = read_sample(args, task)
    for warning in sample.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.target is not None and not 0 <= args.target < task.num_classes:
        raise ConfigError(f"--target must be a class index in 0..{task.num_classes - 1} of task {task.name}")
    torch.set_num_threads(1)  # tiny models: extra OpenMP threads only spin (see benchmarks/explore_analysis.py)
    strategies = {name: explanation(model, sample, args.target) for name, model in models.items()}
    if args.json:
        print(json.dumps({"task": task.name, "sample": args.sample, "label": sample.label,
                          "classes": list(task.classes), "strategies": strategies}))
        return 0
    for name, row in strategies.items():
        shapley = ", ".join(f"{m} {v:+.3f}" for m, v in row.get("shapley", {}).items())
        predicted = row.get("predicted")
        shown = task.class_name(predicted) if predicted is not None else row.get("note", "-")
        print(f"{name:>7}: predicts {shown}  Shapley (probability): {shapley}")
    return 0


def read_sample(args: argparse.Namespace, task: Task) -> Sample:
    """Row ``--sample`` of the test split, or the given files (decoded for a built-in task; kept as
    they are for heads, whose encoders read them), at ``--corruption`` (built-in tasks only)."""
    from fusion.tasks import sample_from_files

    corruption = parse_corruption(args.corruption, task)
    if args.sample is not None:
        return task.sample(args.sample, corruption=corruption, seed=args.seed)
    text = args.text if args.text is not None else (read_bytes(args.text_file) if args.text_file else None)
    files = {"image": args.image, "audio": args.audio, "text": text}
    unused = [m for m, value in files.items() if value is not None and m not in task.modalities]
    if unused:
        raise ConfigError(f"task {task.name} does not read {unused[0]}; it uses {', '.join(task.modalities)}")
    sample = sample_from_files(files, decode=task.is_built_in)
    return task.corrupt(sample, corruption, args.seed) if corruption else sample


def explanation(model: FusionModel, sample: Sample, target: int | None) -> dict[str, Any]:
    """One model's analysis as the JSON dict the command prints (the one place the CLI reads
    ``explain_model``'s result)."""
    from fusion.explain.analysis import explain_model

    return explain_model(model, sample, target).to_dict()
