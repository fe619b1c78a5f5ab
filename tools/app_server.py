"""Start `streamlit run app.py` on a free local port and drive it with Debian's headless Chromium.

Used by the browser test (tests/app/test_browser.py) and the cold-start benchmark
(benchmarks/cold_start.py). Chromium comes from `apt-get install chromium` (/usr/bin/chromium);
Playwright only drives it (no browser download).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("FUSION_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with status {process.returncode}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return
        time.sleep(0.05)
    raise TimeoutError(f"streamlit did not answer at {url} within {timeout} s")


@contextlib.contextmanager
def running_app(env: dict[str, str] | None = None, timeout: float = 60.0,
                options: Sequence[str] = ()) -> Iterator[tuple[str, subprocess.Popen]]:
    """Yield (base URL, process) of a fresh `streamlit run app.py` on 127.0.0.1 (``options``: more
    server options, e.g. ``--server.disconnectedSessionTTL 1``); stop it afterwards."""
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
        "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
        *options,
    ]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process, timeout)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A Playwright browser, Debian's Chromium; each ``new_context()`` of it is its own visitor."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def chromium_page(width: int = 1500, height: int = 1100) -> Iterator[object]:
    """A Playwright page in Debian's Chromium."""
    with chromium() as browser:
        yield browser.new_page(viewport={"width": width, "height": height})


STRATEGY_NAMES = ("early", "late", "hybrid")


def open_explore_side_by_side(page, url: str, timeout_ms: int = 60_000) -> None:
    """Open the app (Explore is the landing page), switch to side-by-side mode and wait until all
    three strategies have predicted and the pictures have loaded."""
    page.goto(url)
    page.wait_for_selector("text=What the models make of it", timeout=timeout_ms)
    page.get_by_text("side by side", exact=True).click()
    names = ", ".join(f"'{name}'" for name in STRATEGY_NAMES)
    page.wait_for_function(
        f"[{names}].every(name => [...document.querySelectorAll('[data-testid=stMarkdownContainer]')]"
        ".some(e => e.innerText.startsWith(name + ' predicts ')))"
        " && [...document.querySelectorAll('img')].every(img => img.complete)",  # and the pictures are in
        timeout=timeout_ms,
    )
    for name in STRATEGY_NAMES:  # each column's charts are drawn, not just its headline
        page.wait_for_selector(f"text={name}: probabilities", timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout_ms)
    page.wait_for_timeout(500)  # let Plotly finish drawing


def open_dataset_side_by_side(page, url: str, task: str, timeout_ms: int = 60_000) -> None:
    """Open the app, pick the dataset ``task`` (heads trained on your data) in the sidebar, switch
    Explore to side by side and wait until the three heads are drawn."""
    page.goto(url)
    page.wait_for_selector("text=What the models make of it", timeout=timeout_ms)
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name=task).click()
    page.wait_for_selector("text=What the heads make of it", timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout_ms)
    page.get_by_text("side by side", exact=True).last.click()  # stale elements of the last view may linger
    for name in STRATEGY_NAMES:
        page.wait_for_selector(f"text={name}: probabilities", timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout_ms)
    # the built-in page's elements linger, faded, until the new task's run has replaced them all
    page.wait_for_function("document.querySelectorAll('[data-stale=\"true\"]').length === 0", timeout=timeout_ms)
    page.wait_for_timeout(500)  # let Plotly finish drawing


GRADIENTS_SECTION = "Integrated Gradients: gradient attribution"  # the start of Explore's IG toggle

# Every chart's title on the page, as text: Plotly's (Compare, Explore's "interactive charts"; a long
# one is drawn as lines, joined here by spaces) and the captions printed above Explore's pictures.
CHART_TITLES = ("[...document.querySelectorAll('.gtitle, [data-testid=\"stCaptionContainer\"]')].map(e => "
                "e.querySelector('tspan.line') ? [...e.querySelectorAll('tspan.line')].map(l => l.textContent).join(' ') "
                ": e.textContent)")
# How many charts are drawn: Plotly charts with their SVG, and pictures that have loaded.
DRAWN_CHARTS = ("(document.querySelectorAll('.js-plotly-plot .main-svg').length / 2 + [...document.querySelectorAll("
                "'[data-testid=\"stImage\"] img')].filter(img => img.complete && img.naturalWidth > 0).length)")


def open_gradients(page, count: int, timeout_ms: int = 60_000, title: str = "IG on") -> None:
    """Switch on Explore's Integrated Gradients and wait until ``count`` charts whose title starts with
    ``title`` are there and every picture has loaded (Plotly draws its charts one by one after the
    page settles)."""
    page.get_by_text(GRADIENTS_SECTION).first.click()
    page.wait_for_function(
        f"([title, count]) => {CHART_TITLES}.filter(t => t.startsWith(title)).length >= count"
        " && [...document.querySelectorAll('img')].every(img => img.complete)",
        arg=[title, count], timeout=timeout_ms)
