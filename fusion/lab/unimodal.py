"""The lab's unimodal representations for the measured PID: per side, a small encoder trained on that
side's own label (its digit) over the training split's clean rows, whose hidden layer is clustered.

Why not the lab late model's branches (what ``pid`` clusters on a built-in task): a late model
learns only what its loss rewards, so on the redundancy task, where the audio answers alone, its
image branch told the digits apart poorly (a linear probe on it: 0.85 of test images) and the
measured redundancy was 0.82 of 1.585 bits; on synergy the clusters depended on the seed (1.49 /
1.14 / 1.44 bits at seeds 0 / 1 / 2). A representation learned from each modality alone, as the
unimodal features Liang et al. (2023) cluster, does not depend on the task's label. The estimate
is still one from data: the encoders and the k-means centres see training rows only, the number of
clusters is chosen on the validation split (:func:`choose_clusters`), and the joint is counted on the
test pairs. The encoder's size and weight decay were chosen on validation rows too (64 units, decay
1: the codes of a 16-unit, decay 1e-3 encoder named validation images' digits at 0.963–0.981; these
at 0.981–1.000, seeds 0–2).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from fusion.errors import ConfigError
from fusion.lab.generative import LAB_DIGITS

HIDDEN = 64  # units of the encoder's hidden layer: the representation that is clustered
DECAY = 1.0  # the MLP's L2 penalty (scikit-learn's alpha)
CLUSTER_RANGE = range(2, 7)  # candidate k-means clusters per side (each side holds one of 3 digits)


@dataclass(frozen=True)
class UnimodalEncoder:
    """Standardise, then one ReLU hidden layer of an MLP trained to name the side's digit."""

    mean: np.ndarray
    scale: np.ndarray
    weight: np.ndarray
    bias: np.ndarray
    accuracy: float  # digit accuracy of the whole MLP on the validation rows (a check, not used)

    def embed(self, rows: np.ndarray) -> np.ndarray:
        flat = np.asarray(rows, dtype=np.float64).reshape(len(rows), -1)
        return np.maximum(((flat - self.mean) / self.scale) @ self.weight + self.bias, 0.0)


def side_rows(split: str, side: str) -> tuple[np.ndarray, np.ndarray]:
    """A ``digits`` split's clean rows of one side whose digit is one of :data:`LAB_DIGITS`, and those digits."""
    from fusion.tasks.splits import tensor_split

    data = tensor_split("digits", split, {})
    digits = getattr(data.raw, f"{side}_digit")
    keep = np.isin(digits, LAB_DIGITS)
    return data.inputs[side].numpy()[keep], digits[keep]


def fit_encoder(side: str, seed: int) -> UnimodalEncoder:
    """The encoder of ``side``, trained on the training split (seeded, deterministic)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    rows, digits = side_rows("train", side)
    flat = rows.reshape(len(rows), -1).astype(np.float64)
    mean, scale = flat.mean(axis=0), flat.std(axis=0) + 1e-6
    mlp = MLPClassifier((HIDDEN,), alpha=DECAY, max_iter=300, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the hidden layer is what counts, checked by `accuracy`
        mlp.fit((flat - mean) / scale, digits)
    val_rows, val_digits = side_rows("val", side)
    accuracy = float(mlp.score((val_rows.reshape(len(val_rows), -1) - mean) / scale, val_digits))
    return UnimodalEncoder(mean, scale, mlp.coefs_[0], mlp.intercepts_[0], round(accuracy, 4))


def choose_clusters(fitted: np.ndarray, fitted_digits: np.ndarray, validation: np.ndarray,
                    validation_digits: np.ndarray, seed: int, candidates: range = CLUSTER_RANGE) -> int:
    """The smallest k (of ``candidates``) whose codes name the side's digit best on validation rows:
    k-means fitted on ``fitted``, each cluster named by its training rows' commonest digit, scored
    on ``validation``. (Silhouette, label-free, was tried first: it chose k = 2 on some seeds,
    merging two digits.) The fewest clusters keep the plug-in joint's cells full."""
    from sklearn.cluster import KMeans

    scores = {}
    for k in candidates:
        means = KMeans(n_clusters=k, random_state=seed, n_init=4).fit(fitted)
        names = {c: np.bincount(fitted_digits[means.labels_ == c]).argmax() for c in range(k)
                 if (means.labels_ == c).any()}
        named = np.array([names.get(c, -1) for c in means.predict(validation)])
        scores[k] = float((named == validation_digits).mean())
    if not scores:
        raise ConfigError("no candidate number of clusters")
    best = max(scores.values())
    return min(k for k, score in scores.items() if score == best)


@dataclass(frozen=True)
class SideCoder:
    """A side's encoder and the k-means centres fitted on its training embeddings: rows -> cluster codes."""

    encoder: UnimodalEncoder
    means: object  # a fitted sklearn KMeans
    clusters: int

    def codes(self, rows: np.ndarray) -> np.ndarray:
        return self.means.predict(self.encoder.embed(rows))


def fit_coder(side: str, seed: int, clusters: int | None = None) -> SideCoder:
    """Encoder, number of clusters (``clusters``, or :func:`choose_clusters`) and centres of ``side``."""
    from sklearn.cluster import KMeans

    encoder = fit_encoder(side, seed)
    rows, digits = side_rows("train", side)
    fitted = encoder.embed(rows)
    if clusters is None:
        val_rows, val_digits = side_rows("val", side)
        clusters = choose_clusters(fitted, digits, encoder.embed(val_rows), val_digits, seed)
    if not 2 <= clusters <= len(fitted):
        raise ConfigError(f"clusters must be in 2..{len(fitted)} (the training rows), got {clusters}")
    return SideCoder(encoder, KMeans(n_clusters=clusters, random_state=seed, n_init=4).fit(fitted), clusters)
