"""Figures of the interaction lab and of a task's PID: pure Plotly builders fed the plain dicts of
``fusion.lab.experiment.run_lab`` / ``fusion.evaluation.task_pid.task_pid`` (atoms in bits)."""

from __future__ import annotations

from collections.abc import Mapping

from fusion.viz._plotly import go

from fusion.viz.compare import _layout, emap_bars, model_colour

ATOM_COLOURS = {"redundancy": "#4C78A8", "synergy": "#E45756"}
UNIQUE_COLOURS = ("#54A24B", "#F58518", "#9D755D")


def atoms_of(pid: Mapping) -> dict[str, float]:
    """``{"redundancy", "unique <m>"..., "synergy"}`` in bits, from a decomposition's dict."""
    return {"redundancy": pid["redundancy"], **{f"unique {m}": v for m, v in pid["uniqueness"].items()},
            "synergy": pid["synergy"]}


def _atom_colour(atom: str, index: int) -> str:
    return ATOM_COLOURS.get(atom, UNIQUE_COLOURS[index % len(UNIQUE_COLOURS)])


def pid_comparison(decompositions: Mapping[str, Mapping], title: str = "Partial information decomposition") -> go.Figure:
    """Grouped bars: one group per atom, one bar per decomposition (e.g. truth, measured, control)."""
    fig = go.Figure()
    palette = {"truth": "#333333", "measured": "#4C78A8", "shuffled-label control": "#BAB0AC"}
    for index, (name, pid) in enumerate(decompositions.items()):
        values = atoms_of(pid)
        fig.add_bar(x=list(values), y=list(values.values()), name=name,
                    marker_color=palette.get(name, UNIQUE_COLOURS[index % len(UNIQUE_COLOURS)]),
                    text=[f"{v:.2f}" for v in values.values()], textposition="outside")
    top = max([1.0, *(v for pid in decompositions.values() for v in atoms_of(pid).values())])
    fig.update_yaxes(range=[0, top * 1.15])
    return _layout(fig, title, barmode="group", xaxis_title="atom", yaxis_title="information (bits)")


def captured_bars(strategies: Mapping[str, Mapping]) -> go.Figure:
    """Stacked bars per strategy: the PID of its predictions (what it captured), in bits."""
    fig = go.Figure()
    names = list(strategies)
    atoms = list(atoms_of(strategies[names[0]]["captured"]))
    for index, atom in enumerate(atoms):
        ys = [atoms_of(strategies[n]["captured"])[atom] for n in names]
        fig.add_bar(x=names, y=ys, name=atom, marker_color=_atom_colour(atom, index),
                    text=[f"{y:.2f}" for y in ys], textposition="inside")
    return _layout(fig, "What each model's predictions carry (PID of its predicted class)", barmode="stack",
                   xaxis_title="fusion strategy", yaxis_title="information (bits)")


def lab_accuracy(strategies: Mapping[str, Mapping], chance: float = 0.5) -> go.Figure:
    names = list(strategies)
    ys = [strategies[n]["accuracy"] for n in names]
    fig = go.Figure(go.Bar(x=names, y=ys, marker_color=[model_colour(n, i) for i, n in enumerate(names)],
                           text=[f"{y:.1%}" for y in ys], textposition="outside", name="accuracy"))
    fig.add_hline(y=chance, line_dash="dash", line_color="grey", annotation_text="chance", annotation_position="top left")
    fig.update_yaxes(range=[0, 1.1], tickformat=".0%")
    return _layout(fig, "Test accuracy (fraction of test pairs)", xaxis_title="fusion strategy", yaxis_title="accuracy")


def lab_emap(strategies: Mapping[str, Mapping]) -> go.Figure:
    return emap_bars({n: row["emap_nonadditive_share"] for n, row in strategies.items()})


def shapley_bars(strategies: Mapping[str, Mapping]) -> go.Figure:
    """Grouped bars: mean modality Shapley value per strategy, on the probability of the true label."""
    fig = go.Figure()
    names = list(strategies)
    modalities = list(strategies[names[0]]["shapley"])
    for index, modality in enumerate(modalities):
        ys = [strategies[n]["shapley"][modality] for n in names]
        fig.add_bar(x=names, y=ys, name=modality, marker_color=model_colour(modality, index),
                    text=[f"{y:+.2f}" for y in ys], textposition="outside")
    return _layout(fig, "Modality Shapley values (mean over test pairs)", barmode="group", xaxis_title="fusion strategy",
                   yaxis_title="Δ probability of the true label")
