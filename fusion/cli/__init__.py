"""``python -m fusion``: train, evaluate and list models from the command line.

Every failure a user can cause (bad argument, unknown name, missing file) prints one line naming
the fix on stderr and exits with status 2; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from fusion.cli import data as cli_userdata
from fusion.cli.data import add_commands, add_encoder_options
from fusion.errors import ConfigError, FusionError

DEFAULT_TRAIN_OUT = Path("runs")


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


def parse_corruption(items: Sequence[str] | None, task: str) -> dict[str, float] | None:
    """``["image=0.5", "audio=0"]`` -> ``{"image": 0.5, "audio": 0.0}``; None when none given."""
    if not items:
        return None
    from fusion.tasks import get_task

    modalities = get_task(task).modalities
    corruption = {}
    for item in items:
        modality, _, level = item.partition("=")
        if modality not in modalities or not level:
            raise ConfigError(
                f"--corruption takes MODALITY=LEVEL with MODALITY one of task {task}'s {', '.join(modalities)}; got {item!r}"
            )
        try:
            value = float(level)
        except ValueError:
            raise ConfigError(f"--corruption level must be a number in [0, 1], got {level!r}") from None
        if not 0.0 <= value <= 1.0:
            raise ConfigError(f"--corruption level must be in [0, 1], got {value}")
        corruption[modality] = value
    return corruption


def build_parser() -> argparse.ArgumentParser:
    from fusion.models.config import FUSION_STRATEGIES
    from fusion.data.avdigits import TASKS
    from fusion.modalities import list_modalities
    from fusion.models.operators import list_operators
    from fusion.models.strategies import COMBINERS

    parser = OneLineParser(prog="python -m fusion", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    names = [*FUSION_STRATEGIES, *list_modalities()]

    train = commands.add_parser("train", help="train one model on a built-in task, or heads on a dataset folder (--data)")
    source = train.add_mutually_exclusive_group(required=True)
    source.add_argument("--task", choices=TASKS)
    source.add_argument("--data", type=Path, metavar="DIR", help="a dataset folder with manifest.csv (see README)")
    train.add_argument("--strategy", required=True, choices=[*names, "all"],
                       help="a fusion strategy, or a modality for a unimodal baseline; 'all' (--data only): every strategy and baseline")
    add_encoder_options(train)
    train.add_argument("--operator", choices=list_operators(), help="early / hybrid fusion operator")
    train.add_argument("--combiner", choices=COMBINERS.names(), help="late fusion combiner")
    train.add_argument("--epochs", type=int, default=None, help="default: the shipped models' setting")
    train.add_argument("--seed", type=seed_type, default=0)
    train.add_argument("--out", type=Path, default=DEFAULT_TRAIN_OUT, help="checkpoint root; writes OUT/TASK/NAME/ (default: runs)")

    train_all = commands.add_parser("train-all", help="retrain every shipped model (all tasks and strategies)")
    train_all.add_argument("--out", type=Path, default=None, help="checkpoint root (default: assets/checkpoints)")
    train_all.add_argument("--seed", type=seed_type, default=0)

    def analysis(name: str, help_text: str, strategy_help: str | None = None) -> argparse.ArgumentParser:
        """A command that reads shipped (or --checkpoint) models of one task."""
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--task", choices=TASKS, help="a built-in task (or give --checkpoint with models trained on a dataset folder)")
        command.add_argument("--strategy", default="all", choices=[*names, "all"], help=strategy_help)
        command.add_argument("--seed", type=seed_type, default=0, help="corruption seed")
        command.add_argument("--checkpoint", type=Path, default=None,
                             help="a model folder, or a root holding TASK/NAME/ (default: the shipped models)")
        command.add_argument("--data", type=Path, metavar="DIR", help="dataset folder of --checkpoint heads (default: the one they were trained on)")
        command.add_argument("--json", action="store_true", help="print one JSON object")
        return command

    evaluate = analysis("evaluate", "accuracy on the test split, as JSON with --json")
    evaluate.add_argument("--corruption", nargs="+", metavar="MODALITY=LEVEL", help="default: the task's standard corruption")
    evaluate.add_argument("--split", default="test", choices=("train", "val", "test"))
    evaluate.add_argument("--predictions", action="store_true",
                          help="with --json: add each row's predicted class, in split order")

    interactions = analysis("interactions", "EMAP non-additive share of each strategy (cross-modal interaction)")
    interactions.add_argument("--n", type=int, default=64, help="test samples; the grid has N x N combinations (default 64)")

    robust = analysis("robustness", "accuracy vs corruption level per modality, and with each modality missing")
    robust.add_argument("--levels", type=float, nargs="+", default=[0.0, 0.25, 0.5, 0.75, 1.0], metavar="LEVEL")
    robust.add_argument("--split", default="test", choices=("train", "val", "test"))

    explain = analysis(
        "explain", "prediction, Shapley values, attention and Integrated Gradients for one sample",
        strategy_help="default: early, late and hybrid",
    )
    explain.add_argument("--sample", type=int, help="index of a test sample (at the standard corruption unless --corruption)")
    explain.add_argument("--image", type=Path, help="an image file (PNG, JPG, ...)")
    explain.add_argument("--audio", type=Path, help="an audio file (WAV, FLAC, OGG, MP3)")
    text = explain.add_mutually_exclusive_group()
    text.add_argument("--text", help="a caption")
    text.add_argument("--text-file", type=Path, help="a UTF-8 file holding the caption")
    explain.add_argument("--target", type=int, default=None, help="class to explain (default: each model's prediction)")
    explain.add_argument("--corruption", nargs="+", metavar="MODALITY=LEVEL")

    commands.add_parser("models", help="list the shipped models with their parameter counts and test accuracy")
    add_commands(commands)
    return parser


def command_train(args: argparse.Namespace) -> int:
    from fusion.models.checkpoints import checkpoint_dir, save_checkpoint
    from fusion.tasks.splits import caption_vocabulary
    from fusion.evaluation.accuracy import evaluate
    from fusion.models.presets import default_config, default_settings
    from fusion.training.loop import train_model

    if args.data is not None:
        return cli_userdata.train_on_data(args)
    given = [f"--{m}-encoder" for m in cli_userdata.chosen_encoders(args)]
    if given or args.strategy == "all":
        raise ConfigError(f"{(given or ['--strategy all'])[0]} applies to --data (a dataset folder), not to a built-in task")
    if args.out.exists() and not args.out.is_dir():
        raise ConfigError(f"--out {args.out} is a file; give a folder (it will hold {args.task}/{args.strategy}/)")
    config = default_config(args.task, args.strategy, caption_vocabulary(), args.operator, args.combiner)
    settings = default_settings(config, seed=args.seed, epochs=args.epochs)
    if settings.epochs < 1:
        raise ConfigError("--epochs must be at least 1")
    start = time.perf_counter()
    result = train_model(config, settings)
    metrics = {**evaluate(result.model), "best_epoch": result.best_epoch, "train_seconds": round(time.perf_counter() - start, 1)}
    folder = save_checkpoint(result.model, checkpoint_dir(args.out, args.task, config.name), metrics)
    print(f"saved {folder} (test accuracy {metrics['accuracy']:.3f}, {metrics['parameters']} parameters)")
    return 0


def command_train_all(args: argparse.Namespace) -> int:
    from fusion.training.shipped import retrain_shipped

    rows = retrain_shipped(args.out, seed=args.seed)
    for row in rows:
        print(f"{row['task']:>7} {row['strategy']:>7}  accuracy {row['accuracy']:.3f}  ({row['train_seconds']} s)")
    return 0


def selected_models(args: argparse.Namespace) -> dict:
    """The models named by ``--strategy`` (``all``: every model of the task) under ``--checkpoint``."""
    from fusion.models.checkpoints import load_models
    from fusion.models.presets import model_names

    every = args.strategy == "all"
    names = model_names(args.task) if every else [args.strategy]
    return load_models(args.task, names, args.checkpoint, skip_missing=every)


def needs_heads(args: argparse.Namespace) -> bool:
    """No --task: the command reads heads trained on a dataset folder (--checkpoint)."""
    if args.task is not None:
        if args.data is not None:
            raise ConfigError("--data goes with --checkpoint (heads trained on a dataset folder), not with --task")
        return False
    if args.checkpoint is None:
        raise ConfigError("give --task (a built-in task) or --checkpoint DIR (models trained with `train --data`)")
    return True


def command_evaluate(args: argparse.Namespace) -> int:
    from fusion.evaluation.accuracy import evaluate

    if needs_heads(args):
        return cli_userdata.evaluate_heads(args)

    corruption = parse_corruption(args.corruption, args.task)
    results = [evaluate(model, args.split, corruption, args.seed, predictions=args.predictions)
               for model in selected_models(args).values()]
    cli_userdata.print_evaluation(args.task, results, args.json)
    return 0


def command_explain(args: argparse.Namespace) -> int:
    import torch

    from fusion.models.config import FUSION_STRATEGIES
    from fusion.models.checkpoints import load_models
    from fusion.explain.analysis import explain_sample
    from fusion.tasks import get_task, sample_from_files

    if needs_heads(args):
        if args.corruption:
            raise ConfigError("--corruption applies to the built-in tasks")
        if (args.sample is None) == (args.image is None and args.audio is None and args.text is None and args.text_file is None):
            raise ConfigError("give either --sample N (a test row) or at least one of --image, --audio, --text, --text-file")
        return cli_userdata.explain_heads(args)
    files = {"image": args.image, "audio": args.audio, "text": args.text, "text_file": args.text_file}
    given = [k for k, v in files.items() if v is not None]
    if (args.sample is None) == (not given):
        raise ConfigError("give either --sample N or at least one of --image, --audio, --text, --text-file")
    if args.sample is not None and given:
        raise ConfigError("--sample cannot be combined with --image / --audio / --text")
    task = get_task(args.task)
    unused = [k for k in given if k.split("_")[0] not in task.modalities]
    if unused:
        raise ConfigError(f"task {args.task} does not read {unused[0].split('_')[0]}; it uses {', '.join(task.modalities)}")
    corruption = parse_corruption(args.corruption, args.task)
    if args.sample is not None:
        sample = task.sample(args.sample, corruption=corruption, seed=args.seed)
    else:
        text = args.text if args.text is not None else (read_bytes(args.text_file) if args.text_file else None)
        sample = sample_from_files({"image": args.image, "audio": args.audio, "text": text})
        if corruption:
            sample = task.corrupt(sample, corruption, args.seed)
    for warning in sample.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    names = list(FUSION_STRATEGIES) if args.strategy == "all" else [args.strategy]
    models = load_models(args.task, names, args.checkpoint, skip_missing=args.strategy == "all")
    if args.target is not None and not 0 <= args.target < next(iter(models.values())).config.num_classes:
        raise ConfigError(f"--target must be a class of task {args.task}")
    torch.set_num_threads(1)  # tiny models: extra OpenMP threads only spin (see benchmarks/explore_analysis.py)
    strategies = {name: report.to_dict() for name, report in explain_sample(models, sample, args.target).items()}
    payload = {"task": args.task, "sample": args.sample, "label": sample.label, "strategies": strategies}
    if args.json:
        print(json.dumps(payload))
    else:
        for name, row in strategies.items():
            shapley = ", ".join(f"{m} {v:+.3f}" for m, v in row.get("shapley", {}).items())
            print(f"{name:>7}: predicts {row.get('predicted')}  Shapley (probability): {shapley}")
    return 0


def read_bytes(path: Path) -> bytes:
    from fusion.errors import InputError

    try:
        return path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror}.") from None


def command_interactions(args: argparse.Namespace) -> int:
    if needs_heads(args):
        raise ConfigError("interactions runs on the built-in tasks; give --task")
    from fusion.explain.interactions import task_interactions

    if args.n < 2:
        raise ConfigError("--n must be at least 2 (EMAP needs a grid of samples)")
    strategies = task_interactions(selected_models(args), args.task, args.n, args.seed)
    print(json.dumps({"task": args.task, "strategies": strategies}) if args.json else _table(strategies))
    return 0


def command_robustness(args: argparse.Namespace) -> int:
    if needs_heads(args):
        raise ConfigError("robustness runs on the built-in tasks; give --task")
    from fusion.evaluation.robustness import robustness

    levels = sorted(set(args.levels))
    if any(not 0.0 <= level <= 1.0 for level in levels):
        raise ConfigError("--levels must lie in [0, 1]")
    result = robustness(selected_models(args), args.task, levels, args.split, args.seed)
    strategies = {
        name: {"curves": result.curves[name], "missing": result.missing[name], "full": result.full[name]}
        for name in result.full
    }
    payload = {"task": args.task, "levels": list(result.levels), "standard_corruption": result.standard,
               "n": result.n, "strategies": strategies}
    print(json.dumps(payload) if args.json else _table({n: {"full": v["full"], **{f"no {m}": a for m, a in v["missing"].items()}} for n, v in strategies.items()}))
    return 0


def _table(rows: dict[str, dict]) -> str:
    """A plain table of ``{row name: {column: number}}`` for the non-JSON output."""
    columns = list(dict.fromkeys(c for row in rows.values() for c, v in row.items() if isinstance(v, (int, float))))
    lines = [f"{'':>9} " + " ".join(f"{c:>24}" for c in columns)]
    for name, row in rows.items():
        cells = (row.get(c, float("nan")) for c in columns)
        lines.append(f"{name:>9} " + " ".join(f"{v:>24}" if isinstance(v, int) else f"{v:>24.4f}" for v in cells))
    return "\n".join(lines)


def command_models(args: argparse.Namespace) -> int:
    from fusion.models.checkpoints import checkpoint_dir, read_config, read_metrics, shipped_root
    from fusion.models.presets import SHIPPED

    for task, name in SHIPPED:
        folder = checkpoint_dir(shipped_root(), task, name)
        metrics = read_metrics(folder) or {}
        config = read_config(folder)
        detail = config.operator or config.combiner
        print(f"{task:>7} {name:>7} {detail:>8}  accuracy {metrics.get('accuracy', float('nan')):.3f}  "
              f"{metrics.get('parameters', '?')} parameters")
    return 0


COMMANDS = {
    "train": command_train,
    "train-all": command_train_all,
    "evaluate": command_evaluate,
    "explain": command_explain,
    "interactions": command_interactions,
    "robustness": command_robustness,
    "models": command_models,
    "encoders": cli_userdata.command_encoders,
    "export-avdigits": cli_userdata.command_export,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except FusionError as error:
        print(f"python -m fusion {args.command}: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a folder that cannot be written, a disk that is full
        print(f"python -m fusion {args.command}: error: {error.strerror or error}: {error.filename or ''}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
