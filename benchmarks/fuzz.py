"""Benchmark: how long every decoder and loader takes on the fuzz corpus, and how much memory it costs.

The corpus of tools/make_fuzz_corpus.py (seed 0) goes through the two parallel, memory-capped
workers of tests/fuzz (``tools.fuzz_runner.run_corpus``), ``--runs`` times. Prints, as medians over
the runs: the calls per group with their median and slowest time, the slowest calls (the
36-megapixel PNG leads), and a worker's peak memory growth beyond its imports. The test checks
outcomes and memory only; the times are here because they depend on how busy the machine is.

Usage: python -m benchmarks.fuzz [--runs 3] [--slowest 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
from collections import defaultdict
from pathlib import Path

from tools.fuzz_runner import run_corpus
from tools.make_fuzz_corpus import make_corpus


def measure(runs: int) -> list[list[dict]]:
    """Each run's call records, on one corpus."""
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        make_corpus(corpus, seed=0)
        return [run_corpus(corpus, Path(tmp) / f"logs-{i}") for i in range(runs)]


def summary(all_runs: list[list[dict]], slowest: int = 5) -> dict:
    median = statistics.median
    groups: dict[str, list[list[float]]] = defaultdict(lambda: [[] for _ in all_runs])
    calls: dict[tuple[str, str], list[float]] = defaultdict(list)
    for i, records in enumerate(all_runs):
        for r in records:
            groups[r["path"].split("/")[0]][i].append(r["seconds"])
            calls[r["path"], r["loader"]].append(r["seconds"])
    outcomes = defaultdict(int)
    for r in all_runs[0]:
        outcomes[r["outcome"]] += 1
    growth = [max(records, key=lambda r: r["grown"]) for records in all_runs]
    worst = max(growth, key=lambda r: r["grown"])
    return {
        "runs": len(all_runs), "calls": len(all_runs[0]), "outcomes": dict(outcomes), "cpus": os.cpu_count(),
        "total_s": round(median([sum(r["seconds"] for r in records) for records in all_runs]), 1),
        "groups": {g: {"calls": len(per_run[0]), "median_s": round(median(median(s) for s in per_run), 5),
                       "max_s": round(median(max(s) for s in per_run), 3)} for g, per_run in sorted(groups.items())},
        "slowest": [{"path": p, "loader": loader, "median_s": round(median(s), 3), "max_s": round(max(s), 3)}
                    for (p, loader), s in sorted(calls.items(), key=lambda kv: -median(kv[1]))[:slowest]],
        "max_growth_mb": round(median(r["grown"] for r in growth) / 2**20),
        "max_growth_call": f"{worst['path']} {worst['loader']}",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--slowest", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = summary(measure(args.runs), args.slowest)
    if args.json:
        print(json.dumps(figures))
        return 0
    print(f"fuzz corpus: {figures['calls']} calls, {figures['runs']} run(s), {figures['cpus']} CPUs; "
          f"outcomes {figures['outcomes']}; {figures['total_s']} s of calls per run (median)")
    for group, g in figures["groups"].items():
        print(f"  {group:12s} {g['calls']:4d} calls: median {g['median_s'] * 1000:.2f} ms, slowest {g['max_s']:.2f} s")
    print("  slowest calls (median over runs, max):")
    for s in figures["slowest"]:
        print(f"    {s['path']} {s['loader']}: {s['median_s']:.2f} s ({s['max_s']:.2f} s)")
    print(f"  a worker's peak memory growth: {figures['max_growth_mb']} MB (first reached by {figures['max_growth_call']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
