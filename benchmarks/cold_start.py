"""Benchmark: cold start, from `streamlit run app.py` to a rendered Explore page in headless Chromium.

Each run opens Debian's headless Chromium first (a user's browser is already open), then starts the
clock, starts a fresh Streamlit process (so Python imports, model loading and the first analysis are
all counted), opens the app as soon as the server answers, and stops the clock when the Explore
page has drawn the default strategy's prediction and its charts. Prints the median and spread.

Usage: python -m benchmarks.cold_start [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

from benchmarks.machine import machine_line
from tools.app_server import DRAWN_CHARTS, chromium_page, running_app


def one_cold_start() -> float:
    with chromium_page() as page:
        start = time.perf_counter()
        with running_app() as (url, _):
            page.goto(url)
            page.wait_for_selector("text=: probabilities", timeout=60_000)  # the analysis is drawn
            page.wait_for_function(f"{DRAWN_CHARTS} >= 6")  # pictures loaded (or Plotly charts drawn)
            return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(machine_line(), flush=True)  # before the runs: each run loads the machine for the next
    timings = [one_cold_start() for _ in range(args.runs)]
    timings.sort()
    print(f"cold start to a rendered Explore page: median {statistics.median(timings):.2f} s, "
          f"min {timings[0]:.2f} s, max {timings[-1]:.2f} s over {len(timings)} runs")


if __name__ == "__main__":
    main()
