"""What Explore analyses (fusion.explain.cases): presets, corruption defaults, samples from a test
row or from files (built-in and dataset tasks), one message per bad file, what a sample is."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fusion.explain.cases import (FILES, ROW, SIDE_BY_SIDE, Preset, build_sample, default_levels, describe,
                                  has_corruption, sample_views, upload_error)
from fusion.tasks import Sample, get_task
from fusion.tasks.dataset import task_from_record

ASSETS = Path(__file__).resolve().parents[1] / "assets"
DIGITS, MATCH = get_task("digits"), get_task("match")


@pytest.fixture()
def dataset_task(tmp_path):
    return task_from_record({"task": "mine", "folder": str(tmp_path), "classes": ["cat", "dog"],
                             "encoders": {"image": "pixels", "text": "words"}})


def test_a_preset_round_trips_and_defaults_to_side_by_side() -> None:
    preset = Preset(5, "late", corruption={"image": 0.0}, removed=("text",))
    assert Preset.from_dict(preset.to_dict()) == preset
    assert preset.view == SIDE_BY_SIDE
    assert Preset.from_dict({"sample": "3"}) == Preset(3)
    assert preset.removed_flags(DIGITS.modalities) == {"audio": False, "image": False, "text": True}
    with pytest.raises(ValueError, match="colour"):
        Preset.from_dict({"colour": "red"})
    with pytest.raises(ValueError, match="view"):
        Preset.from_dict({"view": "grid"})


def test_a_test_row_starts_at_the_standard_corruption_and_files_start_clean(dataset_task) -> None:
    assert default_levels(DIGITS, ROW) == {"audio": 0.8, "image": 0.75, "text": 0.0}
    assert default_levels(MATCH, FILES) == {"audio": 0.0, "image": 0.0}
    assert not has_corruption(dataset_task) and default_levels(dataset_task, ROW) == {}


def test_a_row_is_what_the_task_gives_for_it_minus_the_removed_modalities() -> None:
    sample, errors = build_sample(DIGITS, 3, {}, DIGITS.standard_corruption, removed=["text"])
    expected = DIGITS.sample(3)
    assert errors == {} and sample.modalities == ["audio", "image"]
    np.testing.assert_array_equal(sample.get("image"), expected.get("image"))
    assert sample.label == expected.label and sample.index == 3


def test_files_keep_the_valid_modalities_and_name_the_bad_one_once() -> None:
    files = {"image": (ASSETS / "corrupt.png").read_bytes(), "audio": (ASSETS / "tone.wav").read_bytes()}
    sample, errors = build_sample(DIGITS, None, files, {"audio": 0.0, "image": 0.0})
    assert sample.modalities == ["audio"] and list(errors) == ["image"]
    message = upload_error("image", errors["image"])
    assert message.startswith("Could not read the image: ") and message.lower().count("could not read") == 1
    assert upload_error("audio", "the clip is silent") == "Could not use the audio: the clip is silent"
    nothing, errors = build_sample(DIGITS, None, {"image": files["image"]}, {})
    assert nothing is None and list(errors) == ["image"]


def test_uploads_of_a_built_in_task_are_corrupted_at_the_sliders_levels() -> None:
    files = {"image": (ASSETS / "digit.png").read_bytes()}
    clean, _ = build_sample(DIGITS, None, files, {"image": 0.0})
    noisy, _ = build_sample(DIGITS, None, files, {"image": 1.0})
    assert not np.allclose(clean.get("image"), noisy.get("image"))


def test_a_dataset_tasks_files_stay_raw_and_a_bad_one_is_checked_by_its_encoder(dataset_task) -> None:
    files = {"image": (ASSETS / "corrupt.png").read_bytes(), "text": "a dog", "audio": b"not a modality of the task"}
    sample, errors = build_sample(dataset_task, None, files, {"image": 1.0}, encoders=dict(dataset_task.encoders))
    assert sample.values == {"text": "a dog"}  # raw text for the heads' encoder; levels are ignored
    assert list(errors) == ["image"] and not errors["image"].startswith("image:")


def test_describe_says_which_digit_is_written_and_which_spoken() -> None:
    sample = MATCH.sample(0)
    text = describe(MATCH, sample)
    assert f"written digit **{sample.facts['image digit']}**" in text
    assert f"spoken digit **{sample.facts['audio digit']}**" in text
    assert f"true class **{MATCH.classes[sample.label]}**" in text and text.startswith("test sample 0")
    assert describe(DIGITS, Sample({"text": "seven"})) == "your files"


def test_describe_says_what_a_motion_clip_shows_and_what_its_caption_says() -> None:
    from fusion.tasks import get_task

    motion = get_task("motion")
    facts = motion.sample(5).facts
    text = describe(motion, motion.sample(5))
    assert f"the clip shows a **{facts['video digit']}** moving **{facts['video direction']}**" in text
    assert f"the caption says a **{facts['caption digit']}** moving **{facts['caption direction']}**" in text


def test_built_in_views_are_what_the_models_see_and_a_heads_picture_is_the_given_image(dataset_task) -> None:
    views = sample_views(DIGITS, DIGITS.sample(0))
    assert np.asarray(views["image"]).shape == (8, 8) and np.asarray(views["audio"]).shape == (32, 60)
    picture = sample_views(dataset_task, Sample({"image": (ASSETS / "digit.png").read_bytes()}))["image"]
    assert picture.ndim == 3 and picture.shape[2] == 3
    assert sample_views(dataset_task, Sample({"text": "a cat"})) == {}


def test_a_dataset_clips_view_is_the_rgb_frames_the_frozen_encoders_decode(dataset_task) -> None:
    from fusion.video_io import ENCODER_FRAMES, decode_video_rgb
    from tools import drawn_clips as clips

    raw = clips.encode(clips.digit_clip(3, "up", 32, 12), "webm", "libvpx")
    frames = sample_views(dataset_task, Sample({"video": raw, "text": "a three"}))["video"]
    assert frames.shape == (ENCODER_FRAMES, 32, 32, 3) and np.array_equal(frames, decode_video_rgb(raw))



def test_a_case_round_trips_through_a_link_and_a_bad_link_opens_the_default() -> None:
    from fusion.explain.cases import Preset

    preset = Preset(sample=14, strategy="late", view="single", corruption={"audio": 0.5, "image": 0.25}, removed=("text",))
    query = preset.to_query()
    assert all(isinstance(v, str) for v in query.values())
    assert Preset.from_query(query, ("audio", "image", "text")) == preset
    assert Preset.from_query({"sample": "3", "levels": "audio:7,video:0.5", "removed": "smell"}, ("audio", "image")) == Preset(sample=3)
    assert Preset.from_query({"sample": "x"}, ("audio",)) is None and Preset.from_query({}, ("audio",)) is None


def test_a_silent_recording_gets_the_microphone_advice_and_an_upload_does_not() -> None:
    from fusion.explain.cases import recording_advice
    from fusion.io import SILENT_CLIP

    assert recording_advice([SILENT_CLIP, "other"], recorded=False) == [SILENT_CLIP, "other"]
    advised = recording_advice([SILENT_CLIP, "other"], recorded=True)
    assert advised[0].startswith(SILENT_CLIP) and "microphone" in advised[0] and advised[1] == "other"
