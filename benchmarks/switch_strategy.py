"""Benchmark: switching fusion strategy on your data after the first encode, with a ViT-B-32-size
encoder (open_clip ViT-B-32 towers, random init: same size and compute as the pretrained weights,
which this offline machine does not have).

1. Exports AV-Digits, keeps a subset (``--rows`` per split), encodes it: image and text with
   ``open_clip:ViT-B-32/random``, audio with ``logmel`` (the first encode is timed and reported).
2. Trains an early, a late and a hybrid head for one epoch (their accuracy is not the point here).
3. Switching strategy = what Explore does when you pick another strategy for the same sample:
   hash the sample's files, read their embeddings from the on-disk cache (no encoder runs) and run
   the whole analysis with that head (prediction + exact Shapley + attention + Integrated Gradients,
   12 Gauss-Legendre steps), through the same ``explain_model`` as every other model.
   Timed ``--runs`` times per strategy, cycling through test samples; median and quartiles printed.

Usage: python -m benchmarks.switch_strategy [--runs 30] [--rows 24] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import torch


from fusion.embeddings.cache import EmbeddingCache
from fusion.embeddings.runs import load_dataset, train_head
from fusion.encoders import load_encoder
from fusion.explain.analysis import explain_model
from fusion.models.config import FUSION_STRATEGIES
from fusion.tasks.dataset import dataset_task
from fusion.userdata.export import export_avdigits

ENCODERS = {"image": "open_clip:ViT-B-32/random", "text": "open_clip:ViT-B-32/random", "audio": "logmel"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rows", type=int, default=24, help="rows per split of the AV-Digits subset")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        folder = export_avdigits(tmp / "subset", progress=False, rows=dict.fromkeys(("train", "val", "test"), args.rows))
        os.environ["FUSION_CACHE_DIR"] = str(tmp / "cache")  # explain reads the sample's embeddings from here
        cache = EmbeddingCache(tmp / "cache")
        start = time.perf_counter()
        dataset = load_dataset(folder, ENCODERS, cache=cache, progress=False)
        first = time.perf_counter() - start
        heads = {}
        for name in FUSION_STRATEGIES:
            result, _, _ = train_head(dataset, name, tmp / "runs", epochs=1, progress=False)
            heads[name] = result.model
        image = load_encoder(ENCODERS["image"], "image")
        print(f"encoder: {ENCODERS['image']} ({sum(p.numel() for p in image.model.parameters()) / 1e6:.0f} M parameters incl. text tower)"
              if hasattr(image, "model") else f"encoder: {ENCODERS['image']}")
        print(f"first encode of {3 * args.rows} rows x 3 modalities: {first:.1f} s")
        task = dataset_task(dataset)
        samples = [task.sample(i) for i in range(task.split_size("test"))]
        for k in range(3):  # warm-up
            explain_model(heads[FUSION_STRATEGIES[k]], samples[0])
        print(f"switching strategy (cache read + full analysis), {args.runs} runs each, {args.threads} thread(s), "
              f"{platform.processor() or platform.machine()}:")
        for name, model in heads.items():
            timings, deltas = [], []
            for i in range(args.runs):
                begin = time.perf_counter()
                result = explain_model(model, samples[i % len(samples)])
                timings.append((time.perf_counter() - begin) * 1000)
                deltas.append(abs(result.gradients.convergence_delta))
            q1, median, q3 = statistics.quantiles(timings, n=4)
            print(f"  {name:>7}: median {statistics.median(timings):6.1f} ms  (quartiles {q1:.1f}-{q3:.1f} ms);"
                  f"  IG convergence |delta| median {statistics.median(deltas):.1e}")


if __name__ == "__main__":
    main()
