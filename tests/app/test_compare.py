"""The Compare page renders every model of the sidebar's task, with its charts, for both tasks."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", autouse=True)
def result_cache_dir(tmp_path_factory):
    """One results folder for this module: the first test computes Compare's numbers, the last one
    reads them back as a restarted server would."""
    with pytest.MonkeyPatch.context() as patch:
        folder = tmp_path_factory.mktemp("cache")
        patch.setenv("FUSION_CACHE_DIR", str(folder))
        yield folder


def _choose_task(at: AppTest, task: str) -> None:
    """Pick ``task`` in the sidebar. After ``switch_page`` AppTest (1.67) drops the entrypoint's
    sidebar widgets from its element tree when the app sits beside a ``pages/`` folder, so fall back
    to the widget's session-state key, which is what the sidebar selectbox writes."""
    boxes = [box for box in at.selectbox if box.key == "task"]
    if boxes:
        boxes[0].set_value(task)
    else:
        at.session_state["task"] = task
    at.run()


def test_the_compare_page_shows_every_model_and_follows_the_sidebar_task() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/compare.py").run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    table = at.dataframe[0].value
    assert set(table["model"]) == {"early", "late", "hybrid", "audio", "image", "text"}
    assert {"kind", "parameters", "test accuracy", "nll", "latency median ms"} <= set(table.columns)
    # accuracy, confusion, calibration, robustness, missing, EMAP, accuracy against FLOPs and latency, cost as tokens grow
    assert len(at.get("plotly_chart")) == 9
    faithfulness = at.dataframe[1].value  # the deletion test of every model's maps
    assert set(faithfulness["model"]) == {"early", "late", "hybrid", "audio", "image", "text"}
    assert set(faithfulness["modality"]) == {"audio", "image", "text"}
    assert (faithfulness["attention on padding"] == 0).all() and (faithfulness["n"] == 360).all()  # every test row
    costs = at.dataframe[2].value
    assert list(costs.columns) == ["model", "parameters", "FLOPs", "latency median ms", "latency IQR ms",
                                   "peak memory MB", "test accuracy"]
    assert (costs["FLOPs"] > costs["parameters"]).all()

    _choose_task(at, "match")
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert list(at.dataframe[0].value["model"]) == ["early", "late", "hybrid"]
    assert len(at.get("plotly_chart")) == 9
    assert set(at.selectbox(key="compare_confusion_model").options) == {"early", "late", "hybrid"}
    # EMAP states its scale, and the scale can be switched
    emap = [c for c in at.get("plotly_chart") if "EMAP" in c.proto.spec]
    assert len(emap) == 1 and "on the probability scale" in emap[0].proto.spec
    at.radio(key="compare_emap_scale").set_value("log_probability").run()
    assert not at.exception
    assert any("on the log-probability scale" in c.proto.spec for c in at.get("plotly_chart"))


def test_a_task_without_corruption_is_not_called_corrupted() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/compare.py").run()
    assert any("standard corruption" in c.value for c in at.caption)  # digits has one
    _choose_task(at, "match")
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert any("clean test split" in c for c in captions) and not any("standard corruption" in c for c in captions)


def test_a_restarted_server_reads_compares_numbers_from_disk(result_cache_dir, monkeypatch) -> None:
    """After the tests above computed them: with Streamlit's in-memory caches gone (a new server
    process), nothing slow is computed again, and the numbers are the same."""
    import streamlit as st

    import ui.compare

    before = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    before.switch_page("pages/compare.py").run()
    table = before.dataframe[0].value
    st.cache_data.clear()

    def refuse(*args, **kwargs):
        raise AssertionError("recomputed instead of read from disk")

    for name in ("comparison_table", "confusion_matrix", "missing_modality_accuracy", "robustness", "task_interactions"):
        monkeypatch.setattr(ui.compare, name, refuse)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/compare.py").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.dataframe[0].value.equals(table)
    assert {p.name.split("-")[0] for p in (result_cache_dir / "results").glob("*.json")} >= {
        "comparison", "confusion", "robustness", "calibration", "emap", "cost", "scaling"}  # built-in tasks
