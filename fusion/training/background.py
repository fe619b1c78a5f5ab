"""A job that runs in a daemon thread and can be asked to stop (training runs started by pages)."""

from __future__ import annotations

import threading


class BackgroundJob:
    """Subclasses implement ``_work`` and check ``stop_requested`` (or pass ``_stop.is_set`` on)."""

    def __init__(self, name: str) -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._work, name=name, daemon=True)

    def _work(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        """Ask the job to stop after the current epoch (what was trained so far is saved)."""
        self._stop.set()

    def join(self, timeout: float | None = None) -> bool:
        self.thread.join(timeout)
        return not self.thread.is_alive()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()
