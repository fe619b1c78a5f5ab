"""Background training jobs of built-in models: progress, stop, saving under the user dir only, refusals.
(Dataset jobs: tests/embeddings/test_dataset_job.py.)"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from fusion.models.configs import model_config
from fusion.models.catalog import model_sources
from fusion.models.checkpoints import load_checkpoint, read_metrics, shipped_root
from fusion.errors import ConfigError
from fusion.training.loop import TrainSettings
from fusion.training.jobs import FINISHED, STOPPED, TrainingJob


def tiny(task: str = "match", name: str = "early"):
    return model_config(f"{task}-{name}-tiny")


def snapshot(root: Path) -> dict[str, float]:
    return {str(p): p.stat().st_mtime for p in root.rglob("*") if p.is_file()}


def test_a_job_trains_records_epochs_and_saves_a_loadable_checkpoint(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path))
    before = snapshot(shipped_root())
    job = TrainingJob.for_model(tiny(), TrainSettings(epochs=2), "run-a").start()
    assert job.join(60)
    state = job.progress()
    assert state.status == FINISHED, state.message
    assert [r.epoch for r in state.records] == [1, 2]
    folder = tmp_path / "run-a" / "match" / "early"
    assert state.saved == {"early": folder.resolve()} and state.results["early"]["stopped"] is False
    model = load_checkpoint(folder)
    assert model.config.width == 8
    metrics = read_metrics(folder)
    assert metrics["task"] == "match" and 0.0 <= metrics["accuracy"] <= 1.0 and metrics["stopped"] is False
    assert "run-a" in model_sources("match")
    assert snapshot(shipped_root()) == before

    with pytest.raises(ConfigError, match="already holds"):
        TrainingJob.for_model(tiny(), TrainSettings(epochs=1), "run-a")
    TrainingJob.for_model(tiny(), TrainSettings(epochs=1), "run-a", overwrite=True)  # allowed when asked


def test_stop_after_the_first_epoch_saves_the_best_epoch_so_far(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path))
    job = TrainingJob.for_model(tiny(), TrainSettings(epochs=6), "run-s")
    original = job._on_epoch

    def record_then_stop(record):
        original(record)
        job.stop()

    job._on_epoch = record_then_stop
    job.start()
    assert job.join(60)
    state = job.progress()
    assert state.status == STOPPED, state.message
    assert len(state.records) == 1 and "stopped after epoch 1" in state.message
    assert read_metrics(tmp_path / "run-s" / "match" / "early")["stopped"] is True


@pytest.mark.parametrize("name", ["../x", "", "a/b", "shipped", ".hidden"])
def test_invalid_run_names_are_refused(tmp_path, monkeypatch, name) -> None:
    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match="not allowed"):
        TrainingJob.for_model(tiny(), TrainSettings(epochs=1), name)
    assert not any(tmp_path.iterdir())


def test_the_shipped_checkpoints_are_refused_as_a_user_dir(monkeypatch) -> None:
    monkeypatch.setenv("FUSION_USER_DIR", str(shipped_root().parent))
    with pytest.raises(ConfigError, match="shipped"):
        TrainingJob.for_model(tiny(), TrainSettings(epochs=1), "checkpoints")


def test_progress_is_readable_while_running(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path))
    job = TrainingJob.for_model(tiny(), TrainSettings(epochs=2), "run-p").start()
    seen = set()
    deadline = time.monotonic() + 60
    while not job.done and time.monotonic() < deadline:
        state = job.progress()
        seen.add(len(state.records))
        assert 0.0 <= state.fraction <= 1.0 and state.phase in ("", "training")
        time.sleep(0.01)
    state = job.progress()
    assert state.status == FINISHED and state.fraction == 1.0 and seen <= {0, 1, 2}


def test_a_stop_before_the_start_saves_nothing(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path))
    job = TrainingJob.for_model(tiny(), TrainSettings(epochs=2), "run-0")
    job.stop()
    assert job.start().join(60)
    state = job.progress()
    assert state.status == STOPPED and "nothing was saved" in state.message and state.results == {}
    assert not (tmp_path / "run-0").exists()


def hold(job: TrainingJob) -> threading.Event:
    """Keep ``job`` running (inside its first epoch's report) until the returned event is set."""
    release, original = threading.Event(), job._on_epoch

    def wait_then_record(record):
        assert release.wait(60)
        original(record)

    job._on_epoch = wait_then_record
    return release


def test_two_live_jobs_on_the_same_run_are_refused(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path))
    first = TrainingJob.for_model(tiny(), TrainSettings(epochs=1), "run-c")
    release = hold(first)
    first.start()
    second = TrainingJob.for_model(tiny(), TrainSettings(epochs=1), "run-c", overwrite=True)
    with pytest.raises(ConfigError, match=r"run 'run-c' is being written by another training job \(process \d+\)"):
        second.start()
    with pytest.raises(ConfigError, match="being written"):  # the run is locked, not only the model
        TrainingJob.for_model(tiny(name="late"), TrainSettings(epochs=1), "run-c").start()
    other = TrainingJob.for_model(tiny(name="late"), TrainSettings(epochs=1), "run-d").start()  # another run: allowed
    assert not first.done
    release.set()
    assert first.join(60) and other.join(60)
    assert first.progress().status == FINISHED and other.progress().status == FINISHED
    assert second.start().join(60) and second.progress().status == FINISHED  # the folder is free again
