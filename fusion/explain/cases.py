"""What the Explore page analyses, as plain functions (no Streamlit): a *case* is a task's test row
or a person's files, corruption levels and removed modalities; this module turns it into the
``Sample`` that ``explain_model`` reads, and holds the Learn page's presets for Explore.

Built-in tasks and dataset tasks go through the same functions: a built-in task's uploads are
decoded by the modality specs (and corrupted with ``BuiltInTask.corrupt``); a dataset task's
uploads stay raw bytes for the heads' frozen encoders, which are tried here one modality at a time
so that one bad file is reported and the others are still analysed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fusion.errors import InputError
from fusion.io import SILENT_CLIP
from fusion.tasks import Sample, Task, decode_files

ROW, FILES = "a test sample", "my own files"  # where the sample comes from
SIDE_BY_SIDE, SINGLE = "side by side", "single"
VIEWS = (SIDE_BY_SIDE, SINGLE)  # the first is the default
PRESET_KEYS = frozenset({"sample", "strategy", "view", "corruption", "removed", "target"})


# ------------------------------------------------------------------------------ Learn -> Explore
@dataclass(frozen=True)
class Preset:
    """A case the Learn page opens in Explore: test sample, strategy, view, corruption, removed,
    and the class the contributions explain (``target``; None: the true class)."""

    sample: int = 0
    strategy: str | None = None
    view: str = SIDE_BY_SIDE
    corruption: Mapping[str, float] = field(default_factory=dict)
    removed: tuple[str, ...] = ()
    target: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"sample": self.sample, "strategy": self.strategy, "view": self.view,
                "corruption": dict(self.corruption), "removed": list(self.removed), "target": self.target}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Preset:
        """A preset from its dict (missing keys take the defaults; unknown keys are refused)."""
        unknown = sorted(set(data) - PRESET_KEYS)
        if unknown:
            raise ValueError(f"unknown preset keys: {', '.join(unknown)}")
        view = data.get("view", SIDE_BY_SIDE)
        if view not in VIEWS:
            raise ValueError(f"unknown view {view!r}; choose one of: {', '.join(VIEWS)}")
        target = data.get("target")
        return cls(int(data.get("sample", 0)), data.get("strategy"), view,
                   {m: float(level) for m, level in dict(data.get("corruption") or {}).items()},
                   tuple(sorted(data.get("removed") or ())), None if target is None else int(target))

    def to_query(self) -> dict[str, str]:
        """The preset as URL query parameters (strings), so a link reopens the same case."""
        query = {"sample": str(self.sample), "view": self.view}
        if self.strategy:
            query["strategy"] = self.strategy
        if self.corruption:
            query["levels"] = ",".join(f"{m}:{level:g}" for m, level in sorted(self.corruption.items()))
        if self.removed:
            query["removed"] = ",".join(self.removed)
        if self.target is not None:
            query["target"] = str(self.target)
        return query

    @classmethod
    def from_query(cls, query: Mapping[str, str], modalities: Iterable[str]) -> Preset | None:
        """The preset of a shared link, checked against the task's ``modalities`` (None when the
        link holds no case, or one that does not parse: a bad link opens the default case)."""
        if "sample" not in query:
            return None
        known = set(modalities)
        try:
            levels = {}
            for item in filter(None, str(query.get("levels", "")).split(",")):
                modality, _, level = item.partition(":")
                if modality in known and 0.0 <= float(level) <= 1.0:
                    levels[modality] = float(level)
            removed = [m for m in str(query.get("removed", "")).split(",") if m in known]
            target = int(query["target"]) if query.get("target") else None
            return cls.from_dict({"sample": max(0, int(query["sample"])), "strategy": query.get("strategy") or None,
                                  "view": query.get("view", SIDE_BY_SIDE), "corruption": levels, "removed": removed,
                                  "target": target if target is None or target >= 0 else None})
        except (TypeError, ValueError):
            return None

    def removed_flags(self, modalities: Iterable[str]) -> dict[str, bool]:
        """Each modality of the task: whether the preset removes it."""
        return {m: m in self.removed for m in modalities}


# -------------------------------------------------------------------------------- corruption
def has_corruption(task: Task) -> bool:
    """Only the built-in tasks can be corrupted (their generators know how)."""
    return task.is_built_in


def default_levels(task: Task, kind: str) -> dict[str, float]:
    """Each modality's starting slider level: a test row starts at the task's standard corruption
    (what evaluate scores), a person's files start clean; none for a task without corruption."""
    if not has_corruption(task):
        return {}
    return {m: float(task.standard_corruption.get(m, 0.0)) if kind == ROW else 0.0 for m in task.modalities}


# ------------------------------------------------------------------------------------ samples
def head_encoders(models: Iterable[Any]) -> dict[str, str]:
    """modality -> encoder over heads' configs (empty for built-in models, which read values)."""
    encoders: dict[str, str] = {}
    for model in models:
        encoders.update({spec.modality: spec.encoder for spec in model.config.encoders})
    return encoders


def build_sample(task: Task, index: int | None, files: Mapping[str, Any], levels: Mapping[str, float],
                 removed: Iterable[str] = (), encoders: Mapping[str, str] | None = None) -> tuple[Sample | None, dict[str, str]]:
    """(the sample to analyse, {modality: error}) for test row ``index`` or, when None, ``files``
    (``{modality: bytes | path | text}``). The sample is None when no file could be used.

    ``levels`` corrupt a built-in task's row or files; a dataset task takes none. ``encoders``
    (a dataset task's heads, ``head_encoders``) check each raw file before any head reads it.
    """
    levels = {m: float(level) for m, level in levels.items()} if has_corruption(task) else {}
    if index is not None:
        return task.sample(int(index), corruption=levels).without(removed), {}
    sample, errors = decode_files({m: v for m, v in files.items() if m in task.modalities}, decode=task.is_built_in)
    if task.is_built_in:
        sample = task.corrupt(sample, levels)
    elif encoders:
        sample, failed = encodable(sample, encoders)
        errors = {**errors, **failed}
    sample = sample.without(removed)
    return (sample if sample.modalities else None), errors


def encodable(sample: Sample, encoders: Mapping[str, str]) -> tuple[Sample, dict[str, str]]:
    """The sample without the files its encoders cannot read, and why (each encoding is cached, so
    the heads then read it from the embedding cache)."""
    from fusion.embeddings.extract import encode_sample

    errors = {}
    for modality in sample.modalities:
        try:
            encode_sample({modality: sample.get(modality)}, encoders)
        except InputError as error:
            message = str(error)
            errors[modality] = message.removeprefix(f"{modality}: ")
    return sample.without(errors), errors


def sample_views(task: Task, sample: Sample) -> dict[str, Any]:
    """What to draw of the sample: a built-in task's preprocessed views (``input_views``: what the
    models see); for a dataset task, the given picture as RGB and the clip's frames as the frozen
    encoders decode them (``decode_video_rgb``): the heads' token maps are drawn over them."""
    if task.is_built_in:
        from fusion.explain.analysis import input_views

        return input_views(sample)
    views: dict[str, Any] = {}
    if "image" in sample.values:
        from fusion.io import decode_image_rgb

        views["image"] = decode_image_rgb(sample.get("image"))
    if "video" in sample.values:
        from fusion.video_io import decode_video_rgb

        views["video"] = decode_video_rgb(sample.get("video"))
    return views


def recording_advice(warnings: Sequence[str], recorded: bool) -> list[str]:
    """``warnings``, with the microphone advice after a silent clip that was recorded (for an
    uploaded file it would be beside the point)."""
    if not recorded:
        return list(warnings)
    return [f"{w}. Record again closer to the microphone" if w == SILENT_CLIP else w for w in warnings]


def upload_error(modality: str, message: str) -> str:
    """One sentence for a file that could not be used: the decoder's message when it already names
    the problem (``could not read the image: ...``), otherwise prefixed once with the modality."""
    message = message.strip()
    if message.lower().startswith("could not"):
        return message[0].upper() + message[1:]
    return f"Could not use the {modality}: {message}"


def describe(task: Task, sample: Sample) -> str:
    """What the sample is, in words: its true class and, where the row knows, which digit is
    written and which is spoken (on ``match`` they are the question), or what the clip shows and
    what its caption says (``motion``)."""
    parts = []
    facts = sample.facts
    if "image digit" in facts and "audio digit" in facts:
        parts.append(f"written digit **{facts['image digit']}**, spoken digit **{facts['audio digit']}**")
    if "video digit" in facts and "caption digit" in facts:
        parts.append(f"the clip shows a **{facts['video digit']}** moving **{facts['video direction']}**, the caption "
                     f"says a **{facts['caption digit']}** moving **{facts['caption direction']}**")
    if sample.label is not None:
        parts.append(f"true class **{task.class_name(sample.label)}**")
    if sample.index is None:
        head = "your files"
    elif task.is_built_in:
        head = f"test sample {sample.index}"
    else:
        dataset = task.dataset()
        head = f"test row {sample.index} (line {dataset.manifest.rows[dataset.rows('test')[sample.index]].line} of manifest.csv)"
    return f"{head}: " + " · ".join(parts) if parts else head
