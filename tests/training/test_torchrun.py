"""A real two-process torchrun (gloo on the CPU) of ``python -m fusion train --data`` on a tiny
folder of images and captions: both ranks encode their shard and train one model (the run fails unless the ranks
end with the same weights: ``Run.check_same_weights``); rank 0 alone saves, and ``evaluate --json``
reports world_size 2."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fusion.embeddings.inventory import list_cache
from tests.cli.test_commands import run_main

REPO = Path(__file__).resolve().parents[2]
TORCHRUN = shutil.which("torchrun", path=str(Path(sys.executable).parent)) or shutil.which("torchrun")
WORDS = {"warm": ("sun", "fire", "summer", "red"), "cold": ("snow", "ice", "winter", "blue")}
FILLER = ("a", "the", "picture", "of", "some", "with", "and", "near")


def tiny_folder(folder: Path, rows: int = 80, seed: int = 0) -> Path:
    """A dataset folder of tiny grey images and captions; a caption word tells the label, and so
    (noisily) does the image's brightness."""
    from PIL import Image

    rng = random.Random(seed)
    (folder / "images").mkdir(parents=True)
    lines = ["image,text,label"]
    for i in range(rows):
        label = ("warm", "cold")[i % 2]
        words = [rng.choice(WORDS[label]), *rng.sample(FILLER, 4)]
        rng.shuffle(words)
        level = (170 if label == "warm" else 90) + rng.randint(-60, 60)
        Image.new("L", (8, 8), level).save(folder / "images" / f"{i}.png")
        lines.append(f"images/{i}.png,{' '.join(words)},{label}")
    (folder / "manifest.csv").write_text("\n".join(lines) + "\n")
    return folder


@pytest.mark.skipif(TORCHRUN is None, reason="torchrun is not installed")
def test_torchrun_with_two_gloo_processes_trains_one_head_and_records_world_size_2(tmp_path, monkeypatch, capsys) -> None:
    folder, out, cache = tiny_folder(tmp_path / "weather"), tmp_path / "runs", tmp_path / "cache"
    env = {**os.environ, "FUSION_CACHE_DIR": str(cache), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [TORCHRUN, "--standalone", "--nproc-per-node", "2", "-m", "fusion", "train", "--data", str(folder),
         "--strategy", "early", "--image-encoder", "pixels", "--text-encoder", "words", "--epochs", "2", "--out", str(out), "--device", "cpu"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("saved ") == 1, done.stdout  # rank 0 alone saves and prints
    metrics = json.loads((out / "weather" / "early" / "metrics.json").read_text())
    assert metrics["training"] == {"world_size": 2, "backend": "gloo", "epochs": 2, "seed": 0}
    assert len(metrics["epoch_seconds"]) == 2
    encoded = {entry.encoder: entry.items for entry in list_cache(cache)}  # both ranks' shards
    assert encoded == {"pixels": len({p.read_bytes() for p in folder.glob("images/*.png")}),
                       "words": len({line.split(",")[1] for line in (folder / "manifest.csv").read_text().splitlines()[1:]})}
    monkeypatch.setenv("FUSION_CACHE_DIR", str(cache))
    code, stdout, err = run_main(["evaluate", "--checkpoint", str(out), "--json"], capsys)
    assert code == 0, err
    [result] = json.loads(stdout)["results"]
    assert result["training"]["world_size"] == 2 and result["accuracy"] == metrics["accuracy"]


@pytest.mark.skipif(TORCHRUN is None, reason="torchrun is not installed")
def test_under_torchrun_rank_0_locks_the_out_folder_and_a_held_lock_stops_the_launch(tmp_path) -> None:
    from fusion.cli.common import out_lock

    out = tmp_path / "runs"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    with out_lock(out):  # another job writes the folder
        done = subprocess.run(
            [TORCHRUN, "--standalone", "--nproc-per-node", "2", "-m", "fusion", "train", "--task", "digits",
             "--strategy", "text", "--epochs", "1", "--out", str(out), "--device", "cpu"],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode != 0
    refusals = [line for line in done.stderr.splitlines() if line.startswith("python -m fusion train: error:")]
    assert refusals == [f"python -m fusion train: error: --out {out} is being written by another training job "
                        f"(process {os.getpid()}); wait for it to end or give another --out"]  # rank 0 alone tried
    assert not out.exists()
