"""A "your data" run in a background thread: encode a dataset folder, then train heads on it.

``DatasetJob(folder, encoders, names, run_name).start()`` encodes (cache first) and trains each
head with ``fusion.embeddings.runs.train_head``, saving to ``<user dir>/<run name>/<task>/<name>/``
(which makes the run a model source of that dataset in the app). ``progress()`` and ``status`` are
safe to read from another thread at any time; ``stop()`` stops after the current epoch (the head
being trained is saved with its best epoch; later heads are not trained).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fusion.training.background import BackgroundJob
from fusion.models.catalog import check_run_name
from fusion.paths import user_dir
from fusion.embeddings.heads import HEAD_EPOCHS
from fusion.errors import FusionError
from fusion.training.loop import EpochRecord

RUNNING, FINISHED, STOPPED, FAILED, PENDING = "running", "finished", "stopped", "failed", "pending"


@dataclass
class JobProgress:
    """A snapshot: ``phase`` (encoding / training), what is being worked on, and how far along."""

    status: str
    message: str
    phase: str = ""
    current: str = ""
    fraction: float = 0.0
    records: list[EpochRecord] = field(default_factory=list)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    task: str | None = None


class DatasetJob(BackgroundJob):
    def __init__(self, folder: Path | str, encoders: Mapping[str, str | None], names: Sequence[str], run_name: str,
                 seed: int = 0, epochs: int | None = None) -> None:
        self.folder, self.encoders, self.names = Path(folder), dict(encoders), list(names)
        self.run_name, self.seed, self.epochs = check_run_name(run_name), seed, epochs
        self.total_epochs = epochs or HEAD_EPOCHS
        self.out = user_dir() / self.run_name
        self._progress = JobProgress(PENDING, "")
        super().__init__(f"dataset-{run_name}")

    def start(self) -> DatasetJob:
        self._update(status=RUNNING, message="reading the manifest", phase="encoding")
        self.thread.start()
        return self

    def progress(self) -> JobProgress:
        with self._lock:
            snapshot = self._progress
            return JobProgress(**{**snapshot.__dict__, "records": list(snapshot.records), "results": dict(snapshot.results)})

    @property
    def done(self) -> bool:
        return self.progress().status in (FINISHED, STOPPED, FAILED)

    def _update(self, **changes: Any) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(self._progress, key, value)

    def _on_encode(self, modality: str, done: int, total: int) -> None:
        self._update(current=modality, fraction=done / max(1, total), message=f"encoding {modality}: {done} of {total}")

    def _work(self) -> None:
        from fusion.embeddings.runs import load_dataset, train_head

        try:
            dataset = load_dataset(self.folder, self.encoders, self.seed, progress=False, on_progress=self._on_encode)
            self._update(skipped=dataset.manifest.report().get("skipped", []), phase="training")
            for k, name in enumerate(self.names):
                if self._stop.is_set():
                    break
                self._update(current=name, records=[], fraction=0.0, message=f"training {name} ({k + 1} of {len(self.names)})")
                result, metrics, _ = train_head(
                    dataset, name, self.out, seed=self.seed, epochs=self.epochs, progress=False,
                    on_epoch=self._on_epoch, should_stop=self._stop.is_set,
                )
                with self._lock:
                    self._progress.results[name] = metrics
                    self._progress.task = metrics["task"]
            stopped = self._stop.is_set()
            done = ", ".join(f"{n} {m['accuracy']:.3f}" for n, m in self.progress().results.items())
            self._update(status=STOPPED if stopped else FINISHED, fraction=1.0,
                         message=f"{'stopped' if stopped else 'done'}: test accuracy {done or '(nothing trained)'}")
        except FusionError as error:
            self._update(status=FAILED, message=str(error))
        except Exception as error:  # noqa: BLE001 - reported on the page; the app keeps running
            self._update(status=FAILED, message=f"{type(error).__name__}: {error}")

    def _on_epoch(self, record: EpochRecord) -> None:
        with self._lock:
            self._progress.records.append(record)
            self._progress.fraction = min(1.0, record.epoch / self.total_epochs)
