"""``python -m fusion reliance``: the documented JSON on the built-in tasks, numbers that agree with
``evaluate`` and with each other, and one-line errors for a task without groups or an unknown column."""

from __future__ import annotations

import json

import pytest

from fusion.models.checkpoints import checkpoint_dir, read_metrics, shipped_root
from tests.cli.test_commands import assert_one_line_error, run_main


def reliance_json(capsys, *args: str) -> dict:
    code, out, err = run_main(["reliance", *args, "--json"], capsys)
    assert code == 0, err
    return json.loads(out)


def test_digits_json_has_the_documented_fields_and_agrees_with_evaluate(capsys):
    report = reliance_json(capsys, "--task", "digits", "--strategy", "early", "--seeds", "2")
    assert {"task", "group_by", "groups", "perceptual_score"} <= set(report)
    assert report["task"] == "digits" and report["group_by"] == "accent"
    assert len(report["groups"]) == 8 and sum(g["n"] for g in report["groups"]) == 360
    recorded = read_metrics(checkpoint_dir(shipped_root(), "digits", "early"))["accuracy"]
    weighted = sum(g["n"] * g["strategies"]["early"]["accuracy"] for g in report["groups"]) / 360
    assert weighted == pytest.approx(recorded, abs=1e-3) and report["accuracy"]["early"] == pytest.approx(recorded, abs=1e-4)
    for group in report["groups"]:
        entry = group["strategies"]["early"]
        assert {"accuracy", "shapley_share"} <= set(entry)
        assert set(entry["shapley_share"]) == {"audio", "image", "text"}
        assert sum(entry["shapley_share"].values()) == pytest.approx(1.0, abs=1e-3)
        low, high = entry["interval"]
        assert low <= entry["accuracy"] <= high
        assert group["small"] == (group["n"] < report["small_group"])
    assert set(report["perceptual_score"]["early"]) == {"audio", "image", "text"}
    # a model this accurate loses most when its strongest modalities are scrambled
    assert report["perceptual_score"]["early"]["audio"] > report["perceptual_score"]["early"]["text"]


def test_match_by_voice_family(capsys):
    report = reliance_json(capsys, "--task", "match", "--group-by", "voice", "--strategy", "late", "--seeds", "1")
    assert [g["group"] for g in report["groups"]] == ["female", "klatt", "male"]
    assert sum(g["n"] for g in report["groups"]) == 360
    assert set(report["perceptual_score"]) == {"late"}


def test_the_table_tells_the_largest_gap(capsys):
    code, out, err = run_main(["reliance", "--task", "match", "--strategy", "early", "--seeds", "1"], capsys)
    assert code == 0, err
    assert "The largest accuracy gap between accent groups" in out and "en-gb-x-gbclan" in out


@pytest.mark.parametrize(("args", "message"), [
    (["--task", "motion"], "task 'motion' has no group columns"),
    (["--task", "digits", "--group-by", "age"], "no group column 'age'; choose one of: accent, voice"),
    (["--task", "digits", "--seeds", "0"], "--seeds must be in 1..100"),
    (["--demo", "--task", "digits"], "--demo brings its own task and models"),
])
def test_errors_are_one_line(capsys, args, message):
    code, out, err = run_main(["reliance", *args], capsys)
    assert_one_line_error(code, out, err)
    assert message in err
