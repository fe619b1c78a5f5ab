"""The motion task (video + text) through the command line: evaluate, robustness (with the
frames-shuffled condition) and explain on a video file given with the generic ``--video`` flag."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.cli.test_commands import run_main
from tools import drawn_clips as clips


def motion_clip(path: Path) -> Path:
    """An MP4 of test row 0's clip, upscaled 4x (an upload is decoded back to 8 frames of 16x16)."""
    from fusion.tasks import get_task

    frames = np.asarray(get_task("motion").sample(0, corruption={}).values["video"])
    big = [np.repeat(np.kron((f * 255).astype(np.uint8), np.ones((4, 4), np.uint8))[..., None], 3, -1) for f in frames]
    path.write_bytes(clips.encode(big, "mp4", "libx264", rate=8))
    return path


def test_evaluate_motion_reports_each_fusion_strategy(capsys) -> None:
    code, out, err = run_main(["evaluate", "--task", "motion", "--json"], capsys)
    assert code == 0, err
    rows = json.loads(out)["results"]
    assert [row["strategy"] for row in rows] == ["early", "late", "hybrid"]
    assert all(row["n"] == 360 for row in rows)


def test_robustness_reports_frames_shuffled_per_strategy(capsys) -> None:
    code, out, err = run_main(["robustness", "--task", "motion", "--strategy", "early", "--levels", "0", "1", "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    row = report["strategies"]["early"]
    assert 0.0 <= row["frames_shuffled"] <= 1.0 and row["frames_shuffled"] < row["full"]
    assert set(row["curves"]) == {"text", "video"} and set(row["missing"]) == {"text", "video"}


def test_explain_reads_a_video_file_and_a_caption(capsys, tmp_path) -> None:
    clip = motion_clip(tmp_path / "clip.mp4")
    code, out, err = run_main(["explain", "--task", "motion", "--strategy", "early", "--video", str(clip),
                               "--text", "a seven moving up", "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["classes"] == ["no", "yes"]
    row = report["strategies"]["early"]
    assert set(row["shapley"]) == {"text", "video"} and row["predicted"] in (0, 1)
    temporal = row["temporal_shapley"]
    assert temporal["segments"] == [[0, 2], [2, 4], [4, 6], [6, 8]] and temporal["target"] == row["target"]
    assert sum(temporal["values"]) == pytest.approx(temporal["value_full"] - temporal["value_empty"], abs=1e-9)
    assert temporal["value_full"] == pytest.approx(row["value_full"], abs=1e-6)  # the same sample, all frames kept
    # the shipped early model is the joint transformer: an attention map over the frames and patches
    # (on the clip's geometry: 8 frames of 16x16, each 8x8 patch painted with its token's weight)
    assert row["attention_source"]["video"].startswith("joint")
    video = np.asarray(row["attention"]["video"])
    assert video.shape == (8, 16, 16) and video.sum() > 0 and len(row["attention"]["text"]) > 0


@pytest.mark.parametrize("setting", [clips.SETTINGS[2], clips.SETTINGS[4]], ids=["mov-96px-24fps", "vp9-80px-30fps"])
def test_a_clip_made_elsewhere_is_scored_with_direction_sensitivity(capsys, tmp_path, setting) -> None:
    """A digit drawn with a font (not the built-in images) at another size, rate and length: the
    caption with its true direction gets a higher P(yes) than the opposite one, and is judged a match."""
    path = tmp_path / f"drawn.{clips.FORMATS[setting[0]][0]}"
    path.write_bytes(clips.drawn_clip(7, "up", setting))
    yes = []
    for text in clips.caption_pair(7, "up"):
        code, out, err = run_main(["explain", "--task", "motion", "--strategy", "early", "--video", str(path),
                                   "--text", text, "--json"], capsys)
        assert code == 0, err
        yes.append(json.loads(out)["strategies"]["early"]["probabilities"][1])
    assert yes[0] > 0.5 > yes[1], yes


@pytest.mark.parametrize("argv", [["--video", "missing.mp4"], ["--image", "x.png"], ["--video", "TRUNCATED"],
                                  ["--video", "PNG"]], ids=["no-file", "wrong-modality", "truncated", "wrong-type"])
def test_bad_video_arguments_are_one_line_errors(capsys, tmp_path, argv) -> None:
    if argv[-1] == "TRUNCATED":
        whole = motion_clip(tmp_path / "clip.mp4").read_bytes()
        (tmp_path / "cut.mp4").write_bytes(whole[: len(whole) // 2])
        argv = ["--video", str(tmp_path / "cut.mp4")]
    elif argv[-1] == "PNG":
        argv = ["--video", str(Path(__file__).resolve().parents[1] / "assets" / "digit.png")]
    code, out, err = run_main(["explain", "--task", "motion", "--strategy", "early", *argv, "--text", "a one moving up"], capsys)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err and out == ""
