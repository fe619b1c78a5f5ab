"""A training run in a background thread, with progress that another thread (a page) can read.

``TrainingJob(config, settings, run_name).start()`` trains with ``fusion.training.loop.train_model`` in a
daemon thread; ``records()``, ``status`` and ``message`` are safe to read at any time; ``stop()``
asks the trainer to stop after the current epoch. When training ends the model (the epoch with the
best validation accuracy) is evaluated on the test split and saved with its metrics to
``<user dir>/<run name>/<task>/<model name>/``, which makes the run a model source.

A stopped run is saved too, when at least one epoch finished (its metrics say ``"stopped": true``);
a run stopped before its first epoch ended saves nothing. Shipped checkpoints are never written.
Torch's thread settings are process-wide, so the job leaves them alone.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from fusion.training.background import BackgroundJob
from fusion.models.catalog import check_run_name
from fusion.paths import user_dir
from fusion.models.checkpoints import CONFIG, checkpoint_dir, save_checkpoint, shipped_root
from fusion.models.config import ModelConfig
from fusion.errors import ConfigError
from fusion.training.loop import EpochRecord, TrainSettings, train_model

RUNNING, FINISHED, STOPPED, FAILED = "running", "finished", "stopped", "failed"
PENDING = "pending"

_claimed: set[Path] = set()  # folders a live job in this process will write
_claimed_lock = threading.Lock()


def run_folder(run_name: str, config: ModelConfig) -> Path:
    """Where a run's model goes; refuses names that are not plain folder names."""
    return checkpoint_dir(user_dir() / check_run_name(run_name), config.task, config.name)


class TrainingJob(BackgroundJob):
    def __init__(self, config: ModelConfig, settings: TrainSettings, run_name: str, overwrite: bool = False) -> None:
        folder = run_folder(run_name, config).resolve()
        shipped = shipped_root().resolve()
        if folder == shipped or shipped in folder.parents:
            raise ConfigError(f"{folder} is inside the shipped checkpoints; choose a user folder (FUSION_USER_DIR)")
        if (folder / CONFIG).exists() and not overwrite:
            raise ConfigError(
                f"run {run_name!r} already holds a {config.task}/{config.name} model; choose another run name"
            )
        self.config, self.settings, self.run_name, self.folder = config, settings, run_name, folder
        super().__init__(f"train-{run_name}-{config.name}")
        self._records: list[EpochRecord] = []
        self._status, self._message = PENDING, ""
        self.metrics: dict | None = None
        self.saved: Path | None = None
        self.started_at: float | None = None

    # ---- control -------------------------------------------------------------------------------
    def start(self) -> TrainingJob:
        with _claimed_lock:
            if self.folder in _claimed:
                raise ConfigError(f"another training job is already writing run {self.run_name!r} ({self.config.name})")
            _claimed.add(self.folder)
        with self._lock:
            self._status, self._message = RUNNING, f"training {self.config.task}/{self.config.name}"
        self.started_at = time.perf_counter()
        self.thread.start()
        return self

    # ---- progress (thread-safe reads) ----------------------------------------------------------
    def records(self) -> list[EpochRecord]:
        with self._lock:
            return list(self._records)

    @property
    def status(self) -> str:
        with self._lock:
            return self._status

    @property
    def message(self) -> str:
        with self._lock:
            return self._message

    @property
    def done(self) -> bool:
        return self.status in (FINISHED, STOPPED, FAILED)

    def fraction(self) -> float:
        return min(1.0, len(self.records()) / max(1, self.settings.epochs))

    # ---- the worker ----------------------------------------------------------------------------
    def _on_epoch(self, record: EpochRecord) -> None:
        with self._lock:
            self._records.append(record)

    def _finish(self, status: str, message: str) -> None:
        with self._lock:
            self._status, self._message = status, message

    def _work(self) -> None:
        try:
            result = train_model(self.config, self.settings, on_epoch=self._on_epoch, should_stop=self._stop.is_set,
                                 progress=False)
            if not result.history:
                self._finish(STOPPED, "stopped before the first epoch ended; nothing was saved")
                return
            from fusion.evaluation.accuracy import evaluate

            seconds = round(time.perf_counter() - (self.started_at or time.perf_counter()), 1)
            metrics = {**evaluate(result.model), "task": self.config.task, "best_epoch": result.best_epoch,
                       "epochs_run": len(result.history), "train_seconds": seconds, "run": self.run_name,
                       "stopped": result.stopped}
            self.saved = save_checkpoint(result.model, self.folder, metrics)
            self.metrics = metrics
            status = STOPPED if result.stopped else FINISHED
            what = f"stopped after {len(result.history)} epoch(s)" if result.stopped else "finished"
            self._finish(status, f"{what}; test accuracy {metrics['accuracy']:.1%}; saved to {self.saved}")
        except Exception as error:  # noqa: BLE001 - shown to the person who started the job
            self._finish(FAILED, f"{type(error).__name__}: {error}")
        finally:
            with _claimed_lock:
                _claimed.discard(self.folder)
