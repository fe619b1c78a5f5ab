"""Task splits as model-ready tensors (images, log-mel spectrograms, token ids), cached in memory."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from fusion.data.avdigits import TaskSplit, load_task
from fusion.modalities import MODALITIES, encode_inputs
from fusion.modalities.text import build_vocabulary


@dataclass(frozen=True)
class TensorSplit:
    inputs: dict[str, Tensor]
    labels: Tensor
    raw: TaskSplit

    def __len__(self) -> int:
        return len(self.labels)


@functools.lru_cache(maxsize=1)
def caption_vocabulary() -> tuple[str, ...]:
    """The vocabulary of the training captions (stored in each text model's config)."""
    return tuple(build_vocabulary(load_task("digits", "train", corruption={}).text))


def _freeze(corruption: Mapping[str, float] | None) -> tuple | None:
    return None if corruption is None else tuple(sorted(corruption.items()))


@functools.lru_cache(maxsize=32)
def _tensor_split(task: str, split: str, corruption: tuple | None, seed: int, vocabulary: tuple[str, ...]) -> TensorSplit:
    raw = load_task(task, split, corruption=None if corruption is None else dict(corruption), seed=seed)
    inputs = encode_inputs(MODALITIES, vocabulary, image=raw.image, audio=raw.audio, text=raw.text)
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
    return _tensor_split(task, split, _freeze(corruption), seed, vocabulary)
