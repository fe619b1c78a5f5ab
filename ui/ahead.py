"""Work done before it is asked for: while the browser draws one test row, Explore computes the
next row's columns (each model's analysis and charts) in one background thread, so stepping
through rows shows each sooner (``benchmarks.interaction``: "next sample").

Why a thread of our own and not Streamlit's caches: a cached function called outside a script run
has no page to draw its spinner on. The work is the same call the page would make (same key, same
function), and a job's result is handed over once, then dropped; a failed job hands over nothing,
so the page computes the column itself and shows the error as usual. One queue serves every
session of the server (one thread: the look-ahead never takes more than one core); a step in one
session cancels another's jobs that have not started, which then computes its row on the click.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from fusion.threads import use_app_threads


class Ahead:
    """Jobs by key, run one at a time in a background thread; at most ``size`` kept (beyond that
    the oldest is dropped, and cancelled if it has not started)."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._jobs: OrderedDict[Hashable, Future] = OrderedDict()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="explore-ahead")

    def start(self, key: Hashable, job: Callable[[], Any]) -> None:
        """Run ``job`` in the background unless a job of ``key`` is already kept."""
        with self._lock:
            if key in self._jobs:
                return
            self._jobs[key] = self._pool.submit(_in_app_threads, job)
            while len(self._jobs) > self.size:
                self._jobs.popitem(last=False)[1].cancel()

    def take(self, key: Hashable) -> Any | None:
        """The result of the job of ``key`` (waiting for it if it is running), or None when there
        is none, it was cancelled or it failed; either way the job is no longer kept."""
        with self._lock:
            future = self._jobs.pop(key, None)
        if future is None or future.cancelled():
            return None
        try:
            return future.result()
        except Exception:  # noqa: BLE001 - the page computes it again and shows the error itself
            return None

    def drop_waiting(self) -> None:
        """Cancel the jobs that have not started (a quicker step has passed their row), so the
        next ones do not queue behind them."""
        with self._lock:
            for key, future in list(self._jobs.items()):
                if future.cancel():
                    del self._jobs[key]

    def keys(self) -> list[Hashable]:
        """The keys of the jobs kept, oldest first."""
        with self._lock:
            return list(self._jobs)


def _in_app_threads(job: Callable[[], Any]) -> Any:
    use_app_threads()  # torch keeps its thread count per thread
    return job()
