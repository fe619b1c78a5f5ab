"""Train heads on a dataset folder and find their data again: what ``python -m fusion train --data``
and the "Your data" page run.

A head's checkpoint folder holds, beside the usual files, ``dataset.json``: the dataset folder, the
split seed and the encoders, so ``evaluate`` / ``explain`` / the app rebuild the same test split
(from the embedding cache: nothing is re-encoded).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from fusion.models.checkpoints import checkpoint_dir, save_checkpoint
from fusion.embeddings.cache import EmbeddingCache
from fusion.embeddings.extract import EmbeddedDataset, embed_manifest
from fusion.embeddings.heads import evaluate_head, head_config, head_settings, task_name, training_data
from fusion.errors import CheckpointError
from fusion.training.loop import EpochRecord, TrainResult, train_model
from fusion.userdata.manifest import load_manifest

DATASET = "dataset.json"


def load_dataset(
    folder: Path | str, encoders: Mapping[str, str | None] | None = None, seed: int = 0,
    cache: EmbeddingCache | None = None, progress: bool = True, on_progress=None,
) -> EmbeddedDataset:
    """Validate ``folder``'s manifest and encode it (cache first)."""
    manifest = load_manifest(folder, seed=seed)
    return embed_manifest(manifest, encoders, cache=cache, progress=progress, on_progress=on_progress, seed=seed)


def train_head(
    dataset: EmbeddedDataset,
    name: str,
    out: Path | str,
    operator: str | None = None,
    combiner: str | None = None,
    seed: int = 0,
    epochs: int | None = None,
    progress: bool = True,
    on_epoch: Callable[[EpochRecord], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[TrainResult, dict[str, Any], Path]:
    """Train head ``name`` on ``dataset``; save it to ``out/<task>/<name>/`` with test metrics and
    ``dataset.json``. Returns (result, metrics, folder)."""
    config = head_config(dataset, name, operator, combiner)
    start = time.perf_counter()
    result = train_model(config, head_settings(seed, epochs), on_epoch, should_stop, progress, training_data(dataset, config))
    metrics = {
        **evaluate_head(result.model, dataset),
        "task": config.task,
        "best_epoch": result.best_epoch,
        "train_seconds": round(time.perf_counter() - start, 1),
        "encoders": {e.modality: e.encoder for e in config.encoders},
    }
    if result.stopped:
        metrics["stopped"] = True
    folder = save_checkpoint(result.model, checkpoint_dir(out, config.task, name), metrics)
    (folder / DATASET).write_text(json.dumps(dataset_record(dataset), indent=2) + "\n")
    return result, metrics, folder


def dataset_record(dataset: EmbeddedDataset) -> dict[str, Any]:
    manifest = dataset.manifest
    return {"folder": str(manifest.folder.resolve()), "seed": dataset.seed,
            "encoders": dict(dataset.encoders), "classes": list(manifest.classes), "task": task_name(dataset)}


def read_dataset_record(checkpoint: Path | str) -> dict[str, Any] | None:
    path = Path(checkpoint) / DATASET
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{path} is not valid JSON: {error}") from None


def checkpoint_dataset(
    checkpoints: Path | str | Sequence[Path | str], data: Path | str | None = None, progress: bool = False,
    cache: EmbeddingCache | None = None,
) -> EmbeddedDataset:
    """The dataset heads were trained on (or ``data`` instead), encoded with every encoder the heads
    read (a unimodal head reads one modality; the fusion heads of the same run read them all)."""
    from fusion.models.checkpoints import read_config

    folders = [Path(checkpoints)] if isinstance(checkpoints, (str, Path)) else [Path(c) for c in checkpoints]
    record = read_dataset_record(folders[0])
    if record is None and data is None:
        raise CheckpointError(f"{folders[0]} has no {DATASET}; pass --data DIR (the dataset folder)")
    folder = Path(data) if data is not None else Path(record["folder"])
    if not folder.is_dir():
        raise CheckpointError(f"the dataset folder {folder} of {folders[0]} is gone; pass --data DIR")
    encoders: dict[str, str] = {}
    for checkpoint in folders:
        for spec in read_config(checkpoint).encoders:
            if encoders.setdefault(spec.modality, spec.encoder) != spec.encoder:
                raise CheckpointError(
                    f"these heads read {spec.modality} through different encoders ({encoders[spec.modality]}, "
                    f"{spec.encoder}); evaluate them one folder at a time"
                )
    seed = int(record.get("seed", 0)) if record else 0
    manifest = load_manifest(folder, seed=seed)
    chosen = {m: encoders.get(m, "none") for m in manifest.modalities}
    return embed_manifest(manifest, chosen, cache=cache, progress=progress, seed=seed)
