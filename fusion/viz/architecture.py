"""Block diagrams of fusion models, drawn from the built ``nn.Module`` itself.

Every direct child module and direct parameter of the model becomes a block (a ``ModuleDict``
keyed by modality becomes one block per modality), labelled with the classes it is made of and its
parameter count, so the counts of all blocks add up to ``model.num_parameters()``. Only the data
flow between the blocks (which attribute feeds which) is declared by each strategy (its
``Diagram``), because an ``nn.Module`` does not record how ``forward`` wires its children. No Streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fusion.viz._plotly import go
from torch import nn

from fusion.modalities import get_modality, list_modalities
from fusion.models.config import ModelConfig
from fusion.models.strategies.base import Diagram

MODALITY_COLOURS = {m: get_modality(m).colour for m in list_modalities()}  # the specs' colours
SHARED_COLOUR = "#b07aa1"
MEET_COLOUR = "#e15759"

@dataclass
class Block:
    key: str  # attribute, or attribute.modality
    attribute: str
    modality: str | None
    classes: list[str]
    parameters: int
    column: int
    lane: str
    label: str = ""
    meets: bool = False
    x: float = 0.0
    y: float = 0.0
    extra: list[str] = field(default_factory=list)


def _count(obj: nn.Module | nn.Parameter) -> int:
    return obj.numel() if isinstance(obj, nn.Parameter) else sum(p.numel() for p in obj.parameters())


def describe(module: nn.Module | nn.Parameter) -> list[str]:
    """The class names a block is made of: the module's class, then its distinct submodule classes."""
    if isinstance(module, nn.Parameter):
        return [f"Parameter {tuple(module.shape)}"]
    names = [type(module).__name__]
    children = []
    for child in module.children():
        inner = list(child.children()) if isinstance(child, (nn.ModuleList, nn.ModuleDict)) else [child]
        children.extend(type(c).__name__ for c in inner)
    distinct = [c for i, c in enumerate(children) if c not in children[:i] and c not in ("ModuleList", "ModuleDict")]
    if distinct:
        counts = {c: children.count(c) for c in distinct}
        names.append(" · ".join(f"{counts[c]}× {c}" if counts[c] > 1 else c for c in distinct[:6]))
    return names


def architecture_blocks(model: nn.Module) -> tuple[list[Block], list[tuple[str, str]], Diagram]:
    """The diagram's blocks (every child module and parameter of ``model``), edges, and the
    strategy's own ``Diagram`` (layout, flow, where modalities meet)."""
    diagram: Diagram = model.diagram
    layout = diagram.layout
    modalities = list(model.modalities)
    parts: list[tuple[str, nn.Module | nn.Parameter]] = [*model.named_children(), *model.named_parameters(recurse=False)]
    blocks: dict[str, Block] = {}
    merged: list[tuple[str, nn.Module | nn.Parameter]] = []
    for name, part in parts:
        if name in diagram.merged:
            merged.append((name, part))
            continue
        column, lane = layout.get(name, (max(c for c, _ in layout.values()) + 1, "center"))
        if isinstance(part, (nn.ModuleDict, nn.ParameterDict)) and set(part.keys()) <= set(modalities):
            for m, child in part.items():
                blocks[f"{name}.{m}"] = Block(f"{name}.{m}", name, m, describe(child), _count(child), column, "modality")
        else:
            blocks[name] = Block(name, name, None, describe(part), _count(part), column, lane)
    for name, part in merged:
        target = diagram.merged[name]
        if isinstance(part, nn.ParameterDict):
            for m, parameter in part.items():
                block = blocks[f"{target}.{m}"]
                block.parameters += parameter.numel()
                block.extra.append(f"+ {name} {tuple(parameter.shape)}")
        else:
            block = blocks[target]
            block.parameters += _count(part)
            block.extra.append(f"+ {name} {tuple(part.shape)}")
    if len(modalities) > 1 and diagram.meets in blocks:
        blocks[diagram.meets].meets = True
    for block in blocks.values():
        block.label = diagram.roles.get(block.attribute, block.attribute)
    edges = _edges(diagram, blocks, modalities)
    return list(blocks.values()), edges, diagram


def _edges(diagram: Diagram, blocks: dict[str, Block], modalities: list[str]) -> list[tuple[str, str]]:
    def keys(attribute: str) -> list[tuple[str, str | None]]:
        if attribute == "input":
            return [(f"input.{m}", m) for m in modalities]
        if attribute == "output":
            return [("output", None)]
        return [(b.key, b.modality) for b in blocks.values() if b.attribute == attribute]

    edges = []
    for source, target in diagram.flow:
        for s, sm in keys(source):
            for t, tm in keys(target):
                if sm is None or tm is None or sm == tm:
                    edges.append((s, t))
    return edges


def _place(blocks: list[Block], modalities: list[str]) -> dict[str, tuple[float, float]]:
    rows = {m: float(len(modalities) - 1 - i) * 1.4 for i, m in enumerate(modalities)}
    center = (len(modalities) - 1) * 0.7
    lanes = {"center": center, "fusion": -1.4}
    has_fusion_lane = any(b.lane == "fusion" for b in blocks)
    positions = {f"input.{m}": (0.0, rows[m]) for m in modalities}
    for b in blocks:
        b.x = float(b.column)
        b.y = rows[b.modality] if b.modality is not None else lanes[b.lane]
        positions[b.key] = (b.x, b.y)
    last = max((b.column for b in blocks), default=0) + 1
    positions["output"] = (float(last), center if not has_fusion_lane else center)
    return positions


LINE = 20  # characters of a block's label per line (a box is about 100 px wide): a longer one runs out of its box into the next


def _lines(text: str, separator: str = " ") -> list[str]:
    """``text`` (it may hold ``<br>``) in lines of at most ``LINE`` characters, broken at ``separator``."""
    out = []
    for part in text.split("<br>"):
        line = ""
        for word in part.split(separator):
            joined = f"{line}{separator}{word}" if line else word
            if line and len(joined) > LINE:
                out.append(line.rstrip() if separator == " " else line + separator.rstrip())
                line = word
            else:
                line = joined
        out.append(line)
    return out


def _shape_lines(text: str) -> list[str]:
    """A parameter and its shape ("+ null_key (1, 1, 30)"): too long, the shape goes on its own line."""
    head, bracket, shape = text.rpartition(" (")
    return [head, f"({shape}"] if bracket and len(text) > LINE else [text]


def _label(block: Block) -> str:
    title = block.classes[0] + (f" [{block.modality}]" if block.modality else "")
    lines = [*(f"<b>{line}</b>" for line in _lines(title)), *_lines(block.label)]
    if len(block.classes) > 1:
        lines.extend(f"<span style='font-size:10px'>{line}</span>" for line in _lines(block.classes[1], " · "))
    lines.extend(f"<span style='font-size:10px'>{line}</span>" for e in block.extra for line in _shape_lines(e))
    lines.append(f"{block.parameters:,} params")
    return "<br>".join(lines)


def architecture_figure(model_or_config: nn.Module | ModelConfig, title: str | None = None) -> go.Figure:
    """A block diagram of ``model_or_config`` (a built FusionModel, or a config that is built here)."""
    if isinstance(model_or_config, ModelConfig):
        from fusion.models.strategies import build_model

        model = build_model(model_or_config)
    else:
        model = model_or_config
    modalities = list(model.modalities)
    blocks, edges, diagram = architecture_blocks(model)
    positions = _place(blocks, modalities)
    for b in blocks:
        b.label = _label(b)

    fig = go.Figure()
    half_w, half_h = 0.42, 0.55
    for source, target in edges:
        (x0, y0), (x1, y1) = positions[source], positions[target]
        fig.add_annotation(
            x=x1 - half_w, y=y1, ax=x0 + half_w, ay=y0, xref="x", yref="y", axref="x", ayref="y",
            showarrow=True, arrowhead=2, arrowsize=1, arrowwidth=1.3, arrowcolor="#888", text="",
        )
    for m in modalities:
        x, y = positions[f"input.{m}"]
        _box(fig, x, y, half_w, 0.3, MODALITY_COLOURS.get(m, SHARED_COLOUR), f"<b>{m}</b><br>input", dashed=True)
    for b in blocks:
        colour = MODALITY_COLOURS.get(b.modality, SHARED_COLOUR) if b.modality else SHARED_COLOUR
        _box(fig, b.x, b.y, half_w, half_h, colour, b.label, border=MEET_COLOUR if b.meets else None)
        if b.meets:
            fig.add_annotation(x=b.x, y=b.y + half_h + 0.12, text="<b>modalities meet here</b>", showarrow=False,
                               font=dict(color=MEET_COLOUR, size=11), yanchor="bottom")
    ox, oy = positions["output"]
    _box(fig, ox, oy, half_w * 0.8, 0.3, "#cccccc", f"<b>prediction</b><br>{model.config.num_classes} classes", dashed=True)
    # An invisible trace carries hover text (one point per block) and keeps the axes sized.
    fig.add_trace(go.Scatter(
        x=[b.x for b in blocks], y=[b.y for b in blocks], mode="markers", marker=dict(size=1, opacity=0),
        hovertext=[b.label.replace("<b>", "").replace("</b>", "") for b in blocks], hoverinfo="text", showlegend=False,
    ))
    ys = [y for _, y in positions.values()]
    total = sum(b.parameters for b in blocks)
    name = type(model).__name__
    fig.update_layout(
        title=title or f"{name} ({model.config.name}) — {total:,} parameters",
        xaxis=dict(visible=False, range=[-0.6, ox + 0.6]),
        yaxis=dict(visible=False, range=[min(ys) - 0.9, max(ys) + 0.95]),
        height=170 + 120 * (max(ys) - min(ys) + 1.5), margin=dict(l=10, r=10, t=50, b=10),
        plot_bgcolor="white", meta={"flow": diagram.name, "total_parameters": total,
                                    "blocks": [{"key": b.key, "classes": b.classes, "parameters": b.parameters,
                                                "meets": b.meets} for b in blocks]},
    )
    return fig


def _box(fig: go.Figure, x: float, y: float, half_w: float, half_h: float, colour: str, text: str,
         border: str | None = None, dashed: bool = False) -> None:
    fig.add_shape(
        type="rect", x0=x - half_w, x1=x + half_w, y0=y - half_h, y1=y + half_h, xref="x", yref="y",
        fillcolor=colour, opacity=0.25 if not dashed else 0.15,
        line=dict(color=border or colour, width=3 if border else 1.5, dash="dot" if dashed else "solid"),
        layer="below",
    )
    fig.add_annotation(x=x, y=y, text=text, showarrow=False, font=dict(size=10), xref="x", yref="y")


def block_labels(fig: go.Figure) -> list[str]:
    """Every text on the diagram (block labels and notes), each on one line (the boxes break them
    into lines), for tests and accessibility."""
    return [a.text.replace("<br>", " ") for a in fig.layout.annotations if a.text]
