"""Integrated Gradients over modalities: exact answers on a linear toy model (IG of a linear
function is (x - baseline) * w), completeness on tiny real FusionModels, and the contract (absent
modalities, words, shares, target, the model left untouched)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import Tensor, nn

from fusion.explain.gradients import GradientResult, IntegratedGradients, converged, step_schedule
from fusion.models.strategies import build_model

MODALITIES = ("audio", "image", "text")
CLASSES = 3
VOCAB = ("<pad>", "<unk>", "red", "green", "blue", "cat")


class ToyText(nn.Module):
    """The text tokenizer's contract: ``embed`` and ``embedded(ids)`` (embeddings + a real-word channel)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(len(VOCAB), dim, padding_idx=0).double()

    def embedded(self, ids: Tensor) -> Tensor:
        return torch.cat([self.embed(ids), (ids != 0).unsqueeze(-1).to(torch.float64)], dim=-1)


class LinearToy(nn.Module):
    """Follows the FusionModel call signature: ``model(inputs, present) -> .logits [B, C]``.

    ``logits[:, c] = bias[c] + sum_m present_m * <w_m[c], x_m>`` where ``x_text`` is the output of
    ``tokenizers["text"].embed(ids)`` with padding tokens masked out (or the embedded words it is given). float64 throughout. Records
    every call's batch size and present mask.
    """

    def __init__(self, dim: int = 4) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(1)
        self.modalities = list(MODALITIES)
        self.config = SimpleNamespace(vocabulary=VOCAB)
        self.tokenizers = nn.ModuleDict({"text": ToyText(dim)})
        self.w = nn.ParameterDict(
            {
                "image": nn.Parameter(torch.randn(CLASSES, 8, 8, generator=generator, dtype=torch.float64)),
                "audio": nn.Parameter(torch.randn(CLASSES, 32, 60, generator=generator, dtype=torch.float64)),
                "text": nn.Parameter(torch.randn(CLASSES, 16, dim, generator=generator, dtype=torch.float64)),
            }
        )
        self.bias = nn.Parameter(torch.tensor([0.5, -0.25, 0.0], dtype=torch.float64))
        self.calls: list[tuple[int, dict[str, list[bool]]]] = []

    def forward(self, inputs: dict[str, Tensor], present: dict[str, Tensor]) -> SimpleNamespace:
        rows = inputs["image"].shape[0]
        self.calls.append((rows, {m: present[m].tolist() for m in self.modalities}))
        words = inputs["text"]  # ids, or words already embedded (what Integrated Gradients passes in)
        embedded = self.tokenizers["text"].embedded(words) if words.dtype == torch.long else words
        text = embedded[..., :-1] * embedded[..., -1:]
        x = {"image": inputs["image"], "audio": inputs["audio"], "text": text}
        logits = self.bias.expand(rows, CLASSES)
        for m in self.modalities:
            term = torch.einsum("b...,c...->bc", x[m].to(torch.float64), self.w[m])
            logits = logits + present[m].to(torch.float64).unsqueeze(1) * term
        return SimpleNamespace(logits=logits)


def toy_inputs(seed: int = 0) -> dict[str, Tensor]:
    generator = torch.Generator().manual_seed(seed)
    ids = torch.zeros(1, 16, dtype=torch.long)
    ids[0, :4] = torch.tensor([2, 5, 1, 3])  # red cat <unk> green, then padding
    return {
        "image": torch.rand(1, 8, 8, generator=generator, dtype=torch.float64),
        "audio": torch.rand(1, 32, 60, generator=generator, dtype=torch.float64) * 2 - 1,
        "text": ids,
    }


def expected_linear(model: LinearToy, inputs: dict[str, Tensor], target: int) -> dict[str, np.ndarray]:
    """IG of the linear toy with the documented baselines: (x - baseline) * w, per modality."""
    ids = inputs["text"][0]
    with torch.no_grad():
        embedded = model.tokenizers["text"].embed(ids)
    return {
        "image": ((inputs["image"][0] - 0.0) * model.w["image"][target]).detach().numpy(),
        "audio": ((inputs["audio"][0] + 1.0) * model.w["audio"][target]).detach().numpy(),
        "text": (embedded * model.w["text"][target]).sum(-1)[ids != 0].detach().numpy(),
    }


# --- exact answers on the linear toy ------------------------------------------------------------


def test_linear_model_attributions_are_exact_per_modality_from_one_batched_call() -> None:
    model = LinearToy().eval()
    inputs = toy_inputs()
    result = IntegratedGradients(model, steps=25).attribute(inputs)
    with torch.no_grad():
        logits = model(inputs, {m: torch.ones(1, dtype=torch.bool) for m in MODALITIES}).logits[0]
    assert result.target == int(logits.argmax())
    expected = expected_linear(model, inputs, result.target)
    assert set(result.attributions) == set(MODALITIES)
    for m in MODALITIES:
        assert result.attributions[m].shape == expected[m].shape
        np.testing.assert_allclose(result.attributions[m], expected[m], rtol=1e-6, atol=1e-9)
    assert result.words == ("red", "cat", "<unk>", "green")
    # completeness: the sum equals f(input) - f(baseline) on the target logit
    assert result.total() == pytest.approx(result.logit - result.baseline_logit, abs=1e-5)
    assert result.logit == pytest.approx(float(logits[result.target]))
    assert abs(result.convergence_delta) < 1e-5
    # the whole path is one forward pass with all 25 steps (no chunking)
    assert max(rows for rows, _ in model.calls) == 25
    assert sorted(rows for rows, _ in model.calls).count(25) == 1
    assert result.baselines["audio"].startswith("silence") and result.baselines["image"].startswith("blank")


def test_target_override_changes_the_attributions() -> None:
    model = LinearToy().eval()
    inputs = toy_inputs()
    default = IntegratedGradients(model).attribute(inputs)
    other = (default.target + 1) % CLASSES
    result = IntegratedGradients(model).attribute(inputs, target=other)
    assert result.target == other
    expected = expected_linear(model, inputs, other)
    for m in MODALITIES:
        np.testing.assert_allclose(result.attributions[m], expected[m], rtol=1e-6, atol=1e-9)
    assert not np.allclose(result.attributions["image"], default.attributions["image"])
    with pytest.raises(ValueError, match="not a class"):
        IntegratedGradients(model).attribute(inputs, target=CLASSES)


def test_absent_modalities_are_held_absent_and_not_attributed() -> None:
    model = LinearToy().eval()
    inputs = toy_inputs(seed=3)  # predicts class 1 with text, class 2 without
    result = IntegratedGradients(model).attribute(inputs, present={"audio": True, "image": True, "text": False})
    assert set(result.attributions) == {"audio", "image"} == set(result.shares)
    assert result.words == ()
    assert "text" not in result.baselines
    for _, mask in model.calls:  # text is absent in every evaluation, the others present
        assert not any(mask["text"]) and all(mask["audio"]) and all(mask["image"])
    # the default target is the prediction WITH THIS MASK (no text contribution)
    with torch.no_grad():
        masked = model(inputs, {"audio": torch.ones(1), "image": torch.ones(1), "text": torch.zeros(1)}).logits[0]
        full = model(inputs, {m: torch.ones(1) for m in MODALITIES}).logits[0]
    expected_target = int(masked.argmax())
    assert expected_target != int(full.argmax())  # the mask changes the prediction, so this checks it
    assert result.target == expected_target
    expected = expected_linear(model, inputs, expected_target)
    np.testing.assert_allclose(result.attributions["audio"], expected["audio"], rtol=1e-6, atol=1e-9)
    with pytest.raises(ValueError, match="no modality"):
        IntegratedGradients(model).attribute(inputs, present=[])


def test_baselines_can_be_overridden() -> None:
    model = LinearToy().eval()
    inputs = toy_inputs()
    result = IntegratedGradients(model, baselines={"audio": 0.0, "image": torch.full((8, 8), 0.5)}).attribute(inputs)
    w = {m: model.w[m][result.target].detach() for m in ("audio", "image")}
    np.testing.assert_allclose(result.attributions["audio"], (inputs["audio"][0] * w["audio"]).numpy(), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(result.attributions["image"], ((inputs["image"][0] - 0.5) * w["image"]).numpy(), rtol=1e-6, atol=1e-9)
    assert result.baselines["audio"] == "constant 0" and "custom" in result.baselines["image"]
    with pytest.raises(ValueError, match="unknown modality"):
        IntegratedGradients(model, baselines={"video": 0.0})


def test_shares_and_json() -> None:
    model = LinearToy().eval()
    result = IntegratedGradients(model).attribute(toy_inputs())
    assert sum(result.shares.values()) == pytest.approx(1.0)
    assert all(v >= 0 for v in result.shares.values())
    l1 = {m: np.abs(a).sum() for m, a in result.attributions.items()}
    assert result.shares["image"] == pytest.approx(l1["image"] / sum(l1.values()))
    data = json.loads(json.dumps(result.to_dict()))
    assert np.asarray(data["attributions"]["audio"]).shape == (32, 60)
    assert len(data["attributions"]["text"]) == len(data["words"]) == 4
    assert data["steps"] == 16 and data["convergence"]["converged"] and data["target"] == result.target


# --- tiny real FusionModels ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("strategy", "operator", "combiner"),
    [("early", "product", None), ("late", None, "mean"), ("hybrid", "product", None)],
)
def test_completeness_on_tiny_real_models(tiny_config, make_inputs, strategy, operator, combiner) -> None:
    model = build_model(tiny_config("tri", strategy, operator=operator, combiner=combiner)).eval()
    batch = make_inputs(MODALITIES, batch=4, seed=3)
    inputs = {m: batch[m][1:2] for m in MODALITIES}
    before = {k: v.detach().clone() for k, v in model.state_dict().items()}
    embed = model.tokenizers["text"].embed

    result = IntegratedGradients(model, steps=50).attribute(inputs)

    assert isinstance(result, GradientResult)
    gap = result.logit - result.baseline_logit
    assert abs(result.convergence_delta) < 1e-3 * abs(gap) + 1e-4
    # captum's delta is sum(attributions) - (f(x) - f(baseline)), with f(x) the model's own logit
    assert result.convergence_delta == pytest.approx(result.total() - gap, abs=1e-4)
    with torch.no_grad():
        logits = model(inputs, None).logits[0]
    assert result.target == int(logits.argmax())
    assert result.logit == pytest.approx(float(logits[result.target]), abs=1e-5)
    # text: one value per real word
    real = int((inputs["text"][0] != 0).sum())
    assert result.attributions["text"].shape == (real,) and len(result.words) == real
    assert result.attributions["image"].shape == (8, 8) and result.attributions["audio"].shape == (32, 60)
    assert sum(result.shares.values()) == pytest.approx(1.0) and min(result.shares.values()) >= 0
    # the model is left exactly as it was
    assert not model.training
    assert not embed._forward_hooks and not embed._forward_pre_hooks
    assert all(p.grad is None for p in model.parameters())
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_text_attribution_goes_through_the_embedding(tiny_config, make_inputs) -> None:
    # a text-only unimodal model: all of f(x) - f(b) must land on the words
    model = build_model(tiny_config("tri", "unimodal")).eval()
    inputs = {"text": make_inputs(("text",), batch=4, seed=5)["text"][2:3]}
    result = IntegratedGradients(model, steps=50).attribute(inputs)
    assert list(result.attributions) == ["text"]
    assert result.shares == {"text": pytest.approx(1.0)}
    assert result.total() == pytest.approx(result.logit - result.baseline_logit, abs=1e-3 * abs(result.logit - result.baseline_logit) + 1e-4)
    assert result.logit != pytest.approx(result.baseline_logit, abs=1e-6)  # the text really moved the logit
    assert not model.tokenizers["text"].embed._forward_hooks


def test_hook_is_removed_even_when_the_forward_fails() -> None:
    model = LinearToy().eval()
    inputs = toy_inputs()
    inputs["audio"] = torch.zeros(1, 32, 59, dtype=torch.float64)  # wrong shape: the forward raises
    with pytest.raises(RuntimeError):
        IntegratedGradients(model).attribute(inputs)
    assert not model.tokenizers["text"].embed._forward_hooks


def test_rejects_training_mode_and_batches(tiny_config, make_inputs) -> None:
    model = build_model(tiny_config("tri", "early", operator="product"))
    inputs = make_inputs(MODALITIES, batch=2)
    with pytest.raises(ValueError, match="training mode"):
        IntegratedGradients(model).attribute({m: v[:1] for m, v in inputs.items()})
    assert model.training  # not switched by the explainer
    with pytest.raises(ValueError, match="batch of 1"):
        IntegratedGradients(model.eval()).attribute(inputs)


def test_convergence_delta_is_reported_and_shrinks_with_steps(tiny_config, make_inputs) -> None:
    model = build_model(tiny_config("tri", "late", combiner="mean")).eval()
    batch = make_inputs(MODALITIES, batch=4, seed=3)
    inputs = {m: batch[m][1:2] for m in MODALITIES}
    coarse = IntegratedGradients(model, steps=2, max_steps=2, method="riemann_trapezoid").attribute(inputs)
    fine = IntegratedGradients(model, steps=50, max_steps=50).attribute(inputs)
    for result in (coarse, fine):
        assert result.convergence_delta == pytest.approx(result.total() - (result.logit - result.baseline_logit), abs=1e-5)
    assert abs(coarse.convergence_delta) > 10 * abs(fine.convergence_delta)
    assert coarse.method == "riemann_trapezoid" and coarse.steps == 2


def test_step_schedule_doubles_up_to_the_cap() -> None:
    assert step_schedule(16, 512) == [16, 32, 64, 128, 256, 512]
    assert step_schedule(12, 100) == [12, 24, 48, 96, 100]
    assert step_schedule(25, 25) == [25]
    assert converged(0.009, 1.0) and not converged(0.011, 1.0)
    assert converged(0.0009, 0.0) and not converged(0.002, 0.01)


def test_steps_adapt_until_the_delta_is_within_tolerance(tiny_config, make_inputs) -> None:
    model = build_model(tiny_config("tri", "late", combiner="mean")).eval()
    batch = make_inputs(MODALITIES, batch=4, seed=3)
    inputs = {m: batch[m][1:2] for m in MODALITIES}
    result = IntegratedGradients(model, steps=2, method="riemann_trapezoid").attribute(inputs)
    report = result.convergence()
    assert report["converged"] and abs(report["delta"]) <= report["tolerance"]
    assert report["tolerance"] == pytest.approx(max(0.01 * abs(result.gap), 1e-3))
    assert report["steps"] in step_schedule(2, 512) and report["steps"] > 2
    # it stopped at the FIRST count that converges: half as many steps do not
    fewer = IntegratedGradients(model, steps=report["steps"] // 2, max_steps=report["steps"] // 2,
                                method="riemann_trapezoid").attribute(inputs)
    assert not fewer.converged and abs(fewer.convergence_delta) > report["tolerance"]
    # completeness within tolerance
    assert abs(result.total() - result.gap) <= report["tolerance"] + 1e-6


def test_a_run_that_hits_the_cap_says_it_did_not_converge(tiny_config, make_inputs) -> None:
    model = build_model(tiny_config("tri", "late", combiner="mean")).eval()
    batch = make_inputs(MODALITIES, batch=4, seed=3)
    inputs = {m: batch[m][1:2] for m in MODALITIES}
    result = IntegratedGradients(model, steps=2, max_steps=3, method="riemann_trapezoid").attribute(inputs)
    assert result.steps == 3 and not result.converged and not result.to_dict()["convergence"]["converged"]
    with pytest.raises(ValueError, match="max_steps"):
        IntegratedGradients(model, steps=32, max_steps=16)


@pytest.mark.parametrize(("strategy", "operator", "combiner"),
                         [("early", "concat", None), ("early", "product", None), ("late", None, "mean"),
                          ("hybrid", "product", None), ("unimodal", None, None)])
def test_the_text_baseline_is_no_words_through_the_models_own_mask(tiny_config, make_inputs, strategy, operator, combiner) -> None:
    """f(baseline) is the model's answer to an empty caption (every slot masked), and the path from
    it is continuous: completeness holds within the tolerance."""
    model = build_model(tiny_config("tri", strategy, operator=operator, combiner=combiner)).eval()
    batch = make_inputs(model.modalities, batch=4, seed=5)
    inputs = {m: batch[m][2:3] for m in model.modalities}
    result = IntegratedGradients(model).attribute(inputs, present=["text"])
    empty = {**inputs, "text": torch.zeros_like(inputs["text"])}
    present = {m: torch.tensor([m == "text"]) for m in model.modalities}
    with torch.no_grad():
        no_words = model(empty, present).logits[0, result.target]
    assert result.baseline_logit == pytest.approx(float(no_words), abs=1e-5)
    assert result.converged and abs(result.total() - result.gap) <= result.convergence()["tolerance"] + 1e-6
    assert "no words" in result.baselines["text"]


def test_a_soft_key_weight_of_zero_is_exactly_a_masked_key() -> None:
    from fusion.models.layers import TransformerBlock

    torch.manual_seed(0)
    block = TransformerBlock(8, 2).eval()
    x = torch.randn(2, 5, 8)
    hard = torch.tensor([[True, True, False, True, False], [True, False, False, False, False]])
    with torch.no_grad():
        expected, _ = block(x, hard)
        soft, _ = block(x, hard.float())
    assert torch.allclose(expected, soft, atol=1e-6)
    weights = torch.tensor([[1.0, 0.5, 0.0, 1.0, 0.0]] * 2, requires_grad=True)
    out, attention = block(x, weights)
    out.sum().backward()
    assert torch.isfinite(weights.grad).all()  # no NaN gradient from log(0)
    assert attention[..., 2].abs().max() == 0 and attention[..., 4].abs().max() == 0
