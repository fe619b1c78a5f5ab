"""Train heads on a dataset folder: what ``python -m fusion train --data`` and the "Your data" page run.

A head's checkpoint folder holds, beside the usual files, ``dataset.json``: the dataset folder, the
split seed and the encoders, so its task (``fusion.tasks.dataset``) rebuilds the same test split for
``evaluate`` / ``explain`` / the app (from the embedding cache: nothing is re-encoded).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from fusion.models.checkpoints import checkpoint_dir, save_checkpoint
from fusion.embeddings.cache import EmbeddingCache
from fusion.embeddings.extract import EmbeddedDataset, embed_manifest
from fusion.embeddings.heads import head_config, head_settings, training_data
from fusion.evaluation.accuracy import evaluate
from fusion.tasks.dataset import DATASET_RECORD, dataset_record, dataset_task
from fusion.training.distributed import SINGLE, Run
from fusion.training.loop import EpochRecord, TrainResult, train_model
from fusion.userdata.manifest import load_manifest


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
    run: Run = SINGLE,
    overwrite: bool = True,
) -> tuple[TrainResult, dict[str, Any] | None, Path | None]:
    """Train head ``name`` on ``dataset``; save it to ``out/<task>/<name>/`` with test metrics and
    ``dataset.json``, all at once (an existing head is replaced only with ``overwrite``). Returns
    (result, metrics, folder); under torchrun (``run``) only rank 0 evaluates and saves, the others
    get (result, None, None)."""
    config = head_config(dataset, name, operator, combiner)
    start = time.perf_counter()
    result = train_model(config, head_settings(seed, epochs), on_epoch, should_stop, progress,
                         training_data(dataset, config), run)
    if not run.is_main:
        return result, None, None
    metrics = {
        **evaluate(result.model, task=dataset_task(dataset)),
        "task": config.task,
        **result.summary(),
        "train_seconds": round(time.perf_counter() - start, 1),
        "encoders": {e.modality: e.encoder for e in config.encoders},
    }
    if result.stopped:
        metrics["stopped"] = True
    record = {DATASET_RECORD: json.dumps(dataset_record(dataset), indent=2) + "\n"}
    folder = save_checkpoint(result.model, checkpoint_dir(out, config.task, name), metrics, record, overwrite)
    return result, metrics, folder
