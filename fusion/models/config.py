"""Model configuration: a small frozen dataclass, turned into JSON beside each checkpoint."""

from __future__ import annotations

import dataclasses
import json
import numbers
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from fusion.errors import ConfigError
from fusion.modalities import list_modalities

FUSION_STRATEGIES = ("early", "late", "hybrid")
UNIMODAL = "unimodal"
# What hybrid fusion's cross-modal attention reads as keys: the other modalities' tokens after their
# own self-attention stacks ("encoded"), or their embedded input tokens before it ("input"), so that
# each key is one input token rather than a mixture of them.
CROSS_ATTENTION_KEYS = ("encoded", "input")

# Bounds on every number of a config, checked before anything is built (a checkpoint's config.json
# is user input): nothing larger than these is ever allocated.
LIMITS = {
    "width": (1, 1024),
    "heads": (1, 64),
    "depth": (1, 32),
    "num_classes": (2, 10_000),
    "features": (1, 16_384),  # an encoder's embedding size
    "tokens": (1, 4096),  # an encoder's token vectors
}
MAX_MLP_RATIO = 16.0
MAX_VOCABULARY = 100_000
MAX_NAME_CHARS = 200  # task, operator, combiner, encoder, class and vocabulary word names


def _check_int(name: str, value: Any) -> None:
    low, high = LIMITS[name]
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConfigError(f"{name} must be a whole number in {low}..{high}, got {_short(value)}")
    if not low <= value <= high:
        raise ConfigError(f"{name} must be in {low}..{high}, got {value:,}")


def _check_name(name: str, value: Any, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or not 0 < len(value) <= MAX_NAME_CHARS:
        raise ConfigError(f"{name} must be a non-empty string of at most {MAX_NAME_CHARS} characters, "
                          f"got {_short(value)}")


def _check_names(name: str, values: Any, most: int) -> None:
    if not isinstance(values, (list, tuple)):
        raise ConfigError(f"{name} must be a list of strings, got {type(values).__name__}")
    if len(values) > most:
        raise ConfigError(f"{name} has {len(values):,} entries, more than the {most:,} limit")
    for value in values:
        _check_name(f"each of {name}", value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


@dataclass(frozen=True, order=True)
class EncoderInput:
    """A head's input for one modality: ``encoder``'s embeddings of ``features`` values, either
    ``tokens`` > 1 token vectors (padded; see fusion.modalities.embedding) or 1 pooled vector."""

    modality: str
    encoder: str
    features: int
    tokens: int = 1

    def __post_init__(self) -> None:
        if self.modality not in list_modalities():
            raise ConfigError(f"bad encoder input: modality {_short(self.modality)} is not one of "
                              f"{', '.join(list_modalities())}")
        _check_name("an encoder's name", self.encoder)
        _check_int("features", self.features)
        _check_int("tokens", self.tokens)


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild a model. ``depth`` is the number of transformer blocks of the
    strategy's main stack (joint for early, per modality for late, unimodal for hybrid)."""

    task: str
    strategy: str  # early | late | hybrid | unimodal
    modalities: tuple[str, ...]
    num_classes: int
    operator: str | None = None  # early and hybrid
    combiner: str | None = None  # late and unimodal
    width: int = 32
    heads: int = 2
    depth: int = 2
    mlp_ratio: float = 2.0
    dropout: float = 0.1
    vocabulary: tuple[str, ...] = field(default=(), repr=False)
    # Fusion heads over frozen encoders (the "your data" path): one EncoderInput per modality; the
    # model then reads embeddings instead of raw inputs. ``classes`` names the classes.
    encoders: tuple[EncoderInput, ...] = ()
    classes: tuple[str, ...] = ()
    cross_attention_keys: str = "encoded"  # hybrid only: one of CROSS_ATTENTION_KEYS

    def __post_init__(self) -> None:
        for name in ("modalities", "vocabulary", "classes", "encoders"):
            value = getattr(self, name)
            if isinstance(value, (str, bytes, dict)) or not isinstance(value, Iterable):
                raise ConfigError(f"{name} must be a list, got {type(value).__name__}")
            object.__setattr__(self, name, tuple(value))
        self._check_values()
        object.__setattr__(self, "modalities", tuple(sorted(self.modalities)))
        object.__setattr__(self, "encoders", tuple(sorted(
            (e if isinstance(e, EncoderInput) else _encoder_input(e)) for e in self.encoders)))
        if self.strategy not in (*FUSION_STRATEGIES, UNIMODAL):
            known = ", ".join((*FUSION_STRATEGIES, UNIMODAL))
            raise ConfigError(f"unknown strategy {self.strategy!r}; choose one of: {known}")
        unknown = [m for m in self.modalities if m not in list_modalities()]
        if unknown or not self.modalities:
            raise ConfigError(
                f"unknown or no modalities {unknown}; choose from: {', '.join(list_modalities())}"
            )
        if self.strategy == UNIMODAL and len(self.modalities) != 1:
            raise ConfigError("a unimodal model takes exactly one modality")
        if self.encoders:
            if [e.modality for e in self.encoders] != list(self.modalities):
                raise ConfigError(f"a head over encoders needs one encoder per modality ({', '.join(self.modalities)})")
        elif "text" in self.modalities and not self.vocabulary:
            raise ConfigError("a model that reads text needs a vocabulary")
        if self.classes and len(self.classes) != self.num_classes:
            raise ConfigError(f"{len(self.classes)} class names for {self.num_classes} classes")
        if self.cross_attention_keys not in CROSS_ATTENTION_KEYS:
            raise ConfigError(f"cross_attention_keys must be one of {', '.join(CROSS_ATTENTION_KEYS)}, "
                              f"got {_short(self.cross_attention_keys)}")
        if self.cross_attention_keys != "encoded" and (self.strategy != "hybrid" or self.operator == "bottleneck"):
            raise ConfigError("cross_attention_keys applies to hybrid fusion's cross-modal attention only "
                              "(not to other strategies or the bottleneck operator)")

    def _check_values(self) -> None:
        """Types and ranges of every field (ConfigError, one line), before anything else reads them."""
        _check_name("task", self.task)
        _check_name("strategy", self.strategy)
        _check_name("operator", self.operator, optional=True)
        _check_name("combiner", self.combiner, optional=True)
        _check_names("modalities", self.modalities, len(list_modalities()))
        if len(set(self.modalities)) != len(self.modalities):
            raise ConfigError(f"modalities must not repeat, got {list(self.modalities)}")
        for name in ("num_classes", "width", "heads", "depth"):
            _check_int(name, getattr(self, name))
        if self.width % self.heads:
            raise ConfigError(f"heads ({self.heads}) must divide width ({self.width})")
        for name, value, low, high, closed in (("mlp_ratio", self.mlp_ratio, 0.0, MAX_MLP_RATIO, True),
                                               ("dropout", self.dropout, 0.0, 1.0, False)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ConfigError(f"{name} must be a number, got {_short(value)}")
            inside = (low < value <= high) if closed else (low <= value < high)
            if not inside:
                bounds = f"({low:g}, {high:g}]" if closed else f"[{low:g}, {high:g})"
                raise ConfigError(f"{name} must be in {bounds}, got {value!r}")
        _check_names("vocabulary", self.vocabulary, MAX_VOCABULARY)
        _check_names("classes", self.classes, LIMITS["num_classes"][1])
        if len(self.encoders) > len(list_modalities()):
            raise ConfigError(f"encoders must be a list of at most {len(list_modalities())} encoder inputs")

    def encoder_input(self, modality: str) -> EncoderInput | None:
        """What the model reads for ``modality`` when it is a head over a frozen encoder, else None."""
        return next((e for e in self.encoders if e.modality == modality), None)

    @property
    def name(self) -> str:
        """The name used in results: the strategy, or the modality for a unimodal baseline."""
        return self.modalities[0] if self.strategy == UNIMODAL else self.strategy

    def replace(self, **changes: Any) -> ModelConfig:
        return dataclasses.replace(self, **changes)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2)

    @classmethod
    def from_dict(cls, data: Any) -> ModelConfig:
        """A config from parsed JSON: every key known, every value of the right type and range
        (ConfigError otherwise, one line)."""
        if not isinstance(data, dict):
            raise ConfigError(f"a model config must be a JSON object, not {type(data).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(map(str, set(data) - known))
        if unknown:
            raise ConfigError(f"unknown model config keys: {_short(', '.join(unknown))}")
        missing = [name for name in ("task", "strategy", "modalities", "num_classes") if name not in data]
        if missing:
            raise ConfigError(f"missing model config keys: {', '.join(missing)}")
        data = dict(data)
        for name in ("modalities", "vocabulary", "classes", "encoders"):
            value = data.get(name, ())
            if not isinstance(value, (list, tuple)):
                raise ConfigError(f"{name} must be a list, got {type(value).__name__}")
            data[name] = tuple(value)
        if len(data["encoders"]) > len(list_modalities()):
            raise ConfigError(f"encoders must be a list of at most {len(list_modalities())} encoder inputs")
        data["encoders"] = tuple(map(_encoder_input, data["encoders"]))
        return cls(**data)


def _encoder_input(value: Any) -> EncoderInput:
    """An EncoderInput from JSON: an object with its fields, or a list of them in order."""
    fields = [f.name for f in dataclasses.fields(EncoderInput)]
    if isinstance(value, dict):
        unknown = sorted(map(str, set(value) - set(fields)))
        if unknown or not {"modality", "encoder", "features"} <= set(value):
            raise ConfigError(f"an encoder input needs modality, encoder, features (and tokens), got {_short(value)}")
        return EncoderInput(**value)
    if isinstance(value, (list, tuple)) and 3 <= len(value) <= len(fields):
        return EncoderInput(*value)
    raise ConfigError(f"an encoder input must be an object with {', '.join(fields)}, got {_short(value)}")
