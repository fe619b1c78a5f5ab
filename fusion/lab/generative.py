"""The interaction lab's synthetic tasks: AV-Digits rows relabelled so that the label's partial
information decomposition is known by construction.

A row pairs a handwritten digit (image) with a spoken digit (audio), both 0 or 1
(:data:`LAB_DIGITS`: the rows of the other digits are left out, so that small models learn each
side's bit in seconds); each side's **bit** is its digit. A row's label comes from one of three mechanisms, drawn with the weights of a
:class:`Mix` (hidden from the models):

- **redundancy**: the clip is drawn with the image's digit, and the label is that shared bit
  (either modality alone tells it);
- **uniqueness**: the clip is drawn independently, and the label is the image's bit (only the
  image tells it);
- **synergy**: the clip is drawn independently, and the label is image bit XOR audio bit (neither
  alone says anything; both together say everything).

The truth is the BROJA decomposition of the exact generative distribution p(image bit, audio bit,
label) with uniform bits (:func:`truth`). A pure kind is 1 bit of its atom; a mixture is what dit
computes for that distribution (not simply the weights: a hidden mechanism blurs the label).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fusion.errors import ConfigError
from fusion.evaluation.pid import Decomposition, decompose
from fusion.lab import KINDS
SOURCES = ("image", "audio")  # the image is the source of unique information
LAB_DIGITS = (0, 1)


@dataclass(frozen=True)
class Mix:
    """Weights of the three mechanisms (normalised to sum to 1)."""

    redundancy: float
    uniqueness: float
    synergy: float

    def __post_init__(self) -> None:
        weights = (self.redundancy, self.uniqueness, self.synergy)
        if not all(np.isfinite(w) and w >= 0 for w in weights) or sum(weights) <= 0:
            raise ConfigError(f"a mix needs three non-negative weights R,U,S, not all 0; got {weights}")
        total = sum(weights)
        for name, weight in zip(KINDS, weights):
            object.__setattr__(self, name, float(weight) / total)

    @property
    def weights(self) -> tuple[float, float, float]:
        return (self.redundancy, self.uniqueness, self.synergy)

    @property
    def label(self) -> str:
        pure = [kind for kind, w in zip(KINDS, self.weights) if w == 1.0]
        return pure[0] if pure else "mix " + ",".join(f"{w:.2f}" for w in self.weights)


def pure(kind: str) -> Mix:
    if kind not in KINDS:
        raise ConfigError(f"unknown lab kind {kind!r}; choose one of: {', '.join(KINDS)}")
    return Mix(*(1.0 if k == kind else 0.0 for k in KINDS))


def parse_mix(text: str) -> Mix:
    """``"R,U,S"`` (three non-negative numbers) -> a Mix."""
    parts = text.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 3:
        raise ConfigError(f"--mix takes three numbers R,U,S (e.g. 0.5,0,0.5); got {text!r}")
    return Mix(*values)


def generative_joint(mix: Mix) -> np.ndarray:
    """The exact p(image bit, audio bit, label) ``[2, 2, 2]`` of the generative process."""
    joint = np.zeros((2, 2, 2))
    for a in (0, 1):
        for b in (0, 1):
            joint[a, b, a] += mix.redundancy * (a == b) / 2 + mix.uniqueness / 4
            joint[a, b, a ^ b] += mix.synergy / 4
    return joint


def truth(mix: Mix) -> Decomposition:
    """The ground-truth PID (bits) of a mix, computed by dit on the exact distribution."""
    return decompose(generative_joint(mix), SOURCES)


def draw_pairs(image_digits: np.ndarray, audio_digits: np.ndarray, mix: Mix, rows: int,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``rows`` lab rows from a split: (image row, audio row, label), the rows indices into the
    split's images and clips, drawn by the generative process (each bit uniform, then a row of
    that digit uniformly, with repetition)."""
    if rows < 1:
        raise ConfigError(f"a lab split needs at least one row, got {rows}")
    of_digit = {side: [np.flatnonzero(digits == d) for d in LAB_DIGITS]
                for side, digits in (("image", image_digits), ("audio", audio_digits))}
    image_bit = rng.integers(0, 2, rows)
    mechanism = rng.choice(len(KINDS), size=rows, p=np.array(mix.weights))
    audio_bit = np.where(mechanism == 0, image_bit, rng.integers(0, 2, rows))
    image, audio = (_rows_of(of_digit[side], bits, rng) for side, bits in (("image", image_bit), ("audio", audio_bit)))
    label = np.where(mechanism == 2, image_bit ^ audio_bit, image_bit)
    return image, audio, label.astype(np.int64)


def _rows_of(pools: list[np.ndarray], bits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each bit, a row drawn uniformly from the rows of that digit."""
    rows = np.empty(len(bits), dtype=np.int64)
    for value, pool in enumerate(pools):
        chosen = bits == value
        rows[chosen] = rng.choice(pool, size=int(chosen.sum()))
    return rows
