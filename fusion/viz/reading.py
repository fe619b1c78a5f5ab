"""How to read each chart, in words a teacher can leave on the screen (shown next to the charts),
and the sentences computed from one analysis's numbers (IG convergence, where IG and Shapley
disagree)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

READING = {
    "probabilities": (
        "**Probabilities**: the model's softmax over the classes for this sample; the highlighted bar is its "
        "prediction, and \"true ▼\" marks the true class when the sample has one. They sum to 100 %."
    ),
    "contributions": (
        "**Modality contributions (Shapley values)**: how much each modality moves the probability of the explained "
        "class, averaged over every order of adding the modalities, from the model's answer with no modality (its "
        "prior) to its answer with all of them. The bars add up exactly to that difference. Switched to "
        "*log-probability*, the chart plays the same game on the log-probability (log-softmax of every subset's "
        "output, so both ends are ≤ 0): it weighs a move from 1 % to 10 % as much as one from 10 % to 100 %. This answers: *what does each modality "
        "add to this prediction?* — not which pixels or words matter (that is Integrated Gradients)."
    ),
    "attention": (
        "**Attention**: where the model's attention weights go, drawn on the input (patches of the image, frames "
        "of the audio, words). It is the weight the model gives each part when it mixes them, which is not always "
        "what decides the prediction. The colour runs from 0 to the map's largest weight (the colour bar gives the "
        "weights), so a flat map looks flat; the title gives its largest weight over the uniform one (1× = flat) "
        "and its normalised entropy (1 = flat, 0 = all on one part). An early model with a vector operator (sum, "
        "product, …: each modality squeezed to one vector first) has no attention; one that concatenates the "
        "tokens (operator `concat`, as the built-in digits, match and motion models do) has."
    ),
    "gradients": (
        "**Integrated Gradients (IG)**: the gradient of the explained class's logit, accumulated along a straight "
        "path from a baseline (a blank image, silence, empty word slots; each map names its baseline, under the picture or in the interactive chart's hover) to the "
        "input, per pixel, frame or word. Red raises the logit, blue lowers it (colour bar in logit units); each "
        "modality's share is its part of the total absolute attribution. The number of steps doubles until the "
        "attributions add up to the logit's change from the baseline within 1 % (the convergence line says how "
        "close). This answers: *which parts of the input move the logit, relative to the baseline?* Shapley "
        "values answer *what does each modality add to the prediction, on average over the other modalities "
        "being there or not?* — different questions, so the two can rank the modalities differently."
    ),
    "emap": (
        "**EMAP non-additive share**: over a grid of (image of one sample, audio of another), the share of the "
        "variance of the model's output that no sum of an image-only and an audio-only effect explains, on the "
        "scale chosen (probabilities, log-probabilities, or raw logits). 0 % means the model's output on that "
        "scale is a sum of what each modality says. A high share means the output on that scale depends on the "
        "combination; it does NOT mean the model uses the combination well, or more than a model with a lower "
        "share: the share depends on the scale (late fusion averages probabilities, so it is additive on the "
        "probability scale and not on the logit scale) and it says nothing about accuracy."
    ),
    "faithfulness": (
        "**Deletion test**: on every test sample (the rows `evaluate` scores), the drop in the predicted class's "
        "probability when the k tokens with the most attention are removed, against k random tokens (8 draws per "
        "sample). Audio frames and words are removed through the model's own mask, image patches are set to blank. "
        "A 95 % bootstrap interval of the difference above 0 means the map points at what the prediction needs more "
        "than chance does; it says nothing about tokens the map ignores. *Attention on padding* is the map's mass on "
        "audio after the clip (and text padding): the models mask it, so it is 0. "
        "`python -m fusion faithfulness --task T` prints the same figures."
    ),
}


def gradients_note(result: Mapping[str, Any]) -> str | None:
    """One sentence from an analysis's numbers: how well IG converged, and whether IG and Shapley
    rank the same modality first (None when there is no IG)."""
    convergence = result.get("integrated_gradients_convergence")
    if not convergence:
        return None
    state = "converged" if convergence["converged"] else "did NOT converge (step cap reached)"
    parts = [
        f"IG {state} in {convergence['steps']} steps: the attributions add up to the logit's change from the "
        f"baseline ({convergence['gap']:+.3f}) within {abs(convergence['delta']):.1e}."
    ]
    top = result.get("top_modality")
    if top:
        shapley, gradients = top["shapley"], top["integrated_gradients"]
        shares = result.get("integrated_gradients", {})
        values = result.get("shapley", {})
        if top["agree"]:
            parts.append(f"IG and Shapley both rank {shapley} first.")
        else:
            parts.append(
                f"They disagree: IG puts most attribution on {gradients} ({shares.get(gradients, 0):.0%}), while "
                f"{shapley} adds the most to the probability by Shapley ({values.get(shapley, 0):+.2f}, against "
                f"{values.get(gradients, 0):+.2f} for {gradients})."
            )
    parts.append(WHAT_EACH_ANSWERS)
    return " ".join(parts)


WHAT_EACH_ANSWERS = (
    "IG is a gradient attribution of the logit along one straight path from the baseline (each map names its "
    "baseline); Shapley is each modality's marginal contribution to the prediction, averaged over every subset of "
    "the other modalities being present or absent."
)
