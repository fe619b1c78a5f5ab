"""A short load test: two concurrent browser sessions on one real server (demo mode), both on the
same shared cached model (hybrid: one model object explaining two different rows at once, the case
that once gave wrong answers), each through Explore with Integrated Gradients on its own row, an
image upload, and Compare. No page shows an error, each row's prediction is `evaluate`'s, and the
accuracies shown are `evaluate`'s. Nothing here is timed: the waits are hang guards only, generous
for a loaded machine; the render times and memory are `python -m benchmarks.load`'s to report."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.load import PHASES, problems, run_sessions, truth
from tools.app_server import CHROMIUM

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"),
    reason=f"{CHROMIUM} is not installed (apt-get install chromium); CI installs it",
)
HANG_S = 600  # per page wait; the whole test well over the suite's 300 s default


@pytest.mark.timeout(4 * HANG_S)
def test_two_concurrent_sessions_on_one_shared_model_show_no_error_and_the_right_numbers() -> None:
    run = run_sessions(2, timeout_s=HANG_S, demo=True, side_by_side=False, strategy="hybrid")
    assert [s.strategies for s in run.sessions] == [("hybrid",), ("hybrid",)]
    assert len({s.row for s in run.sessions}) == 2  # different rows on the one model
    accuracy, predicted = truth(sorted(s.row for s in run.sessions))
    assert problems(run, accuracy, predicted) == []
    assert all(set(s.seconds) == set(PHASES) for s in run.sessions)
    assert all(len(s.accuracy) == 6 for s in run.sessions)  # three strategies, three baselines
    assert run.rss_peak >= run.rss_start > 0
