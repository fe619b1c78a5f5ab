"""End to end in Chromium: heads trained on a dataset folder appear as a task in the sidebar; picking
it shows the dataset's Explore view (side by side), and the Your data page renders the folder's
report. Same setup and skip rule as tests/app/test_browser.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fusion.embeddings.cache import EmbeddingCache
from fusion.embeddings.runs import load_dataset, train_head
from tests.app.test_browser import ERRORS
from tools.app_server import CHROMIUM, chromium_page, open_dataset_side_by_side, open_gradients, running_app

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"),
    reason=f"{CHROMIUM} is not installed (apt-get install chromium); CI installs it",
)
CHEAP = {"image": "pixels", "audio": "logmel", "text": "words"}
# The Plotly charts whose title runs past the chart's edge (Plotly cuts it there), as their titles.
CUT_TITLES = """[...document.querySelectorAll('.js-plotly-plot')].filter(plot => {
  const title = plot.querySelector('.gtitle'), chart = plot.getBoundingClientRect();
  const box = title ? title.getBoundingClientRect() : chart;
  return box.left < chart.left - 1 || box.right > chart.right + 1;
}).map(plot => plot.querySelector('.gtitle').textContent)"""


def test_a_dataset_task_is_explored_side_by_side_in_the_browser(small_dataset, session_cache, tmp_path) -> None:
    dataset = load_dataset(small_dataset, CHEAP, cache=EmbeddingCache(session_cache), progress=False)
    for name in ("early", "late", "hybrid"):
        train_head(dataset, name, tmp_path / "runs" / "browser", epochs=1, progress=False)
    env = {"FUSION_USER_DIR": str(tmp_path / "runs"), "FUSION_CACHE_DIR": str(session_cache),
           "FUSION_DATA_ROOT": str(small_dataset.parent)}  # the folder field opens folders under it only
    with running_app(env=env) as (url, _), chromium_page() as page:
        open_dataset_side_by_side(page, url, "digits-small")
        # every head's IG chart is drawn once their section is opened (Plotly draws after the page settles)
        open_gradients(page, 3, title="IG on image")
        assert page.locator("text=IG on image").count() >= 3
        assert page.locator(ERRORS).count() == 0
        # side by side, every chart's title fits its column (long ones are drawn in lines)
        assert page.locator(".js-plotly-plot .gtitle").count() >= 12
        assert page.evaluate(CUT_TITLES) == []

        page.get_by_role("link", name="Your data").click()
        page.get_by_role("textbox", name="Dataset folder on this machine").fill(str(small_dataset))
        page.keyboard.press("Enter")
        page.wait_for_selector("text=460 rows", timeout=60_000)
        assert page.locator(ERRORS).count() == 0
