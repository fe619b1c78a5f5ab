"""What the commands of ``python -m fusion`` share: the one-line argument parser, argument types,
tables, and the one resolution of an analysis command's task and models (built-in models and heads
over frozen encoders alike).

Imports only the standard library at module level; everything heavier is imported inside the
function that needs it, so ``python -m fusion --help`` builds the parser without loading models.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from fusion.errors import ConfigError, InputError


if TYPE_CHECKING:
    from fusion.models.strategies import FusionModel
    from fusion.tasks import Task


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line that points at ``--help``."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def seed_type(text: str) -> int:
    """argparse type for seeds: a non-negative integer."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {value}")
    return value


def strategy_names() -> list[str]:
    """What ``--strategy`` takes: a fusion strategy, or a modality (a unimodal baseline)."""
    from fusion.modalities import list_modalities
    from fusion.models.config import FUSION_STRATEGIES

    return [*FUSION_STRATEGIES, *list_modalities()]


def add_encoder_options(command: argparse.ArgumentParser) -> None:
    """``--M-encoder NAME`` for every modality (``train --data``, ``encode``)."""
    from fusion.modalities import list_modalities

    for m in list_modalities():
        command.add_argument(f"--{m}-encoder", metavar="NAME",
                             help=f"encoder for the {m} column (see `python -m fusion encoders`; 'none' leaves it out)")


def chosen_encoders(args: argparse.Namespace) -> dict[str, str]:
    """The encoders given with ``--M-encoder``, by modality."""
    from fusion.modalities import list_modalities

    return {m: getattr(args, f"{m}_encoder") for m in list_modalities() if getattr(args, f"{m}_encoder")}


def add_device_option(command: argparse.ArgumentParser) -> None:
    """``--device``; under torchrun it also picks the backend (gloo on the CPU, nccl on CUDA)."""
    command.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                         help="auto (default): CUDA when present, else the CPU; under torchrun, cuda means nccl, cpu gloo")


def out_lock(out: Path, writes: bool = True) -> contextlib.AbstractContextManager:
    """The run lock (``fusion.models.run_lock``, ``.OUT.lock`` beside the folder) that a training
    command holds on its ``--out`` folder while it runs, so that two commands, or a command and the
    app's job on the same run, never write one folder at once; the second gets a ConfigError naming
    the holder's pid. A process that writes nothing (a torchrun rank other than 0) takes none."""
    from fusion.models.run_lock import RunLock

    if not writes:
        return contextlib.nullcontext()
    return RunLock(out.resolve(), what="--out", shown=str(out), advice="give another --out")


MAX_READ_BYTES = 1024 * 1024  # a typed-in modality's file (a caption) is far smaller


def read_bytes(path: Path, max_bytes: int = MAX_READ_BYTES) -> bytes:
    """A regular file's bytes (at most ``max_bytes``), or an InputError naming the file: never an
    OSError traceback, never an endless read (``/dev/zero``) or a wait on a FIFO without writer."""
    import os

    from fusion.io import read_file

    if not os.path.lexists(path):
        raise InputError(f"cannot read {path}: No such file or directory.")
    return read_file(path, "input", max_bytes)


def parse_corruption(items: Sequence[str] | None, task: Task) -> dict[str, float] | None:
    """``["image=0.5", "audio=0"]`` -> ``{"image": 0.5, "audio": 0.0}``, checked against ``task``
    (a dataset task refuses any); None when none given (the task's standard corruption)."""
    if not items:
        return None
    corruption = {}
    for item in items:
        modality, _, level = item.partition("=")
        if modality not in task.modalities or not level:
            raise ConfigError(f"--corruption takes MODALITY=LEVEL with MODALITY one of task {task.name}'s "
                              f"{', '.join(task.modalities)}; got {item!r}")
        try:
            value = float(level)
        except ValueError:
            raise ConfigError(f"--corruption level must be a number in [0, 1], got {level!r}") from None
        if not 0.0 <= value <= 1.0:
            raise ConfigError(f"--corruption level must be in [0, 1], got {value}")
        corruption[modality] = value
    return task.corruption(corruption)


def table(rows: Mapping[str, Mapping[str, Any]]) -> str:
    """A plain table of ``{row name: {column: number}}`` for the non-JSON output."""
    columns = list(dict.fromkeys(c for row in rows.values() for c, v in row.items() if isinstance(v, (int, float))))
    lines = [f"{'':>9} " + " ".join(f"{c:>24}" for c in columns)]
    for name, row in rows.items():
        cells = (row.get(c, float("nan")) for c in columns)
        lines.append(f"{name:>9} " + " ".join(f"{v:>24}" if isinstance(v, int) else f"{v:>24.4f}" for v in cells))
    return "\n".join(lines)


# ------------------------------------------------------------------- an analysis command's models
def add_analysis_parser(commands, name: str, help_text: str, strategy_help: str | None = None) -> argparse.ArgumentParser:
    """A command that reads the models of one task: shipped, ``--checkpoint`` or a run's heads."""
    command = commands.add_parser(name, help=help_text)
    command.add_argument("--task", help="a task of `python -m fusion tasks`: digits, match, or a dataset task of your "
                                        "runs (or give --checkpoint with models trained on a dataset folder)")
    command.add_argument("--strategy", default="all", choices=[*strategy_names(), "all"], help=strategy_help)
    command.add_argument("--seed", type=seed_type, default=0, help="corruption seed")
    command.add_argument("--checkpoint", type=Path, default=None,
                         help="a model folder, or a root holding TASK/NAME/ (default: the shipped models, or the "
                              "first of your runs holding a dataset task)")
    command.add_argument("--data", type=Path, metavar="DIR",
                         help="the dataset folder of heads (default: the one they were trained on)")
    command.add_argument("--json", action="store_true", help="print one JSON object")
    return command


class Selection(NamedTuple):
    """A task and the models an analysis command runs on it, by name (fusion strategies first)."""

    task: Task
    models: dict[str, FusionModel]


def select(args: argparse.Namespace, fusion_only: bool = False) -> list[Selection]:
    """The task(s) and models named by ``--task`` / ``--checkpoint`` / ``--strategy`` / ``--data``.

    ``--task`` of a built-in task: its shipped models (or those under ``--checkpoint``). Otherwise
    model folders: those under ``--checkpoint`` (of ``--task`` when given), or, for a dataset
    task, under the first run holding it; grouped by task, each group's task read from its
    folders (heads: their ``dataset.json``, at ``--data`` when given). ``--strategy all`` means the
    task's default models, only its fusion strategies when ``fusion_only``.
    """
    from fusion.tasks import get_task

    if args.task is not None:
        task = get_task(args.task)
        if task.is_built_in:
            return [_built_in(args, task, fusion_only)]
        groups = _model_folders(args.checkpoint or _run_of(task.name), args.strategy, fusion_only, task.name)
    elif args.checkpoint is None:
        raise ConfigError("give --task (see `python -m fusion tasks`) or --checkpoint DIR (models trained with `train --data`)")
    else:
        groups = _model_folders(args.checkpoint, args.strategy, fusion_only)
    if len(groups) > 1 and args.data is not None:
        raise ConfigError(f"--data applies to one dataset; {args.checkpoint} holds models of {', '.join(groups)}")
    return [_from_folders(name, folders, args.data) for name, folders in groups.items()]


def one_selection(args: argparse.Namespace, fusion_only: bool = False) -> Selection:
    """``select`` for a command that analyses one task."""
    selections = select(args, fusion_only)
    if len(selections) > 1:
        names = ", ".join(s.task.name for s in selections)
        raise ConfigError(f"{args.checkpoint} holds models of several tasks ({names}); point --checkpoint at one of them")
    return selections[0]


def built_in_selection(args: argparse.Namespace, command: str, fusion_only: bool = False) -> Selection:
    """``one_selection`` for a command that runs on the built-in tasks only."""
    from fusion.tasks import get_task

    if args.task is None or not get_task(args.task).is_built_in:
        given = f", not on the dataset task {args.task!r}" if args.task else ""
        raise ConfigError(f"{command} runs on the built-in tasks{given}; give --task digits or --task match")
    return one_selection(args, fusion_only)


def selected_folders(args: argparse.Namespace, selection: Selection) -> dict[str, Path]:
    """The checkpoint folder each model of ``selection`` (made by ``select`` from ``args``) was read from."""
    from fusion.models.checkpoints import checkpoint_dir, read_config, shipped_root

    task = selection.task
    if args.task is not None and task.is_built_in:
        root = args.checkpoint if args.checkpoint is not None else shipped_root()
        return {name: checkpoint_dir(root, task.name, name) for name in selection.models}
    root = args.checkpoint if args.checkpoint is not None else _run_of(task.name)
    folders = [f for group in _model_folders(root, "all", False).values() for f in group]
    by_name = {read_config(folder).name: folder for folder in folders if read_config(folder).task == task.name}
    return {name: by_name[name] for name in selection.models if name in by_name}


def _built_in(args: argparse.Namespace, task: Task, fusion_only: bool) -> Selection:
    from fusion.models.checkpoints import load_models
    from fusion.models.config import FUSION_STRATEGIES

    if args.data is not None:
        raise ConfigError(f"--data goes with heads trained on a dataset folder, not with the built-in task {task.name}")
    every = args.strategy == "all"
    names = [n for n in task.default_models if n in FUSION_STRATEGIES or not fusion_only] if every else [args.strategy]
    return Selection(task, load_models(task.name, names, args.checkpoint, skip_missing=every))


def _from_folders(name: str, folders: list[Path], data: Path | None) -> Selection:
    """The task of model folders of one task (heads: their dataset.json) and their models."""
    from fusion.models.checkpoints import load_checkpoint
    from fusion.tasks import built_in_tasks
    from fusion.tasks.dataset import read_dataset_record, task_from_checkpoints

    built_in = {t.name: t for t in built_in_tasks()}
    if name in built_in and read_dataset_record(folders[0]) is None:
        if data is not None:
            raise ConfigError(f"--data goes with heads trained on a dataset folder; {folders[0]} is a model of the built-in task {name}")
        task = built_in[name]
    else:
        task = task_from_checkpoints(folders, data)
    models = {model.config.name: model for model in map(load_checkpoint, folders)}
    return Selection(task, models)


def _run_of(task: str) -> Path:
    """The first of the user's runs that holds a model of the dataset task ``task``."""
    from fusion.models.catalog import SHIPPED, model_sources, source_root

    runs = [run for run in model_sources(task) if run != SHIPPED]
    if not runs:
        raise ConfigError(f"no run holds models of task {task!r}; give --checkpoint DIR")
    return source_root(runs[0])


def _model_folders(path: Path, strategy: str, fusion_only: bool, task: str | None = None) -> dict[str, list[Path]]:
    """Model folders under ``path`` (itself, its children or grandchildren) of ``task`` (default:
    any) named by ``strategy`` ("all": every one, only the fusion strategies when ``fusion_only``),
    grouped by task, by task name then model order."""
    from fusion.models.catalog import model_order
    from fusion.models.checkpoints import CONFIG, read_config

    if not path.exists():
        raise ConfigError(f"--checkpoint {path} does not exist")
    if (path / CONFIG).is_file():
        found = [path]
    else:
        found = sorted(p.parent for p in path.glob(f"*/{CONFIG}")) or sorted(p.parent for p in path.glob(f"*/*/{CONFIG}"))
    if not found:
        raise ConfigError(f"no model under {path}: give a folder holding config.json (or TASK/NAME/ folders)")
    chosen = []
    for folder in found:
        config = read_config(folder)
        every = strategy == "all" and not (fusion_only and config.strategy == "unimodal")
        if (every or strategy == config.name) and task in (None, config.task):
            chosen.append((config.task, model_order(config.name), folder))
    if not chosen:
        what = "fusion (early, late or hybrid)" if strategy == "all" and fusion_only else strategy
        of_task = f" of task {task!r}" if task else ""
        raise ConfigError(f"no {what} model{of_task} under {path}; pick another with --strategy")
    groups: dict[str, list[Path]] = {}
    for name, _, folder in sorted(chosen):
        groups.setdefault(name, []).append(folder)
    return groups
