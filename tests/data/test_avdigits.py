"""Properties of the committed AV-Digits data and of its loader."""

from __future__ import annotations

import collections
import itertools
import re

import numpy as np
import pytest
import soundfile as sf

from fusion.data import avdigits
from fusion.data.avdigits import (
    MAX_AUDIO_SAMPLES,
    SAMPLE_RATE,
    SPLITS,
    TASKS,
    default_root,
    load_clip,
    load_task,
)

NUMBER = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine".split())}


@pytest.fixture(scope="module")
def clean():
    """{(task, split): TaskSplit} without corruption."""
    return {(t, s): load_task(t, s, corruption={}) for t in TASKS for s in SPLITS}


def test_images_file():
    images = np.load(default_root() / "images.npy", allow_pickle=False)
    assert images.dtype == np.uint8 and images.shape == (1797, 8, 8)
    assert images.min() == 0 and images.max() == 16


@pytest.mark.parametrize("task", TASKS)
def test_splits_partition_the_1797_samples(clean, task):
    parts = [set(clean[task, s].index.tolist()) for s in SPLITS]
    assert sum(map(len, parts)) == len(set().union(*parts)) == 1797
    assert [len(clean[task, s]) for s in SPLITS] == [1077, 360, 360]


def test_speakers_disjoint_across_splits(clean):
    speakers = {s: set(clean["digits", s].speaker) | set(clean["match", s].speaker) for s in SPLITS}
    for a, b in itertools.combinations(SPLITS, 2):
        assert not speakers[a] & speakers[b], (a, b)
    assert len(set().union(*speakers.values())) >= 40
    assert [len(speakers[s]) for s in SPLITS] == [48, 12, 12]


def test_every_clip_is_mono_16k_and_fits():
    paths = sorted((default_root() / "audio").glob("*.flac"))
    assert len(paths) == 720
    for path in paths:
        info = sf.info(path)
        assert (info.samplerate, info.channels, info.subtype) == (SAMPLE_RATE, 1, "PCM_16"), path
        assert 0.2 * SAMPLE_RATE < info.frames <= MAX_AUDIO_SAMPLES, path


def test_arrays_shapes_dtypes_and_padding(clean):
    data = clean["digits", "val"]
    n = len(data)
    assert data.image.dtype == np.float32 and data.image.shape == (n, 8, 8)
    assert 0.0 <= data.image.min() and data.image.max() <= 1.0
    assert data.audio.dtype == np.float32 and data.audio.shape == (n, MAX_AUDIO_SAMPLES)
    for name in ("audio_length", "label", "index", "image_digit", "audio_digit", "speaker"):
        assert getattr(data, name).dtype == np.int64 and getattr(data, name).shape == (n,), name
    assert len(data.text) == n and all(isinstance(t, str) and t for t in data.text)
    padding = np.arange(MAX_AUDIO_SAMPLES) >= data.audio_length[:, None]
    assert np.all(data.audio[padding] == 0.0)
    assert np.allclose(np.abs(data.audio).max(axis=1), 0.9, atol=1e-3)  # peak-normalised


def test_clean_image_is_raw_over_16(clean):
    raw = np.load(default_root() / "images.npy", allow_pickle=False)
    data = clean["digits", "test"]
    np.testing.assert_array_equal(data.image * 16, raw[data.index])


def test_load_clip_matches_task_audio(clean):
    data = clean["match", "test"]
    clip = f"s{data.speaker[0]:02d}_d{data.audio_digit[0]}"
    wave = load_clip(clip)
    assert wave.dtype == np.float32 and len(wave) == data.audio_length[0]
    np.testing.assert_array_equal(wave, data.audio[0, :len(wave)])


def test_digits_task_pairs_same_digit(clean):
    for split in SPLITS:
        data = clean["digits", split]
        np.testing.assert_array_equal(data.audio_digit, data.image_digit)
        np.testing.assert_array_equal(data.label, data.image_digit)
        assert set(data.label.tolist()) == set(range(10))


def test_digits_task_spreads_clips_over_speakers(clean):
    counts = collections.Counter(clean["digits", "train"].speaker.tolist())
    assert len(counts) == 48 and max(counts.values()) - min(counts.values()) <= 10


def test_match_task_labels_and_balance(clean):
    for split in SPLITS:
        data = clean["match", split]
        np.testing.assert_array_equal(data.label, data.image_digit == data.audio_digit)
        assert abs(2 * int(data.label.sum()) - len(data)) <= 1, split
        negatives = data.audio_digit[data.label == 0]
        assert len(set(negatives.tolist())) == 10  # mismatched digits vary


def test_match_uses_the_digits_split_of_each_image(clean):
    for split in SPLITS:
        match, digits = clean["match", split], clean["digits", split]
        assert set(match.index.tolist()) == set(digits.index.tolist())


def test_text_only_best_possible_accuracy_is_partial(clean):
    """Majority digit per unique caption (fitted on train) must not solve the task."""
    train, test = clean["digits", "train"], clean["digits", "test"]
    votes = collections.defaultdict(collections.Counter)
    for caption, digit in zip(train.text, train.label):
        votes[caption][digit] += 1
    fallback = collections.Counter(train.label.tolist()).most_common(1)[0][0]
    predicted = [votes[c].most_common(1)[0][0] if c in votes else fallback for c in test.text]
    accuracy = float(np.mean(np.array(predicted) == test.label))
    assert 0.15 <= accuracy <= 0.45, accuracy


def _caption_allows(caption: str, digit: int) -> bool:
    """Whether every fact stated in the caption is true of the digit."""
    text = f" {caption} "
    if "not divisible by two" in text or " odd " in text:
        ok = digit % 2 == 1
    elif "divisible by two" in text or " even " in text:
        ok = digit % 2 == 0
    else:
        ok = True
    if re.search(r"not a multiple of three|not divisible by three|three does not divide", text):
        ok &= digit % 3 != 0
    elif re.search(r"multiple of three|divisible by three|divided by three", text):
        ok &= digit % 3 == 0
    words = r"(zero|one|two|three|four|five|six|seven|eight|nine)"
    for low, high in re.findall(rf"(?:between|from|range|at least) {words} (?:and|to|and at most) "
                                rf"{words}", text):
        ok &= NUMBER[low] <= digit <= NUMBER[high]
    for bound in re.findall(rf"(?:less|smaller) than {words}", text):
        ok &= digit < NUMBER[bound]
    for bound in re.findall(rf"(?:greater|bigger) than {words}", text):
        ok &= digit > NUMBER[bound]
    return ok


def test_captions_are_short_lowercase_and_never_lie(clean):
    for split in SPLITS:
        data = clean["digits", split]
        for caption, digit in zip(data.text, data.label):
            assert caption == caption.lower() and len(caption.split()) <= 12, caption
            assert _caption_allows(caption, int(digit)), (caption, digit)
    assert not _caption_allows("a digit between two and four", 7)  # the checker can fail


def test_standard_corruption_is_applied_and_deterministic(clean):
    noisy = load_task("digits", "val")
    again = load_task("digits", "val")
    reseeded = load_task("digits", "val", seed=1)
    assert not np.allclose(noisy.image, clean["digits", "val"].image)
    assert not np.allclose(noisy.audio, clean["digits", "val"].audio)
    np.testing.assert_array_equal(noisy.audio, again.audio)
    assert not np.allclose(noisy.audio, reseeded.audio)
    np.testing.assert_array_equal(noisy.label, clean["digits", "val"].label)


def test_returned_arrays_do_not_alias_the_cache():
    first = load_task("match", "val", corruption={})
    first.audio[:] = 1.0
    first.image[:] = 1.0
    second = load_task("match", "val", corruption={})
    assert second.audio[0, -1] == 0.0 and second.image.min() == 0.0


def test_raw_data_is_cached():
    load_task("match", "test", corruption={})
    hits = avdigits._clip_bank.cache_info().hits
    load_task("match", "test", corruption={})
    assert avdigits._clip_bank.cache_info().hits == hits + 1


@pytest.mark.parametrize(("args", "choices"), [
    (("digit", "train"), "digits"),
    (("digits", "validation"), "val"),
    (("match", "train", {"text": 0.5}), "audio"),
    (("digits", "train", {"video": 0.5}), "image"),
])
def test_bad_choices_name_the_valid_ones(args, choices):
    with pytest.raises(ValueError, match=choices):
        load_task(*args)


def test_bad_clip_names_raise():
    with pytest.raises(ValueError, match="s07_d3"):
        load_clip("../images")
    with pytest.raises(ValueError, match="no clip"):
        load_clip("s99_d1")


def test_a_few_rows_decode_only_their_clips_and_equal_the_split() -> None:
    """Explore's one sample decodes its own clip, not the bank of all 720; the values are the same."""
    avdigits._clip_bank.cache_clear()
    few = load_task("digits", "test", rows=[3, 14])
    assert avdigits._clip_bank.cache_info().currsize == 0
    whole = load_task("digits", "test")
    for field in ("audio", "audio_length", "image", "label", "index"):
        assert np.array_equal(getattr(few, field), getattr(whole, field)[[3, 14]]), field
