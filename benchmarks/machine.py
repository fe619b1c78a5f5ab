"""How fast the machine was when a benchmark ran: its cores, its load average, and the time of a fixed
pure-Python loop just then.

Wall-clock figures of the same code on this project's 2-core machine have differed by half from one
day (or host) to the next, so each benchmark prints this line first; figures from different runs
compare only next to it."""

from __future__ import annotations

import os
import time

STEPS = 5_000_000


def reference_loop_seconds(repeats: int = 3) -> float:
    """The fastest of ``repeats`` runs of a fixed loop (lower: a faster machine just then)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        total = 0
        for i in range(STEPS):
            total += i * i
        best = min(best, time.perf_counter() - start)
    return best


def machine_line() -> str:
    load = os.getloadavg()[0]  # read first: the loop itself loads the machine
    return (f"machine: {os.cpu_count()} CPUs, load average {load:.1f} at start, reference loop "
            f"{reference_loop_seconds():.2f} s (pure Python, {STEPS // 1_000_000} M steps, fastest of 3)")
