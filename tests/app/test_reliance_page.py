"""The Reliance page: accuracy per group with intervals, stacked modality shares and perceptual
scores for the sidebar's task, numbers that match ``fusion.evaluation.reliance``, the gap in words,
a CSV of the table; the demonstration; a task without groups says so."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from streamlit.testing.v1 import AppTest

from fusion.evaluation.reliance import describe_gap, reliance
from fusion.models.checkpoints import load_models
from fusion.tasks import get_task
from fusion.training.demos import DEMO_TASK, NOISY_ACCENT, demo_models

ROOT = Path(__file__).resolve().parents[2]


def open_reliance() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.switch_page("pages/reliance.py").run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def test_the_page_draws_digits_by_accent_with_the_computed_numbers() -> None:
    at = open_reliance()
    assert [t.value for t in at.title] == ["Reliance across groups"]
    assert len(at.get("plotly_chart")) == 3
    expected = reliance(get_task("digits"), load_models("digits", ["early", "late", "hybrid"]), "accent")
    assert any(describe_gap(expected) == m.value for m in at.markdown)
    table = at.dataframe[0].value
    assert len(table) == 8 * 3 and set(table["model"]) == {"early", "late", "hybrid"}
    rows = {(r[expected.group_by], r["model"]): r for r in expected.table_rows()}
    for _, row in table.iterrows():
        assert row["accuracy"] == rows[(row["accent"], row["model"])]["accuracy"]
    shares = table[["audio share", "image share", "text share"]].sum(axis=1)
    assert ((shares - 1).abs() < 1e-3).all()
    download = at.get("download_button")
    assert len(download) == 1


def test_the_csv_download_holds_the_table() -> None:
    from ui.reliance import csv_bytes

    expected = reliance(get_task("match"), load_models("match", ["late"]), "voice", seeds=1)
    parsed = list(csv.DictReader(io.StringIO(csv_bytes(expected).decode("utf-8"))))
    assert [(r["voice"], r["model"]) for r in parsed] == [(r["voice"], r["model"]) for r in expected.table_rows()]
    assert [float(r["accuracy"]) for r in parsed] == [r["accuracy"] for r in expected.table_rows()]


def test_the_demonstration_shows_the_noisy_accent_leaning_on_the_image() -> None:
    at = open_reliance()
    at.segmented_control(key="reliance_data").set_value("the noisy-accent demonstration").run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    expected = reliance(DEMO_TASK, demo_models(), "accent")
    noisy = table[table["accent"] == NOISY_ACCENT]
    others = table[table["accent"] != NOISY_ACCENT]
    for model in ("early", "late", "hybrid"):
        assert noisy[noisy["model"] == model]["image share"].iloc[0] > others[others["model"] == model]["image share"].max()
    assert any(describe_gap(expected) == m.value for m in at.markdown)


def test_a_task_without_groups_says_so() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.session_state["task"] = "motion"
    at.switch_page("pages/reliance.py").run()
    assert not at.exception and not at.error
    assert any("has no group columns" in i.value for i in at.info)
    assert not at.get("plotly_chart")
