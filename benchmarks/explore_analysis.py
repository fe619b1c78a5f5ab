"""Benchmark: the whole Explore analysis of one sample, 3 strategies x (prediction + exact Shapley
+ attention + Integrated Gradients run to convergence: 16 steps, doubled until |delta| <= 1 % of the
gap), on the shipped `digits` models.

Usage: python -m benchmarks.explore_analysis [--runs 30] [--sample 0] [--threads 1]
Prints the median and spread over the runs (torch already imported and models loaded, as in the app).
The models are tiny, so one torch thread is fastest: with more, OpenMP threads spin and compete.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import torch

from fusion.models.checkpoints import load_models
from fusion.models.config import FUSION_STRATEGIES
from fusion.explain.analysis import explain_sample
from fusion.tasks import get_task


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--sample", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    models = load_models("digits", list(FUSION_STRATEGIES))
    digits = get_task("digits")
    samples = [digits.sample((args.sample + i) % digits.split_size()) for i in range(args.runs)]
    for _ in range(3):  # warm-up: first calls allocate and compile kernels
        explain_sample(models, samples[0])
    timings = []
    for sample in samples:
        start = time.perf_counter()
        explain_sample(models, sample)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    quartiles = statistics.quantiles(timings, n=4)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads")
    print(f"explore analysis of one sample (3 strategies): median {statistics.median(timings):.1f} ms, "
          f"IQR {quartiles[0]:.1f}-{quartiles[2]:.1f} ms, min {timings[0]:.1f} ms, max {timings[-1]:.1f} ms "
          f"over {len(timings)} runs")


if __name__ == "__main__":
    main()
