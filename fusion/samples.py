"""One sample to analyse: a built-in test sample, or files a person brought, as model inputs.

A ``Sample`` holds one array per modality that is there (image ``[8, 8]`` in [0, 1], audio 16 kHz
waveform, text ``str``); a modality that is not there is absent for the model (a mask, never
zeros pretending to be data).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from fusion.data.avdigits import MAX_AUDIO_SAMPLES, TASK_MODALITIES, load_task
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
    """Row ``index`` of a task split, with the task's standard corruption unless told otherwise."""
    data = load_task(task, split, corruption=corruption, seed=seed)
    if not 0 <= index < len(data):
        raise InputError(f"--sample must be in 0..{len(data) - 1} (the {split} split has {len(data)} samples); got {index}.")
    modalities = TASK_MODALITIES[task]
    return Sample(
        image=data.image[index] if "image" in modalities else None,
        audio=data.audio[index, : data.audio_length[index]] if "audio" in modalities else None,
        text=data.text[index] if "text" in modalities else None,
        label=int(data.label[index]),
    )


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


def corrupt_sample(sample: Sample, corruption: Mapping[str, float], seed: int = 0) -> Sample:
    """Apply load-time corruption to a sample a person brought (as if it were sample 0 of a split)."""
    from fusion.data.corruption import corrupt_audio, corrupt_image, corrupt_text

    index = np.zeros(1, dtype=np.int64)
    image, audio, text = sample.image, sample.audio, sample.text
    if image is not None and corruption.get("image"):
        image = corrupt_image(image[None], corruption["image"], seed, index)[0]
    if audio is not None and corruption.get("audio"):
        padded = np.zeros((1, MAX_AUDIO_SAMPLES), dtype=np.float32)
        padded[0, : len(audio)] = audio
        audio = corrupt_audio(padded, np.array([len(audio)]), corruption["audio"], seed, index)[0, : len(audio)]
    if text is not None and corruption.get("text"):
        text = corrupt_text([text], corruption["text"], seed, index)[0]
    return Sample(image, audio, text, sample.label, sample.warnings)
