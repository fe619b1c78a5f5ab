"""Built-in task splits as model-ready tensors (images, log-mel spectrograms, token ids), cached in memory."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from fusion.data.avdigits import STANDARD_CORRUPTION, TaskSplit, load_task
from fusion.models.inputs import values_inputs
from fusion.modalities.text import build_vocabulary

SPLIT_MODALITIES = ("audio", "image", "text")  # every AV-Digits row has all three; models pick theirs


@dataclass(frozen=True)
class TensorSplit:
    inputs: dict[str, Tensor]
    labels: Tensor
    raw: TaskSplit
    present: dict[str, Tensor] | None = None  # every row has every modality

    def __len__(self) -> int:
        return len(self.labels)


@functools.lru_cache(maxsize=1)
def caption_vocabulary() -> tuple[str, ...]:
    """The vocabulary of the training captions (stored in each text model's config)."""
    return tuple(build_vocabulary(load_task("digits", "train", corruption={}).text))


def _freeze(corruption: Mapping[str, float]) -> tuple:
    """Levels as a cache key; a level of 0 is the same as no corruption of that modality."""
    return tuple(sorted((m, float(level)) for m, level in corruption.items() if float(level) != 0.0))


@functools.lru_cache(maxsize=32)
def _tensor_split(task: str, split: str, corruption: tuple, seed: int, vocabulary: tuple[str, ...]) -> TensorSplit:
    raw = load_task(task, split, corruption=dict(corruption), seed=seed)
    inputs = values_inputs(SPLIT_MODALITIES, {"image": raw.image, "audio": raw.audio, "text": raw.text}, vocabulary)
    return TensorSplit(inputs, torch.as_tensor(raw.label, dtype=torch.long), raw)


def tensor_split(
    task: str,
    split: str,
    corruption: Mapping[str, float] | None = None,
    seed: int = 0,
    vocabulary: Sequence[str] | None = None,
) -> TensorSplit:
    """Inputs for all three modalities (models pick theirs). ``corruption=None``: the task's standard."""
    vocabulary = tuple(vocabulary) if vocabulary else caption_vocabulary()
    levels = STANDARD_CORRUPTION.get(task, {}) if corruption is None else corruption
    return _tensor_split(task, split, _freeze(levels), seed, vocabulary)
