"""The "your data" side of ``python -m fusion``: list encoders, export AV-Digits as a dataset
folder, train heads on a folder (``train --data``), and evaluate / explain them (``--checkpoint``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from fusion.errors import ConfigError

MODALITY_ORDER = ("image", "audio", "text")


def print_evaluation(task: str, results: list[dict], as_json: bool, title: str | None = None) -> None:
    """``evaluate``'s output, built-in task or dataset: one JSON object, or a table."""
    if as_json:
        print(json.dumps({"task": task, "results": results}))
        return
    if title:
        print(title)
    print(f"{'strategy':>9} {'accuracy':>9} {'n':>5} {'parameters':>11}")
    for row in results:
        print(f"{row['strategy']:>9} {row['accuracy']:>9.3f} {row['n']:>5} {row['parameters']:>11}")


def add_encoder_options(parser: argparse.ArgumentParser) -> None:
    for m in MODALITY_ORDER:
        parser.add_argument(f"--{m}-encoder", metavar="NAME",
                            help=f"encoder for the {m} column (see `python -m fusion encoders`; 'none' leaves it out)")


def chosen_encoders(args: argparse.Namespace) -> dict[str, str]:
    return {m: getattr(args, f"{m}_encoder") for m in MODALITY_ORDER if getattr(args, f"{m}_encoder")}


def add_commands(commands) -> None:
    encoders = commands.add_parser("encoders", help="list the encoders (built-in, packaged, pretrained by name)")
    encoders.add_argument("--modality", choices=MODALITY_ORDER)
    encoders.add_argument("--json", action="store_true", help="print one JSON object")
    export = commands.add_parser("export-avdigits", help="write the built-in digits data as a dataset folder (manifest.csv)")
    export.add_argument("dir", type=Path, help="a new (or empty) folder")
    export.add_argument("--clean", action="store_true", help="without the task's standard corruption")
    export.add_argument("--seed", type=int, default=0, help="corruption seed")


def command_encoders(args: argparse.Namespace) -> int:
    from fusion.encoders import list_encoders

    rows = [info.to_dict() for info in list_encoders(args.modality)]
    if args.json:
        print(json.dumps({"encoders": rows}))
        return 0
    print(f"{'name':<42} {'modality':<8} {'dim':>5} {'tokens':>6}  {'offline':<7} source")
    for row in rows:
        print(f"{row['name']:<42} {row['modality']:<8} {row['dim'] or '?':>5} {'yes' if row['tokens'] else 'no':>6}  "
              f"{'yes' if row['offline'] else 'no':<7} {row['source']}")
        if row["reason"]:
            print(f"{'':<42} {row['reason']}")
    return 0


def command_export(args: argparse.Namespace) -> int:
    from fusion.userdata.export import export_avdigits

    folder = export_avdigits(args.dir, clean=args.clean, seed=args.seed)
    print(f"wrote {folder} (manifest.csv, images/, audio/); train on it with "
          f"`python -m fusion train --data {folder} --strategy all`")
    return 0


def train_on_data(args: argparse.Namespace) -> int:
    """``train --data DIR``: encode the folder once (cached), then train the chosen heads."""
    from fusion.models.config import FUSION_STRATEGIES
    from fusion.embeddings.runs import load_dataset, train_head

    if args.out.exists() and not args.out.is_dir():
        raise ConfigError(f"--out {args.out} is a file; give a folder")
    if args.epochs is not None and args.epochs < 1:
        raise ConfigError("--epochs must be at least 1")
    dataset = load_dataset(args.data, chosen_encoders(args), seed=args.seed)
    report = dataset.manifest.report()
    for skipped in report.get("skipped", []):
        print(f"skipped line {skipped['line']}: {skipped['reason']}", file=sys.stderr)
    if args.strategy == "all":
        names = [*FUSION_STRATEGIES, *dataset.modalities] if len(dataset.modalities) > 1 else list(dataset.modalities)
    else:
        names = [args.strategy]
    rows = []
    for name in names:
        _, metrics, folder = train_head(dataset, name, args.out, args.operator, args.combiner, args.seed, args.epochs)
        rows.append(metrics)
        print(f"saved {folder} (test accuracy {metrics['accuracy']:.3f}, {metrics['parameters']} parameters, "
              f"{metrics['train_seconds']} s)")
    return 0


def head_checkpoints(path: Path) -> list[Path]:
    """Model folders under ``path``: itself, its children (a task folder) or grandchildren (a root)."""
    from fusion.models.checkpoints import CONFIG

    if (path / CONFIG).is_file():
        return [path]
    found = sorted(p.parent for p in path.glob(f"*/{CONFIG}")) or sorted(p.parent for p in path.glob(f"*/*/{CONFIG}"))
    if not found:
        raise ConfigError(f"no model under {path}: give a folder holding config.json (or TASK/NAME/ folders)")
    return found


def heads_by_task(args: argparse.Namespace, fusion_only: bool = False) -> dict[str, list[Path]]:
    """``--checkpoint`` folders grouped by task, filtered by ``--strategy`` ("all" leaves out the
    unimodal baselines when ``fusion_only``, as the built-in explain does)."""
    from fusion.models.catalog import model_order
    from fusion.models.checkpoints import read_config

    groups: dict[str, list[Path]] = {}
    for folder in head_checkpoints(args.checkpoint):
        config = read_config(folder)
        every = args.strategy == "all" and not (fusion_only and config.strategy == "unimodal")
        if every or args.strategy == config.name:
            groups.setdefault(config.task, []).append(folder)
    if not groups:
        raise ConfigError(f"no {args.strategy} model under {args.checkpoint}")
    for folders in groups.values():
        folders.sort(key=lambda folder: model_order(folder.name))
    if len(groups) > 1 and getattr(args, "data", None):
        raise ConfigError("--data applies to one dataset; --checkpoint holds models of several")
    return groups


def evaluate_heads(args: argparse.Namespace) -> int:
    from fusion.evaluation.accuracy import evaluate
    from fusion.models.checkpoints import load_checkpoint
    from fusion.tasks.dataset import task_from_checkpoints

    if args.corruption:
        raise ConfigError("--corruption applies to the built-in tasks; dataset folders are evaluated as they are")
    for task, folders in heads_by_task(args).items():
        spec = task_from_checkpoints(folders, args.data)
        results = [evaluate(load_checkpoint(f), args.split, task=spec, predictions=args.predictions) for f in folders]
        print_evaluation(task, results, args.json, title=task)
    return 0


def explain_heads(args: argparse.Namespace) -> int:
    import torch

    from fusion.explain.analysis import explain_model
    from fusion.models.checkpoints import load_checkpoint
    from fusion.tasks import Sample
    from fusion.tasks.dataset import task_from_checkpoints

    groups = heads_by_task(args, fusion_only=True)
    if len(groups) > 1:
        raise ConfigError("--checkpoint holds models of several datasets; point it at one")
    (task, folders), = groups.items()
    models = {model.config.name: model for model in map(load_checkpoint, folders)}
    config = next(iter(models.values())).config
    encoders = {e.modality: e.encoder for e in config.encoders}
    for model in models.values():
        encoders.update({e.modality: e.encoder for e in model.config.encoders})
    label = None
    if args.sample is not None:
        sample = task_from_checkpoints(folders, args.data).sample(args.sample)
        label = sample.label
    else:
        from fusion.cli import read_bytes  # the built-in explain's reader: a clear error for a bad path

        text = args.text if args.text is not None else (read_bytes(args.text_file) if args.text_file else None)
        given = {"image": args.image, "audio": args.audio, "text": text}
        unused = [m for m, v in given.items() if v is not None and m not in encoders]
        if unused:
            raise ConfigError(f"these models do not read {unused[0]}; they read {', '.join(sorted(encoders))}")
        sample = Sample(given)
    if args.target is not None and not 0 <= args.target < config.num_classes:
        raise ConfigError(f"--target must be a class index in 0..{config.num_classes - 1}")
    torch.set_num_threads(1)
    strategies = {name: explain_model(model, sample, args.target).to_dict() for name, model in models.items()}
    payload = {"task": task, "sample": args.sample, "label": label, "classes": list(config.classes), "strategies": strategies}
    if args.json:
        print(json.dumps(payload))
    else:
        for name, row in strategies.items():
            shapley = ", ".join(f"{m} {v:+.3f}" for m, v in row.get("shapley", {}).items())
            predicted = row.get("predicted")
            print(f"{name:>7}: predicts {config.classes[predicted] if predicted is not None else '-'}  Shapley (probability): {shapley}")
    return 0
