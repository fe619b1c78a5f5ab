"""The whole Explore analysis of one sample for several models: prediction, exact Shapley values,
attention maps and Integrated Gradients, as one JSON-ready dict per model (``python -m fusion
explain`` prints it; the app draws it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from fusion.explain.attention import AttentionMaps
from fusion.explain.gradients import IntegratedGradients
from fusion.explain.shapley import ModalityShapley
from fusion.modalities import get_modality
from fusion.models.inputs import encode_row, encodings_input, sample_values_inputs
from fusion.tasks import Sample, get_task
from fusion.models.strategies import FusionModel

IG_STEPS = 25
# Heads over encoders: the path runs through a fixed affine standardisation and converges fast
# (Gauss-Legendre, 12 steps: median |convergence delta| below 1e-3 logit in
# benchmarks/switch_strategy.py), and token inputs are large (e.g. 50 ViT tokens x 768 features),
# so fewer steps keep a strategy switch fast.
HEAD_IG_STEPS = 12


def explain_model(
    model: FusionModel, sample: Sample, target: int | None = None, ig_steps: int | None = None, maps: bool = False
) -> dict[str, Any]:
    """One model's analysis of ``sample`` (built-in model or head alike); ``target`` defaults to the
    predicted class.

    ``maps=True`` adds ``integrated_gradients_maps`` (per present modality: image ``[8][8]``,
    audio ``[32][60]`` log-mel bins, text ``[n_words]``; for a head, one value per real token),
    which the app draws; the CLI leaves them out.

    Shapley values are over the sample's present modalities (absent ones stay absent in every
    coalition) for the target class's probability; ``value_full - value_empty`` equals their sum.
    A head's result adds ``layouts``: how its tokens map onto the input (an image's patch grid,
    audio frames, text tokens, or ``single`` for a pooled embedding, which has no map).
    """
    players = [m for m in model.modalities if m in sample.modalities]
    if not players:
        return {"note": f"this model reads {', '.join(model.modalities)}; the sample has none of them"}
    config = model.config
    if not config.encoders:
        inputs, _ = sample_values_inputs(config, [sample.values])
        return explain_inputs(model, inputs, players, target, ig_steps or IG_STEPS, maps)
    encodings = encode_row(config, sample.values)
    inputs, _ = encodings_input(config, [encodings])
    result = explain_inputs(model, inputs, players, target, ig_steps or HEAD_IG_STEPS, maps)
    layouts = {}
    for spec in config.encoders:
        if spec.modality in encodings:
            pooled = spec.tokens == 1 or encodings[spec.modality].tokens is None
            layouts[spec.modality] = {"kind": "single"} if pooled else encodings[spec.modality].layout.to_dict()
    text = layouts.get("text", {})
    result["words"] = text.get("labels", []) if text.get("kind") == "words" else []
    result["layouts"] = layouts
    return result


def explain_inputs(
    model: FusionModel, inputs: dict[str, torch.Tensor], players: list[str], target: int | None, ig_steps: int, maps: bool
) -> dict[str, Any]:
    """The analysis shared by built-in models and heads: model inputs (batch 1) and the present modalities."""
    present = {m: torch.tensor([m in players]) for m in model.modalities}
    with torch.no_grad():
        logits = model(inputs, present).logits[0]
    probabilities = torch.softmax(logits, -1)
    predicted = int(probabilities.argmax())
    target = predicted if target is None else int(target)
    shapley = ModalityShapley(model).attribute(inputs, target, players)
    attention = AttentionMaps(model).attribute(inputs, players)
    gradients = IntegratedGradients(model, steps=ig_steps).attribute(inputs, target, players)
    result = {
        "probabilities": [round(float(p), 6) for p in probabilities],
        "predicted": predicted,
        "target": target,
        "shapley": shapley.values_probability,
        "value_full": shapley.full_probability,
        "value_empty": shapley.empty_probability,
        "shapley_logit": shapley.values_logit,
        "logit_full": shapley.full_logit,
        "logit_empty": shapley.empty_logit,
        "leave_one_out": shapley.leave_one_out,
        "combiner_weights": shapley.combiner_weights,
        "attention": {m: attention.maps[m].tolist() for m in attention.maps},
        "attention_source": dict(attention.source),
        "attention_note": attention.note,
        "integrated_gradients": gradients.shares,
        "integrated_gradients_delta": gradients.convergence_delta,
        "words": list(gradients.words),
    }
    if maps:
        result["integrated_gradients_maps"] = {m: gradients.attributions[m].tolist() for m in gradients.attributions}
    return result


def input_views(sample: Sample) -> dict[str, Any]:
    """Each present modality as the models see it after preprocessing: image ``[8][8]`` in [0, 1],
    audio as the log-mel spectrogram ``[32][60]`` in [-1, 1], text as its word tokens."""
    return {m: get_modality(m).view(value) for m, value in sample.values.items()}


def explain_sample(models: Mapping[str, FusionModel], sample: Sample, target: int | None = None) -> dict[str, dict[str, Any]]:
    """``explain_model`` for every model, keyed by model name."""
    return {name: explain_model(model, sample, target) for name, model in models.items()}


def shapley_shift(model: FusionModel, index: int, corruption: Mapping[str, float], task: str = "digits") -> dict[str, Any]:
    """Modality Shapley values (probability of the true class) of test sample ``index``, clean and
    with ``corruption``: how the contributions move when a modality degrades."""
    spec = get_task(task)
    clean = spec.sample(index, corruption={})
    out: dict[str, Any] = {"label": clean.label}
    for name, case in (("clean", clean), ("corrupted", spec.sample(index, corruption=corruption))):
        inputs, present = sample_values_inputs(model.config, [case.values])
        result = ModalityShapley(model).attribute(inputs, clean.label, [m for m in model.modalities if present[m].item()])
        full = result.subset_probabilities[frozenset(result.players)]
        out[name] = {"shapley": result.values_probability, "probability": result.full_probability,
                     "predicted": int(np.argmax(full))}
    return out
