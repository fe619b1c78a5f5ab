"""A run being written is locked across threads and processes; a lock left by a dead process is
taken over; checkpoints are written all at once (temporary folder, then a rename)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from fusion.errors import ConfigError
from fusion.models.checkpoints import load_checkpoint, read_metrics, save_checkpoint
from fusion.models.configs import model_config
from fusion.models.run_lock import RunLock, lock_holder, lock_path
from fusion.models.strategies import build_model

ROOT = Path(__file__).resolve().parents[2]
HOLD = ("import sys, time; from fusion.models.run_lock import RunLock; RunLock(sys.argv[1]).acquire(); "
        "print('locked', flush=True); time.sleep(60)")


def holder_process(run: Path) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(run)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "locked"
    return process


def test_a_run_locked_by_another_process_is_refused_and_recovered_when_it_dies(tmp_path) -> None:
    run = tmp_path / "run-x"
    process = holder_process(run)
    try:
        with pytest.raises(ConfigError, match=rf"run 'run-x' is being written by another training job \(process {process.pid}\)"):
            RunLock(run).acquire()
    finally:
        process.send_signal(signal.SIGKILL)  # dies holding it: the file stays, the kernel drops the lock
        process.wait(10)
    assert lock_path(run).exists() and lock_holder(run) == process.pid  # stale
    with RunLock(run) as lock:
        assert lock.held and lock_holder(run) == os.getpid()
    assert not lock_path(run).exists()


def test_only_one_of_many_threads_gets_the_lock(tmp_path) -> None:
    run, winners, refused = tmp_path / "run-t", [], []
    barrier = threading.Barrier(8)

    def contend() -> None:
        lock = RunLock(run)
        barrier.wait()
        try:
            lock.acquire()
            winners.append(lock)
        except ConfigError:
            refused.append(1)

    threads = [threading.Thread(target=contend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(winners) == 1 and len(refused) == 7
    winners[0].release()
    RunLock(run).acquire().release()  # free again


def tiny_model(width: int = 8):
    return build_model(model_config("match-early-tiny").replace(width=width))


def test_a_checkpoint_is_replaced_only_when_asked_and_never_half_written(tmp_path, monkeypatch) -> None:
    folder = tmp_path / "run" / "match" / "early"
    save_checkpoint(tiny_model(), folder, {"accuracy": 0.5}, {"dataset.json": "{}\n"})
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "dataset.json", "metrics.json", "model.safetensors"]
    with pytest.raises(ConfigError, match="already holds a checkpoint"):
        save_checkpoint(tiny_model(), folder, {"accuracy": 0.9}, overwrite=False)
    assert read_metrics(folder) == {"accuracy": 0.5}

    import fusion.models.checkpoints as checkpoints

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(checkpoints, "save_file", crash)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(tiny_model(width=12), folder, {"accuracy": 0.9})
    monkeypatch.undo()
    assert read_metrics(folder) == {"accuracy": 0.5} and load_checkpoint(folder).config.width == 8  # the old one, whole
    assert sorted(p.name for p in folder.parent.iterdir()) == ["early"]  # no temporary folder left

    save_checkpoint(tiny_model(width=12), folder, {"accuracy": 0.9})  # overwrite (the default for the CLI)
    assert read_metrics(folder) == {"accuracy": 0.9} and load_checkpoint(folder).config.width == 12
    assert sorted(p.name for p in folder.parent.iterdir()) == ["early"]
    assert not (folder / "dataset.json").exists()  # the folder is replaced, not merged


def test_two_threads_saving_the_same_new_checkpoint_leave_one_whole(tmp_path) -> None:
    folder, outcomes = tmp_path / "run" / "match" / "early", []
    barrier = threading.Barrier(2)

    def save(width: int) -> None:
        barrier.wait()
        try:
            save_checkpoint(tiny_model(width), folder, {"width": width}, overwrite=False)
            outcomes.append(width)
        except ConfigError:
            outcomes.append("refused")

    threads = [threading.Thread(target=save, args=(w,)) for w in (8, 12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(map(str, outcomes)) in (["12", "refused"], ["8", "refused"])
    width = next(o for o in outcomes if o != "refused")
    assert load_checkpoint(folder).config.width == width and read_metrics(folder) == {"width": width}
