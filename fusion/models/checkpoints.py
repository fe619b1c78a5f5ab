"""Checkpoints: ``model.safetensors`` + ``config.json`` (+ ``metrics.json``) in one folder.

Never pickle: weights are loaded with safetensors, configs with json. A checkpoint root holds
``<task>/<name>/`` folders; the shipped root is ``assets/checkpoints``.

A checkpoint folder is untrusted input. Before anything is built, ``config.json`` must be a regular
file of at most 4 MB nested at most 8 levels, every field of the right type and range
(:data:`fusion.models.config.LIMITS`), and the model it describes (counted on PyTorch's ``meta``
device, which allocates nothing) at most :data:`MAX_PARAMETERS` values; the weights file may be at
most twice the float32 size of that model. Anything else is one :class:`CheckpointError` line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load, save_file

from fusion.atomic import staged_folder
from fusion.models.config import ModelConfig
from fusion.errors import CheckpointError, ConfigError
from fusion.io import read_file, read_json
from fusion.models.strategies import FusionModel, build_model
from fusion.paths import ASSETS

WEIGHTS, CONFIG, METRICS = "model.safetensors", "config.json", "metrics.json"
MAX_CONFIG_BYTES = 4 * 1024 * 1024  # a 100,000-word vocabulary fits
MAX_CONFIG_DEPTH = 8  # a config nests 3 levels (encoders: a list of objects)
MAX_METRICS_BYTES = 1024 * 1024
MAX_METRICS_DEPTH = 16
MAX_PARAMETERS = 50_000_000  # 200 MB of float32; the shipped models have well under 1 M


def shipped_root() -> Path:
    return ASSETS / "checkpoints"


def checkpoint_dir(root: Path | str, task: str, name: str) -> Path:
    return Path(root) / task / name


def save_checkpoint(model: FusionModel, folder: Path | str, metrics: dict[str, Any] | None = None,
                    extra: Mapping[str, str] | None = None, overwrite: bool = True) -> Path:
    """Write the checkpoint (and ``extra`` {file name: text} beside it) all at once: into a hidden
    temporary sibling, renamed into place when complete (``fusion.atomic``), so a reader or a crash
    never meets a half-written folder. An existing checkpoint is replaced only with ``overwrite``
    (ConfigError otherwise, also when another writer got there first)."""
    folder = Path(folder)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    files = {CONFIG: model.config.to_json() + "\n", **({METRICS: json.dumps(metrics, indent=2) + "\n"} if metrics is not None else {}),
             **(extra or {})}
    try:
        with staged_folder(folder, replace=overwrite) as staging:
            save_file(state, str(staging / WEIGHTS))
            for name, text in files.items():
                (staging / name).write_text(text)
    except FileExistsError:
        raise ConfigError(f"{folder} already holds a checkpoint; choose another run name, or overwrite it") from None
    return folder


def read_config(folder: Path | str) -> ModelConfig:
    """A checkpoint's ``config.json``, validated (size, nesting, every field's type and range)."""
    path = Path(folder) / CONFIG
    if not path.is_file():
        raise CheckpointError(f"no {CONFIG} in {folder}; train one with `python -m fusion train` or pick another folder")
    data = read_json(path, "model config", MAX_CONFIG_BYTES, MAX_CONFIG_DEPTH, CheckpointError)
    try:
        return ModelConfig.from_dict(data)
    except (TypeError, ValueError, AttributeError, ConfigError) as error:
        raise CheckpointError(f"{path} is not a valid model config: {_first_line(error)}") from None


def _first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines() or [type(error).__name__]
    return lines[0][:300]


def parameter_count(config: ModelConfig) -> int:
    """The number of values (parameters and buffers) of ``config``'s model, counted on the
    ``meta`` device: nothing is allocated, whatever the config says."""
    with torch.device("meta"):
        model = build_model(config)
    return sum(t.numel() for t in (*model.parameters(), *model.buffers()))


def _checked_size(config: ModelConfig, folder: Path) -> int:
    try:
        count = parameter_count(config)
    except (ConfigError, TypeError, ValueError, RuntimeError, NotImplementedError) as error:
        raise CheckpointError(f"{folder / CONFIG} describes a model that cannot be built: {_first_line(error)}") from None
    if count > MAX_PARAMETERS:
        raise CheckpointError(f"{folder / CONFIG} describes a model of {count:,} parameters, more than the "
                              f"{MAX_PARAMETERS:,} limit; it is not a model this program trains")
    return count


def _is_shipped(folder: Path) -> bool:
    """The checkpoints this program ships are part of it, so their size is not counted first: on the
    meta device torch runs some ops through Python reference code whose first call imports
    ``torch._dynamo``, seconds of the app's cold start. Their configs are still validated."""
    return folder.resolve().is_relative_to(shipped_root().resolve())


def load_checkpoint(folder: Path | str) -> FusionModel:
    """Rebuild the model from ``config.json`` and load ``model.safetensors`` strictly, in eval mode.

    The config is validated and, outside the shipped checkpoints, the model's size counted before
    anything is allocated; the weights are read into memory (no memory map left open) and must match the config exactly.
    """
    folder = Path(folder)
    config = read_config(folder)
    if not _is_shipped(folder):
        _checked_size(config, folder)
    try:
        model = build_model(config)
    except (ConfigError, TypeError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"{folder / CONFIG} describes a model that cannot be built: {_first_line(error)}") from None
    count = sum(t.numel() for t in (*model.parameters(), *model.buffers()))
    weights = folder / WEIGHTS
    if not weights.is_file():
        raise CheckpointError(f"no {WEIGHTS} in {folder}")
    raw = read_file(weights, "weights", 8 * count + 1024 * 1024, CheckpointError)
    try:
        state = load(raw)
    except (SafetensorError, ValueError, TypeError, RuntimeError, OverflowError) as error:
        raise CheckpointError(f"{weights} is not a readable safetensors file: {_first_line(error)}") from None
    del raw
    try:
        missing, unexpected = model.load_state_dict(state, strict=False)
    except RuntimeError as error:  # shape mismatches
        raise CheckpointError(f"{weights} does not match its config: {_first_line(error)}") from None
    if missing or unexpected:
        raise CheckpointError(
            f"{weights} does not match its config (missing: {len(missing)}, unexpected: {len(unexpected)} tensors)"
        )
    return model.eval()


def read_metrics(folder: Path | str) -> dict[str, Any] | None:
    """A checkpoint's ``metrics.json`` (None when there is none); CheckpointError when it is not a
    small JSON object."""
    path = Path(folder) / METRICS
    if not path.is_file():
        return None
    metrics = read_json(path, "metrics file", MAX_METRICS_BYTES, MAX_METRICS_DEPTH, CheckpointError)
    if not isinstance(metrics, dict):
        raise CheckpointError(f"{path} is not a JSON object; re-create it by evaluating the model again")
    return metrics


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
