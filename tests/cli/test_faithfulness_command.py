"""``python -m fusion faithfulness``: the documented JSON on the shipped models, and one-line errors."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_commands import assert_one_line_error, run_main

KEYS = {"attention_drop", "random_drop", "difference_ci", "n", "padding_share", "k"}


def test_the_json_has_every_documented_figure(capsys) -> None:
    code, out, err = run_main(["faithfulness", "--task", "match", "--strategy", "late", "--n", "12", "--json"], capsys)
    assert code == 0, err
    result = json.loads(out)
    assert result["task"] == "match" and list(result["strategies"]) == ["late"]
    figures = result["strategies"]["late"]
    assert set(figures) == {"audio", "image"}
    for m, f in figures.items():
        assert set(f) == KEYS, m
        low, high = f["difference_ci"]
        assert low <= f["attention_drop"] - f["random_drop"] <= high
        assert f["n"] == 12 and f["k"] == 4 and f["padding_share"] == 0.0


@pytest.mark.parametrize("argv", [["--task", "match", "--n", "0"], ["--task", "match", "--k", "0"],
                                  ["--task", "nonsense"]])
def test_bad_arguments_are_one_line_errors(argv, capsys) -> None:
    assert_one_line_error(*run_main(["faithfulness", *argv], capsys))
