"""The Train page: a tiny run trains in the background and becomes a model source."""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from fusion.models.catalog import model_sources
from fusion.names import SHIPPED
from ui.state import cached_models

ROOT = Path(__file__).resolve().parents[2]


def test_a_tiny_run_trains_and_appears_in_the_sidebar(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    shipped = cached_models("digits", SHIPPED)  # loaded by the first page (Explore), shared by every session
    at.switch_page("pages/train.py").run()
    assert not at.exception
    at.selectbox(key="train_strategy").set_value("early")
    at.number_input(key="train_epochs").set_value(1)
    at.checkbox(key="train_tiny").check()
    at.text_input(key="train_run").input("tiny-1")
    at.button[[b.label for b in at.button].index("Start")].click().run()
    assert not at.exception
    job = at.session_state["train_job"]
    assert job.join(60), job.progress().message
    assert job.progress().status == "finished", job.progress().message
    assert "tiny-1" in model_sources("digits")
    stale = cached_models("digits", "tiny-1")  # as if the run's name had been loaded before
    computed: list[int] = []

    @st.cache_data
    def by_name(run: str) -> int:  # stands for an analysis or a Compare number, cached by names
        computed.append(1)
        return len(computed)

    assert by_name("tiny-1") == by_name("tiny-1") == 1
    at.run()
    assert not at.exception
    assert any("now selectable" in m.value for m in at.markdown)
    assert cached_models("digits", SHIPPED) is shipped  # the new run is loaded afresh, nothing else
    assert cached_models("digits", "tiny-1") is not stale
    assert by_name("tiny-1") == 2  # numbers cached by the run's name are computed again (a model may be new)


def test_an_invalid_run_name_is_shown_as_an_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FUSION_USER_DIR", str(tmp_path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.switch_page("pages/train.py").run()
    at.text_input(key="train_run").input("../x")
    at.button[[b.label for b in at.button].index("Start")].click().run()
    assert not at.exception
    assert any("not allowed" in e.value for e in at.error)
    assert not any(tmp_path.iterdir())
