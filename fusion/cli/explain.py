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

def add_parser(commands) -> argparse.ArgumentParser:
    command = add_analysis_parser(
        commands, "explain", "prediction, Shapley values, attention and Integrated Gradients for one sample",
        strategy_help="default: early, late and hybrid",
    )
    command.add_argument("--sample", type=int, help="index of a test sample (at the standard corruption unless --corruption)")
    add_modality_arguments(command)
    command.add_argument("--target", type=int, default=None, help="class to explain (default: each model's prediction)")
    command.add_argument("--corruption", nargs="+", metavar="MODALITY=LEVEL", help="built-in tasks only")
    return command


def run(args: argparse.Namespace) -> int:
    import torch

    flags = modality_flags()
    given = [flag for flag in flags if getattr(args, flag.lstrip("-").replace("-", "_")) is not None]
    if args.sample is not None and given:
        raise ConfigError(f"--sample cannot be combined with {' / '.join(given)}")
    if args.sample is None and not given:
        raise ConfigError(f"give either --sample N (a test row) or at least one of {', '.join(flags)}")
    task, models = one_selection(args, fusion_only=True)
    sample = read_sample(args, task)
    for warning in sample.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.target is not None and not 0 <= args.target < task.num_classes:
        raise ConfigError(f"--target must be a class index in 0..{task.num_classes - 1} of task {task.name}")
    torch.set_num_threads(1)  # tiny models: extra OpenMP threads only spin (see benchmarks/explore_analysis.py)
    strategies = {name: explanation(model, sample, args.target) for name, model in models.items()}
    if args.json:
        from fusion.explain.analysis import report_payload

        print(json.dumps(report_payload(task, args.sample, sample.label, strategies)))
        return 0
    for name, row in strategies.items():
        shapley = ", ".join(f"{m} {v:+.3f}" for m, v in row.get("shapley", {}).items())
        log_shapley = ", ".join(f"{m} {v:+.3f}" for m, v in row.get("shapley_log_probability", {}).items())
        predicted = row.get("predicted")
        shown = task.class_name(predicted) if predicted is not None else row.get("note", "-")
        print(f"{name:>7}: predicts {shown}  Shapley (probability): {shapley}  (log-probability): {log_shapley}")
    return 0


def read_sample(args: argparse.Namespace, task: Task) -> Sample:
    """Row ``--sample`` of the test split, or the given files (decoded for a built-in task; kept as
    they are for heads, whose encoders read them), at ``--corruption`` (built-in tasks only)."""
    from fusion.tasks import sample_from_files

    corruption = parse_corruption(args.corruption, task)
    if args.sample is not None:
        return task.sample(args.sample, corruption=corruption, seed=args.seed)
    files = given_files(args)
    unused = [m for m, value in files.items() if value is not None and m not in task.modalities]
    if unused:
        raise ConfigError(f"task {task.name} does not read {unused[0]}; it uses {', '.join(task.modalities)}")
    sample = sample_from_files(files, decode=task.is_built_in)
    return task.corrupt(sample, corruption, args.seed) if corruption else sample


def add_modality_arguments(command: argparse.ArgumentParser) -> None:
    """One flag per registered modality: ``--M PATH`` for a file, or ``--M VALUE`` / ``--M-file PATH``
    for a modality that is typed in (text)."""
    from fusion.modalities import get_modality, list_modalities

    for m in list_modalities():
        spec = get_modality(m)
        if spec.inline:
            group = command.add_mutually_exclusive_group()
            group.add_argument(f"--{m}", help=f"the {m} itself (e.g. a caption)")
            group.add_argument(f"--{m}-file", type=Path, help=f"a UTF-8 file holding the {m}")
        else:
            command.add_argument(f"--{m}", type=Path, help=f"a{'n' if m[0] in 'aeiou' else ''} {m} file ({', '.join(spec.upload_types)})")


def modality_flags() -> list[str]:
    from fusion.modalities import get_modality, list_modalities

    return [flag for m in list_modalities() for flag in ([f"--{m}", f"--{m}-file"] if get_modality(m).inline else [f"--{m}"])]


def given_files(args: argparse.Namespace) -> dict[str, Any]:
    """``{modality: path | text | bytes}`` of the modality flags given (a ``--M-file`` is read here)."""
    from fusion.modalities import get_modality, list_modalities

    files = {}
    for m in list_modalities():
        value = getattr(args, m)
        if value is None and get_modality(m).inline and getattr(args, f"{m}_file") is not None:
            value = read_bytes(getattr(args, f"{m}_file"))
        files[m] = value
    return files


def explanation(model: FusionModel, sample: Sample, target: int | None) -> dict[str, Any]:
    """One model's analysis as the JSON dict the command prints (the one place the CLI reads
    ``explain_model``'s result)."""
    from fusion.explain.analysis import explain_model

    return explain_model(model, sample, target).to_dict()
