"""One sample to analyse: a built-in test sample, or files a person brought, as model inputs.

A ``Sample`` holds one array per modality that is there (image ``[8, 8]`` in [0, 1], audio 16 kHz
waveform, text ``str``); a modality that is not there is absent for the model (a mask, never
zeros pretending to be data).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from fusion.data.avdigits import MAX_AUDIO_SAMPLES, TASK_MODALITIES, load_task
from fusion.data.corruption import STANDARD_CORRUPTION, apply_corruption
from fusion.errors import InputError
from fusion.modalities import encode_inputs
from fusion.modalities.image import IMAGE_SIZE


@dataclass(frozen=True)
class Sample:
    image: np.ndarray | None = None
    audio: np.ndarray | None = None
    text: str | None = None
    label: int | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def modalities(self) -> list[str]:
        return [m for m in ("audio", "image", "text") if getattr(self, m) is not None]


def sample_from_split(
    task: str, index: int, corruption: Mapping[str, float] | None = None, seed: int = 0, split: str = "test"
) -> Sample:
    """Row ``index`` of a task split, with the task's standard corruption unless told otherwise.

    Only this row is corrupted (corruption is seeded per sample, so it equals the row of
    ``load_task(task, split, corruption, seed)``): moving a slider does not redo the whole split.
    """
    data = load_task(task, split, corruption={})
    if not 0 <= index < len(data):
        raise InputError(f"--sample must be in 0..{len(data) - 1} (the {split} split has {len(data)} samples); got {index}.")
    modalities = TASK_MODALITIES[task]
    clean = Sample(
        image=data.image[index] if "image" in modalities else None,
        audio=data.audio[index, : data.audio_length[index]] if "audio" in modalities else None,
        text=data.text[index] if "text" in modalities else None,
        label=int(data.label[index]),
    )
    levels = STANDARD_CORRUPTION[task] if corruption is None else corruption
    return corrupt_sample(clean, levels, seed, sample_index=int(data.index[index]))


def sample_from_files(image: Path | bytes | None = None, audio: Path | bytes | None = None, text: str | bytes | None = None) -> Sample:
    """Decode and validate what a person brought (any subset); raises InputError on bad input."""
    from fusion.io import decode_audio, decode_image, decode_text

    warnings: list[str] = []
    decoded_audio = decoded_text = None
    if audio is not None:
        clip = decode_audio(audio)
        decoded_audio, warnings = clip.waveform, [*warnings, *clip.warnings]
    if text is not None:
        checked = decode_text(text)
        decoded_text, warnings = checked.text, [*warnings, *checked.warnings]
    decoded_image = decode_image(image) if image is not None else None
    sample = Sample(decoded_image, decoded_audio, decoded_text, None, tuple(warnings))
    if not sample.modalities:
        raise InputError("give at least one of an image, an audio clip or a text.")
    return sample


def sample_inputs(sample: Sample, modalities: Sequence[str], vocabulary: Sequence[str]) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """Model inputs (batch of 1) and present mask for ``modalities``; absent ones get placeholders."""
    audio = np.zeros((1, MAX_AUDIO_SAMPLES), dtype=np.float32)
    if sample.audio is not None:
        audio[0, : min(len(sample.audio), MAX_AUDIO_SAMPLES)] = sample.audio[:MAX_AUDIO_SAMPLES]
    image = sample.image[None] if sample.image is not None else np.zeros((1, IMAGE_SIZE, IMAGE_SIZE), np.float32)
    text = [sample.text if sample.text is not None else ""]
    inputs = encode_inputs(modalities, vocabulary, image=image, audio=audio, text=text)
    present = {m: torch.tensor([getattr(sample, m) is not None]) for m in modalities}
    return inputs, present


def corrupt_sample(sample: Sample, corruption: Mapping[str, float], seed: int = 0, sample_index: int = 0) -> Sample:
    """Apply load-time corruption to one sample, as ``load_task`` does to the row ``sample_index``
    (uploads count as sample 0). Modalities the sample lacks are skipped."""
    levels = {m: level for m, level in corruption.items() if getattr(sample, m) is not None}
    if not any(levels.values()):
        return sample
    length = len(sample.audio) if sample.audio is not None else 0
    audio = np.zeros((1, MAX_AUDIO_SAMPLES), dtype=np.float32)
    audio[0, :length] = sample.audio[:MAX_AUDIO_SAMPLES] if sample.audio is not None else 0.0
    image = sample.image[None] if sample.image is not None else np.zeros((1, IMAGE_SIZE, IMAGE_SIZE), np.float32)
    image, audio, text = apply_corruption(
        image, audio, np.array([length]), [sample.text or ""], np.array([sample_index]), levels, seed
    )
    return replace(
        sample,
        image=image[0] if sample.image is not None else None,
        audio=audio[0, :length] if sample.audio is not None else None,
        text=text[0] if sample.text is not None else None,
    )
