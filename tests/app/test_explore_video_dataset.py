"""Explore on a dataset task with a video column (heads over ``frames:pixels`` frame tokens): a
test row plays its clip, shows its frame strip and draws attention, Integrated Gradients and the
frames' Shapley values per frame token on the strip; an uploaded clip is analysed the same way
(AppTest)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fusion.embeddings.cache import EmbeddingCache
from fusion.embeddings.runs import load_dataset, train_head
from fusion.viz import video
from fusion.viz.explore import ATTENTION_BAR, ATTRIBUTION_BAR, one_line
from tests.app.test_explore import predictions
from tests.embeddings.test_video_dataset import video_dataset  # noqa: F401 - pytest fixture
from tools import drawn_clips as clips

ROOT = Path(__file__).resolve().parents[2]
RUN = "video-heads"


@pytest.fixture(scope="module")
def runs(video_dataset, tmp_path_factory) -> tuple[Path, Path]:  # noqa: F811
    root, cache = tmp_path_factory.mktemp("runs"), tmp_path_factory.mktemp("cache")
    dataset = load_dataset(video_dataset, {"video": "frames:pixels", "text": "words"}, cache=EmbeddingCache(cache),
                           progress=False)
    for name in ("early", "late", "hybrid"):
        train_head(dataset, name, root / RUN, epochs=1, progress=False)
    return root, cache


def explore(runs, monkeypatch, task: str) -> AppTest:
    monkeypatch.setenv("FUSION_USER_DIR", str(runs[0]))
    monkeypatch.setenv("FUSION_CACHE_DIR", str(runs[1]))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["task"], at.session_state["source"] = task, RUN
    at.session_state["explore_gradients"] = True  # Integrated Gradients' section open
    return at.run()


def strips(at, start: str) -> list[dict]:
    """The figures whose title starts with ``start`` that are drawn on the clip's frame strip."""
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return [s for s in specs if one_line(s["layout"]["title"]["text"]).startswith(start) and s["data"][0]["type"] == "image"]


def check_on_the_strip(spec: dict, bar: str, frames: int = 8) -> None:
    """One value per frame token over its frame (a layer as wide as the strip, NaN over the gaps),
    a tick per frame and a colour bar in the values' units."""
    picture, overlay = spec["data"][0], spec["data"][1]
    assert picture["source"].startswith("data:image/png;base64,")
    assert overlay["type"] == "heatmap" and overlay["showscale"] and overlay["colorbar"]["title"]["text"] == bar
    row = overlay["z"][0]
    assert sum(v is None for v in row) == (frames - 1) * video.PICTURE_GAP  # the gaps between frames
    assert len({v for v in row if v is not None}) <= frames


def test_a_video_row_and_an_uploaded_clip_are_explored_per_frame_token(runs, video_dataset, monkeypatch) -> None:  # noqa: F811
    at = explore(runs, monkeypatch, video_dataset.name)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [p.split("**")[1] for p in predictions(at)] == ["early", "late", "hybrid"]
    assert len(at.get("video")) == 1  # the row's clip
    (clip,) = strips(at, "video: 8 frames evenly over the clip")  # what the frame encoder reads
    assert clip["layout"]["xaxis"]["ticktext"] == [f"frame {t}" for t in range(1, 9)]
    attention = strips(at, "attention on the video tokens")
    assert len(attention) >= 2  # late and hybrid; early concat too
    for spec in attention:
        check_on_the_strip(spec, ATTENTION_BAR)
        shares = [int(t.split(": ")[1].rstrip("%")) for t in spec["layout"]["xaxis"]["ticktext"]]
        assert len(shares) == 8 and abs(sum(shares) - 100) <= 4  # each frame's share, rounded
    gradients = strips(at, "IG on video")
    assert len(gradients) == 3
    for spec in gradients:
        check_on_the_strip(spec, ATTRIBUTION_BAR)
    contributions = strips(at, "frames' contributions to P(")
    assert len(contributions) == 3  # over the heads' frame tokens, 4 segments of 2 frames
    for spec in contributions:
        check_on_the_strip(spec, spec["data"][1]["colorbar"]["title"]["text"])
        assert spec["data"][1]["colorbar"]["title"]["text"].startswith("ΔP(") and len(spec["layout"]["xaxis"]["ticktext"]) == 4
    at.radio(key="explore_kind").set_value("my own files").run()
    at.file_uploader(key="explore_upload_video").set_value(
        ("drawn.mov", clips.drawn_clip(5, "down", clips.SETTINGS[2]), "video/quicktime"))
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert len(at.get("video")) == 1 and len(strips(at, "video: 8 frames evenly over the clip")) == 1
    assert len(strips(at, "IG on video")) == 3 and len(strips(at, "attention on the video tokens")) >= 2
