"""EMAP (Hessel & Lee 2020): hand-computed projections, toy models with known interaction, and
the shipped ``match`` models (early and hybrid interact, late with the mean combiner barely)."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest
import torch
from torch import Tensor, nn

from fusion.models.checkpoints import checkpoint_dir, load_checkpoint, shipped_root
from fusion.tasks.splits import tensor_split
from fusion.explain import EMAP, additive_projection, nonadditive_share
from fusion.models.strategies import build_model


class Toy(nn.Module):
    """``model(inputs, present) -> .logits``: ``fn(x)`` of per-modality scalars (row means), ``[B]`` float64."""

    def __init__(self, fn: Callable[[dict[str, Tensor]], Tensor], modalities=("audio", "image")) -> None:
        super().__init__()
        self.modalities = list(modalities)
        self.fn = fn
        self.calls: list[int] = []

    def forward(self, inputs: dict[str, Tensor], present: dict[str, Tensor]) -> SimpleNamespace:
        assert all(bool(present[m].all()) for m in self.modalities)  # EMAP keeps every modality present
        self.calls.append(next(iter(inputs.values())).shape[0])
        x = {m: inputs[m].reshape(inputs[m].shape[0], -1).to(torch.float64).mean(1) for m in self.modalities}
        return SimpleNamespace(logits=self.fn(x))


def column(values: list[float]) -> Tensor:
    return torch.tensor(values, dtype=torch.float64).unsqueeze(1)


def test_hand_computed_projection_and_share() -> None:
    grid = torch.tensor([[0.0, 0.0], [0.0, 1.0]]).unsqueeze(-1)  # f = [i=1][j=1]
    # mean 1/4, row means (0, 1/2), column means (0, 1/2)
    expected = torch.tensor([[-0.25, 0.25], [0.25, 0.75]]).unsqueeze(-1)
    assert torch.allclose(additive_projection(grid), expected)
    # residual +-1/4 everywhere: variance 1/16; Var(f) = 1/4 - 1/16 = 3/16 -> share 1/3
    assert nonadditive_share(grid) == pytest.approx(1 / 3, abs=1e-12)
    assert nonadditive_share(torch.full((3, 3, 2), 5.0)) == 0.0


def test_additive_model_has_zero_share_and_the_projection_keeps_its_accuracy() -> None:
    def fn(x: dict[str, Tensor]) -> Tensor:  # nonlinear per modality, additive across them
        a, i = x["audio"], x["image"]
        return torch.stack([torch.sin(3 * a) + i**2, 2 * a - torch.exp(i), torch.zeros_like(a)], dim=1)

    torch.manual_seed(1)
    n = 12
    inputs = {"audio": torch.randn(n, 4), "image": torch.randn(n, 2, 2)}
    labels = torch.randint(0, 3, (n,))
    result = EMAP(Toy(fn).eval(), "image", "audio").attribute(inputs, labels)
    assert result.nonadditive_share < 1e-6
    assert result.n == n
    assert result.emap_accuracy == result.accuracy  # the projection is the model itself


def test_xor_model_is_entirely_nonadditive() -> None:
    a = [0.0, 0.0, 1.0, 1.0] * 2
    b = [0.0, 1.0, 0.0, 1.0] * 2
    inputs = {"audio": column(a), "image": column(b)}

    def fn(x: dict[str, Tensor]) -> Tensor:
        sign = 2 * (x["audio"] != x["image"]).to(torch.float64) - 1  # +1 for a xor b, -1 otherwise
        return torch.stack([sign, -sign], dim=1)

    labels = torch.tensor([int(u == v) for u, v in zip(a, b)])  # class 0 iff a xor b
    result = EMAP(Toy(fn).eval(), "image", "audio").attribute(inputs, labels)
    # balanced a and b: every row and column mean is 0, so f_hat = 0 and the share is exactly 1
    assert result.nonadditive_share > 0.5
    assert result.nonadditive_share == pytest.approx(1.0, abs=1e-12)
    assert result.accuracy == 1.0


def test_constant_model_has_zero_share() -> None:
    toy = Toy(lambda x: torch.tensor([1.0, -2.0], dtype=torch.float64).expand(x["audio"].shape[0], 2)).eval()
    result = EMAP(toy, "image", "audio").attribute({"audio": torch.randn(5, 3), "image": torch.randn(5, 3)})
    assert result.nonadditive_share == 0.0
    assert result.accuracy is None and result.emap_accuracy is None


def test_grid_layout_chunking_and_the_third_modality_riding_with_a() -> None:
    toy = Toy(lambda x: torch.stack([x["image"], x["audio"], x["text"]], dim=1), ("audio", "image", "text")).eval()
    n = 5
    inputs = {m: column([float(k) + offset for k in range(n)]) for m, offset in (("audio", 0.1), ("image", 0.2), ("text", 0.3))}
    explainer = EMAP(toy, modality_a="image", modality_b="audio", max_rows=7)
    assert explainer.modalities_a == ("image", "text") and explainer.modalities_b == ("audio",)
    grid = explainer.grid_logits(inputs)
    assert grid.shape == (n, n, 3)
    i, j = torch.meshgrid(torch.arange(n, dtype=torch.float64), torch.arange(n, dtype=torch.float64), indexing="ij")
    assert torch.equal(grid[..., 0], i + 0.2)  # image from sample i
    assert torch.equal(grid[..., 1], j + 0.1)  # audio from sample j
    assert torch.equal(grid[..., 2], i + 0.3)  # text rides with image (sample i)
    assert toy.calls == [7, 7, 7, 4]  # 25 rows in chunks of at most 7


def test_rejects_bad_settings() -> None:
    toy = Toy(lambda x: torch.stack([x["audio"], x["image"]], dim=1))
    with pytest.raises(ValueError, match="unknown modality text"):
        EMAP(toy, "image", "text")
    with pytest.raises(ValueError, match="disjoint"):
        EMAP(toy, "audio", "audio")
    with pytest.raises(ValueError, match="training mode"):
        EMAP(toy).attribute({"audio": torch.randn(3, 2), "image": torch.randn(3, 2)})


def test_shipped_match_models_interaction_ordering() -> None:
    split = tensor_split("match", "test")
    n = 48
    inputs = {m: value[:n] for m, value in split.inputs.items()}
    shares = {}
    for name in ("early", "hybrid", "late"):
        model = load_checkpoint(checkpoint_dir(shipped_root(), "match", name))
        result = EMAP(model, "image", "audio").attribute(inputs, split.labels[:n])
        shares[name] = result.nonadditive_share
        print(f"match/{name}: share={result.nonadditive_share:.4f} emap_acc={result.emap_accuracy:.3f} acc={result.accuracy:.3f}")
    assert 0.0 < shares["late"] < 0.05  # the mean-of-probabilities combiner is nearly, not exactly, additive
    assert shares["early"] > 3 * shares["late"]
    assert shares["hybrid"] > 3 * shares["late"]


@pytest.mark.parametrize("setup", ["duo", "tri"])
def test_a_late_model_with_the_logit_sum_combiner_has_no_nonadditive_share(tiny_config, make_inputs, setup) -> None:
    model = build_model(tiny_config(setup, "late", combiner="logit_sum")).eval()
    inputs = make_inputs(model.modalities, batch=6, seed=1)
    share = EMAP(model, "image", "audio").attribute(inputs).nonadditive_share
    assert share < 1e-6
    mean_model = build_model(tiny_config(setup, "late", combiner="mean")).eval()
    assert EMAP(mean_model, "image", "audio").attribute(inputs).nonadditive_share > share


@pytest.mark.parametrize("setup", ["duo", "tri"])
def test_the_share_depends_on_the_scale_and_says_which(tiny_config, make_inputs, setup) -> None:
    """A late mean-of-probabilities model is exactly additive on the probability scale and not on
    the logit scale; a logit-sum model the reverse. So a share is only read with its scale."""
    inputs = make_inputs(("audio", "image", "text"), batch=6, seed=1)
    mean = build_model(tiny_config(setup, "late", combiner="mean")).eval()
    summed = build_model(tiny_config(setup, "late", combiner="logit_sum")).eval()
    share = {(name, scale): EMAP(model, "image", "audio", scale=scale).attribute({m: inputs[m] for m in model.modalities})
             for name, model in (("mean", mean), ("sum", summed)) for scale in ("probability", "log_probability", "logit")}
    assert share[("mean", "probability")].nonadditive_share < 1e-9 < share[("mean", "logit")].nonadditive_share
    assert share[("sum", "logit")].nonadditive_share < 1e-9 < share[("sum", "probability")].nonadditive_share
    assert share[("mean", "log_probability")].to_dict()["scale"] == "log_probability"
    with pytest.raises(ValueError, match="scale"):
        EMAP(mean, "image", "audio", scale="odds")


def test_the_cli_scales_are_the_explainers() -> None:
    from fusion.cli.interactions import SCALES as CLI_SCALES
    from fusion.explain.interactions import SCALES

    from fusion.viz.compare import EMAP_SCALES

    assert CLI_SCALES == SCALES == EMAP_SCALES
