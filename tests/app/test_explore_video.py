"""Explore on the motion task (video + text) in Streamlit's AppTest: a built-in test row and an
uploaded clip (a font-drawn digit in a WebM, not a built-in image) show the clip in a player, the
frame strip, attention and Integrated Gradients on the strip, and the frames' Shapley values;
hostile uploads get one clear error and the rest of the page keeps working."""

from __future__ import annotations

import pytest

from fusion.viz.explore import one_line
from tests.app.test_explore import charts, explore, predictions, titles
from tools import drawn_clips as clips

STRIP = "video: 8 frames of 16×16 px"


def videos(at) -> list:
    return at.get("video")


def strip_ticks(at, prefix: str) -> list[list[str]]:
    return [spec["layout"]["xaxis"]["ticktext"] for spec in charts(at) if one_line(spec["layout"]["title"]["text"]).startswith(prefix)]


def yes_probability(at, model: str) -> float:
    spec = next(s for s in charts(at) if one_line(s["layout"]["title"]["text"]) == f"{model}: probabilities")
    return float(spec["data"][0]["y"][1])


def test_a_motion_test_row_shows_the_clip_the_strip_and_video_explanations() -> None:
    at = explore(task="motion", explore_gradients=True)  # Integrated Gradients' section open
    assert not at.exception and not at.error, [e.value for e in at.error]
    shown = titles(at)
    assert sum(t.startswith(STRIP) for t in shown) == 1
    assert len(videos(at)) == 1  # the frames the models see, in a player
    assert [p.split("**")[1] for p in predictions(at)] == ["early", "late", "hybrid"]
    assert sum(t.startswith("frames' contributions to P(") for t in shown) == 3  # temporal Shapley, every model
    assert sum(t.startswith("IG on video") for t in shown) == 3
    # attention on the frames, each strategy its own: the early model's joint attention (video tubes and
    # words in one transformer), the late model's own video network, the hybrid's text -> video cross-attention
    for title in ("joint attention on the frames", "video network's own attention", "text → video cross-attention"):
        assert sum(t.startswith(title) for t in shown) == 1, title
    assert not any("No attention map on the video" in c.value for c in at.caption)
    for prefix in ("joint attention", "text → video"):
        for ticks in strip_ticks(at, prefix):
            shares = [float(t.split(": ")[1].rstrip("%")) for t in ticks]
            assert len(shares) == 8 and sum(shares) == pytest.approx(100, abs=8)  # rounded per-frame shares of the mass


def test_an_uploaded_clip_made_elsewhere_is_analysed_with_its_caption() -> None:
    at = explore(task="motion")
    at.radio(key="explore_kind").set_value("my own files").run()
    webm = clips.drawn_clip(3, "left", clips.SETTINGS[1])
    at.file_uploader(key="explore_upload_video").set_value(("three-left.webm", webm, "video/webm"))
    at.text_input(key="explore_text").set_value("a three moving left")
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert len(videos(at)) == 1 and sum(t.startswith(STRIP) for t in titles(at)) == 1
    true = yes_probability(at, "early")
    at.text_input(key="explore_text").set_value("a three moving right").run()  # the opposite direction
    assert not at.exception and yes_probability(at, "early") < true  # the caption's direction is read from the clip


@pytest.mark.parametrize(("name", "data", "message"), [
    ("empty.mp4", lambda: clips.encode([], "mp4", "libx264", size=(32, 32)), "no frames"),
    ("cut.mp4", lambda: clips.drawn_clip(1, "up", clips.SETTINGS[0])[:700], "truncated"),
    ("picture.mp4", lambda: (__import__("pathlib").Path(__file__).parents[1] / "assets" / "digit.png").read_bytes(),
     "not a video"),
    ("caption.webm", lambda: b"a seven moving up, not a clip " * 40, "not a video"),
], ids=["zero-frames", "truncated", "wrong-type", "text"])
def test_a_hostile_video_gets_one_clear_error_and_the_caption_is_still_analysed(name, data, message) -> None:
    at = explore(task="motion")
    at.radio(key="explore_kind").set_value("my own files").run()
    at.file_uploader(key="explore_upload_video").set_value((name, data(), "video/mp4"))
    at.text_input(key="explore_text").set_value("a seven moving up")
    at.run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith(f"{name}: Could not use the video") and message in errors[0], errors
    assert [p.split("**")[1] for p in predictions(at)] == ["early", "late", "hybrid"]  # the text alone
    assert not videos(at) and not any(t.startswith(STRIP) for t in titles(at))

