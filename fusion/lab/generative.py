"""The interaction lab's synthetic tasks: AV-Digits rows relabelled so that the label's partial
information decomposition is known by construction.

A row pairs a handwritten digit (image) with a spoken digit (audio), each 0, 1 or 2
(:data:`LAB_DIGITS`: the rows of the other digits are left out, so that small models learn each
side's digit in seconds); each side's **symbol** is its digit, and the label has three classes.
A row's label comes from one of three mechanisms, drawn with the weights of a :class:`Mix` (hidden
from the models):

- **redundancy**: the clip is drawn with the image's digit, and the label is that shared digit
  (either modality alone tells it);
- **uniqueness**: the clip is drawn independently, and the label is the image's digit (only the
  image tells it);
- **synergy**: the clip is drawn independently, and the label is (image digit + audio digit) mod 3
  (neither alone says anything; both together say everything). An additive rule (late fusion:
  one probability vector per modality, averaged, then argmax) can still be right on 7 of its 9
  cells (0.778; a binary XOR: 3 of 4), checked by linear programming in
  tests/lab/test_generative.py; but any average of per-modality probabilities puts exactly 1/3 on
  the true label on average, so its cross-entropy is never below chance's and a trained late model
  stays near chance (1/3), where on a binary XOR it found the 3-of-4 rule (0.776 measured).

A mix uses the same three mechanisms, so its synergistic part is the sum mod 3 too.
The truth is the BROJA decomposition of the exact generative distribution p(image digit, audio
digit, label) with uniform digits (:func:`truth`). A pure kind is log2 3 = 1.585 bits of its atom;
a mixture is what dit computes for that distribution (not simply the weights: a hidden mechanism
blurs the label).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fusion.errors import ConfigError
from fusion.evaluation.pid import Decomposition, decompose
from fusion.lab import KINDS

SOURCES = ("image", "audio")  # the image is the source of unique information
LAB_DIGITS = (0, 1, 2)  # each side's symbol; also the label's classes
CLASSES = len(LAB_DIGITS)


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
    """The exact p(image digit, audio digit, label) ``[3, 3, 3]`` of the generative process."""
    n = CLASSES
    joint = np.zeros((n, n, n))
    for a in range(n):
        for b in range(n):
            joint[a, b, a] += mix.redundancy * (a == b) / n + mix.uniqueness / n**2
            joint[a, b, synergy_label(a, b)] += mix.synergy / n**2
    return joint


def synergy_label(image_digit, audio_digit):
    """The synergy mechanism's label: (image digit + audio digit) mod 3 (ints or arrays)."""
    return (image_digit + audio_digit) % CLASSES


def truth(mix: Mix) -> Decomposition:
    """The ground-truth PID (bits) of a mix, computed by dit on the exact distribution."""
    return decompose(generative_joint(mix), SOURCES)


def draw_pairs(image_digits: np.ndarray, audio_digits: np.ndarray, mix: Mix, rows: int,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``rows`` lab rows from a split: (image row, audio row, label), the rows indices into the
    split's images and clips, drawn by the generative process (each digit uniform over :data:`LAB_DIGITS`, then a row of
    that digit uniformly, with repetition)."""
    if rows < 1:
        raise ConfigError(f"a lab split needs at least one row, got {rows}")
    of_digit = {side: [np.flatnonzero(digits == d) for d in LAB_DIGITS]
                for side, digits in (("image", image_digits), ("audio", audio_digits))}
    image_digit = rng.integers(0, CLASSES, rows)
    mechanism = rng.choice(len(KINDS), size=rows, p=np.array(mix.weights))
    audio_digit = np.where(mechanism == 0, image_digit, rng.integers(0, CLASSES, rows))
    image, audio = (_rows_of(of_digit[side], digits, rng)
                    for side, digits in (("image", image_digit), ("audio", audio_digit)))
    label = np.where(mechanism == 2, synergy_label(image_digit, audio_digit), image_digit)
    return image, audio, label.astype(np.int64)


def _rows_of(pools: list[np.ndarray], digits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each digit, a row drawn uniformly from the rows of that digit."""
    rows = np.empty(len(digits), dtype=np.int64)
    for value, pool in enumerate(pools):
        chosen = digits == value
        rows[chosen] = rng.choice(pool, size=int(chosen.sum()))
    return rows
