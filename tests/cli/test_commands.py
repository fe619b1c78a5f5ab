"""``python -m fusion``: evaluate as JSON, train into a checkpoint root, list the shipped models,
and every user-caused failure as one line on stderr with exit status 2, never a traceback.

Most tests call ``fusion.cli.main`` in-process (fast); a few run the real module in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fusion.models.checkpoints import checkpoint_dir, read_config, read_metrics, shipped_root
from fusion.models.run_lock import lock_path
from fusion.cli import main
from fusion.tasks.splits import caption_vocabulary
from fusion.models.presets import SHIPPED, default_config

REPO = Path(__file__).resolve().parents[2]


def run_module(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "fusion", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def run_main(argv: list[str], capsys) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``main(argv)``; argparse errors exit via SystemExit."""
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code: int, out: str, err: str) -> None:
    assert code == 2, (code, err)
    assert "Traceback" not in err
    assert err.endswith("\n") and err.count("\n") == 1, f"expected one line on stderr, got {err!r}"
    assert "error" in err
    assert out == ""


# ----------------------------------------------------------------------------------- evaluate
def test_evaluate_match_json_reports_the_recorded_accuracy_of_each_fusion_strategy() -> None:
    completed = run_module("evaluate", "--task", "match", "--json")
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)  # the whole of stdout is one JSON object
    assert set(report) == {"task", "results"}
    assert report["task"] == "match"
    rows = report["results"]
    assert [row["strategy"] for row in rows] == ["early", "late", "hybrid"]  # no unimodal baselines
    for row in rows:
        assert isinstance(row["accuracy"], float) and 0.0 <= row["accuracy"] <= 1.0
        assert row["n"] == 360
        assert isinstance(row["parameters"], int) and row["parameters"] > 0
        recorded = read_metrics(checkpoint_dir(shipped_root(), "match", row["strategy"]))
        assert row["accuracy"] == recorded["accuracy"], row["strategy"]
        assert row["parameters"] == recorded["parameters"], row["strategy"]


def test_evaluate_one_strategy_at_a_given_corruption(capsys) -> None:
    code, out, _ = run_main(["evaluate", "--task", "digits", "--strategy", "image", "--corruption", "image=0", "--json"], capsys)
    assert code == 0
    clean = json.loads(out)
    assert clean["task"] == "digits"
    [row] = clean["results"]
    assert row["strategy"] == "image"
    assert row["corruption"] == {"image": 0.0}
    assert row["n"] == 360

    code, out, _ = run_main(["evaluate", "--task", "digits", "--strategy", "image", "--json"], capsys)
    assert code == 0
    [standard] = json.loads(out)["results"]
    assert standard["corruption"]["image"] > 0.0
    assert standard["accuracy"] == read_metrics(checkpoint_dir(shipped_root(), "digits", "image"))["accuracy"]
    assert clean["results"][0]["accuracy"] != standard["accuracy"]


# ------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("argv", "mentions"),
    [
        (["evaluate", "--task", "digits", "--strategy", "smell"], "smell"),
        (["evaluate", "--task", "colours"], "colours"),
        (["evaluate", "--task", "digits", "--strategy", "image", "--corruption", "image=2"], "[0, 1]"),
        (["evaluate", "--task", "digits", "--strategy", "image", "--corruption", "smell=0.1"], "smell"),
        (["evaluate", "--task", "digits", "--strategy", "image", "--corruption", "image=abc"], "abc"),
        (["evaluate", "--task", "digits", "--checkpoint", "no/such/folder"], "does not exist"),
        (["train", "--task", "digits", "--strategy", "text", "--epochs", "0"], "--epochs"),
        (["train", "--task", "match", "--strategy", "text"], "text"),
        (["train", "--task", "colours", "--strategy", "early"], "--data"),
        (["evaluate", "--task", "match", "--data", "somewhere"], "--data"),
        (["evaluate", "--checkpoint", "no/such/folder"], "does not exist"),
        (["explain", "--task", "match", "--sample", "0", "--strategy", "text"], "text"),
        (["explain", "--task", "match", "--sample", "0", "--image", "x.png"], "--sample"),
        (["tasks", "--names"], "--names"),
        ([], "command"),
    ],
    ids=[
        "unknown-strategy", "unknown-task", "level-out-of-range", "unknown-modality", "level-not-a-number",
        "missing-checkpoint-root", "zero-epochs", "modality-not-in-task", "train-unknown-task", "data-with-built-in",
        "missing-checkpoint-no-task", "explain-missing-model", "sample-and-file", "tasks-unknown-flag", "no-command",
    ],
)
def test_a_user_error_is_one_line_with_status_2(capsys, argv: list[str], mentions: str) -> None:
    code, out, err = run_main(argv, capsys)
    assert_one_line_error(code, out, err)
    assert mentions in err


@pytest.mark.parametrize("strategy", ["image", "all"])
def test_an_empty_checkpoint_root_is_one_line_with_status_2(capsys, tmp_path: Path, strategy: str) -> None:
    code, out, err = run_main(["evaluate", "--task", "digits", "--strategy", strategy, "--checkpoint", str(tmp_path)], capsys)
    assert_one_line_error(code, out, err)
    assert str(tmp_path) in err


def test_no_traceback_reaches_the_terminal() -> None:
    completed = run_module("evaluate", "--task", "digits", "--strategy", "image", "--corruption", "image=2")
    assert_one_line_error(completed.returncode, completed.stdout, completed.stderr)


def test_a_modality_the_task_lacks_in_corruption_is_one_line_with_status_2(capsys) -> None:
    code, out, err = run_main(["evaluate", "--task", "match", "--strategy", "early", "--corruption", "text=0.5"], capsys)
    assert_one_line_error(code, out, err)
    assert "text" in err


@pytest.mark.parametrize(
    "argv",
    [["evaluate", "--task", "digits", "--strategy", "image", "--seed", "-1"],
     ["train", "--task", "digits", "--strategy", "text", "--epochs", "1", "--seed", "-1"]],
    ids=["evaluate", "train"],
)
def test_a_negative_seed_is_accepted_or_one_line_with_status_2(capsys, tmp_path: Path, argv: list[str]) -> None:
    code, out, err = run_main([*argv, *(["--out", str(tmp_path)] if argv[0] == "train" else [])], capsys)
    assert "Traceback" not in err
    if code != 0:
        assert_one_line_error(code, out, err)


def test_train_into_a_file_is_one_line_with_status_2(capsys, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    code, _, err = run_main(["train", "--task", "digits", "--strategy", "text", "--epochs", "1", "--out", str(not_a_folder)], capsys)
    assert code == 2
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("python -m fusion train: error:")


# ------------------------------------------------------------------------------ train, models
def test_train_writes_a_checkpoint_that_evaluate_reproduces(capsys, tmp_path: Path) -> None:
    code, out, _ = run_main(["train", "--task", "digits", "--strategy", "text", "--epochs", "1", "--out", str(tmp_path)], capsys)
    assert code == 0
    folder = tmp_path / "digits" / "text"
    assert {p.name for p in folder.iterdir()} >= {"model.safetensors", "config.json", "metrics.json"}
    assert str(folder) in out
    assert read_config(folder) == default_config("digits", "text", caption_vocabulary())
    metrics = read_metrics(folder)
    assert metrics["best_epoch"] == 1
    assert metrics["strategy"] == "text" and metrics["n"] == 360
    assert not lock_path(tmp_path).exists()  # the run lock on --out was held, then released and removed

    code, out, _ = run_main(["evaluate", "--checkpoint", str(tmp_path), "--task", "digits", "--strategy", "text", "--json"], capsys)
    assert code == 0
    [row] = json.loads(out)["results"]
    assert row["accuracy"] == metrics["accuracy"]
    assert row["parameters"] == metrics["parameters"]

    # --strategy all skips the models this root does not have
    code, out, _ = run_main(["evaluate", "--checkpoint", str(tmp_path), "--task", "digits", "--json"], capsys)
    assert code == 0
    assert [r["strategy"] for r in json.loads(out)["results"]] == ["text"]

    # without --task, the model folder names its built-in task (the path heads take)
    code, out, _ = run_main(["evaluate", "--checkpoint", str(folder), "--json", "--predictions"], capsys)
    assert code == 0
    report = json.loads(out)
    assert report["task"] == "digits"
    [row] = report["results"]
    assert row["accuracy"] == metrics["accuracy"] and row["corruption"] == metrics["corruption"]
    assert len(row["predictions"]) == row["n"] == 360
    code, out, _ = run_main(["explain", "--checkpoint", str(tmp_path), "--strategy", "text", "--text", "a seven", "--json"], capsys)
    assert code == 0
    assert json.loads(out)["task"] == "digits" and set(json.loads(out)["strategies"]) == {"text"}


def test_explain_prints_the_task_class_names(capsys) -> None:
    code, out, _ = run_main(["explain", "--task", "match", "--sample", "0", "--strategy", "late"], capsys)
    assert code == 0
    [line] = out.splitlines()
    code, as_json, _ = run_main(["explain", "--task", "match", "--sample", "0", "--strategy", "late", "--json"], capsys)
    payload = json.loads(as_json)
    assert payload["classes"] == ["different", "same"]
    predicted = payload["strategies"]["late"]["predicted"]
    assert line.strip().startswith(f"late: predicts {payload['classes'][predicted]} ")


def test_models_lists_every_shipped_model_with_its_accuracy(capsys) -> None:
    code, out, _ = run_main(["models"], capsys)
    assert code == 0
    lines = out.strip().splitlines()
    from fusion.training.demos import DEMO_CHECKPOINTS

    assert len(lines) == len(SHIPPED) + len(DEMO_CHECKPOINTS) == 15  # then the reliance demonstration's three
    for line, (task, name) in zip(lines, (*SHIPPED, *DEMO_CHECKPOINTS)):
        accuracy = read_metrics(checkpoint_dir(shipped_root(), task, name))["accuracy"]
        assert line.split()[:2] == [task, name]
        assert f"accuracy {accuracy:.3f}" in line
