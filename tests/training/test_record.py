"""A checkpoint's training record: what training writes is read back; the shipped checkpoints,
saved before the record existed, get one derived from what they are known to be."""

from __future__ import annotations

import json
import shutil

from fusion.models.checkpoints import METRICS, checkpoint_dir, read_config, shipped_root
from fusion.models.presets import SHIPPED, default_settings
from fusion.training.record import TRAINING, training_record


def test_shipped_checkpoints_record_one_process_and_their_default_settings() -> None:
    for task, name in SHIPPED:
        folder = checkpoint_dir(shipped_root(), task, name)
        record = training_record(folder)  # recorded by train-all, or derived for the older checkpoints
        expected = {"world_size": 1, "backend": None, "epochs": default_settings(read_config(folder)).epochs, "seed": 0}
        assert record == expected
        assert json.loads((folder / METRICS).read_text()).get(TRAINING, expected) == expected


def test_a_recorded_run_is_read_back_and_an_unrecorded_copy_says_so(tmp_path) -> None:
    source = checkpoint_dir(shipped_root(), "digits", "early")
    copy = shutil.copytree(source, tmp_path / "digits" / "early")
    assert training_record(copy) == {"world_size": 1, "backend": None, "epochs": None, "seed": None}
    metrics = json.loads((copy / METRICS).read_text())
    metrics[TRAINING] = {"world_size": 2, "backend": "gloo", "epochs": 3, "seed": 7}
    (copy / METRICS).write_text(json.dumps(metrics))
    assert training_record(copy) == metrics[TRAINING]
