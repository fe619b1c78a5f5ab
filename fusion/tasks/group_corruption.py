"""A built-in task whose rows of one group are corrupted more heavily: e.g. ``digits`` with the
audio of one accent's speakers at level 1.0. It reads the base task's rows; each row's corruption
is still computed by the one load-time function (``fusion.data.avdigits.load_task``), at the base
levels or, for the group's rows, at the heavier ones, so a row analysed alone equals that row of
the split. Not registered: it is the data of the reliance demonstration (``fusion.training.demos``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from fusion.tasks.avdigits import BuiltInTask
from fusion.tasks.splits import TensorSplit, tensor_split


@dataclass(frozen=True)
class GroupCorruptedTask(BuiltInTask):
    group_by: str = "accent"
    group_value: str = ""
    heavier: Mapping[str, float] = field(default_factory=dict)  # the group's levels, over the task's

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "heavier", dict(self.heavier))
        self.corruption(self.heavier)  # modalities of the task

    def in_group(self, split: str) -> np.ndarray:
        """bool ``[N]``: which rows of ``split`` belong to the heavily corrupted group."""
        return np.asarray(self.group(self.group_by, split), dtype=object) == self.group_value

    def tensors(self, split: str, corruption: Mapping[str, float] | None, seed: int,
                vocabulary: tuple[str, ...] | None) -> TensorSplit:
        """Every row of ``split`` as model inputs: the group's rows at the heavier levels."""
        levels = self.corruption(corruption)
        base = tensor_split(self.data_task, self.check_split(split), levels, seed, vocabulary)
        heavy = tensor_split(self.data_task, split, {**levels, **self.heavier}, seed, vocabulary)
        rows = torch.from_numpy(self.in_group(split))
        inputs = {m: torch.where(rows.view(-1, *[1] * (v.dim() - 1)), heavy.inputs[m], v) if m in self.heavier else v
                  for m, v in base.inputs.items()}
        return TensorSplit(inputs, base.labels, base.raw)  # raw: the base levels' arrays

    def split(self, model: Any, split: str = "test", corruption: Mapping[str, float] | None = None,
              seed: int = 0) -> TensorSplit:
        return self.tensors(split, corruption, seed, model.config.vocabulary or None)

    def row_corruption(self, index: int, split: str, corruption: Mapping[str, float] | None) -> dict[str, float]:
        levels = self.corruption(corruption)
        return {**levels, **self.heavier} if self.in_group(split)[int(index)] else levels

    def training_data(self, config: Any, settings: Any) -> dict[str, Any]:
        """What ``fusion.training.loop.TrainingData`` takes: the train split with fresh corruption every
        ``corruption_refresh`` epochs (the group's rows at the heavier levels), and the val split."""
        vocabulary = config.vocabulary or None

        def epoch(k: int):
            data = self.tensors("train", None, settings.seed * 1000 + k // settings.corruption_refresh, vocabulary)
            return data.inputs, data.labels, {}

        return {"epoch": epoch, "val": self.tensors("val", None, 0, vocabulary)}
