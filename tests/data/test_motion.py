"""The motion task's generator: the committed table, its splits, determinism, balance, and that
neither modality alone says anything about the label."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import torch

from fusion.data import motion
from fusion.data.avdigits import _table, default_root
from fusion.errors import InputError
from fusion.tasks import get_task
from fusion.video_io import VIDEO_FRAMES


@pytest.fixture(scope="module")
def splits() -> dict[str, motion.MotionSplit]:
    return {split: motion.load_motion(split) for split in ("train", "val", "test")}


def test_the_committed_table_is_what_the_build_script_writes(tmp_path) -> None:
    path = tmp_path / "clips.csv"
    motion.write_table(path, motion.build_table())
    assert path.read_text() == (motion.motion_root() / "clips.csv").read_text()


def test_splits_keep_the_avdigits_split_and_are_disjoint() -> None:
    samples = _table(default_root(), "samples.csv")
    with (motion.motion_root() / "clips.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    images = {s: {int(r["image_index"]) for r in rows if r["split"] == s} for s in ("train", "val", "test")}
    for split, chosen in images.items():
        assert chosen == set(samples["index"][samples["split"] == split].tolist()), split
    assert not images["train"] & images["val"] and not images["train"] & images["test"] and not images["val"] & images["test"]


def test_rows_are_deterministic_and_a_row_alone_equals_that_row_of_the_split(splits) -> None:
    again = motion.load_motion("test")
    assert np.array_equal(again.video, splits["test"].video) and again.text == splits["test"].text
    row = motion.load_motion("test", rows=[7])
    assert np.array_equal(row.video[0], splits["test"].video[7]) and row.text[0] == splits["test"].text[7]
    task = get_task("motion")
    sample = task.sample(7)
    assert np.array_equal(sample.values["video"], splits["test"].video[7]) and sample.label == splits["test"].label[7]
    with pytest.raises(InputError, match="0..359"):
        task.sample(360)


def test_labels_are_balanced_and_captions_describe_the_positive_clips(splits) -> None:
    for split, data in splits.items():
        assert abs(data.label.mean() - 0.5) <= 0.5 / len(data), split
        positive = data.label == 1
        assert np.array_equal(positive, (data.digit == data.caption_digit) & (data.direction == data.caption_direction))
        wrong_digit = data.digit != data.caption_digit
        wrong_direction = data.direction != data.caption_direction
        for kind in (wrong_digit & ~wrong_direction, ~wrong_digit & wrong_direction, wrong_digit & wrong_direction):
            assert 0.2 <= kind[~positive].mean() <= 0.46, split
    assert len({text.split()[1] for text in splits["train"].text}) > 3, "several phrasings"
    assert motion.caption(7, 2, 0) == "a seven moving up" and motion.caption(7, 2, 1) == "the digit 7 goes upward"


def test_clips_move_the_digit_one_pixel_a_frame_in_their_direction(splits) -> None:
    clean = motion.render(np.ones((4, 8, 8), np.float32), np.arange(4), np.full(4, 4), np.arange(4))
    mass = clean > 0.7
    column = (mass.sum(axis=2) * np.arange(16)).sum(-1) / mass.sum(axis=(2, 3))
    row = (mass.sum(axis=3) * np.arange(16)).sum(-1) / mass.sum(axis=(2, 3))
    assert np.all(np.diff(column[0]) < 0) and np.all(np.diff(column[1]) > 0)  # left, right
    assert np.all(np.diff(row[2]) < 0) and np.all(np.diff(row[3]) > 0)  # up, down
    video = splits["test"].video
    assert video.shape == (360, VIDEO_FRAMES, 16, 16) and 0 <= video.min() and video.max() <= 1


def test_shuffling_keeps_the_frames_and_loses_their_order(splits) -> None:
    shuffled = motion.load_motion("test", condition="frames_shuffled")
    original = splits["test"].video
    assert np.allclose(np.sort(shuffled.video.reshape(360, 8, -1).sum(-1), 1), np.sort(original.reshape(360, 8, -1).sum(-1), 1))
    assert not np.array_equal(shuffled.video, original)


def test_video_corruption_adds_noise_and_drops_frames(splits) -> None:
    corrupted = motion.load_motion("test", {"video": 1.0})
    dropped = (corrupted.video.reshape(360, 8, -1).max(-1) == 0).mean()
    assert 0.4 <= dropped <= 0.6
    assert np.array_equal(motion.load_motion("test", {"video": 0.0}).video, splits["test"].video)


def _probe_accuracy(train: np.ndarray, train_labels: np.ndarray, test: np.ndarray, test_labels: np.ndarray) -> float:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=300, C=1.0).fit(train, train_labels).score(test, test_labels)


def _bag_of_words(texts: list[str]) -> np.ndarray:
    vocabulary = get_task("motion").vocabulary()
    from fusion.modalities.text import encode_texts

    ids = encode_texts(texts, vocabulary)
    return torch.nn.functional.one_hot(ids, len(vocabulary)).sum(1).numpy()


def test_each_modality_alone_is_at_chance(splits) -> None:
    train, test = splits["train"], splits["test"]
    pooled = {s: d.video.reshape(len(d), 8, 8, 2, 8, 2).mean((3, 5)).reshape(len(d), -1) for s, d in (("train", train), ("test", test))}
    video = _probe_accuracy(pooled["train"], train.label, pooled["test"], test.label)
    text = _probe_accuracy(_bag_of_words(train.text), train.label, _bag_of_words(test.text), test.label)
    assert abs(video - 0.5) <= 0.08 and abs(text - 0.5) <= 0.08, (video, text)


def test_an_uploaded_sample_is_corrupted_as_rows_are() -> None:
    task = get_task("motion")
    sample = task.sample(0, corruption={})
    corrupted = task.corrupt(sample, {"video": 1.0, "text": 0.5})
    assert not np.array_equal(corrupted.values["video"], sample.values["video"])
    assert len(corrupted.values["text"].split()) <= len(sample.values["text"].split())
    assert task.corrupt(sample, {}) == sample or np.array_equal(task.corrupt(sample, {}).values["video"], sample.values["video"])
