"""Training runs in a background thread, with progress that another thread (a page) can read.

One job type, a list of steps run in order in a daemon thread:

- ``TrainingJob.for_model(config, settings, run)``: one step, train a built-in model;
- ``TrainingJob.for_dataset(folder, encoders, names, run)``: encode the dataset folder (cache
  first), then one step per head (``fusion.embeddings.runs.train_head``).

Each model is saved to ``<user dir>/<run>/<task>/<name>/``, which makes the run a model source; in
a public demo (``fusion.deployment``) the run's folder carries the session's owner tag, so no session
sees or overwrites another's. Both kinds refuse a run name that is not a plain folder name
(``fusion.names``), any folder inside the shipped checkpoints, and an existing model unless
``overwrite``. While a job runs it holds the run's lock (``fusion.models.run_lock``: another job, in
this process or another, gets a clear error) and each model is written all at once (a temporary
folder, then a rename). In demo mode a session runs at most one job and the server
``FUSION_DEMO_MAX_JOBS``.

``progress()`` is safe to read at any time; ``stop()`` stops after the current epoch: the model
being trained is saved with its best epoch (its metrics say ``"stopped": true``), later steps are
skipped, and a job stopped before its first epoch saves nothing. Failures end up in the status
message, never raised into the page. Torch's thread settings are process-wide, so they are left alone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fusion.errors import ConfigError, FusionError
from fusion.deployment import current_owner, deployment, owned_run_name
from fusion.models.checkpoints import CONFIG, checkpoint_dir, save_checkpoint, shipped_root
from fusion.models.config import ModelConfig
from fusion.models.run_lock import RunLock
from fusion.paths import user_dir
from fusion.training.loop import EpochRecord, TrainSettings, train_model

if TYPE_CHECKING:
    from fusion.embeddings.extract import EmbeddedDataset
    from fusion.userdata.manifest import Manifest

PENDING, RUNNING, FINISHED, STOPPED, FAILED = "pending", "running", "finished", "stopped", "failed"
ENCODING, TRAINING = "encoding", "training"

_live: set[TrainingJob] = set()  # the jobs started in this process and not yet ended
_live_lock = threading.Lock()


def live_jobs(owner: str | None = None) -> list[TrainingJob]:
    """The running jobs of this process (of one session's ``owner`` tag, when given)."""
    with _live_lock:
        return [job for job in _live if owner is None or job.owner == owner]


def stop_jobs(owner: str) -> None:
    """Ask every running job of session ``owner`` to stop (its session ended)."""
    for job in live_jobs(owner):
        job.stop()


@dataclass
class JobProgress:
    """A snapshot: ``phase`` (encoding / training), the ``current`` item and how far along it is,
    the current model's epochs, and the models saved so far (``results``: metrics, ``saved``: folder)."""

    status: str
    message: str
    task: str
    phase: str = ""
    current: str = ""
    fraction: float = 0.0
    records: list[EpochRecord] = field(default_factory=list)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    saved: dict[str, Path] = field(default_factory=dict)
    skipped: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Step:
    phase: str
    item: str
    work: Callable[[], None]


class TrainingJob:
    """Build one with ``for_model`` or ``for_dataset``; then ``start()``, ``progress()``, ``stop()``, ``join()``."""

    def __init__(self, run_name: str, task: str, names: Sequence[str], epochs: int, overwrite: bool = False) -> None:
        self.owner = current_owner()
        self.run_name, self.task = owned_run_name(run_name, self.owner), task
        if not names:
            raise ConfigError("choose at least one model to train")
        self.out = user_dir() / self.run_name
        self._run_lock = RunLock(self.out)
        self.targets = {name: checkpoint_dir(self.out, task, name).resolve() for name in names}
        self.overwrite, self.total_epochs = overwrite, epochs
        self._check_targets()
        self.steps: list[Step] = []
        self._dataset: EmbeddedDataset | None = None
        self._progress = JobProgress(PENDING, "", task)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, name=f"train-{run_name}", daemon=True)

    @classmethod
    def for_model(cls, config: ModelConfig, settings: TrainSettings, run_name: str,
                  overwrite: bool = False) -> TrainingJob:
        """Train the built-in model ``config`` with ``settings`` into run ``run_name``."""
        job = cls(run_name, config.task, [config.name], settings.epochs, overwrite)
        job.steps.append(Step(TRAINING, config.name, partial(job._train_builtin, config, settings)))
        return job

    @classmethod
    def for_dataset(cls, folder: Path | str, encoders: Mapping[str, str | None], names: Sequence[str],
                    run_name: str, seed: int = 0, epochs: int | None = None, overwrite: bool = False) -> TrainingJob:
        """Encode dataset ``folder`` (one encoder per modality), then train heads ``names`` on it."""
        from fusion.embeddings.extract import resolve_encoders
        from fusion.embeddings.heads import head_settings
        from fusion.tasks.dataset import dataset_task_name
        from fusion.userdata.manifest import cached_manifest

        names = list(dict.fromkeys(names))
        manifest = cached_manifest(folder, seed=seed)  # the page read it for its report: not again on the click
        task = dataset_task_name(manifest.name)
        job = cls(run_name, task, names, head_settings(seed, epochs).epochs, overwrite)
        names_used = ", ".join(resolve_encoders(manifest, encoders).values())
        job.steps.append(Step(ENCODING, names_used, partial(job._encode, manifest, encoders, seed)))
        job.steps += [Step(TRAINING, name, partial(job._train_head, name, seed, epochs)) for name in names]
        return job

    # ---- guards --------------------------------------------------------------------------------
    def _check_targets(self) -> None:
        shipped = shipped_root().resolve()
        for name, folder in self.targets.items():
            if folder == shipped or shipped in folder.parents:
                raise ConfigError(f"{folder} is inside the shipped checkpoints; choose a user folder (FUSION_USER_DIR)")
            if (folder / CONFIG).exists() and not self.overwrite:
                raise ConfigError(f"run {self.run_name!r} already holds a {self.task}/{name} model; "
                                  "choose another run name, or overwrite it")

    # ---- control -------------------------------------------------------------------------------
    def start(self) -> TrainingJob:
        """Lock the run and start; ConfigError when another job writes it or a demo limit is reached."""
        with _live_lock:
            self._check_limits()
            self._run_lock.acquire()
            try:
                self._check_targets()  # a model may have been saved since this job was made
            except BaseException:
                self._run_lock.release()
                raise
            _live.add(self)
        self._update(status=RUNNING, message="starting")
        self._thread.start()
        return self

    def _check_limits(self) -> None:
        settings = deployment()
        if not settings.demo:
            return
        if self.owner is not None and sum(job.owner == self.owner for job in _live) >= settings.jobs_per_session:
            raise ConfigError(f"this demo runs at most {settings.jobs_per_session} training job per session; "
                              "wait for yours to end or stop it")
        if len(_live) >= settings.max_jobs:
            raise ConfigError(f"this demo server already runs {len(_live)} training jobs, its limit; try again "
                              "in a few minutes")

    def stop(self) -> None:
        """Stop after the current epoch, or after encoding (the model being trained is saved)."""
        self._stop.set()

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    # ---- progress (thread-safe reads) ----------------------------------------------------------
    def progress(self) -> JobProgress:
        with self._lock:
            p = self._progress
            return replace(p, records=list(p.records), results=dict(p.results), saved=dict(p.saved),
                                       skipped=list(p.skipped))

    @property
    def done(self) -> bool:
        return self.progress().status in (FINISHED, STOPPED, FAILED)

    def _update(self, **changes: Any) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(self._progress, key, value)

    def _on_epoch(self, record: EpochRecord) -> None:
        with self._lock:
            self._progress.records.append(record)
            self._progress.fraction = min(1.0, record.epoch / max(1, self.total_epochs))

    def _on_encode(self, modality: str, done: int, total: int) -> None:
        self._update(current=modality, fraction=done / max(1, total), message=f"encoding {modality}: {done} of {total}")

    # ---- the steps -----------------------------------------------------------------------------
    def _saved(self, name: str, metrics: dict[str, Any], folder: Path) -> None:
        with self._lock:
            self._progress.results[name], self._progress.saved[name] = metrics, folder

    def _train_builtin(self, config: ModelConfig, settings: TrainSettings) -> None:
        from fusion.evaluation.accuracy import evaluate

        start = time.perf_counter()
        result = train_model(config, settings, on_epoch=self._on_epoch, should_stop=self._stop.is_set, progress=False)
        metrics = {**evaluate(result.model), "task": config.task, **result.summary(),
                   "epochs_run": len(result.history), "train_seconds": round(time.perf_counter() - start, 1),
                   "run": self.run_name, "stopped": result.stopped}
        folder = save_checkpoint(result.model, self.targets[config.name], metrics, overwrite=self.overwrite)
        self._saved(config.name, metrics, folder)

    def _encode(self, manifest: Manifest, encoders: Mapping[str, str | None], seed: int) -> None:
        from fusion.embeddings.extract import embed_manifest

        self._dataset = embed_manifest(manifest, encoders, progress=False, on_progress=self._on_encode, seed=seed)
        self._update(skipped=self._dataset.manifest.report().get("skipped", []))

    def _train_head(self, name: str, seed: int, epochs: int | None) -> None:
        from fusion.embeddings.runs import train_head

        _, metrics, folder = train_head(self._dataset, name, self.out, seed=seed, epochs=epochs, progress=False,
                                        on_epoch=self._on_epoch, should_stop=self._stop.is_set,
                                        overwrite=self.overwrite)
        self._saved(name, metrics, folder)

    # ---- the worker ----------------------------------------------------------------------------
    def _work(self) -> None:
        try:
            trains, k = sum(step.phase == TRAINING for step in self.steps), 0
            for step in self.steps:
                if self._stop.is_set():
                    break
                k += step.phase == TRAINING
                message = (f"training {step.item} ({k} of {trains})" if step.phase == TRAINING
                           else f"loading the encoders ({step.item})")  # then each row: ``_on_encode``
                self._update(phase=step.phase, current=step.item, records=[], fraction=0.0, message=message)
                step.work()
            self._update(**self._outcome())
        except FusionError as error:
            self._update(status=FAILED, message=str(error))
        except Exception as error:  # noqa: BLE001 - shown to the person who started the job
            self._update(status=FAILED, message=f"{type(error).__name__}: {error}")
        finally:
            with _live_lock:
                _live.discard(self)
                self._run_lock.release()

    def _outcome(self) -> dict[str, Any]:
        state = self.progress()
        if not state.results:
            return {"status": STOPPED, "message": "stopped before the first epoch ended; nothing was saved"}
        scores = ", ".join(f"{name} {m['accuracy']:.1%}" for name, m in state.results.items())
        where = f"test accuracy {scores}; saved to {self.out}"
        if self._stop.is_set():
            return {"status": STOPPED, "message": f"stopped after epoch {len(state.records)} of {state.current}; {where}"}
        return {"status": FINISHED, "fraction": 1.0, "message": f"finished: {where}"}
