"""The typed report of one model's analysis of one sample: its prediction and each explainer's
result, keyed by modality. ``to_dict`` is its JSON (what ``python -m fusion explain`` prints)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fusion.explain.attention import AttentionResult
from fusion.explain.base import ShapleyResult
from fusion.explain.gradients import GradientResult
from fusion.explain.temporal import TemporalShapleyResult


@dataclass(frozen=True)
class Explanation:
    """``shapley`` and ``attention`` are None only when there is nothing to explain (``note`` says
    why: the sample has none of the model's modalities); ``gradients`` also when they were not
    asked for (``explain_model(..., gradients=False)``: the report then has no IG fields). ``layouts``: for a head
    over frozen encoders, how each modality's tokens map onto the input. ``temporal``: Shapley values
    of the clip's frame (or a head's video token) segments, when the model reads the sample's video."""

    model: str
    probabilities: tuple[float, ...] = ()
    predicted: int | None = None
    target: int | None = None
    shapley: ShapleyResult | None = None
    attention: AttentionResult | None = None
    gradients: GradientResult | None = None
    layouts: dict[str, dict[str, Any]] = field(default_factory=dict)
    note: str | None = None
    temporal: TemporalShapleyResult | None = None  # a clip's frame segments (built-in video models)
    text_words: tuple[str, ...] = ()  # a built-in model's words (heads: ``layouts``)

    @property
    def words(self) -> list[str]:
        """The words the text maps are drawn on (a head: its encoder's word pieces)."""
        if self.layouts:
            text = self.layouts.get("text", {})
            return list(text.get("labels", [])) if text.get("kind") == "words" else []
        return list(self.text_words or (self.gradients.words if self.gradients is not None else ()))

    def to_dict(self, maps: bool = False) -> dict[str, Any]:
        """The JSON report; ``maps=True`` adds ``integrated_gradients_maps`` (what the app draws)."""
        if self.shapley is None or self.attention is None:
            return {"note": self.note}
        shapley, attention, gradients = self.shapley, self.attention, self.gradients
        out = {
            "probabilities": [round(float(p), 6) for p in self.probabilities],
            "predicted": self.predicted,
            "target": self.target,
            "shapley": shapley.values_probability,
            "value_full": shapley.full_probability,
            "value_empty": shapley.empty_probability,
            # the log-probability game (log-softmax of every coalition, the empty one included);
            # the raw-logit game is not reported: softmax ignores an offset that differs per coalition
            "shapley_log_probability": shapley.values_log_probability,
            "log_probability_full": shapley.full_log_probability,
            "log_probability_empty": shapley.empty_log_probability,
            "leave_one_out": shapley.leave_one_out,
            "combiner_weights": shapley.combiner_weights,
            "shapley_method": shapley.method,
            "attention": {m: attention.maps[m].tolist() for m in attention.maps},
            "attention_source": dict(attention.source),
            "attention_note": attention.note,
            "words": self.words,
        }
        if gradients is not None:
            out["integrated_gradients"] = gradients.shares
            out["integrated_gradients_convergence"] = gradients.convergence()
            out["integrated_gradients_baselines"] = dict(gradients.baselines)
            out["top_modality"] = top_modalities(shapley.values_probability, gradients.shares)
        if shapley.standard_error_probability is not None:
            out["shapley_standard_error"] = shapley.standard_error_probability
            out["shapley_log_probability_standard_error"] = shapley.standard_error_log_probability
        if self.layouts:
            out["layouts"] = self.layouts
        if self.temporal is not None:
            out["temporal_shapley"] = self.temporal.to_dict()
        if maps and gradients is not None:
            out["integrated_gradients_maps"] = {m: a.tolist() for m, a in gradients.attributions.items()}
        return out


def top_modalities(shapley: dict[str, float], shares: dict[str, float]) -> dict[str, Any] | None:
    """The modality each method ranks first, and whether they agree (None with fewer than two).

    Shapley: the largest |value| on the probability scale (a modality's marginal contribution to
    the prediction, averaged over coalitions); Integrated Gradients: the largest L1 share (gradient
    attribution along the path from the baseline). They answer different questions, so they can
    disagree; the app says so when they do.
    """
    players = sorted(set(shapley) & set(shares))
    if len(players) < 2:
        return None
    by_shapley = max(players, key=lambda m: abs(shapley[m]))
    by_gradients = max(players, key=lambda m: shares[m])
    return {"shapley": by_shapley, "integrated_gradients": by_gradients, "agree": by_shapley == by_gradients}
