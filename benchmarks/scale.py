"""Benchmark: encoding and training on one process against two (torchrun, gloo on the CPU), and
loading a 100,000-row manifest.

1. Exports AV-Digits (``--rows`` per split, default all: 1,797 rows) as a dataset folder.
2. Encoding throughput: ``python -m fusion encode --data DIR --json`` (1 process) and
   ``torchrun --standalone --nproc-per-node 2 -m fusion encode ...`` into a fresh cache each run;
   rows per second as the command reports it (encoding only, not the processes' start-up).
3. Epoch time: ``train --data DIR --strategy S --epochs E`` on 1 and on 2 processes (the cache
   filled), each epoch's seconds from the checkpoint's metrics (training and validation), with the
   test accuracy of each run: a 2-process model should match one process within noise.
4. A synthetic manifest of 100,000 rows (inline captions, and images naming 100 small files):
   peak memory (Python allocations, tracemalloc) and time of ``load_manifest``, and the time of a
   rerun's ``cached_manifest`` over the unchanged file.

Medians over ``--runs`` runs. Usage:
python -m benchmarks.scale [--runs 3] [--rows N] [--epochs 10] [--strategy hybrid] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ENCODERS = {"image": "pixels", "audio": "logmel", "text": "words"}  # built-in encoders: no weights to load
REPO = Path(__file__).resolve().parents[1]


def command(processes: int) -> list[str]:
    if processes == 1:
        return [sys.executable, "-m", "fusion"]
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent)) or "torchrun"
    return [torchrun, "--standalone", "--nproc-per-node", str(processes), "-m", "fusion"]


def run(argv: list[str], cache: Path) -> str:
    env = {**os.environ, "FUSION_CACHE_DIR": str(cache), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def encoder_flags(encoders: dict[str, str]) -> list[str]:
    return [f"--{m}-encoder={name}" for m, name in encoders.items()]


def encoding(folder: Path, tmp: Path, processes: int, runs: int, encoders: dict[str, str]) -> list[float]:
    rates = []
    for k in range(runs):
        cache = tmp / f"cache-{processes}-{k}"
        out = run([*command(processes), "encode", "--data", str(folder), *encoder_flags(encoders), "--json"], cache)
        rates.append(json.loads(out.strip().splitlines()[-1])["rows_per_second"])
        if k < runs - 1:
            shutil.rmtree(cache)
    return rates


def training(folder: Path, tmp: Path, cache: Path, processes: int, runs: int, epochs: int, strategy: str,
             encoders: dict[str, str]) -> tuple[list[float], list[float]]:
    seconds, accuracy = [], []
    for k in range(runs):
        out = tmp / f"runs-{processes}-{k}"
        run([*command(processes), "train", "--data", str(folder), "--strategy", strategy, "--epochs", str(epochs),
             *encoder_flags(encoders), "--out", str(out), "--device", "cpu"], cache)
        metrics = json.loads((out / folder.name / strategy / "metrics.json").read_text())
        assert metrics["training"]["world_size"] == processes, metrics["training"]
        seconds.append(statistics.median(metrics["epoch_seconds"]))
        accuracy.append(metrics["accuracy"])
    return seconds, accuracy


def synthetic_manifest(folder: Path, rows: int = 100_000, files: int = 100) -> Path:
    """``rows`` rows: a caption each, and one of ``files`` tiny PNGs; seeded split by label."""
    from PIL import Image

    (folder / "images").mkdir(parents=True)
    for i in range(files):
        Image.new("L", (8, 8), i % 256).save(folder / "images" / f"{i}.png")
    lines = ["image,text,label"] + [f"images/{i % files}.png,caption number {i} of the synthetic set,{i % 10}"
                                    for i in range(rows)]
    (folder / "manifest.csv").write_text("\n".join(lines) + "\n")
    return folder


def manifest_load(folder: Path, runs: int) -> dict[str, float]:
    from fusion.userdata.manifest import _manifest_of, cached_manifest, load_manifest

    peaks, seconds, reruns = [], [], []
    for _ in range(runs):
        start = time.perf_counter()
        manifest = load_manifest(folder)
        seconds.append(time.perf_counter() - start)
        assert len(manifest.rows) == 100_000
        del manifest
        tracemalloc.start()  # traced apart from the timing: tracing slows allocation down
        load_manifest(folder)
        peaks.append(tracemalloc.get_traced_memory()[1] / 1024 / 1024)
        tracemalloc.stop()
        _manifest_of.cache_clear()
        cached_manifest(folder)
        start = time.perf_counter()
        cached_manifest(folder)
        reruns.append((time.perf_counter() - start) * 1000)
    return {"rows": 100_000, "peak_mb": round(statistics.median(peaks), 1),
            "load_seconds": round(statistics.median(seconds), 2), "rerun_ms": round(statistics.median(reruns), 3),
            "manifest_mb": round((folder / "manifest.csv").stat().st_size / 1024 / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=None, help="rows per split of AV-Digits (default: all)")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--strategy", default="hybrid")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from fusion.userdata.export import export_avdigits

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        rows = None if args.rows is None else dict.fromkeys(("train", "val", "test"), args.rows)
        folder = export_avdigits(tmp / "avdigits", progress=False, rows=rows)
        result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "encoders": ENCODERS,
                  "runs": args.runs, "epochs": args.epochs, "strategy": args.strategy, "processes": {}}
        for processes in (1, 2):
            rates = encoding(folder, tmp, processes, args.runs, ENCODERS)
            cache = tmp / f"cache-{processes}-{args.runs - 1}"
            epoch, accuracy = training(folder, tmp, cache, processes, args.runs, args.epochs, args.strategy, ENCODERS)
            result["processes"][processes] = {
                "encode_rows_per_second": statistics.median(rates), "encode_runs": rates,
                "epoch_seconds": round(statistics.median(epoch), 3), "epoch_runs": epoch,
                "test_accuracy": statistics.median(accuracy), "accuracy_runs": accuracy,
            }
        result["rows"] = sum(1 for _ in (folder / "manifest.csv").open()) - 1
        result["manifest_100k"] = manifest_load(synthetic_manifest(tmp / "synthetic"), args.runs)
    if args.json:
        print(json.dumps(result))
        return
    print(f"AV-Digits folder of {result['rows']} rows, encoders {', '.join(ENCODERS.values())}, "
          f"{args.strategy} head, {args.epochs} epochs, medians of {args.runs} runs ({result['machine']})")
    print(f"{'processes':>9} {'encode rows/s':>14} {'epoch s':>8} {'test accuracy':>14}")
    for processes, row in result["processes"].items():
        print(f"{processes:>9} {row['encode_rows_per_second']:>14} {row['epoch_seconds']:>8} {row['test_accuracy']:>14}")
    m = result["manifest_100k"]
    print(f"100,000-row manifest ({m['manifest_mb']} MB): load_manifest {m['load_seconds']} s, peak {m['peak_mb']} MB "
          f"(Python allocations); cached_manifest on a rerun {m['rerun_ms']} ms")


if __name__ == "__main__":
    main()
