"""Benchmark: encoding a dataset folder through the CLI against the Your data page's job.

The same small folder (the exported AV-Digits, ``--rows`` rows: train, val and test in 2:1:1,
images only, ``efficientnet-lite0``: an offline encoder with real weights) is encoded, into a fresh
embedding cache each run, by

- the CLI: ``python -m fusion encode --data DIR --image-encoder efficientnet-lite0 ... --json`` in
  a fresh process; rows/s as the command reports it (from loading the encoder to the last entry
  written; start-up and the manifest read excluded), and the process's wall time;
- the page's job: in a fresh process, what the Your data page does: the app's thread setting
  (``use_app_threads``, called at the top of every run of app.py), the manifest read for the
  page's report (``cached_manifest``, before the button), then the button's
  ``TrainingJob.for_dataset(...).start()``, timed from the click until the job leaves encoding
  (its progress polled every 10 ms; the page's own poll is 1 s). Rows/s = rows / that time.

Both run the CLI first, then the page, within each run, ``--runs`` times (medians printed), so a
change in the machine's load hits both alike. ``uptime``'s load average is printed before and after.

Usage: python -m benchmarks.your_data_encode [--runs 3] [--rows 80] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ENCODERS = {"image": "efficientnet-lite0", "audio": "none", "text": "none"}


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def fresh(cache: Path, user: Path) -> dict[str, str]:
    return {**os.environ, "FUSION_CACHE_DIR": str(cache), "FUSION_USER_DIR": str(user)}


def cli(folder: Path, cache: Path, user: Path) -> dict[str, float]:
    flags = [f"--{m}-encoder={name}" for m, name in ENCODERS.items()]
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "fusion", "encode", "--data", str(folder), *flags, "--json"], cwd=REPO,
                          env=fresh(cache, user), capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"encode failed:\n{done.stderr[-3000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return {"rows_per_second": report["rows_per_second"], "seconds": report["seconds"], "wall": round(wall, 3)}


def page(folder: Path, cache: Path, user: Path) -> dict[str, float]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "benchmarks.your_data_encode", "--page-job", str(folder)], cwd=REPO,
                          env=fresh(cache, user), capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"the page's job failed:\n{done.stderr[-3000:]}")
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "wall": round(wall, 3)}


def page_job(folder: Path) -> dict[str, float]:
    """One encode through the page's code path, in this (fresh) process."""
    from fusion.threads import use_app_threads

    use_app_threads()  # app.py, at the top of every run
    from fusion.training.jobs import ENCODING, TrainingJob
    from fusion.userdata.manifest import cached_manifest

    rows = len(cached_manifest(folder).rows)  # the page's report, drawn before the button
    start = time.perf_counter()
    job = TrainingJob.for_dataset(folder, ENCODERS, ["image"], "bench", epochs=1).start()
    seen_encoding = False
    while True:
        state = job.progress()
        seen_encoding |= state.phase == ENCODING
        if job.done or (seen_encoding and state.phase != ENCODING):
            break
        time.sleep(0.01)
    seconds = time.perf_counter() - start
    job.join(120)
    if job.progress().status == "failed":
        raise SystemExit(job.progress().message)
    return {"rows_per_second": round(rows / seconds, 1), "seconds": round(seconds, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=80, help="rows of the folder (train:val:test 2:1:1)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--page-job", type=Path, help=argparse.SUPPRESS)  # the child process of one page run
    args = parser.parse_args()
    if args.page_job:
        print(json.dumps(page_job(args.page_job)))
        return
    from fusion.userdata.export import export_avdigits

    before = load_average()
    results: dict[str, list[dict[str, float]]] = {"cli": [], "page": []}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        quarter = max(1, args.rows // 4)
        folder = export_avdigits(tmp / "avdigits", progress=False, rows={"train": args.rows - 2 * quarter,
                                                                         "val": quarter, "test": quarter})
        rows = sum(1 for _ in (folder / "manifest.csv").open()) - 1
        for k in range(args.runs):  # a fresh cache (and process) for every encode
            results["cli"].append(cli(folder, tmp / f"cache-cli-{k}", tmp / f"user-cli-{k}"))
            results["page"].append(page(folder, tmp / f"cache-page-{k}", tmp / f"user-page-{k}"))
    summary = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "rows": rows, "encoders": ENCODERS,
               "runs": args.runs, "load_average_before": before, "load_average_after": load_average()}
    for path, runs in results.items():
        summary[path] = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        summary[path]["rows_per_second_runs"] = [r["rows_per_second"] for r in runs]
    summary["page_over_cli"] = round(summary["page"]["rows_per_second"] / summary["cli"]["rows_per_second"], 3)
    if args.json:
        print(json.dumps(summary))
        return
    print(f"{rows} rows of AV-Digits, images with efficientnet-lite0, fresh cache each run, medians of {args.runs} runs "
          f"({summary['machine']}; load average {before} before, {summary['load_average_after']} after)")
    print(f"{'path':<10} {'rows/s':>8} {'encode s':>9} {'process wall s':>15}  runs (rows/s)")
    for path, label in (("cli", "CLI"), ("page", "page job")):
        row = summary[path]
        print(f"{label:<10} {row['rows_per_second']:>8} {row['seconds']:>9} {row['wall']:>15}  {row['rows_per_second_runs']}")
    print(f"page / CLI rows/s: {summary['page_over_cli']}")


if __name__ == "__main__":
    main()
