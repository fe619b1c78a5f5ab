"""The whole Explore analysis of one sample for several models: prediction, exact Shapley values,
attention maps and Integrated Gradients, as one typed ``Explanation`` per model (its JSON is what
``python -m fusion explain`` prints; the app draws it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from fusion.explain.attention import AttentionMaps
from fusion.explain.gradients import IntegratedGradients
from fusion.explain.report import Explanation
from fusion.explain.shapley import ModalityShapley
from fusion.explain.temporal import VIDEO, TemporalShapley
from fusion.modalities import get_modality
from fusion.models.inputs import encode_row, encodings_input, sample_values_inputs
from fusion.tasks import Sample, get_task
from fusion.models.strategies import FusionModel

# Integrated Gradients starts at this many steps and doubles until converged (``gradients``).
# Heads over encoders: the path runs through a fixed affine standardisation and converges fast
# (Gauss-Legendre, 12 steps: median |convergence delta| below 1e-3 logit in
# benchmarks/switch_strategy.py), and token inputs are large (e.g. 50 ViT tokens x 768 features),
# so they start lower.
IG_STEPS = 16
HEAD_IG_STEPS = 12


def explain_model(model: FusionModel, sample: Sample, target: int | None = None, ig_steps: int | None = None,
                  gradients: bool = True) -> Explanation:
    """One model's analysis of ``sample`` (built-in model or head alike); ``target`` defaults to the
    predicted class. ``gradients=False`` leaves Integrated Gradients out (the slowest part: Explore
    computes them when their section is opened).

    Shapley values are over the sample's present modalities (absent ones stay absent in every
    coalition) for the target class's probability; ``value_full - value_empty`` equals their sum.
    A head reads the sample's files through its frozen encoders (the embedding cache first); its
    report adds ``layouts``: how its tokens map onto the input (an image's patch grid, audio
    frames, text tokens, or ``single`` for a pooled embedding, which has no map). A clip also gets
    temporal Shapley values over groups of its frames (a head's: of its video tokens; ``TemporalShapley``).
    """
    config = model.config
    players = [m for m in model.modalities if m in sample.modalities]
    if not players:
        return Explanation(config.name, note=f"this model reads {', '.join(model.modalities)}; the sample has none of them")
    layouts: dict[str, dict[str, Any]] = {}
    if config.encoders:
        encodings = encode_row(config, sample.values)
        inputs, _ = encodings_input(config, [encodings])
        for spec in config.encoders:
            if spec.modality in encodings:
                pooled = spec.tokens == 1 or encodings[spec.modality].tokens is None
                layouts[spec.modality] = {"kind": "single"} if pooled else encodings[spec.modality].layout.to_dict()
    else:
        inputs, _ = sample_values_inputs(config, [sample.values])
    steps = ig_steps or (HEAD_IG_STEPS if config.encoders else IG_STEPS)
    present = {m: torch.tensor([m in players]) for m in model.modalities}
    with torch.no_grad():
        probabilities = torch.softmax(model(inputs, present).logits[0], -1)
    predicted = int(probabilities.argmax())
    target = predicted if target is None else int(target)
    return Explanation(
        model=config.name,
        probabilities=tuple(float(p) for p in probabilities),
        predicted=predicted,
        target=target,
        shapley=ModalityShapley(model).attribute(inputs, target, players),
        attention=AttentionMaps(model).attribute(inputs, players),
        gradients=IntegratedGradients(model, steps=steps).attribute(inputs, target, players) if gradients else None,
        layouts=layouts,
        text_words=input_words(config, inputs) if "text" in players and not config.encoders else (),
        temporal=TemporalShapley(model).attribute(inputs, target, players) if VIDEO in players else None,
    )


def input_words(config: Any, inputs: Mapping[str, torch.Tensor]) -> tuple[str, ...]:
    """The words of a built-in model's text input, in token order (what its text maps are drawn on)."""
    from fusion.modalities.text import decode_tokens

    ids = inputs["text"][0]
    if config.vocabulary:
        return tuple(decode_tokens(ids, config.vocabulary))
    return tuple(str(int(i)) for i in ids if int(i) != 0)


def report_payload(task: Any, index: int | None, label: int | None, reports: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """What ``python -m fusion explain --json`` prints (and Explore downloads): the task, the test
    row (None for files), its label, the class names and each model's report (``Explanation.to_dict``;
    drawing-only maps are left out)."""
    strategies = {name: {k: v for k, v in report.items() if k != "integrated_gradients_maps"} for name, report in reports.items()}
    return {"task": task.name, "sample": index, "label": label, "classes": list(task.classes), "strategies": strategies}


def input_views(sample: Sample) -> dict[str, Any]:
    """Each present modality as the models see it after preprocessing: image ``[8][8]`` in [0, 1],
    audio as the log-mel spectrogram ``[32][60]`` in [-1, 1], text as its word tokens."""
    return {m: get_modality(m).view(value) for m, value in sample.values.items()}


def explain_sample(models: Mapping[str, FusionModel], sample: Sample, target: int | None = None) -> dict[str, Explanation]:
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
