"""The Lab page: choose a task, train at the smallest settings, and see the five figures; the
PID chart's truth is the task's known decomposition."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def open_lab() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/lab.py").run()
    assert not at.exception
    return at


def test_lab_trains_and_draws_the_truth_beside_the_measurement() -> None:
    at = open_lab()
    assert any("Train and measure" in i.value for i in at.info)
    at.segmented_control(key="lab_kind").set_value("synergy").run()
    at.slider(key="lab_epochs").set_value(1)
    at.select_slider(key="lab_pairs").set_value(256)
    at.button(key="lab_run").click().run(timeout=280)
    assert not at.exception
    charts = at.get("plotly_chart")
    assert len(charts) == 5
    figure = json.loads(charts[0].proto.spec)
    truth = next(trace for trace in figure["data"] if trace["name"] == "truth")
    assert truth["x"] == ["redundancy", "unique image", "unique audio", "synergy"]
    assert truth["y"] == [0.0, 0.0, 0.0, 1.585]  # log2 3 bits: the sum mod 3 of two uniform digits
    assert figure["layout"]["yaxis"]["title"]["text"] == "information (bits)"


def test_a_mix_shows_three_weight_sliders() -> None:
    at = open_lab()
    at.segmented_control(key="lab_kind").set_value("mix").run()
    assert not at.exception
    assert {s.key for s in at.slider} >= {"lab_redundancy", "lab_uniqueness", "lab_synergy"}


def test_learn_links_to_the_lab() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/learn.py").run()
    assert not at.exception
    links = [e for e in at.get("page_link") if "lab" in e.proto.page]
    assert links and "interaction lab" in links[0].proto.label
