"""One contract for every per-sample explainer, run over every model kind (built-in tokenizers and
heads over frozen encoders) and strategy: settings in the constructor, ``attribute(...)`` per call,
a frozen typed result keyed by the present modalities whose ``to_dict`` is JSON, the same answer
twice, and the shared model left exactly as it was (no hooks, no mode or parameter changes)."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable

import pytest
import torch

from fusion.explain import AttentionMaps, IntegratedGradients, ModalityShapley
from fusion.models.strategies import build_model
from tests.conftest import KINDS

STRATEGIES = [("early", "concat", None), ("early", "product", None), ("late", None, "mean"),
              ("hybrid", "product", None), ("unimodal", None, "mean")]
EXPLAINERS: dict[str, Callable] = {
    "shapley": lambda model, inputs, present: ModalityShapley(model).attribute(inputs, 1, present),
    "attention": lambda model, inputs, present: AttentionMaps(model).attribute(inputs, present),
    "gradients": lambda model, inputs, present: IntegratedGradients(model, steps=16).attribute(inputs, 1, present),
}
CASES = [pytest.param(kind, s, explainer, id=f"{kind}-{s[0]}-{s[1] or s[2]}-{explainer}")
         for kind in KINDS for s in STRATEGIES for explainer in EXPLAINERS]


def keyed_modalities(name: str, result) -> set[str]:
    if name == "shapley":
        return set(result.values_probability)
    if name == "attention":
        return set(result.maps) | set(result.self_maps)
    return set(result.attributions)


def hooks(model: torch.nn.Module) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) + len(m._backward_hooks) for m in model.modules())


@pytest.mark.parametrize(("kind", "strategy", "explainer"), CASES)
def test_every_explainer_keeps_the_contract_on_every_model_kind(kind, strategy, explainer, tiny_config, make_inputs) -> None:
    name, operator, combiner = strategy
    model = build_model(tiny_config("tri", name, operator, combiner, kind=kind)).eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    inputs = {m: x[:1] for m, x in make_inputs(model.modalities, batch=2, seed=3, config=model.config).items()}
    present = model.modalities[1:] if len(model.modalities) > 1 else model.modalities  # one absent where possible

    result = EXPLAINERS[explainer](model, inputs, present)
    again = EXPLAINERS[explainer](model, inputs, present)

    assert dataclasses.is_dataclass(result) and type(result).__dataclass_params__.frozen
    assert keyed_modalities(explainer, result) <= set(present)
    assert json.loads(json.dumps(result.to_dict())) is not None
    assert json.dumps(result.to_dict(), sort_keys=True) == json.dumps(again.to_dict(), sort_keys=True)
    assert not model.training and hooks(model) == 0
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items()), "the model was changed"
    if explainer == "shapley":  # efficiency, on both scales
        assert sum(result.values_probability.values()) == pytest.approx(result.full_probability - result.empty_probability, abs=1e-6)
        assert sum(result.values_logit.values()) == pytest.approx(result.full_logit - result.empty_logit, abs=1e-5)
        log_gap = result.full_log_probability - result.empty_log_probability
        assert sum(result.values_log_probability.values()) == pytest.approx(log_gap, abs=1e-5)
        assert result.full_log_probability <= 0 and result.empty_log_probability <= 0
        assert result.full_log_probability == pytest.approx(math.log(result.full_probability), abs=1e-9)
    if explainer == "gradients":  # completeness up to the reported quadrature error
        assert result.total() - (result.logit - result.baseline_logit) == pytest.approx(result.convergence_delta, abs=1e-5)
        report = result.convergence()  # run to convergence: completeness within tolerance
        assert report["converged"] and abs(result.total() - result.gap) <= report["tolerance"] + 1e-6
    if explainer == "attention":
        assert all((v >= 0).all() and v.sum() <= 1 + 1e-6 for v in result.tokens.values())  # attention mass


@pytest.mark.parametrize("explainer", list(EXPLAINERS))
def test_an_explainer_refuses_a_model_in_training_mode(explainer, tiny_config, make_inputs) -> None:
    model = build_model(tiny_config("tri", "late", None, "mean")).train()
    inputs = {m: x[:1] for m, x in make_inputs(model.modalities, batch=2).items()}
    with pytest.raises(ValueError, match="training mode"):
        EXPLAINERS[explainer](model, inputs, model.modalities)
