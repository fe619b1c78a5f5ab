"""Attention maps of one sample, mapped back onto each modality's input geometry.

``AttentionMaps(model, method="rollout").attribute(inputs, present=None) -> AttentionResult``

Methods (heads are always averaged):

- ``"rollout"``: attention rollout (Abnar & Zuidema 2020). Each layer's head-averaged weights
  ``A`` become ``0.5 * A + 0.5 * I`` (the residual connection), rows renormalised, and the layers
  are multiplied, last layer on the left: ``R = Â_L ... Â_1``. The [CLS] row of ``R`` is how much
  of the final [CLS] flows from each INPUT position (the [CLS] itself included); it sums to 1.
- ``"cls"``: the last layer's [CLS] row, heads averaged (what the [CLS] attends to in the last
  layer; its key positions are that layer's inputs, aligned with the input tokens by the residual
  stream). Also sums to 1 over [CLS] + tokens.

What a map is, per strategy (found from the names of ``FusionOutput.attention``):

- early + concat (``joint.{i}``): the joint stack from its [CLS]; modality ``m``'s map is the
  [CLS] row on ``m``'s token segment. ``shares[m]`` (the segment's sum) over the present modalities
  plus ``cls_share["joint"]`` sum to 1.
- late / unimodal (``{m}.{i}``): each modality's own network from its own [CLS] over its own
  tokens: ``shares[m] + cls_share[m] == 1``.
- hybrid (``{m}.{i}`` and ``cross.{m}``): the map of ``m``'s input tokens is the CROSS-attention
  of the OTHER present modalities' [CLS] onto ``m``'s tokens, averaged over those modalities
  (one cross block, so there is nothing to roll out: both methods use its weights as they are).
  This is the fusion step, i.e. what the other modalities looked at in ``m``. The key positions
  are the outputs of ``m``'s unimodal stack at ``m``'s token positions, aligned with its input
  tokens by the residual stream. ``cross_shares[q]`` is where the [CLS] of ``q`` put its mass
  (``"null"`` plus each other present modality; sums to 1). A modality with no other present
  modality has no cross map (nobody attended to it; see ``note``). The unimodal self-attention of
  each modality (rollout or [CLS] row, per ``method``) is in ``self_maps`` / ``self_tokens``,
  with ``cls_share[m]`` its [CLS] self-weight, exactly as for late fusion.
- hybrid with bottleneck tokens (``bottleneck.{layer}.{m}``, MBT): the modalities meet only in
  the bottleneck. Modality ``m``'s map is where the bottleneck tokens looked in ``m``'s tokens in
  the first layer (what they carried from ``m`` to the others; their rows averaged over the
  tokens and heads), ``shares[m]`` its mass (the rest stayed on ``m``'s [CLS] and the bottleneck
  itself). ``cross_shares[q]["bottleneck"]`` is how much of the last layer's [CLS] of ``q`` read
  from the bottleneck. Unimodal self-attention is in ``self_maps`` as for hybrid.
- early with a vector operator (sum, product, ...): there is no attention. The result has empty
  maps and a ``note`` pointing to Shapley values and Integrated Gradients; weights are never
  invented. A gated operator's per-modality weights (``mixing["operator"]``) are reported as
  ``modality_weights`` (also for a hybrid model whose operator is gated).

Maps are the raw attention mass (a modality's map sums to its share; the geometry copies a
token's weight onto its pixels/frames, see ``ModalitySpec.token_map``); ``normalised(m)`` gives a
max-1 version for drawing. Absent modalities get no map (and receive no attention: they are
masked). Text padding gets no weight and no entry: text maps list the real words only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
import torch
from torch import Tensor

from fusion.explain.base import Explainer, select_modalities
from fusion.modalities import get_modality
from fusion.models.strategies.base import BOTTLENECK, CROSS, JOINT, NO_ATTENTION, OWN, AttentionMap

METHODS = ("rollout", "cls")
RESIDUAL = 0.5

Maps = dict[str, AttentionMap]
Geometry = Callable[[str, Tensor], tuple[np.ndarray, "list[str] | None"]]


def attention_rollout(layers: Sequence[Tensor], residual: float = RESIDUAL) -> Tensor:
    """Rollout of one sample's self-attention stack -> ``[T, T]`` float64.

    ``layers``: per layer ``[heads, T, T]`` (or ``[T, T]``), first layer first. Heads are
    averaged, ``residual * I + (1 - residual) * A`` rows renormalised, and the layers multiplied
    with the last layer on the left. Row ``i`` is how much of position ``i``'s final state flows
    from each input position.
    """
    if not layers:
        raise ValueError("attention rollout needs at least one layer")
    result = None
    for weights in layers:
        attn = _head_mean(weights)
        if attn.shape[0] != attn.shape[1]:
            raise ValueError(f"attention rollout needs square self-attention, got {tuple(attn.shape)}")
        mixed = (1 - residual) * attn + residual * torch.eye(attn.shape[0], dtype=torch.float64)
        mixed = mixed / mixed.sum(-1, keepdim=True)
        result = mixed if result is None else mixed @ result
    return result


def _head_mean(weights: Tensor) -> Tensor:
    weights = weights.detach().to(torch.float64)
    return weights.mean(0) if weights.dim() == 3 else weights


@dataclass(frozen=True)
class AttentionResult:
    """Attention of one sample on each present modality's input geometry.

    ``maps``: image ``[8, 8]``, audio ``[60]`` (frames), text ``[n_words]`` (real words only, in
    order, named in ``words``); ``tokens``: the per-token vectors (image ``[16]``, audio ``[20]``,
    text ``[16]`` slots with 0 on padding), the sum-preserving form. ``source`` says which
    attention each map came from. ``shares[m]`` is the sum of ``m``'s map (its attention mass);
    ``cls_share`` the mass the [CLS] kept on itself, per stack (``"joint"`` for early fusion, a
    modality's name for its own network). Hybrid only: ``cross_shares``, ``self_maps``,
    ``self_tokens``, ``self_shares``, ``self_source``. ``modality_weights``: a gated operator's
    weights. ``note``: why something is missing (e.g. no attention in this model).
    """

    method: str
    strategy: str
    maps: dict[str, np.ndarray]
    tokens: dict[str, np.ndarray]
    source: dict[str, str]
    shares: dict[str, float]
    cls_share: dict[str, float] = field(default_factory=dict)
    words: tuple[str, ...] | None = None
    cross_shares: dict[str, dict[str, float]] = field(default_factory=dict)
    self_maps: dict[str, np.ndarray] = field(default_factory=dict)
    self_tokens: dict[str, np.ndarray] = field(default_factory=dict)
    self_shares: dict[str, float] = field(default_factory=dict)
    self_source: dict[str, str] = field(default_factory=dict)
    modality_weights: dict[str, float] | None = None
    note: str | None = None

    def normalised(self, modality: str, self_attention: bool = False) -> np.ndarray:
        """``modality``'s map divided by its maximum (all zeros stay zeros), for drawing.

        ``self_attention=True`` picks the hybrid model's unimodal self-attention map instead.
        """
        maps = self.self_maps if self_attention else self.maps
        if modality not in maps:
            available = ", ".join(sorted(maps)) or "none"
            raise KeyError(f"no attention map for {modality!r} (maps: {available})")
        values = maps[modality]
        peak = float(values.max()) if values.size else 0.0
        return values / peak if peak > 0 else np.zeros_like(values)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly: arrays become (nested) lists."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in ("maps", "tokens", "self_maps", "self_tokens"):
            out[name] = {m: v.tolist() for m, v in getattr(self, name).items()}
        out["words"] = list(self.words) if self.words is not None else None
        return out


class AttentionMaps(Explainer):
    """Attention maps on the input geometry for one sample (see the module docstring for what a
    map means per strategy). ``method``: ``"rollout"`` (default) or ``"cls"``.

    ``attribute(inputs, present=None)``: ``inputs`` with batch dimension 1 (all of the model's
    modalities; placeholders are fine for absent ones); ``present`` (names, or a mask mapping
    names to bools) defaults to all the model's modalities.
    """

    name = "Attention maps"

    def __init__(self, model: torch.nn.Module, method: str = "rollout") -> None:
        super().__init__(model)
        if method not in METHODS:
            raise ValueError(f"unknown attention method {method!r}; choose one of: {', '.join(METHODS)}")
        self.method = method

    def attribute(
        self, inputs: Mapping[str, Tensor], present: Iterable[str] | Mapping[str, Any] | None = None
    ) -> AttentionResult:
        self.check_eval_mode()
        self.check_inputs(inputs, batch=1)
        chosen = select_modalities(self.modalities, present)
        mask = {m: torch.tensor([m in chosen]) for m in self.modalities}
        _, output = self.forward_logits(inputs, mask)
        return self._result(output.attention, getattr(output, "mixing", None), inputs, chosen)

    def attribute_each(self, inputs: Mapping[str, Tensor]) -> list[AttentionResult]:
        """``attribute`` of every row of a batch, every modality present, from one forward pass
        (what a tiny model's time goes to is mostly per call: the deletion test reads 16 rows at
        once). Each row's result is the one ``attribute`` gives it alone, to float rounding."""
        self.check_eval_mode()
        size = self.check_inputs(inputs)
        chosen = select_modalities(self.modalities, None)
        _, output = self.forward_logits(inputs, {m: torch.ones(size, dtype=torch.bool) for m in self.modalities})
        mixing = getattr(output, "mixing", None) or {}
        return [
            self._result(
                {n: replace(a, weights=a.weights[i: i + 1]) for n, a in output.attention.items()},
                {n: w[i: i + 1] for n, w in mixing.items()}, {m: x[i: i + 1] for m, x in inputs.items()}, chosen,
            )
            for i in range(size)
        ]

    def _result(self, attention: Maps, mixing: Mapping[str, Tensor] | None, inputs: Mapping[str, Tensor],
                chosen: list[str]) -> AttentionResult:
        """One sample's result from its forward pass (batch 1: its attention, mixing weights and inputs)."""
        attention = dict(attention)
        weights = (mixing or {}).get("operator")
        modality_weights = None
        if weights is not None:
            row = weights[0].detach().to(torch.float64).tolist()
            modality_weights = {m: float(w) for m, w in zip(self.modalities, row) if m in chosen}

        config = getattr(self.model, "config", None)
        strategy = str(getattr(config, "strategy", type(self.model).__name__))
        vocabulary = tuple(getattr(config, "vocabulary", ()))

        def geometry(modality: str, vector: Tensor) -> tuple[np.ndarray, list[str] | None]:
            if config is not None and getattr(config, "encoders", ()) and config.encoder_input(modality):
                # a head over a frozen encoder: one weight per real token, in token order (the
                # encoder's TokenLayout maps them onto the input)
                real = inputs[modality][0, :, -1] > 0.5
                return vector.detach().to(torch.float64)[real].numpy(), None
            return get_modality(modality).token_map(vector, inputs[modality][0], vocabulary)

        common = dict(method=self.method, strategy=strategy, modality_weights=modality_weights)
        kind = getattr(self.model, "attention_kind", NO_ATTENTION)  # declared by each strategy
        per_kind = {JOINT: self._early, OWN: self._late, CROSS: self._hybrid, BOTTLENECK: self._bottleneck}
        if kind in per_kind:
            return per_kind[kind](attention, chosen, geometry, common)
        operator = getattr(config, "operator", None) or "fusion"
        return AttentionResult(
            maps={}, tokens={}, source={}, shares={},
            note=(
                f"this early model fuses with the {operator} operator, which has no attention; "
                "see Shapley values and Integrated Gradients"
            ),
            **common,
        )

    # --- per strategy -----------------------------------------------------------------------

    def _early(self, attention: Maps, chosen: list[str], geometry: Geometry, common: dict[str, Any]) -> AttentionResult:
        row, layout = self._cls_row(attention, "joint")
        label = (
            "joint self-attention rollout from [CLS]"
            if self.method == "rollout"
            else "joint self-attention, last layer's [CLS] row"
        )
        maps, tokens, shares, words = self._segments(row, layout, chosen, geometry)
        return AttentionResult(
            maps=maps, tokens=tokens, source={m: label for m in maps}, shares=shares,
            cls_share={"joint": float(row[_segment(layout, "cls")].sum())}, words=words, **common,
        )

    def _late(self, attention: Maps, chosen: list[str], geometry: Geometry, common: dict[str, Any]) -> AttentionResult:
        maps, tokens, shares, cls_share, source, words = self._own_networks(attention, chosen, geometry)
        return AttentionResult(
            maps=maps, tokens=tokens, source=source, shares=shares, cls_share=cls_share, words=words, **common
        )

    def _hybrid(self, attention: Maps, chosen: list[str], geometry: Geometry, common: dict[str, Any]) -> AttentionResult:
        own = self._own_networks(attention, chosen, geometry)
        self_maps, self_tokens, self_shares, cls_share, self_source, words = own
        # row 0 of cross.q: the [CLS] of q over null + the other modalities' tokens
        rows = {q: _head_mean(attention[f"cross.{q}"].weights[0])[0] for q in chosen}
        keys = {q: attention[f"cross.{q}"].keys for q in chosen}
        cross_shares = {
            q: {name: float(rows[q][_segment(keys[q], name)].sum()) for name in ["null", *others]}
            for q in chosen
            for others in [[o for o in chosen if o != q]]
        }
        maps, tokens, shares, source = {}, {}, {}, {}
        lonely = []
        for m in chosen:
            queries = [q for q in chosen if q != m]
            if not queries:
                lonely.append(m)
                continue
            vector = torch.stack([rows[q][_segment(keys[q], m)] for q in queries]).mean(0)
            maps[m], _ = geometry(m, vector)
            tokens[m] = vector.numpy()
            shares[m] = float(vector.sum())
            mean = f" (mean over {len(queries)})" if len(queries) > 1 else ""
            source[m] = f"cross-attention of [CLS] of {', '.join(queries)} → {m} tokens{mean}"
        note = None
        if lonely:
            names = " and ".join(lonely)
            note = (
                f"no other modality is present to attend to the {names}, so there is no cross-attention map; "
                f"the {names} network's own self-attention is in the analysis's JSON download (`self_maps`)"
            )
        return AttentionResult(
            maps=maps, tokens=tokens, source=source, shares=shares, cls_share=cls_share, words=words,
            cross_shares=cross_shares, self_maps=self_maps, self_tokens=self_tokens, self_shares=self_shares,
            self_source=self_source, note=note, **common,
        )

    def _bottleneck(self, attention: Maps, chosen: list[str], geometry: Geometry, common: dict[str, Any]) -> AttentionResult:
        self_maps, self_tokens, self_shares, cls_share, self_source, words = self._own_networks(attention, chosen, geometry)
        last = max(int(n.split(".")[1]) for n in attention if n.startswith("bottleneck."))
        maps, tokens, shares, source, cross_shares = {}, {}, {}, {}, {}
        for m in chosen:
            first = attention[f"bottleneck.0.{m}"]
            weights = _head_mean(first.weights[0])
            rows = weights[_segment(first.queries, "bottleneck")].mean(0)  # the bottleneck tokens' mean row
            vector = rows[_segment(first.keys, m)]
            maps[m], _ = geometry(m, vector)
            tokens[m] = vector.numpy()
            shares[m] = float(vector.sum())
            source[m] = f"bottleneck tokens → {m} tokens (first fusion layer, mean over tokens)"
            read = attention[f"bottleneck.{last}.{m}"]
            cls_row = _head_mean(read.weights[0])[_segment(read.queries, "cls").start]
            cross_shares[m] = {"bottleneck": float(cls_row[_segment(read.keys, "bottleneck")].sum())}
        return AttentionResult(
            maps=maps, tokens=tokens, source=source, shares=shares, cls_share=cls_share, words=words,
            cross_shares=cross_shares, self_maps=self_maps, self_tokens=self_tokens, self_shares=self_shares,
            self_source=self_source, **common,
        )

    # --- helpers ----------------------------------------------------------------------------

    def _cls_row(self, attention: Maps, prefix: str) -> tuple[Tensor, tuple]:
        """The [CLS] row (rollout or last layer, heads averaged) of the stack ``{prefix}.{i}``."""
        names = [n for n in attention if n.rsplit(".", 1)[0] == prefix]
        names.sort(key=lambda n: int(n.rsplit(".", 1)[1]))
        layers = [attention[n].weights[0] for n in names]
        layout = attention[names[0]].keys
        cls = _segment(layout, "cls").start
        if self.method == "rollout":
            return attention_rollout(layers)[cls], layout
        return _head_mean(layers[-1])[cls], layout

    def _own_networks(self, attention: Maps, chosen: list[str], geometry: Geometry) -> tuple:
        maps, tokens, shares, cls_share, source, words = {}, {}, {}, {}, {}, None
        how = "rollout" if self.method == "rollout" else "last layer's [CLS] row"
        for m in chosen:
            row, layout = self._cls_row(attention, m)
            part_maps, part_tokens, part_shares, part_words = self._segments(row, layout, [m], geometry)
            maps.update(part_maps)
            tokens.update(part_tokens)
            shares.update(part_shares)
            words = part_words if part_words is not None else words
            cls_share[m] = float(row[_segment(layout, "cls")].sum())
            source[m] = f"{m} network's own self-attention ({how})"
        return maps, tokens, shares, cls_share, source, words

    def _segments(self, row: Tensor, layout: tuple, chosen: list[str], geometry: Geometry) -> tuple:
        maps, tokens, shares, words = {}, {}, {}, None
        for m in chosen:
            vector = row[_segment(layout, m)]
            maps[m], found = geometry(m, vector)
            words = tuple(found) if found is not None else words
            tokens[m] = vector.numpy()
            shares[m] = float(vector.sum())
        return maps, tokens, shares, words


def _segment(layout: Iterable[tuple[str, int, int]], name: str) -> slice:
    for what, start, stop in layout:
        if what == name:
            return slice(start, stop)
    raise KeyError(f"no {name!r} segment in the attention layout {tuple(layout)}")
