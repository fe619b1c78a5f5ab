"""The task contract: what a model is asked, and the one path from a task's rows to model inputs.

A task names its modalities, its classes (with display names), its splits, its standard
corruption, its chance level and the models evaluated by ``--strategy all``. Built-in tasks
(``digits``, ``match``) and dataset-folder tasks are the same kind of object: every page, command
and analysis reads a task through this interface, so a row is preprocessed in exactly one way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from torch import Tensor

from fusion.errors import ConfigError
from fusion.tasks.samples import Sample

BUILT_IN, DATASET = "built-in", "dataset"
SPLITS = ("train", "val", "test")


class Split(Protocol):
    """A split as one model reads it: inputs per modality, labels, and which modalities each row
    has (``present``; None: every row has every modality)."""

    inputs: dict[str, Tensor]
    labels: Tensor
    present: dict[str, Tensor] | None

    def __len__(self) -> int: ...


@dataclass(frozen=True)
class Task:
    """A task: subclasses implement ``split`` and ``sample`` (the rows as model inputs)."""

    name: str
    kind: str
    modalities: tuple[str, ...]
    classes: tuple[str, ...]  # display names; class i is classes[i]
    description: str = ""
    standard_corruption: Mapping[str, float] = field(default_factory=dict)
    default_models: tuple[str, ...] = ("early", "late", "hybrid")
    splits: tuple[str, ...] = SPLITS
    # Named evaluation conditions beyond corruption levels (e.g. motion's "frames_shuffled"): ``split``
    # takes ``condition=`` one of them, and ``robustness`` reports each one's accuracy.
    conditions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "modalities", tuple(sorted(self.modalities)))
        object.__setattr__(self, "classes", tuple(self.classes))
        object.__setattr__(self, "standard_corruption", dict(self.standard_corruption))

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def chance(self) -> float:
        """Accuracy of guessing uniformly (every built-in split is class-balanced)."""
        return 1.0 / self.num_classes

    @property
    def is_built_in(self) -> bool:
        return self.kind == BUILT_IN

    def class_name(self, index: int) -> str:
        return self.classes[int(index)]

    def corruption(self, given: Mapping[str, float] | None = None) -> dict[str, float]:
        """``given`` levels (checked), or the task's standard corruption when None."""
        levels = dict(self.standard_corruption if given is None else given)
        unknown = sorted(set(levels) - set(self.modalities))
        if unknown:
            raise ConfigError(f"task {self.name!r} has no {unknown[0]} modality; it uses {', '.join(self.modalities)}")
        if levels and not self.is_built_in:
            raise ConfigError(f"corruption applies to the built-in tasks, not to the dataset task {self.name!r}")
        return levels

    def check_split(self, split: str) -> str:
        if split not in self.splits:
            raise ConfigError(f"unknown split {split!r}; choose one of: {', '.join(self.splits)}")
        return split

    def split(self, model: Any, split: str = "test", corruption: Mapping[str, float] | None = None,
              seed: int = 0) -> Split:
        """Every row of ``split`` as ``model`` reads it (at the standard corruption when None)."""
        raise NotImplementedError

    def sample(self, index: int, split: str = "test", corruption: Mapping[str, float] | None = None,
               seed: int = 0) -> Sample:
        """Row ``index`` of ``split``: exactly the values ``split`` gives the models for that row."""
        raise NotImplementedError

    def split_size(self, split: str = "test") -> int:
        raise NotImplementedError

    def group_names(self) -> tuple[str, ...]:
        """The task's group columns (e.g. a speaker's accent), for per-group analyses; () when none."""
        return ()

    def groups(self, split: str = "test") -> dict[str, list[str]]:
        """{group column: one value per row of ``split``, in split order}; {} when the task has none."""
        return {}

    def group(self, name: str, split: str = "test") -> list[str]:
        """One group column of ``split`` (ConfigError naming the task's columns when it has no such one)."""
        names = self.group_names()
        if not names:
            raise ConfigError(f"task {self.name!r} has no group columns, so nothing can be compared between groups; "
                              "a dataset folder gets them from a 'group' or 'group:NAME' column of its manifest")
        if name not in names:
            raise ConfigError(f"task {self.name!r} has no group column {name!r}; choose one of: {', '.join(names)}")
        return self.groups(self.check_split(split))[name]

    def vocabulary(self) -> tuple[str, ...]:
        """The words of the task's texts (a built-in text model's vocabulary); () without text."""
        return ()

    def to_dict(self) -> dict[str, Any]:
        """What ``python -m fusion tasks --json`` prints per task."""
        return {"name": self.name, "modalities": list(self.modalities), "classes": list(self.classes),
                "kind": self.kind, "chance": round(self.chance, 6)}
