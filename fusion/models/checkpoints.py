"""Checkpoints: ``model.safetensors`` + ``config.json`` (+ ``metrics.json``) in one folder.

Never pickle: weights are loaded with safetensors, configs with json. A checkpoint root holds
``<task>/<name>/`` folders; the shipped root is ``assets/checkpoints``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from fusion.models.config import ModelConfig
from fusion.errors import CheckpointError, ConfigError
from fusion.models.strategies import FusionModel, build_model
from fusion.paths import ASSETS

WEIGHTS, CONFIG, METRICS = "model.safetensors", "config.json", "metrics.json"


def shipped_root() -> Path:
    return ASSETS / "checkpoints"


def checkpoint_dir(root: Path | str, task: str, name: str) -> Path:
    return Path(root) / task / name


def save_checkpoint(model: FusionModel, folder: Path | str, metrics: dict[str, Any] | None = None) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(folder / WEIGHTS))
    (folder / CONFIG).write_text(model.config.to_json() + "\n")
    if metrics is not None:
        (folder / METRICS).write_text(json.dumps(metrics, indent=2) + "\n")
    return folder


def read_config(folder: Path | str) -> ModelConfig:
    path = Path(folder) / CONFIG
    if not path.is_file():
        raise CheckpointError(f"no {CONFIG} in {folder}; train one with `python -m fusion train` or pick another folder")
    try:
        return ModelConfig.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (UnicodeDecodeError, json.JSONDecodeError, TypeError, ValueError, AttributeError, ConfigError) as error:
        raise CheckpointError(f"{path} is not a valid model config: {error}") from None


def load_checkpoint(folder: Path | str) -> FusionModel:
    """Rebuild the model from ``config.json`` and load ``model.safetensors`` strictly, in eval mode."""
    folder = Path(folder)
    config = read_config(folder)
    weights = folder / WEIGHTS
    if not weights.is_file():
        raise CheckpointError(f"no {WEIGHTS} in {folder}")
    try:
        state = load_file(str(weights))
    except (SafetensorError, OSError) as error:
        raise CheckpointError(f"{weights} is not a readable safetensors file: {error}") from None
    try:
        model = build_model(config)
    except (ConfigError, TypeError, ValueError) as error:
        raise CheckpointError(f"{folder / CONFIG} describes a model that cannot be built: {error}") from None
    try:
        missing, unexpected = model.load_state_dict(state, strict=False)
    except RuntimeError as error:  # shape mismatches
        raise CheckpointError(f"{weights} does not match its config: {str(error).splitlines()[0]}") from None
    if missing or unexpected:
        raise CheckpointError(
            f"{weights} does not match its config (missing: {len(missing)}, unexpected: {len(unexpected)} tensors)"
        )
    return model.eval()


def read_metrics(folder: Path | str) -> dict[str, Any] | None:
    path = Path(folder) / METRICS
    return json.loads(path.read_text()) if path.is_file() else None


def load_models(task: str, names: list[str], root: Path | str | None = None, skip_missing: bool = False) -> dict[str, FusionModel]:
    """Load ``root/task/name`` for each name (default root: the shipped checkpoints).

    With ``skip_missing``, names without a checkpoint folder are left out instead of raising.
    """
    root = Path(root) if root is not None else shipped_root()
    if not root.is_dir():
        raise CheckpointError(f"checkpoint folder {root} does not exist; train with `python -m fusion train --out {root}`")
    models = {}
    for name in names:
        folder = checkpoint_dir(root, task, name)
        if skip_missing and not folder.is_dir():
            continue
        models[name] = load_checkpoint(folder)
    if not models:
        raise CheckpointError(f"no checkpoints for task {task!r} under {root}")
    return models
