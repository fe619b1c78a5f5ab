"""The built-in tasks on AV-Digits: ``digits`` (which digit?) and ``match`` (is the spoken digit
the written one?). Their rows come from ``fusion.data.avdigits.load_task``, the one function that
computes a row's seeded corruption, so a row analysed alone equals that row of the split."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from fusion.data import avdigits
from fusion.data.corruption import apply_corruption
from fusion.formats import MAX_AUDIO_SAMPLES
from fusion.tasks.base import BUILT_IN, Task
from fusion.tasks.registry import register_task
from fusion.tasks.samples import Sample
from fusion.tasks.splits import TensorSplit, tensor_split


@dataclass(frozen=True)
class BuiltInTask(Task):
    """A task on the shipped AV-Digits files."""

    rows_of: str = ""  # the AV-Digits task ("digits", "match") whose rows this task reads; default: its name

    @property
    def data_task(self) -> str:
        return self.rows_of or self.name

    def split(self, model: Any, split: str = "test", corruption: Mapping[str, float] | None = None,
              seed: int = 0) -> TensorSplit:
        self.check_split(split)
        return tensor_split(self.data_task, split, self.corruption(corruption), seed, model.config.vocabulary or None)

    def sample(self, index: int, split: str = "test", corruption: Mapping[str, float] | None = None,
               seed: int = 0) -> Sample:
        from fusion.errors import InputError

        size = self.split_size(split)
        if not 0 <= int(index) < size:
            raise InputError(f"sample must be in 0..{size - 1} (the {split} split has {size} samples); got {index}.")
        row = avdigits.load_task(self.data_task, split, self.row_corruption(index, split, corruption), seed, rows=[int(index)])
        values = {"image": row.image[0], "audio": row.audio[0], "text": row.text[0]}  # audio: the whole window
        facts = {"image digit": int(row.image_digit[0]), "audio digit": int(row.audio_digit[0])}
        return Sample({m: values[m] for m in self.modalities}, int(row.label[0]), index=int(index), facts=facts)

    def row_corruption(self, index: int, split: str, corruption: Mapping[str, float] | None) -> dict[str, float]:
        """The corruption levels of row ``index`` of ``split`` (every row: the task's)."""
        return self.corruption(corruption)

    def group_names(self) -> tuple[str, ...]:
        return avdigits.GROUPS

    def groups(self, split: str = "test") -> dict[str, list[str]]:
        """The accent and the voice family of the speaker each row hears (``speakers.csv``)."""
        return avdigits.split_groups(self.data_task, self.check_split(split))

    def vocabulary(self) -> tuple[str, ...]:
        from fusion.tasks.splits import caption_vocabulary

        return caption_vocabulary()

    def split_size(self, split: str = "test") -> int:
        return avdigits.split_size(self.data_task, self.check_split(split))

    def corrupt(self, sample: Sample, corruption: Mapping[str, float], seed: int = 0) -> Sample:
        """An uploaded sample with load-time corruption, as ``load_task`` corrupts a row (an upload
        counts as row 0). Audio is corrupted over the models' whole window, as in training."""
        levels = {m: level for m, level in self.corruption(corruption).items() if m in sample.values}
        if not any(levels.values()):
            return sample
        audio = np.zeros((1, MAX_AUDIO_SAMPLES), dtype=np.float32)
        length = 0
        if "audio" in sample.values:
            wave = np.asarray(sample.values["audio"], dtype=np.float32)[:MAX_AUDIO_SAMPLES]
            audio[0, : len(wave)], length = wave, len(wave)
        image = np.asarray(sample.values.get("image", np.zeros((8, 8))), dtype=np.float32)[None]
        pca = avdigits.train_image_pca() if levels.get("image") else None
        image, audio, text = apply_corruption(image, audio, np.array([length]), [sample.values.get("text", "")],
                                              np.array([0]), levels, seed, pca=pca)
        new = {"image": image[0], "audio": audio[0], "text": text[0]}
        return Sample({m: new[m] if m in levels else v for m, v in sample.values.items()}, sample.label,
                      sample.warnings, sample.index, sample.facts)


DIGITS = register_task(BuiltInTask(
    name="digits", kind=BUILT_IN, modalities=avdigits.TASK_MODALITIES["digits"],
    classes=tuple(str(d) for d in range(10)),
    description="which digit? image + audio + text, redundant and complementary evidence",
    standard_corruption=avdigits.STANDARD_CORRUPTION["digits"],
    default_models=("early", "late", "hybrid", "audio", "image", "text"),
))
MATCH = register_task(BuiltInTask(
    name="match", kind=BUILT_IN, modalities=avdigits.TASK_MODALITIES["match"],
    classes=("different", "same"),
    description="is the spoken digit the written one? image + audio; each alone says nothing (synergy)",
    standard_corruption=avdigits.STANDARD_CORRUPTION["match"],
))
