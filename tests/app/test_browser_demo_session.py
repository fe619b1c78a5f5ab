"""End to end in demo mode (``FUSION_DEMO=1``) on a live ``streamlit run`` server: two visitors, each
its own Chromium context, upload a dataset zip on Your data (and each gets a run folder); the first
closes its browser, and within a bounded time its unpacked dataset, its run and the run's lock file
are gone, while the second visitor's files stay and its page keeps working. The server forgets a
closed session after ``server.disconnectedSessionTTL`` (1 s here, 120 s by default).
Same skip rule as tests/app/test_browser.py."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.app.test_browser import ERRORS
from tests.app.test_your_data_safety import dataset_zip
from tools.app_server import CHROMIUM, chromium, running_app

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"),
    reason=f"{CHROMIUM} is not installed (apt-get install chromium); CI installs it",
)
TTL_S = 1
ENDED_WITHIN_S = 60  # TTL + the watcher's interval (0.25 s here), with room for a heavily loaded machine
TIMEOUT_MS = 90_000


def visit(browser, url: str):
    """A new visitor (its own browser context) opening Your data."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{url}/your_data")
    return context, page


def upload(page, name: str, zips: Path) -> None:
    path = zips / f"{name}.zip"
    path.write_bytes(dataset_zip(name))
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.get_by_role("button", name="Unpack").click()
    page.wait_for_selector(f"text={name}: 12 rows")
    assert page.locator(ERRORS).count() == 0


def owners(datasets: Path) -> set[str]:
    return {p.name for p in datasets.iterdir()} if datasets.is_dir() else set()


def give_a_run(runs: Path, owner: str) -> list[Path]:
    """What a finished training job of ``owner`` leaves: its run folder (a model) and the run's lock file."""
    model = runs / f"{owner}-mine" / "digits" / "early"
    model.mkdir(parents=True)
    (model / "metrics.json").write_text("{}\n")
    lock = runs / f".{owner}-mine.lock"
    lock.write_text("1\n")
    return [model.parent.parent, lock]


def test_a_closed_demo_session_loses_its_files_on_a_live_server_and_another_keeps_its(tmp_path) -> None:
    datasets, runs = tmp_path / "datasets", tmp_path / "runs"
    runs.mkdir()
    env = {"FUSION_DEMO": "1", "FUSION_USER_DIR": str(runs), "FUSION_DATASETS_DIR": str(datasets),
           "FUSION_CACHE_DIR": str(tmp_path / "cache")}
    with running_app(env=env, options=["--server.disconnectedSessionTTL", str(TTL_S)]) as (url, _), chromium() as browser:
        (alice, alice_page), (bob, bob_page) = visit(browser, url), visit(browser, url)  # both load at once
        upload(alice_page, "alices", tmp_path)
        [alice_owner] = owners(datasets)
        upload(bob_page, "bobs", tmp_path)
        [bob_owner] = owners(datasets) - {alice_owner}
        alice_files = [datasets / alice_owner, *give_a_run(runs, alice_owner)]
        bob_files = [datasets / bob_owner, *give_a_run(runs, bob_owner)]

        alice.close()  # the browser goes: its websocket closes
        closed = time.monotonic()
        while any(p.exists() for p in alice_files) and time.monotonic() - closed < ENDED_WITHIN_S:
            time.sleep(0.2)
        ended_after = time.monotonic() - closed
        assert not any(p.exists() for p in alice_files), f"alice's files still there {ended_after:.0f} s after she left"
        print(f"alice's files removed {ended_after:.1f} s after her browser closed (TTL {TTL_S} s)")

        upload(bob_page, "bobs2", tmp_path)  # bob is still connected: his session works, into his folder
        time.sleep(max(0.0, 2 * TTL_S - (time.monotonic() - closed)))
        assert all(p.exists() for p in bob_files), "bob's files went while he was still there"
        assert len(list((datasets / bob_owner).rglob("manifest.csv"))) == 2 and owners(datasets) == {bob_owner}
        bob.close()
