"""The lab's figures draw the numbers they are given, with their units on the axes."""

from fusion.viz.lab import atoms_of, captured_bars, lab_accuracy, lab_emap, pid_comparison, shapley_bars

PID = {"redundancy": 0.1, "uniqueness": {"image": 0.2, "audio": 0.0}, "synergy": 0.7, "total": 1.0}
STRATEGIES = {s: {"accuracy": a, "emap_nonadditive_share": e, "shapley": {"audio": 0.1, "image": -0.05}, "captured": PID}
              for s, a, e in (("early", 0.95, 0.8), ("late", 0.75, 0.0))}


def test_pid_bars_draw_each_atom_in_bits():
    fig = pid_comparison({"truth": PID, "measured": PID})
    assert [t.name for t in fig.data] == ["truth", "measured"]
    assert list(fig.data[0].y) == [0.1, 0.2, 0.0, 0.7] == list(atoms_of(PID).values())
    assert fig.layout.yaxis.title.text == "information (bits)"


def test_strategy_figures_state_their_units():
    assert list(lab_accuracy(STRATEGIES).data[0].y) == [0.95, 0.75]
    assert lab_accuracy(STRATEGIES).layout.yaxis.title.text == "accuracy"
    assert list(lab_emap(STRATEGIES).data[0].y) == [0.8, 0.0]
    shapley = shapley_bars(STRATEGIES)
    assert [t.name for t in shapley.data] == ["audio", "image"] and list(shapley.data[1].y) == [-0.05, -0.05]
    assert "probability" in shapley.layout.yaxis.title.text
    captured = captured_bars(STRATEGIES)
    assert [t.name for t in captured.data] == ["redundancy", "unique image", "unique audio", "synergy"]
    assert captured.layout.yaxis.title.text == "information (bits)"
