"""End to end: the real app (`streamlit run app.py`) in a real browser (Debian's headless Chromium,
driven by Playwright). `.ci/run` installs chromium; without it this test fails in CI and is skipped
elsewhere. The screenshot is saved under $FUSION_SCREENSHOT_DIR (default: pytest's tmp_path)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tools.app_server import CHROMIUM, DRAWN_CHARTS, chromium_page, open_explore_side_by_side, running_app

ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
SAMPLE_SHOWN = "document.querySelector('input[aria-label^=\"test sample\"]').value"  # Explore's row number

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"),
    reason=f"{CHROMIUM} is not installed (apt-get install chromium); CI installs it",
)


# Notes whether Streamlit's own page list (which starts with the raw file names) was ever drawn.
RECORD_STREAMLIT_NAV = """
window.__streamlitNavSeen = false;
new MutationObserver(() => {
  if (document.querySelector('[data-testid="stSidebarNav"]')) window.__streamlitNavSeen = true;
}).observe(document, {childList: true, subtree: true});
"""


def test_explore_side_by_side_renders_three_strategies_without_errors(tmp_path: Path) -> None:
    shots = Path(os.environ.get("FUSION_SCREENSHOT_DIR", tmp_path))
    requested: list[str] = []
    with running_app(env={"FUSION_USER_DIR": str(tmp_path / "runs")}) as (url, _), chromium_page() as page:
        page.on("request", lambda request: requested.append(request.url))
        page.add_init_script(RECORD_STREAMLIT_NAV)
        open_explore_side_by_side(page, url)
        # the sidebar never listed the raw file names of pages/ ("app", "compare", ...) while starting
        assert page.evaluate("window.__streamlitNavSeen") is False
        links = page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]').all_inner_texts()
        assert [text.split("\n")[-1] for text in links] == [
            "Explore", "Compare", "Reliance", "Learn", "Lab", "Train", "Your data", "Shipped models"]
        predictions = page.locator("[data-testid=stMarkdownContainer]").filter(has_text=" predicts ").all_inner_texts()
        assert {text.split()[0] for text in predictions} >= {"early", "late", "hybrid"}
        # 3 inputs + per strategy: probabilities, Shapley and 3 attention maps, drawn as pictures that loaded
        # (a data: picture decodes after it is in the page, so wait for the last ones)
        page.wait_for_function(f"{DRAWN_CHARTS} >= 18", timeout=30_000)
        assert page.evaluate(DRAWN_CHARTS) == 18 and page.locator(".js-plotly-plot").count() == 0
        assert page.locator(ERRORS).count() == 0
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "explore-side-by-side.png"), full_page=True)

        # a case set up in Explore (row 2, the image removed) ...
        for row in ("1", "2"):  # one click at a time: Streamlit merges two clicks of a button queued behind one run
            page.get_by_role("button", name="next ▶").click()
            page.wait_for_function(f"{SAMPLE_SHOWN} === '{row}' && location.search.includes('sample={row}')", timeout=30_000)
        page.get_by_text("remove the image", exact=True).click()
        page.wait_for_function(f"{SAMPLE_SHOWN} === '2' && location.search.includes('removed=image')", timeout=30_000)

        # another page renders in the same browser session without errors
        page.get_by_role("link", name="Compare").click()
        page.wait_for_selector("text=Confusion", timeout=90_000)
        assert page.locator(ERRORS).count() == 0

        # ... is still there on coming back, and in the address to share
        page.get_by_role("link", name="Explore").click()
        page.wait_for_selector("text=What the models make of it", timeout=60_000)
        page.wait_for_function(f"{SAMPLE_SHOWN} === '2' && location.search.includes('sample=2')", timeout=30_000)
        assert page.get_by_label("remove the image").is_checked() and "removed=image" in page.url
    assert (shots / "explore-side-by-side.png").stat().st_size > 10_000
    # offline for real: everything the browser loaded came from the app's own server
    outside = {u for u in requested if urlparse(u).hostname not in ("127.0.0.1", "localhost") and not u.startswith(("data:", "blob:"))}
    assert len(requested) > 20 and not outside, sorted(outside)


def test_a_fresh_servers_first_visit_to_a_page_address_shows_the_page_in_the_apps_frame(tmp_path: Path) -> None:
    """A shared link to a page (here /models) on a server nobody has visited yet: Streamlit's old
    multipage mode would run the page alone, with no sidebar (ui/frame.py)."""
    with running_app(env={"FUSION_USER_DIR": str(tmp_path / "runs")}) as (url, _), chromium_page() as page:
        page.goto(f"{url}/models")
        page.wait_for_selector('[data-testid="stSidebar"] [data-testid="stSelectbox"]', timeout=60_000)
        page.wait_for_selector("h3:has-text(\"Task match\")", timeout=60_000)  # the models page's tables
        page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)
        assert urlparse(page.url).path == "/models"
        assert page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').count() == 2  # task, models
        assert page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]').count() == 8
        assert page.locator(ERRORS).count() == 0
