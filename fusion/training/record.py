"""How a model was trained, as its metrics record it: ``{"world_size", "backend", "epochs", "seed"}``.

Training makes the record (``Run.record``, in ``TrainResult.training``); whoever saves the model
puts it in the checkpoint's ``metrics.json`` (key ``"training"``);
``evaluate --json`` reads it back into each result. Checkpoints saved before the record existed
get one derived from what is known of them: one process, no backend; the shipped models were
trained by ``train-all`` with their task's default settings and seed 0, so those are their epochs
and seed; any other older checkpoint has ``null`` epochs and seed (not recorded).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

TRAINING = "training"  # the key in metrics.json
FIELDS = ("world_size", "backend", "epochs", "seed")


def training_record(folder: Path | str) -> dict[str, Any]:
    """The training record of the checkpoint in ``folder`` (recorded, else derived: module docstring)."""
    from fusion.models.checkpoints import read_config, read_metrics, shipped_root

    folder = Path(folder)
    recorded = (read_metrics(folder) or {}).get(TRAINING)
    if isinstance(recorded, dict):
        return {key: recorded.get(key) for key in FIELDS}
    derived: dict[str, Any] = {"world_size": 1, "backend": None, "epochs": None, "seed": None}
    if folder.resolve().parent.parent == shipped_root().resolve():
        from fusion.models.presets import default_settings

        derived.update(epochs=default_settings(read_config(folder)).epochs, seed=0)
    return derived
