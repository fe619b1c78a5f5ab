"""Benchmark: cold start, from `streamlit run app.py` to a rendered Explore page in headless Chromium.

Each run starts a fresh Streamlit process (so Python imports, model loading and the first analysis
are all counted), opens the app in Debian's Chromium and stops the clock when the Explore page's
charts are drawn. Prints the median and spread over the runs.

Usage: python benchmarks/cold_start.py [--runs 5] [--charts 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from tools.app_server import chromium_page, running_app


def one_cold_start(charts: int) -> float:
    start = time.perf_counter()
    with running_app() as (url, _), chromium_page() as page:
        page.goto(url)
        page.wait_for_function(
            f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}", timeout=60_000
        )
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--charts", type=int, default=3, help="charts that must be drawn to count as rendered")
    args = parser.parse_args()
    timings = [one_cold_start(args.charts) for _ in range(args.runs)]
    timings.sort()
    print(f"machine: {os.cpu_count()} CPUs")
    print(f"cold start to a rendered Explore page: median {statistics.median(timings):.2f} s, "
          f"min {timings[0]:.2f} s, max {timings[-1]:.2f} s over {len(timings)} runs")


if __name__ == "__main__":
    main()
