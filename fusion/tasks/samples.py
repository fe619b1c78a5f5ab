"""One sample to analyse: ``{modality: value}`` plus its label, for every task.

A modality that is not in ``values`` is absent for the models (a mask, never zeros pretending to be
data). Values are what the task's models read: for built-in tasks the decoded arrays (image
``[8, 8]`` in [0, 1], the audio window at 16 kHz, the caption); for dataset tasks the files' paths or
bytes and the texts, which the heads' frozen encoders read through the embedding cache.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fusion.errors import InputError


@dataclass(frozen=True)
class Sample:
    values: Mapping[str, Any] = field(default_factory=dict)
    label: int | None = None
    warnings: tuple[str, ...] = ()
    index: int | None = None  # the row's index in its split (None: uploaded files)
    facts: Mapping[str, Any] = field(default_factory=dict)  # what the sample is, e.g. {"audio digit": 3}

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", {m: v for m, v in sorted(self.values.items()) if v is not None})
        object.__setattr__(self, "warnings", tuple(self.warnings))

    @property
    def modalities(self) -> list[str]:
        """The modalities this sample has, sorted."""
        return list(self.values)

    def get(self, modality: str) -> Any:
        return self.values.get(modality)

    def without(self, modalities: Iterable[str]) -> Sample:
        """The same sample with ``modalities`` absent."""
        drop = set(modalities)
        return Sample({m: v for m, v in self.values.items() if m not in drop}, self.label, self.warnings, self.index, self.facts)


def decode_files(files: Mapping[str, Any], decode: bool = True) -> tuple[Sample, dict[str, str]]:
    """What a person brought (``{modality: bytes | path | text}``, any subset) -> (sample, errors).

    Each value goes through its modality spec's decoder; ``decode=False`` keeps the raw bytes, path
    or text for a head's frozen encoders, which decode (and check) them through the embedding cache.
    A modality that fails is left out and its error kept under its name, so the valid ones can
    still be analysed.
    """
    from fusion.modalities import get_modality

    values, warnings, errors = {}, [], {}
    for modality, data in sorted(files.items()):
        if data is None:
            continue
        if get_modality(modality).inline and isinstance(data, (str, bytes)) and not data.strip():
            warnings.append(f"the {modality} is empty, so the models treat the {modality} as absent")
            continue
        if not decode:
            values[modality] = data
            continue
        try:
            value, notes = get_modality(modality).decode(data)
        except InputError as error:
            errors[modality] = str(error)
            continue
        values[modality] = value
        warnings.extend(notes)
    return Sample(values, warnings=tuple(warnings)), errors


def sample_from_files(files: Mapping[str, Any], decode: bool = True) -> Sample:
    """``decode_files`` for the command line: the first error is raised, naming its modality."""
    sample, errors = decode_files(files, decode)
    if errors:
        modality, message = next(iter(errors.items()))
        raise InputError(f"{modality}: {message}")
    if not sample.modalities:
        raise InputError(f"give at least one of: {', '.join(sorted(files))}.")
    return sample
