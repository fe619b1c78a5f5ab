"""Dataset-folder tasks: a folder with ``manifest.csv`` whose heads were trained over frozen
encoders (``train --data``, the Your data page). Found through the ``dataset.json`` each head's
checkpoint carries; their rows come from the embedding cache, so nothing is re-encoded."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

from fusion.errors import CheckpointError, ConfigError, InputError
from fusion.models.config import ModelConfig
from fusion.deployment import visible_run
from fusion.models.inputs import encodings_input
from fusion.names import is_plain_name, safe_name
from fusion.paths import user_dir
from fusion.tasks.base import DATASET, Task
from fusion.tasks.samples import Sample

if TYPE_CHECKING:
    from fusion.embeddings.extract import EmbeddedDataset

DATASET_RECORD = "dataset.json"


@dataclass(frozen=True)
class DatasetTask(Task):
    """A dataset folder's task; ``encoders`` are the run's encoder per modality."""

    folder: str = ""
    seed: int = 0  # the seed of the manifest's split (when it has no split column)
    encoders: Mapping[str, str] = field(default_factory=dict)
    embedded: Any = field(default=None, compare=False, repr=False)  # an EmbeddedDataset already in memory

    def dataset(self):
        """The folder's rows as encodings (the embedding cache first; read-only, shared)."""
        if self.embedded is not None:
            return self.embedded
        if not Path(self.folder).is_dir():
            raise CheckpointError(f"the dataset folder {self.folder} of task {self.name!r} is gone; "
                                  "pass --data DIR, or train again on the Your data page")
        return _embedded(self.folder, self.seed, tuple(sorted(self.encoders.items())))

    def split(self, model: Any, split: str = "test", corruption: Mapping[str, float] | None = None,
              seed: int = 0):
        self.corruption(corruption)
        return embedded_split(self.dataset(), model.config, self.check_split(split))

    def sample(self, index: int, split: str = "test", corruption: Mapping[str, float] | None = None,
               seed: int = 0) -> Sample:
        self.corruption(corruption)
        dataset = self.dataset()
        rows = dataset.rows(self.check_split(split))
        if not 0 <= int(index) < len(rows):
            raise InputError(f"sample must be in 0..{len(rows) - 1} (the {split} split has {len(rows)} rows); got {index}.")
        row = dataset.manifest.rows[rows[int(index)]]
        values = {**row.files, **({"text": row.text} if row.text is not None else {})}
        return Sample({m: v for m, v in values.items() if m in self.modalities},
                      dataset.manifest.label_index(row.label), index=int(index))

    def split_size(self, split: str = "test") -> int:
        return len(self.dataset().rows(self.check_split(split)))

    def group_names(self) -> tuple[str, ...]:
        """The manifest's ``group`` / ``group:NAME`` columns."""
        return self.dataset().manifest.group_names

    def groups(self, split: str = "test") -> dict[str, list[str]]:
        dataset = self.dataset()
        rows = [dataset.manifest.rows[i] for i in dataset.rows(self.check_split(split))]
        return {name: [row.groups[name] for row in rows] for name in dataset.manifest.group_names}


def dataset_task_name(folder_name: str) -> str:
    """A dataset folder's name as a task name: a plain folder name, never a built-in task's."""
    from fusion.tasks.registry import BUILT_IN_TASKS

    name = safe_name(folder_name)
    return f"{name}-data" if name in BUILT_IN_TASKS else name


@dataclass(frozen=True)
class EmbeddedSplit:
    """One split of a dataset as a head's inputs; ``present`` marks the modalities each row has."""

    inputs: dict[str, Tensor]
    labels: Tensor
    present: dict[str, Tensor]

    def __len__(self) -> int:
        return len(self.labels)


def embedded_split(dataset: EmbeddedDataset, config: ModelConfig, split: str) -> EmbeddedSplit:
    check_compatible(dataset, config)
    rows = dataset.rows(split)
    encodings = [{m: dataset.encodings[m][i] for m in config.modalities} for i in rows]
    inputs, present = encodings_input(config, encodings)
    labels = torch.tensor([dataset.manifest.label_index(dataset.manifest.rows[i].label) for i in rows], dtype=torch.long)
    return EmbeddedSplit(inputs, labels, present)


def check_compatible(dataset: EmbeddedDataset, config: ModelConfig) -> None:
    """The dataset was encoded with the model's encoders and has the model's classes."""
    for spec in config.encoders:
        if dataset.encoders.get(spec.modality) != spec.encoder:
            found = dataset.encoders.get(spec.modality, "nothing")
            raise ConfigError(
                f"the model reads {spec.modality} through {spec.encoder}, but the data was encoded with {found}; "
                f"encode it with --{spec.modality}-encoder {spec.encoder}"
            )
    if config.classes and tuple(config.classes) != tuple(dataset.manifest.classes):
        raise ConfigError(
            f"the model's classes ({', '.join(config.classes)}) differ from the dataset's "
            f"({', '.join(dataset.manifest.classes)})"
        )



@functools.lru_cache(maxsize=4)
def _embedded(folder: str, seed: int, encoders: tuple[tuple[str, str], ...]):
    from fusion.embeddings.extract import embed_manifest
    from fusion.userdata.manifest import load_manifest

    manifest = load_manifest(folder, seed=seed)
    return embed_manifest(manifest, dict(encoders), progress=False, seed=seed)


def read_dataset_record(checkpoint: Path | str) -> dict[str, Any] | None:
    """The ``dataset.json`` beside a head's weights (None when the model is not a head)."""
    from fusion.io import read_json

    path = Path(checkpoint) / DATASET_RECORD
    if not path.is_file():
        return None
    record = read_json(path, "dataset record", 1024 * 1024, 8, CheckpointError)  # a few keys, one level of lists
    if not isinstance(record, dict):
        raise CheckpointError(f"{path} is not a JSON object")
    return record


def dataset_record(dataset: Any) -> dict[str, Any]:
    """What ``dataset.json`` records of the encoded dataset a head was trained on."""
    manifest = dataset.manifest
    return {"folder": str(manifest.folder.resolve()), "seed": dataset.seed, "encoders": dict(dataset.encoders),
            "classes": list(manifest.classes), "task": dataset_task_name(manifest.name)}


def dataset_task(dataset: Any) -> DatasetTask:
    """The task of an encoded dataset in memory (while its heads are trained)."""
    return replace(task_from_record(dataset_record(dataset)), embedded=dataset)


def task_from_checkpoints(checkpoints: Path | str | Sequence[Path | str], data: Path | str | None = None) -> DatasetTask:
    """The dataset task of heads' checkpoint folders (their ``dataset.json``), with every encoder
    the heads read; ``data`` points at the dataset folder when it moved."""
    from fusion.models.checkpoints import read_config

    folders = [Path(checkpoints)] if isinstance(checkpoints, (str, Path)) else [Path(c) for c in checkpoints]
    record = read_dataset_record(folders[0])
    if record is None:
        raise CheckpointError(f"{folders[0]} has no {DATASET_RECORD}: it is not a head trained on a dataset folder")
    encoders: dict[str, str] = {}
    for checkpoint in folders:
        for spec in read_config(checkpoint).encoders:
            if encoders.setdefault(spec.modality, spec.encoder) != spec.encoder:
                raise CheckpointError(
                    f"these heads read {spec.modality} through different encoders ({encoders[spec.modality]}, "
                    f"{spec.encoder}); evaluate them one folder at a time"
                )
    folder = Path(data) if data is not None else Path(str(record.get("folder", "")))
    if not folder.is_dir():
        raise CheckpointError(f"the dataset folder {folder} of {folders[0]} is gone; pass --data DIR")
    return task_from_record({**record, "folder": str(folder.resolve()), "encoders": encoders or record.get("encoders", {})})


def task_from_record(record: Mapping[str, Any], name: str | None = None) -> DatasetTask:
    try:
        return DatasetTask(
            name=str(name or record["task"]), kind=DATASET, modalities=tuple(sorted(record["encoders"])),
            classes=tuple(str(c) for c in record["classes"]), description=f"dataset folder {record['folder']}",
            default_models=("early", "late", "hybrid", *sorted(record["encoders"])),
            folder=str(record["folder"]), seed=int(record.get("seed", 0)), encoders=dict(record["encoders"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"a {DATASET_RECORD} is incomplete ({error}); train the heads again") from None


def _records(source: str | None = None) -> dict[str, dict[str, Any]]:
    """task name -> the dataset record of its heads, over the user's runs (or one run)."""
    found: dict[str, dict[str, Any]] = {}
    root = user_dir()
    if not root.is_dir():
        return found
    runs = [source] if source else sorted(p.name for p in root.iterdir() if p.is_dir())
    for run in runs:
        if not visible_run(run):
            continue
        for path in sorted((root / run).glob(f"*/*/{DATASET_RECORD}")):
            task = path.parents[1].name
            if not is_plain_name(task) or task in found:
                continue
            try:
                record = read_dataset_record(path.parent)
            except CheckpointError:
                continue
            if record is not None:
                found[task] = record
    return found


def dataset_tasks() -> list[DatasetTask]:
    """Every dataset task among the user's runs, by name."""
    tasks = []
    for name, record in sorted(_records().items()):
        try:
            tasks.append(task_from_record(record, name))
        except CheckpointError:
            continue
    return tasks


def find_dataset_task(name: str, source: str | None = None) -> DatasetTask | None:
    record = _records(source).get(name)
    if record is None and source is not None:
        record = _records().get(name)
    return task_from_record(record, name) if record is not None else None

