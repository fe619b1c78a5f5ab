"""Load-time corruption of each modality, so that no single modality solves a task by itself.

Every function takes a level in [0, 1] (0 = clean) and the samples' dataset indices. Randomness is
drawn per sample from ``np.random.default_rng([seed, modality code, sample index])``, so a sample is
corrupted the same way whichever batch it arrives in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

MODALITY_CODES = {"image": 1, "audio": 2, "text": 3}
IMAGE_KINDS = ("pca", "noise", "occlusion")
_PINK_FLOOR = 1e-3  # lowest frequency (fraction of the sample rate) that 1/f shaping boosts
_CHUNK = 64  # waveforms per noise batch


def check_level(level: float) -> float:
    """The level as a float, or ValueError if it is not a number in [0, 1]."""
    try:
        value = float(level)
    except (TypeError, ValueError):
        raise ValueError(f"corruption level must be a number in [0, 1], got {level!r}") from None
    if math.isnan(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"corruption level must be in [0, 1], got {level!r}")
    return value


def sample_rng(seed: int, modality: str, index: int) -> np.random.Generator:
    """The random generator of one sample of one modality."""
    if int(seed) < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return np.random.default_rng([int(seed), MODALITY_CODES[modality], int(index)])


def _check_index(index: np.ndarray, count: int) -> np.ndarray:
    index = np.asarray(index, dtype=np.int64).reshape(-1)
    if len(index) != count:
        raise ValueError(f"got {len(index)} sample indices for {count} samples")
    return index


# ------------------------------------------------------------------------------------------ image
@dataclass(frozen=True, eq=False)
class PCABasis:
    """Principal components of flattened images: mean [D], components [K, D] (orthonormal rows),
    and the fraction of the total variance that each component explains [K] (sums to 1)."""

    mean: np.ndarray
    components: np.ndarray
    energy: np.ndarray

    @classmethod
    def fit(cls, images: np.ndarray) -> PCABasis:
        flat = np.asarray(images, dtype=np.float64).reshape(len(images), -1)
        mean = flat.mean(axis=0)
        _, singular, components = np.linalg.svd(flat - mean, full_matrices=False)
        energy = singular**2
        return cls(mean, components, energy / energy.sum())

    def weights(self, keep: float) -> np.ndarray:
        """Per-component scale that keeps exactly a fraction `keep` of the energy.

        Leading components are kept whole until the next one would exceed `keep`; that one is
        scaled by sqrt(remaining / its energy), so the kept energy is continuous in `keep`.
        """
        before = np.concatenate([[0.0], np.cumsum(self.energy)[:-1]])
        fraction = np.clip((keep - before) / np.maximum(self.energy, 1e-300), 0.0, 1.0)
        return np.sqrt(fraction)

    def keep_energy(self, images: np.ndarray, keep: float) -> np.ndarray:
        flat = np.asarray(images, dtype=np.float64).reshape(len(images), -1)
        if flat.shape[1] != self.mean.shape[0]:
            raise ValueError(f"PCA corruption expects images of {self.mean.shape[0]} pixels, "
                             f"got shape {tuple(np.shape(images))}")
        coefficients = (flat - self.mean) @ self.components.T
        kept = self.mean + (coefficients * self.weights(keep)) @ self.components
        return kept.reshape(np.shape(images))


def corrupt_image(images: np.ndarray, level: float, seed: int, index: np.ndarray,
                  kind: str = "pca", pca: PCABasis | None = None) -> np.ndarray:
    """Corrupt float images [N, H, W] with values in [0, 1].

    kind "pca" (AV-MNIST style) removes a fraction `level` of the PCA energy in the basis `pca`
    (for AV-Digits: ``fusion.data.avdigits.train_image_pca()``); it is deterministic. "noise" adds
    Gaussian noise with std `level`; "occlusion" zeroes a random square of side
    round(level * min(H, W)). The result is clipped to [0, 1].
    """
    level = check_level(level)
    if kind not in IMAGE_KINDS:
        raise ValueError(f"unknown image corruption kind {kind!r}; choose one of {IMAGE_KINDS}")
    images = np.array(images, dtype=np.float32)
    index = _check_index(index, len(images))
    if level == 0.0:
        return images
    if kind == "pca":
        if pca is None:
            raise ValueError("PCA corruption needs the PCA basis of the training images (pca=...)")
        out = pca.keep_energy(images, 1.0 - level)
    else:
        out = images.copy()
        height, width = images.shape[1:3]
        side = round(level * min(height, width))
        for i, sample in enumerate(index):
            rng = sample_rng(seed, "image", sample)
            if kind == "noise":
                out[i] += rng.normal(0.0, level, size=images.shape[1:]).astype(np.float32)
            elif side > 0:
                top, left = rng.integers(height - side + 1), rng.integers(width - side + 1)
                out[i, top:top + side, left:left + side] = 0.0
    return np.clip(out, 0.0, 1.0).astype(np.float32)


# ------------------------------------------------------------------------------------------ audio
def snr_db(level: float) -> float:
    """Signal-to-noise ratio of audio corruption: 20 dB at level 0 (unused), -20 dB at level 1."""
    return 20.0 - 40.0 * check_level(level)


def pink_noise(index: np.ndarray, length: int, seed: int) -> np.ndarray:
    """[len(index), length] unit-power noise with a 1/f power spectrum and no DC, one random
    stream per sample index.

    The spectrum of white Gaussian noise is itself complex Gaussian, so it is drawn directly and
    shaped by 1/sqrt(f): the same noise in distribution as filtering white noise, one FFT cheaper.
    """
    frequency = np.fft.rfftfreq(length)
    shape = np.where(frequency > 0, 1.0 / np.sqrt(np.maximum(frequency, _PINK_FLOOR)), 0.0)
    spectrum = np.empty((len(index), len(frequency)), dtype=np.complex64)
    for row, sample in enumerate(index):
        parts = sample_rng(seed, "audio", sample).standard_normal((2, len(frequency)), np.float32)
        spectrum[row].real, spectrum[row].imag = parts
    noise = np.fft.irfft(spectrum * shape.astype(np.float32), n=length, axis=1)
    noise /= np.sqrt(np.maximum(np.mean(noise**2, axis=1, keepdims=True), 1e-30))
    return noise.astype(np.float32, copy=False)


def _mean_power(waves: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Mean power of each row over its first `lengths[i]` samples (0 for an empty row)."""
    real = np.arange(waves.shape[1]) < lengths[:, None]
    return np.sum(np.where(real, waves, 0.0) ** 2, axis=1) / np.maximum(lengths, 1)


def corrupt_audio(waves: np.ndarray, lengths: np.ndarray, level: float, seed: int,
                  index: np.ndarray) -> np.ndarray:
    """Add pink noise over each clip of waveforms [N, T] at SNR 20 - 40 * level dB.

    The noise covers each sample's real (unpadded) part, its first `lengths[i]` samples, which set
    both the signal power and the noise power; the padding after the clip stays exactly zero, so
    the sample still says where its clip ends (the models mask the frames after it: see
    ``fusion.modalities.audio``). The result is not clipped to [-1, 1], which would
    change the SNR. Rows are processed in chunks, which keeps memory (and page faults) small.
    """
    level = check_level(level)
    waves = np.array(waves, dtype=np.float32)
    index = _check_index(index, len(waves))
    lengths = np.asarray(lengths, dtype=np.int64).reshape(-1)
    if len(lengths) != len(waves):
        raise ValueError(f"got {len(lengths)} lengths for {len(waves)} waveforms")
    if level == 0.0:
        return waves
    ratio = 10.0 ** (snr_db(level) / 10.0)
    for start in range(0, len(waves), _CHUNK):
        rows = slice(start, start + _CHUNK)
        noise = pink_noise(index[rows], waves.shape[1], seed)
        target = _mean_power(waves[rows], lengths[rows]) / ratio
        scale = np.sqrt(target / np.maximum(_mean_power(noise, lengths[rows]), 1e-30))
        inside = np.arange(waves.shape[1]) < lengths[rows, None]
        waves[rows] += np.where(inside, scale[:, None].astype(np.float32) * noise, np.float32(0.0))
    return waves


# ------------------------------------------------------------------------------------------- text
def corrupt_text(texts: Sequence[str], level: float, seed: int, index: np.ndarray) -> list[str]:
    """Word dropout: each whitespace-separated word is dropped with probability `level`."""
    level = check_level(level)
    index = _check_index(index, len(texts))
    if level == 0.0:
        return list(texts)
    out = []
    for text, sample in zip(texts, index):
        words = text.split()
        keep = sample_rng(seed, "text", sample).random(len(words)) >= level
        out.append(" ".join(w for w, k in zip(words, keep) if k))
    return out


# ------------------------------------------------------------------------------------------ batch
def apply_corruption(image: np.ndarray, audio: np.ndarray, audio_length: np.ndarray,
                     text: Sequence[str], index: np.ndarray, corruption: Mapping[str, float],
                     seed: int, image_kind: str = "pca", pca: PCABasis | None = None,
                     ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Corrupt the modalities named in `corruption` ({modality: level}); others pass unchanged."""
    unknown = sorted(set(corruption) - set(MODALITY_CODES))
    if unknown:
        raise ValueError(f"unknown modality {unknown[0]!r} in corruption; "
                         f"choose from {tuple(sorted(MODALITY_CODES))}")
    if "image" in corruption:
        image = corrupt_image(image, corruption["image"], seed, index, kind=image_kind, pca=pca)
    if "audio" in corruption:
        audio = corrupt_audio(audio, audio_length, corruption["audio"], seed, index)
    if "text" in corruption:
        text = corrupt_text(text, corruption["text"], seed, index)
    return image, audio, list(text)
