"""The built-in ``motion`` task (video + text): does the caption describe the clip? Rows come from
``fusion.data.motion.load_motion``, the one function that renders and corrupts a row, so a row
analysed alone equals that row of the split."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from fusion.data import motion
from fusion.errors import ConfigError, InputError
from fusion.modalities.text import build_vocabulary
from fusion.models.inputs import values_inputs
from fusion.tasks.base import BUILT_IN, Task
from fusion.tasks.registry import register_task
from fusion.tasks.samples import Sample

MODALITIES = ("text", "video")
# training probes: the digit and the direction each side shows
PROBE_CLASSES = {"video:digit": 10, "video:direction": len(motion.DIRECTIONS), "text:digit": 10,
                 "text:direction": len(motion.DIRECTIONS)}


@functools.lru_cache(maxsize=1)
def motion_vocabulary() -> tuple[str, ...]:
    """Every word the caption generator can write (stored in each motion text model's config)."""
    return tuple(build_vocabulary(motion.every_caption()))


@dataclass(frozen=True)
class MotionTensorSplit:
    inputs: dict[str, Tensor]
    labels: Tensor
    raw: motion.MotionSplit
    present: dict[str, Tensor] | None = None

    def __len__(self) -> int:
        return len(self.labels)


def tensors(raw: motion.MotionSplit, vocabulary: tuple[str, ...]) -> MotionTensorSplit:
    inputs = values_inputs(MODALITIES, {"video": raw.video, "text": raw.text}, vocabulary)
    return MotionTensorSplit(inputs, torch.as_tensor(raw.label, dtype=torch.long), raw)


@functools.lru_cache(maxsize=16)
def motion_split(split: str, corruption: tuple = (), seed: int = 0, condition: str | None = None,
                 vocabulary: tuple[str, ...] | None = None) -> MotionTensorSplit:
    """A split as model inputs (cached); ``corruption``: sorted (modality, level) pairs."""
    raw = motion.load_motion(split, dict(corruption), seed, condition=condition)
    return tensors(raw, vocabulary or motion_vocabulary())


def side_targets(raw: motion.MotionSplit) -> dict[str, Tensor]:
    """What each side shows, for the training probes: the digit and direction of the clip and of the caption."""
    return {"video:digit": torch.from_numpy(raw.digit), "video:direction": torch.from_numpy(raw.direction),
            "text:digit": torch.from_numpy(raw.caption_digit), "text:direction": torch.from_numpy(raw.caption_direction)}


@dataclass(frozen=True)
class MotionTask(Task):
    conditions: tuple[str, ...] = motion.CONDITIONS

    def vocabulary(self) -> tuple[str, ...]:
        return motion_vocabulary()

    def _levels(self, corruption: Mapping[str, float] | None) -> tuple:
        return tuple(sorted((m, float(v)) for m, v in self.corruption(corruption).items() if float(v)))

    def split(self, model: Any, split: str = "test", corruption: Mapping[str, float] | None = None,
              seed: int = 0, condition: str | None = None) -> MotionTensorSplit:
        self.check_split(split)
        if condition is not None and condition not in self.conditions:
            raise ConfigError(f"unknown condition {condition!r}; choose one of: {', '.join(self.conditions)}")
        return motion_split(split, self._levels(corruption), seed, condition, model.config.vocabulary or None)

    def sample(self, index: int, split: str = "test", corruption: Mapping[str, float] | None = None,
               seed: int = 0) -> Sample:
        size = self.split_size(split)
        if not 0 <= int(index) < size:
            raise InputError(f"sample must be in 0..{size - 1} (the {split} split has {size} samples); got {index}.")
        row = motion.load_motion(split, dict(self._levels(corruption)), seed, rows=[int(index)])
        facts = {"video digit": int(row.digit[0]), "video direction": motion.DIRECTIONS[int(row.direction[0])],
                 "caption digit": int(row.caption_digit[0]),
                 "caption direction": motion.DIRECTIONS[int(row.caption_direction[0])]}
        return Sample({"video": row.video[0], "text": row.text[0]}, int(row.label[0]), index=int(index), facts=facts)

    def split_size(self, split: str = "test") -> int:
        return motion.split_size(self.check_split(split))

    def corrupt(self, sample: Sample, corruption: Mapping[str, float], seed: int = 0) -> Sample:
        """An uploaded sample with load-time corruption, as ``load_motion`` corrupts a row (an upload is row 0)."""
        levels = {m: level for m, level in self.corruption(corruption).items() if m in sample.values and level}
        values = dict(sample.values)
        if "video" in levels:
            values["video"] = motion.corrupt_video(np.asarray(values["video"])[None], levels["video"], seed, np.array([0]))[0]
        if "text" in levels:
            values["text"] = motion.corrupt_text([values["text"]], levels["text"], seed, np.array([0]))[0]
        return Sample(values, sample.label, sample.warnings, sample.index, sample.facts)

    def training_data(self, config: Any, settings: Any) -> dict[str, Any]:
        """What ``fusion.training.loop.TrainingData`` takes: fresh rows every ``corruption_refresh``
        epochs, with each side's digit and direction for the probes, and the val split."""
        vocabulary = config.vocabulary or None

        def epoch(k: int):
            raw = motion.training_draw(settings.seed * 1000 + k // settings.corruption_refresh)
            data = tensors(raw, vocabulary or motion_vocabulary())
            return data.inputs, data.labels, side_targets(raw)

        return {"epoch": epoch, "val": motion_split("val", (), 0, None, vocabulary), "probe_classes": PROBE_CLASSES}


MOTION = register_task(MotionTask(
    name="motion", kind=BUILT_IN, modalities=MODALITIES, classes=("no", "yes"),
    description="does the caption describe the clip (digit and direction)? video + text; each alone says nothing",
    standard_corruption={},
))
