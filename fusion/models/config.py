"""Model configuration: a small frozen dataclass, turned into JSON beside each checkpoint."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from fusion.errors import ConfigError
from fusion.modalities import list_modalities

FUSION_STRATEGIES = ("early", "late", "hybrid")
UNIMODAL = "unimodal"


@dataclass(frozen=True, order=True)
class EncoderInput:
    """A head's input for one modality: ``encoder``'s embeddings of ``features`` values, either
    ``tokens`` > 1 token vectors (padded; see fusion.modalities.embedding) or 1 pooled vector."""

    modality: str
    encoder: str
    features: int
    tokens: int = 1

    def __post_init__(self) -> None:
        if self.modality not in list_modalities() or int(self.features) < 1 or int(self.tokens) < 1:
            raise ConfigError(f"bad encoder input {self!r}: modality one of {', '.join(list_modalities())}, "
                              "features and tokens at least 1")


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

    def __post_init__(self) -> None:
        object.__setattr__(self, "modalities", tuple(sorted(self.modalities)))
        object.__setattr__(self, "vocabulary", tuple(self.vocabulary))
        object.__setattr__(self, "classes", tuple(self.classes))
        object.__setattr__(self, "encoders", tuple(sorted(
            (e if isinstance(e, EncoderInput) else EncoderInput(*e)) for e in self.encoders)))
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
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown model config keys: {', '.join(unknown)}")
        data = dict(data)
        data["modalities"] = tuple(data.get("modalities", ()))
        data["vocabulary"] = tuple(data.get("vocabulary", ()))
        data["classes"] = tuple(data.get("classes", ()))
        data["encoders"] = tuple(EncoderInput(**e) if isinstance(e, dict) else EncoderInput(*e) for e in data.get("encoders", ()))
        return cls(**data)
