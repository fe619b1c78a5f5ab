"""Properties of load-time corruption: determinism, batch independence, calibrated strength."""

from __future__ import annotations

import numpy as np
import pytest

from fusion.data import load_task
from fusion.data.avdigits import train_image_pca
from fusion.data.corruption import (
    IMAGE_KINDS,
    apply_corruption,
    corrupt_audio,
    corrupt_image,
    corrupt_text,
    pink_noise,
)


@pytest.fixture(scope="module")
def val():
    return load_task("digits", "val", corruption={})


@pytest.fixture(scope="module")
def train_images():
    return load_task("digits", "train", corruption={}).image


def _corrupt(modality: str, data, level: float, seed: int, rows=slice(None), kind: str = "pca"):
    """Corrupt the chosen rows of one modality of a TaskSplit."""
    index = data.index[rows]
    if modality == "audio":
        return corrupt_audio(data.audio[rows], data.audio_length[rows], level, seed, index)
    if modality == "text":
        return corrupt_text(np.array(data.text, dtype=object)[rows].tolist(), level, seed, index)
    return corrupt_image(data.image[rows], level, seed, index, kind=kind, pca=train_image_pca())


CASES = [("audio", "pca"), ("text", "pca")] + [("image", kind) for kind in IMAGE_KINDS]


@pytest.mark.parametrize(("modality", "kind"), CASES)
def test_level_zero_is_identity(val, modality, kind):
    out = _corrupt(modality, val, 0.0, 3, kind=kind)
    expected = val.text if modality == "text" else getattr(val, modality)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(expected))


@pytest.mark.parametrize(("modality", "kind"), CASES)
def test_same_seed_same_output_other_seed_differs(val, modality, kind):
    rows = slice(0, 40)
    first = _corrupt(modality, val, 0.5, 3, rows, kind)
    again = _corrupt(modality, val, 0.5, 3, rows, kind)
    np.testing.assert_array_equal(np.asarray(first), np.asarray(again))
    other = _corrupt(modality, val, 0.5, 4, rows, kind)
    if kind == "pca" and modality == "image":
        np.testing.assert_array_equal(first, other)  # deterministic: the seed is unused
    else:
        assert not np.array_equal(np.asarray(first), np.asarray(other))


@pytest.mark.parametrize(("modality", "kind"), CASES)
def test_sample_corruption_does_not_depend_on_the_batch(val, modality, kind):
    whole = _corrupt(modality, val, 0.5, 3, slice(0, 60), kind)
    part = _corrupt(modality, val, 0.5, 3, slice(50, 9, -3), kind)  # other rows, other order
    np.testing.assert_array_equal(np.asarray(part), np.asarray(whole)[50:9:-3])


@pytest.mark.parametrize("level", [-0.01, 1.01, float("nan"), "high", None])
@pytest.mark.parametrize(("modality", "kind"), CASES)
def test_out_of_range_level_raises(val, modality, kind, level):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        _corrupt(modality, val, level, 0, slice(0, 4), kind)


def test_load_task_validates_levels():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        load_task("digits", "test", corruption={"audio": 1.5})


def test_index_must_match_batch(val):
    with pytest.raises(ValueError, match="indices"):
        corrupt_image(val.image[:5], 0.5, 0, val.index[:4], kind="noise")


def test_unknown_modality_or_kind_raises(val):
    with pytest.raises(ValueError, match="image"):
        apply_corruption(val.image, val.audio, val.audio_length, val.text, val.index,
                         {"smell": 0.5}, seed=0)
    with pytest.raises(ValueError, match="occlusion"):
        corrupt_image(val.image, 0.5, 0, val.index, kind="blur")


# ------------------------------------------------------------------------------------------ image
@pytest.mark.parametrize("level", [0.05, 0.3, 0.5, 0.75, 0.97])
def test_pca_keeps_one_minus_level_of_the_train_energy(train_images, level):
    pca = train_image_pca()
    flat = train_images.reshape(len(train_images), -1).astype(np.float64)
    kept = pca.keep_energy(train_images, 1.0 - level).reshape(len(flat), -1)
    energy = np.sum((kept - pca.mean) ** 2) / np.sum((flat - pca.mean) ** 2)
    assert abs(energy - (1.0 - level)) < 0.02


def test_pca_corruption_weakens_smoothly_and_ends_at_the_mean(train_images):
    pca = train_image_pca()
    index = np.arange(len(train_images))
    levels = np.linspace(0.0, 1.0, 21)
    errors = [np.mean((corrupt_image(train_images, lv, 0, index, pca=pca) - train_images) ** 2)
              for lv in levels]
    assert np.all(np.diff(errors) > 0)                    # more level, further from the image
    assert np.max(np.diff(errors)) < 3 * np.mean(np.diff(errors))  # no jumps
    fully = corrupt_image(train_images[:3], 1.0, 0, index[:3], pca=pca)
    np.testing.assert_allclose(fully, np.clip(pca.mean, 0, 1).reshape(1, 8, 8).repeat(3, 0),
                               atol=1e-6)
    standard = corrupt_image(train_images, 0.75, 0, index, pca=pca)
    assert standard.dtype == np.float32 and 0.0 <= standard.min() and standard.max() <= 1.0


def test_noise_std_and_occlusion_square():
    gray, ones = np.full((200, 8, 8), 0.5, np.float32), np.ones((50, 8, 8), np.float32)
    noisy = corrupt_image(gray, 0.1, 0, np.arange(200), kind="noise")
    assert abs(float(np.std(noisy - gray)) - 0.1) < 0.005
    for level, side in [(0.3, 2), (0.5, 4), (1.0, 8)]:
        occluded = corrupt_image(ones, level, 0, np.arange(50), kind="occlusion")
        zeros = occluded == 0.0
        assert np.all(zeros.sum(axis=(1, 2)) == side * side)
        rows, cols = zeros.any(axis=2).sum(axis=1), zeros.any(axis=1).sum(axis=1)
        assert np.all(rows == side) and np.all(cols == side)  # a square, not scattered pixels
    assert len({occluded.tobytes() for occluded in
                corrupt_image(ones, 0.5, 0, np.arange(50), kind="occlusion")}) > 5


# ------------------------------------------------------------------------------------------ audio
@pytest.mark.parametrize("level", [0.1, 0.5, 0.6, 1.0])
def test_audio_snr_matches_request(val, level):
    rows = slice(0, 80)
    clean, lengths = val.audio[rows], val.audio_length[rows]
    noise = corrupt_audio(clean, lengths, level, 7, val.index[rows]) - clean
    real = np.arange(clean.shape[1]) < lengths[:, None]
    signal_power = np.sum(np.where(real, clean, 0) ** 2, axis=1)
    noise_power = np.sum(np.where(real, noise, 0) ** 2, axis=1)
    measured = 10 * np.log10(signal_power / noise_power)
    assert np.all(np.abs(measured - (20 - 40 * level)) < 1.0), measured
    padding = ~real
    assert padding.any() and np.all(noise[padding] == 0)  # the padding after the clip stays silent (the models mask it)
    assert np.all(np.abs(noise[real]) > 0)  # the noise covers the whole clip


def test_noise_is_pink():
    noise = pink_noise(np.arange(32), 16000, seed=0)
    power = np.abs(np.fft.rfft(noise, axis=1)) ** 2
    frequency = np.fft.rfftfreq(16000, 1 / 16000)

    def density(low, high):
        return power[:, (frequency >= low) & (frequency < high)].mean()

    octave = [power[:, (frequency >= f) & (frequency < 2 * f)].sum() for f in (200, 400, 800, 1600)]
    assert 16 < density(100, 200) / density(3200, 6400) < 64  # 1/f: 32x across five octaves
    assert np.ptp(octave) / np.mean(octave) < 0.2               # equal energy per octave
    np.testing.assert_allclose(np.mean(noise**2, axis=1), 1.0, rtol=1e-4)


# ------------------------------------------------------------------------------------------- text
def test_word_dropout_rate_and_order(val):
    out = corrupt_text(val.text, 0.3, 0, val.index)
    kept = sum(len(t.split()) for t in out) / sum(len(t.split()) for t in val.text)
    assert abs(kept - 0.7) < 0.05
    for before, after in zip(val.text, out):
        words = iter(before.split())
        assert all(word in words for word in after.split())  # an ordered subsequence
    assert corrupt_text(val.text, 1.0, 0, val.index) == [""] * len(val.text)


def test_load_task_applies_requested_corruption():
    dropped = load_task("digits", "test", corruption={"text": 1.0})
    assert set(dropped.text) == {""}
    clean = load_task("digits", "test", corruption={})
    assert dropped.image.tobytes() == clean.image.tobytes()  # only the named modality changes
