"""Stepping through test rows: Explore computes the next row's columns in the background
(``ui.ahead``), and what it then shows is what it would have computed on the click."""

from __future__ import annotations

import threading
import time

from tests.app.test_explore import explore
from ui import explore as page
from ui.ahead import Ahead


def test_a_job_is_handed_over_once_and_a_failed_one_not_at_all() -> None:
    ahead, started = Ahead(size=2), threading.Event()
    ahead.start("a", lambda: (started.set(), time.sleep(0.2), 41)[2])
    started.wait(5)
    ahead.start("a", lambda: 0)  # kept already: not started again
    assert ahead.take("a") == 41  # waits for the running job
    assert ahead.take("a") is None  # handed over once
    ahead.start("bad", lambda: 1 / 0)
    assert ahead.take("bad") is None  # the page computes it and shows the error itself
    for name in "xyz":
        ahead.start(name, lambda name=name: name)
    assert ahead.keys() == ["y", "z"]  # at most two kept, the oldest dropped

    queue, running, release = Ahead(size=4), threading.Event(), threading.Event()
    queue.start("running", lambda: (running.set(), release.wait())[1])
    queue.start("waiting", lambda: 2)
    running.wait(5)
    queue.drop_waiting()  # a quicker step passed the waiting job's row
    assert queue.keys() == ["running"]
    release.set()
    assert queue.take("running") is True


def kept_rows() -> set[int]:
    """The test rows whose columns are computed ahead (a key's fifth item is the row)."""
    return {key[4] for key in page.AHEAD.keys()}


def images(at) -> list[str]:
    return [image.proto.imgs[0].url for image in at.get("image")]


def test_the_next_row_is_computed_ahead_and_shown_as_computed_on_the_click(monkeypatch) -> None:
    for key in page.AHEAD.keys():
        page.AHEAD.take(key)
    stepping = explore(explore_interactive=False)
    assert not kept_rows()  # the first row shown: nothing ahead yet
    stepping.button(key="explore_next").click().run()
    assert kept_rows() == {2}  # a step forward: the next row is under way
    stepping.button(key="explore_next").click().run()
    assert not stepping.exception and not stepping.error
    assert kept_rows() == {3}  # row 2's columns were taken; row 3's are under way
    shown = images(stepping)

    def refuse(*args, **kwargs):
        raise AssertionError("analysed again")

    with monkeypatch.context() as patch:  # row 2's analyses, done ahead, are in the page's cache now
        patch.setattr(page, "explain_model", refuse)
        stepping.toggle(key="explore_interactive").set_value(True).run()  # the same row, other charts
        assert not stepping.exception and not stepping.error, [e.value for e in stepping.error]
        assert len(stepping.get("plotly_chart")) == 3 + 3 * 5
    stepping.toggle(key="explore_interactive").set_value(False).run()
    fresh = explore(explore_interactive=False, explore_index=2)  # row 2 computed on the page itself
    assert shown == images(fresh) and len(images(fresh)) == 3 + 3 * 5

    stepping.button(key="explore_prev").click().run()
    assert 0 in kept_rows()  # a step back (to row 1) looks back

    before = set(page.AHEAD.keys())
    stepping.slider(key="explore_level_digits_builtin_image").set_value(0.5).run()
    assert not stepping.exception
    assert set(page.AHEAD.keys()) <= before  # a slider on the same row starts nothing


def test_a_column_key_holds_its_model_so_a_new_model_never_takes_an_old_column(monkeypatch) -> None:
    import gc
    import weakref

    class Model:  # stands in for a loaded model (identity hashing, as torch modules)
        pass

    task = type("T", (), {"name": "digits"})()
    old = Model()
    monkeypatch.setattr(page, "task_models", lambda task, source: {"early": old})
    key = page.column_key(task, "shipped", "early", (3, (), (), ()), 0, False, "probability", False)
    alive = weakref.ref(old)
    del old
    gc.collect()
    assert alive() is not None  # the kept key keeps its model: its id cannot be reused
    new = Model()
    monkeypatch.setattr(page, "task_models", lambda task, source: {"early": new})
    assert page.column_key(task, "shipped", "early", (3, (), (), ()), 0, False, "probability", False) != key
