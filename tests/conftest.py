"""Shared fixtures: a tiny vocabulary, random model inputs and tiny model configs.

Deliberately independent of ``fusion.models.presets`` and ``fusion.data`` (they need data files): configs
are built directly from ``fusion.models.config.ModelConfig``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
import torch

from fusion.models.config import EncoderInput, ModelConfig
from fusion.modalities.audio import N_MELS, NUM_FRAMES, PADDING
from fusion.modalities.image import IMAGE_SIZE
from fusion.modalities.text import MAX_TEXT_TOKENS, PAD, UNK
from fusion.modalities.video import VIDEO_SHAPE

VOCABULARY = (PAD, UNK, "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


@dataclass(frozen=True)
class TinyTask:
    modalities: tuple[str, ...]
    num_classes: int
    unimodal: str  # the modality of this task's unimodal baseline


# A 3-modality 10-class task, a 2-modality 2-class task (the latter without text), and a video + text
# 2-class task (like the built-in motion task).
TINY_TASKS = {
    "tri": TinyTask(("audio", "image", "text"), 10, unimodal="text"),
    "duo": TinyTask(("audio", "image"), 2, unimodal="image"),
    "vid": TinyTask(("text", "video"), 2, unimodal="video"),
}


# The two model kinds every contract test runs over: the modalities' own tokenizers, and heads over
# frozen encoders (inputs are encoder embeddings: tokens x features plus a mask channel).
KINDS = ("built-in", "head")
HEAD_FEATURES = {"audio": 6, "image": 5, "text": 7, "video": 4}
HEAD_TOKENS = {"audio": 5, "image": 4, "text": 3, "video": 6}


def head_inputs(strategy: str, operator: str | None, modalities: Sequence[str]) -> tuple[EncoderInput, ...]:
    """Fake encoders for a tiny head: token inputs, or one pooled vector for early vector fusion
    (as ``fusion.embeddings.heads.head_config`` chooses)."""
    pooled = strategy == "early" and operator != "concat"
    return tuple(EncoderInput(m, f"fake-{m}", HEAD_FEATURES[m], 1 if pooled else HEAD_TOKENS[m]) for m in modalities)


def build_tiny_config(
    task: str, strategy: str, operator: str | None = None, combiner: str | None = None, kind: str = "built-in",
    **overrides: Any,
) -> ModelConfig:
    """A tiny ModelConfig (width 8, depth 1, 2 heads) of ``kind`` for one of ``TINY_TASKS``."""
    spec = TINY_TASKS[task]
    modalities = (spec.unimodal,) if strategy == "unimodal" else spec.modalities
    if kind == "head":
        overrides.setdefault("encoders", head_inputs(strategy, operator, modalities))
    settings: dict[str, Any] = dict(
        task=task,
        strategy=strategy,
        modalities=modalities,
        num_classes=spec.num_classes,
        operator=operator,
        combiner=combiner,
        width=8,
        heads=2,
        depth=1,
        mlp_ratio=2.0,
        dropout=0.1,  # non-zero so that forgetting eval mode would show
    )
    settings.update(overrides)
    reads_words = "text" in settings["modalities"] and not settings.get("encoders")
    settings.setdefault("vocabulary", VOCABULARY if reads_words else ())
    return ModelConfig(**settings)


def random_inputs(
    modalities: Sequence[str], batch: int = 4, seed: int = 0, vocab_size: int = len(VOCABULARY),
    config: ModelConfig | None = None,
) -> dict[str, torch.Tensor]:
    """Random model inputs: image ``[B, 8, 8]`` in [0, 1], audio log-mel ``[B, 32, 60]`` in [-1, 1]
    over a clip of 4..60 frames then padding,
    video ``[B, 8, 16, 16]`` in [0, 1],
    text ids ``[B, 16]`` with 1..16 real tokens per row followed by 0 padding. For a head
    (``config`` with encoders): embeddings ``[B, T, F + 1]``, 1..T real tokens per row, the last
    channel marking them."""
    generator = torch.Generator().manual_seed(seed)
    if config is not None and config.encoders:
        return {spec.modality: _random_embeddings(batch, spec, generator) for spec in config.encoders if spec.modality in modalities}
    make: dict[str, Callable[[], torch.Tensor]] = {
        "image": lambda: torch.rand(batch, IMAGE_SIZE, IMAGE_SIZE, generator=generator),
        "audio": lambda: _random_audio(batch, generator),
        "text": lambda: _random_text(batch, generator, vocab_size),
        "video": lambda: torch.rand(batch, *VIDEO_SHAPE, generator=generator),
    }
    return {m: make[m]() for m in modalities}


def _random_audio(batch: int, generator: torch.Generator) -> torch.Tensor:
    """Log-mel in [-1, 1] for a clip of 4..60 frames per row (row 0: 4), then padding, as
    ``AudioSpec.to_tensor`` makes it: the frames after the clip hold ``PADDING``."""
    spectrogram = torch.rand(batch, N_MELS, NUM_FRAMES, generator=generator) * 2 - 1
    ends = torch.randint(4, NUM_FRAMES + 1, (batch,), generator=generator)
    ends[0] = 4
    after = torch.arange(NUM_FRAMES) >= ends.unsqueeze(1)  # [B, 60]
    return torch.where(after.unsqueeze(1), torch.tensor(PADDING), spectrogram)


def _random_embeddings(batch: int, spec: EncoderInput, generator: torch.Generator) -> torch.Tensor:
    out = torch.zeros(batch, spec.tokens, spec.features + 1)
    lengths = torch.randint(1, spec.tokens + 1, (batch,), generator=generator)
    lengths[0] = 1
    for row, length in enumerate(lengths.tolist()):
        out[row, :length, :-1] = torch.randn(length, spec.features, generator=generator)
        out[row, :length, -1] = 1.0
    return out


def _random_text(batch: int, generator: torch.Generator, vocab_size: int) -> torch.Tensor:
    ids = torch.randint(1, vocab_size, (batch, MAX_TEXT_TOKENS), generator=generator)
    lengths = torch.randint(1, MAX_TEXT_TOKENS + 1, (batch,), generator=generator)
    lengths[0] = 1  # always exercise a row that is almost all padding
    return ids.masked_fill(torch.arange(MAX_TEXT_TOKENS) >= lengths.unsqueeze(1), 0)


@pytest.fixture(scope="session", autouse=True)
def _one_thread() -> None:
    """Tiny tensors: one intra-op thread is fastest, and on a busy 2-core machine OpenMP's
    spinning threads make tiny forward passes orders of magnitude slower."""
    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _seeded() -> None:
    """Every test starts from the same torch seed, so failures reproduce."""
    torch.manual_seed(0)


@pytest.fixture
def vocabulary() -> tuple[str, ...]:
    return VOCABULARY


@pytest.fixture
def tiny_config() -> Callable[..., ModelConfig]:
    """``tiny_config(task, strategy, operator=None, combiner=None, **overrides)``."""
    return build_tiny_config


@pytest.fixture
def make_inputs() -> Callable[..., dict[str, torch.Tensor]]:
    """``make_inputs(modalities, batch=4, seed=0, config=None)`` (a head's config: its embeddings)."""
    return random_inputs


@pytest.fixture
def inputs() -> dict[str, torch.Tensor]:
    """A batch of 4 for all three modalities."""
    return random_inputs(TINY_TASKS["tri"].modalities, batch=4)


@pytest.fixture(autouse=True, scope="session")
def _private_embedding_cache(tmp_path_factory):
    """No test writes embeddings into the user's real cache (~/.cache/fusion-explorer)."""
    import os

    previous = os.environ.get("FUSION_CACHE_DIR")
    os.environ["FUSION_CACHE_DIR"] = str(tmp_path_factory.mktemp("embedding-cache"))
    yield
    if previous is None:
        os.environ.pop("FUSION_CACHE_DIR", None)
    else:
        os.environ["FUSION_CACHE_DIR"] = previous

