"""Explore on a dataset task with a video column (heads over ``frames:pixels`` frame tokens): a
test row plays its clip and draws attention and Integrated Gradients per frame token; an uploaded
clip is analysed the same way (AppTest)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fusion.embeddings.cache import EmbeddingCache
from fusion.embeddings.runs import load_dataset, train_head
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


def titles(at) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


def test_a_video_row_and_an_uploaded_clip_are_explored_per_frame_token(runs, video_dataset, monkeypatch) -> None:  # noqa: F811
    at = explore(runs, monkeypatch, video_dataset.name)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [p.split("**")[1] for p in predictions(at)] == ["early", "late", "hybrid"]
    assert len(at.get("video")) == 1  # the row's clip
    shown = titles(at)
    assert sum(t.startswith("attention on the video tokens") for t in shown) >= 2  # late and hybrid; early concat too
    assert sum(t.startswith("IG on video") for t in shown) == 3
    assert sum(t.startswith("frames' contributions to P(") for t in shown) == 3  # over the heads' frame tokens
    at.radio(key="explore_kind").set_value("my own files").run()
    at.file_uploader(key="explore_upload_video").set_value(
        ("drawn.mov", clips.drawn_clip(5, "down", clips.SETTINGS[2]), "video/quicktime"))
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert len(at.get("video")) == 1 and sum(t.startswith("IG on video") for t in titles(at)) == 3
