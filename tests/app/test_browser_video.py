"""End to end on the motion task: the real app in Debian's headless Chromium opens Explore on a
motion test row (through a link, ``?task=motion``), draws the frame strip, the clip's player and
the three strategies' video explanations without an error element. The screenshot is saved under
$FUSION_SCREENSHOT_DIR (default: pytest's tmp_path)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.app.test_browser import ERRORS
from tools.app_server import CHROMIUM, STRATEGY_NAMES, chromium_page, open_gradients, running_app

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"),
    reason=f"{CHROMIUM} is not installed (apt-get install chromium); CI installs it",
)
TIMEOUT_MS = 90_000


def test_explore_on_motion_draws_the_frame_strip_without_errors(tmp_path: Path) -> None:
    shots = Path(os.environ.get("FUSION_SCREENSHOT_DIR", tmp_path))
    with running_app(env={"FUSION_USER_DIR": str(tmp_path / "runs")}) as (url, _), chromium_page() as page:
        page.goto(f"{url}/?task=motion")
        page.wait_for_selector("text=What the models make of it", timeout=TIMEOUT_MS)
        page.wait_for_selector("text=video: 8 frames of 16×16 px", timeout=TIMEOUT_MS)  # the strip's title
        for name in STRATEGY_NAMES:
            page.wait_for_selector(f"text={name}: probabilities", timeout=TIMEOUT_MS)
        page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=TIMEOUT_MS)
        page.wait_for_timeout(800)  # let Plotly finish drawing
        assert page.locator("video").count() == 1
        assert page.locator("text=/^frames' contributions to P/").count() == 3
        open_gradients(page, 3, TIMEOUT_MS, title="IG on video")
        assert page.locator("text=/^IG on video/").count() == 3
        assert page.locator(ERRORS).count() == 0
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "explore-motion.png"), full_page=True)
    assert (shots / "explore-motion.png").stat().st_size > 10_000
