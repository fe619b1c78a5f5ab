"""The one Explore page on a dataset task (heads trained over frozen encoders on a dataset folder):
test rows side by side, and your own files where one is bad (AppTest, cheap built-in encoders)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fusion.embeddings.cache import EmbeddingCache
from fusion.embeddings.runs import load_dataset, train_head
from fusion.viz.explore import one_line
from tests.app.test_explore import ASSETS, predictions

ROOT = Path(__file__).resolve().parents[2]
CHEAP = {"image": "pixels", "audio": "logmel", "text": "words"}
RUN, TASK = "heads", "digits-small"


@pytest.fixture(scope="module")
def runs(small_dataset, session_cache, tmp_path_factory) -> Path:
    """A run with early, late and hybrid heads (one epoch) on the small exported dataset."""
    root = tmp_path_factory.mktemp("runs")
    dataset = load_dataset(small_dataset, CHEAP, cache=EmbeddingCache(session_cache), progress=False)
    for name in ("early", "late", "hybrid"):
        train_head(dataset, name, root / RUN, epochs=1, progress=False)
    return root


@pytest.fixture()
def explore(runs, session_cache, monkeypatch):
    monkeypatch.setenv("FUSION_USER_DIR", str(runs))
    monkeypatch.setenv("FUSION_CACHE_DIR", str(session_cache))

    def run(**state) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        for key, value in {"task": TASK, "source": RUN, "explore_gradients": True, **state}.items():  # IG's section open
            at.session_state[key] = value
        return at.run()

    return run


def test_a_test_row_is_explored_side_by_side_without_corruption_sliders(explore) -> None:
    at = explore()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Explore"
    assert not at.slider  # a dataset task has no corruption
    assert [t.label for t in at.toggle][:3] == ["remove the audio", "remove the image", "remove the text"]
    assert at.segmented_control(key="explore_view").value == "side by side"
    assert [p.split("**")[1] for p in predictions(at)] == ["early", "late", "hybrid"]
    titles = [one_line(json.loads(c.proto.spec)["layout"]["title"]["text"]) for c in at.get("plotly_chart")]
    assert sum(t.startswith("IG on image") for t in titles) == 3
    assert any("line" in m.value and "manifest.csv" in m.value for m in at.markdown)


def test_a_bad_upload_is_one_error_and_the_valid_caption_is_still_analysed(explore) -> None:
    at = explore(explore_kind="my own files")
    assert not at.exception and not predictions(at)
    at.file_uploader(key="explore_upload_image").set_value(("bad.png", (ASSETS / "corrupt.png").read_bytes(), "image/png"))
    at.text_input(key="explore_text").input("a handwritten seven")
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "bad.png: Could not read the image: the data is not in an image format Pillow recognises; "
        "upload a PNG, JPEG, BMP, GIF or WebP file."]  # named once, no doubled prefix
    assert [p.split("**")[1] for p in predictions(at)] == ["early", "late", "hybrid"]  # the caption alone
    waterfall = next(t for c in at.get("plotly_chart") for t in json.loads(c.proto.spec)["data"] if t["type"] == "waterfall")
    assert waterfall["x"] == ["no modality", "text", "all present"]


def test_a_typed_caption_is_shown_as_plain_text_never_markdown(explore) -> None:
    at = explore(explore_kind="my own files")
    caption = "![t](http://example.com/p.png) [x](http://example.com)"
    at.text_input(key="explore_text").input(caption)
    at.run()
    assert not at.exception
    assert caption in [t.value for t in at.text]
    assert not any("example.com" in m.value for m in at.markdown)
