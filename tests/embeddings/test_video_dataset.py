"""A dataset folder with a ``video`` column: clips (font-drawn digits moving, WebM) and captions,
heads trained over ``frames:pixels`` frame tokens, then evaluate and explain through the CLI with
the same JSON as the other modalities; a truncated clip skips its row with the reason."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from fusion.cli import main
from tests.cli.test_commands import run_main
from tools import drawn_clips as clips

FLAGS = ["--video-encoder", "frames:pixels", "--text-encoder", "words"]
SPLITS = (("train", 16), ("val", 4), ("test", 4))


@pytest.fixture(scope="module")
def video_dataset(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("videos") / "moving-digits"
    (root / "clips").mkdir(parents=True)
    rows = []
    for split, count in SPLITS:
        for k in range(count):
            direction, digit = clips.DIRECTIONS[k % 4], (3 * k) % 10
            name = f"clips/{split}_{k}.webm"
            (root / name).write_bytes(clips.encode(clips.digit_clip(digit, direction, 32, 8), "webm", "libvpx"))
            rows.append({"video": name, "text": f"a clip of a {digit}", "label": direction, "split": split})
    whole = (root / "clips" / "train_0.webm").read_bytes()
    (root / "clips" / "cut.webm").write_bytes(whole[: len(whole) // 3])
    rows.append({"video": "clips/cut.webm", "text": "a cut clip", "label": "up", "split": "train"})
    with open(root / "manifest.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, ["video", "text", "label", "split"])
        writer.writeheader()
        writer.writerows(rows)
    return root


@pytest.fixture(scope="module")
def trained(video_dataset, tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("video-runs")
    patch = pytest.MonkeyPatch()
    patch.setenv("FUSION_CACHE_DIR", str(tmp_path_factory.mktemp("video-cache")))
    try:
        import io
        from contextlib import redirect_stderr

        report = io.StringIO()
        with redirect_stderr(report):  # the skipped rows are reported on stderr
            assert main(["train", "--data", str(video_dataset), "--strategy", "hybrid", *FLAGS, "--epochs", "2",
                         "--out", str(out)]) == 0
    finally:
        patch.undo()
    return out / video_dataset.name, report.getvalue()


def test_heads_train_on_frame_tokens_and_the_cut_clip_is_skipped_with_its_reason(trained) -> None:
    folder, report = trained
    assert (folder / "hybrid" / "model.safetensors").is_file()
    skipped = [line for line in report.splitlines() if line.startswith("skipped line")]
    assert skipped == [f"skipped line {2 + sum(n for _, n in SPLITS)}: video: this is not a video FFmpeg can read "
                       "(or the file is truncated); choose an MP4, WebM, MOV or GIF clip."]


def test_evaluate_and_explain_read_the_video_column(trained, video_dataset, capsys, monkeypatch, tmp_path) -> None:
    folder, _ = trained
    monkeypatch.setenv("FUSION_CACHE_DIR", str(tmp_path / "cache"))  # a fresh cache: the files are encoded again
    code, out, err = run_main(["evaluate", "--checkpoint", str(folder), "--json"], capsys)
    assert code == 0, err
    (row,) = json.loads(out)["results"]
    assert row["strategy"] == "hybrid" and row["n"] == dict(SPLITS)["test"]
    clip = video_dataset / "clips" / "test_1.webm"
    code, out, err = run_main(["explain", "--checkpoint", str(folder), "--video", str(clip), "--text", "a clip of a 3",
                               "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)["strategies"]["hybrid"]
    assert report["layouts"]["video"]["kind"] == "frames" and len(report["layouts"]["video"]["labels"]) == 8
    assert len(report["attention"]["video"]) == 8  # text -> video cross-attention, one weight per frame token
    assert set(report["shapley"]) == {"text", "video"}
    temporal = report["temporal_shapley"]  # over groups of the 8 frame tokens, absent = the training mean
    assert temporal["unit"] == "tokens" and temporal["segments"] == [[0, 2], [2, 4], [4, 6], [6, 8]]
    assert temporal["baseline"] == "the training set's mean embedding"
    assert sum(temporal["values"]) == pytest.approx(temporal["value_full"] - temporal["value_empty"], abs=1e-9)
