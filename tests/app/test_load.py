"""A short load test: three concurrent browser sessions on one real server (demo mode, shared cached
models), each through Explore with Integrated Gradients on its own row and model, an image upload,
and Compare. No page shows an error, each row's prediction is `evaluate`'s, and the accuracies
shown are `evaluate`'s. (`python -m benchmarks.load --sessions 20` is the full benchmark.)"""

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


def test_three_concurrent_sessions_show_no_error_and_the_right_numbers() -> None:
    run = run_sessions(3, timeout_s=240, demo=True, side_by_side=False)
    assert {s.strategies for s in run.sessions} == {("early",), ("late",), ("hybrid",)}
    accuracy, predicted = truth(sorted(s.row for s in run.sessions))
    assert problems(run, accuracy, predicted) == []
    assert all(set(s.seconds) == set(PHASES) for s in run.sessions)
    assert all(len(s.accuracy) == 6 for s in run.sessions)  # three strategies, three baselines
    assert run.rss_peak >= run.rss_start > 0
