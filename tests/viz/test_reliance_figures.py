"""Reliance figures: every bar comes from the report, intervals are drawn as asymmetric error
bars, stacked shares sum to 1, and each figure names its scale and units."""

from __future__ import annotations

import pytest

from fusion.viz.reliance import accuracy_by_group, perceptual_bars, shares_by_group

REPORT = {
    "task": "t", "group_by": "site", "split": "test", "interval": "Wilson score interval, 95 %", "small_group": 30,
    "permutation_seeds": 3,
    "groups": [
        {"group": "a", "n": 40, "small": False, "strategies": {
            "early": {"accuracy": 0.8, "interval": [0.65, 0.9], "shapley_share": {"audio": 0.7, "image": 0.3}},
            "late": {"accuracy": 0.6, "interval": [0.45, 0.73], "shapley_share": {"audio": 0.5, "image": 0.5}}}},
        {"group": "b", "n": 12, "small": True, "strategies": {
            "early": {"accuracy": 0.5, "interval": [0.25, 0.75], "shapley_share": {"audio": 0.2, "image": 0.8}},
            "late": {"accuracy": 0.25, "interval": [0.09, 0.53], "shapley_share": {"audio": 0.4, "image": 0.6}}}},
    ],
    "perceptual_score": {"early": {"audio": 0.3, "image": 0.1}, "late": {"audio": 0.05, "image": -0.02}},
}


def test_accuracy_bars_carry_the_intervals_and_flag_small_groups():
    fig = accuracy_by_group(REPORT)
    early = next(t for t in fig.data if t.name == "early")
    assert list(early.x) == ["a (n=40)", "b* (n=12)"] and list(early.y) == [0.8, 0.5]
    assert list(early.error_y.array) == pytest.approx([0.1, 0.25])
    assert list(early.error_y.arrayminus) == pytest.approx([0.15, 0.25])
    assert fig.layout.yaxis.title.text == "accuracy (%)" and fig.layout.yaxis.tickformat == ".0%"
    assert "Wilson" in fig.layout.title.text and "fewer than 30 rows" in fig.layout.title.text


def test_stacked_shares_sum_to_one_per_group_and_model():
    fig = shares_by_group(REPORT)
    assert fig.layout.barmode == "stack"
    assert all(fig.layout[axis].tickangle == -90 for axis in ("xaxis", "xaxis2"))  # long names never overlap
    totals: dict[tuple[str, str], float] = {}
    for trace in fig.data:
        for x, y in zip(trace.x, trace.y):
            totals[(trace.xaxis, x)] = totals.get((trace.xaxis, x), 0.0) + y
    assert len(totals) == 4 and all(v == pytest.approx(1.0) for v in totals.values())
    assert "share of mean |Shapley| (%)" == fig.layout.yaxis.title.text
    assert "100 %" in fig.layout.title.text


def test_perceptual_bars_are_in_percentage_points():
    fig = perceptual_bars(REPORT)
    audio = next(t for t in fig.data if t.name == "audio")
    assert list(audio.x) == ["early", "late"] and list(audio.y) == pytest.approx([30.0, 5.0])
    assert fig.layout.yaxis.title.text == "accuracy drop (percentage points)"
    assert "3 seeds" in fig.layout.title.text
