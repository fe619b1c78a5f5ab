"""The motion task (video + text) through the command line: evaluate, robustness (with the
frames-shuffled condition) and explain on a video file given with the generic ``--video`` flag."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from fusion.modalities.video import VIDEO_SHAPE
from tests.cli.test_commands import run_main


def motion_clip(path: Path) -> Path:
    """An MP4 of test row 0's clip, upscaled 4x (an upload is decoded back to 8 frames of 16x16)."""
    import av

    from fusion.tasks import get_task

    frames = np.asarray(get_task("motion").sample(0, corruption={}).values["video"])
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=8)
        stream.width = stream.height = 64
        stream.pix_fmt = "yuv420p"
        for frame in frames:
            big = np.kron((frame * 255).astype(np.uint8), np.ones((4, 4), np.uint8))
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.repeat(big[..., None], 3, -1), format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    path.write_bytes(buffer.getvalue())
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
    assert np.asarray(row["inputs"]["video"]).shape == VIDEO_SHAPE if "inputs" in row else True


@pytest.mark.parametrize("argv", [["--video", "missing.mp4"], ["--image", "x.png"]], ids=["no-file", "wrong-modality"])
def test_bad_video_arguments_are_one_line_errors(capsys, argv) -> None:
    code, out, err = run_main(["explain", "--task", "motion", "--strategy", "early", *argv, "--text", "a one moving up"], capsys)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err and out == ""
