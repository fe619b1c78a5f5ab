"""Contract tests run over every registered fusion operator, plus hand-computed expectations.

Embeddings of different widths per modality catch mixed-up dimensions; the batch has one row per
subset of present modalities (the empty set included), so every test sees every subset.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable

import pytest
import torch
from torch import Tensor

from fusion.models.operators import FusionOperator, create_operator, list_operators

OUT_DIM = 8
MODALITY_DIMS = {
    "two": {"audio": 5, "image": 7},
    "three": {"audio": 5, "image": 7, "text": 6},
}
operators = pytest.mark.parametrize("name", list_operators())
modality_sets = pytest.mark.parametrize("dims", list(MODALITY_DIMS.values()), ids=list(MODALITY_DIMS))


def every_subset_per_row(modalities: list[str]) -> dict[str, Tensor]:
    """``present`` masks with one row per subset of ``modalities`` (row 0: none present)."""
    rows = torch.tensor(list(itertools.product([False, True], repeat=len(modalities))))
    return {m: rows[:, i] for i, m in enumerate(modalities)}


def random_embeddings(dims: dict[str, int], batch: int, scale: float = 1.0) -> dict[str, Tensor]:
    return {m: torch.randn(batch, d) * scale for m, d in dims.items()}


def setup(name: str, dims: dict[str, int]) -> tuple[FusionOperator, dict[str, Tensor], dict[str, Tensor]]:
    """An operator (its zero-initialised parameters made non-zero), embeddings, every-subset masks."""
    operator = create_operator(name, dims, OUT_DIM).eval()
    with torch.no_grad():
        for parameter in operator.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.1)
    present = every_subset_per_row(sorted(dims))
    return operator, random_embeddings(dims, 2 ** len(dims)), present


def batch_size(tensors: dict[str, Tensor]) -> int:
    return len(next(iter(tensors.values())))


def uniform(modalities: list[str], present: set[str], batch: int) -> dict[str, Tensor]:
    """The same ``present`` set on every row."""
    return {m: torch.full((batch,), m in present) for m in modalities}


def close(actual: Tensor, expected: Tensor) -> None:
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-6)


# --- the contract, for every operator ---------------------------------------------------------


def test_the_registry_lists_the_documented_operators() -> None:
    assert {"concat", "gated", "lowrank", "product", "sum", "tensor"} <= set(list_operators())


@operators
@modality_sets
def test_output_has_shape_batch_by_out_dim_and_is_finite(name: str, dims: dict[str, int]) -> None:
    operator, embeddings, present = setup(name, dims)
    fused = operator(embeddings, present)
    assert fused.value.shape == (batch_size(present), OUT_DIM)
    assert torch.isfinite(fused.value).all()


@operators
@modality_sets
def test_absent_embeddings_have_no_influence(name: str, dims: dict[str, int]) -> None:
    operator, embeddings, present = setup(name, dims)
    garbage = random_embeddings(dims, batch_size(present), scale=1e6)
    replaced = {m: torch.where(present[m].unsqueeze(-1), x, garbage[m]) for m, x in embeddings.items()}
    assert not torch.equal(replaced["audio"], embeddings["audio"])
    expected, actual = operator(embeddings, present), operator(replaced, present)
    close(actual.value, expected.value)
    if expected.weights is not None:
        close(actual.weights, expected.weights)


@operators
@modality_sets
def test_present_embeddings_influence_exactly_their_rows(name: str, dims: dict[str, int]) -> None:
    operator, embeddings, present = setup(name, dims)
    before = operator(embeddings, present).value
    for m in dims:
        changed = {**embeddings, m: embeddings[m] + torch.randn_like(embeddings[m])}
        after = operator(changed, present).value
        moved = (after - before).abs().amax(dim=1) > 1e-5
        assert torch.equal(moved, present[m]), f"{m}: rows that moved {moved.tolist()}, present {present[m].tolist()}"


@operators
@modality_sets
def test_weights_if_returned_are_a_distribution_over_present_modalities(name: str, dims: dict[str, int]) -> None:
    operator, embeddings, present = setup(name, dims)
    weights = operator(embeddings, present).weights
    if weights is None:
        assert name != "gated", "the gated operator must return its weights"
        return
    mask = torch.stack([present[m] for m in sorted(dims)], dim=1)
    assert weights.shape == mask.shape
    assert (weights[~mask] == 0).all(), "absent modalities must get weight exactly 0"
    assert (weights >= 0).all()
    sums = weights.sum(dim=1)
    any_present = mask.any(dim=1)
    close(sums[any_present], torch.ones(int(any_present.sum())))
    assert (sums[~any_present] == 0).all()


# --- hand-computed expectations ---------------------------------------------------------------


@modality_sets
def test_sum_is_the_sum_of_projections_of_present_modalities(dims: dict[str, int]) -> None:
    operator, embeddings, present = setup("sum", dims)
    expected = sum(
        torch.where(present[m].unsqueeze(-1), operator.proj[m](x), torch.zeros(OUT_DIM)) for m, x in embeddings.items()
    )
    close(operator(embeddings, present).value, expected)


@modality_sets
def test_product_of_one_present_modality_is_one_plus_its_projection(dims: dict[str, int]) -> None:
    operator, embeddings, _ = setup("product", dims)
    batch = batch_size(embeddings)
    for m, x in embeddings.items():
        fused = operator(embeddings, uniform(sorted(dims), {m}, batch))
        close(fused.value, 1.0 + operator.proj[m](x))
    close(operator(embeddings, uniform(sorted(dims), set(), batch)).value, torch.ones(batch, OUT_DIM))


@modality_sets
def test_product_of_all_present_is_the_elementwise_product(dims: dict[str, int]) -> None:
    operator, embeddings, _ = setup("product", dims)
    expected = torch.stack([1.0 + operator.proj[m](x) for m, x in embeddings.items()]).prod(dim=0)
    close(operator(embeddings, uniform(sorted(dims), set(dims), len(expected))).value, expected)


@modality_sets
def test_gated_is_a_softmax_gated_sum_of_tanh_projections(dims: dict[str, int]) -> None:
    operator, embeddings, present = setup("gated", dims)
    fused = operator(embeddings, present)
    for row in range(batch_size(present)):
        here = [m for m in sorted(dims) if present[m][row]]
        expected = torch.zeros(OUT_DIM)
        if here:
            scores = torch.cat([operator.gate[m](embeddings[m][row]) for m in here])
            gate = torch.softmax(scores, dim=0)
            expected = sum(g * torch.tanh(operator.proj[m](embeddings[m][row])) for g, m in zip(gate, here))
        close(fused.value[row], expected)


@modality_sets
def test_tensor_fusion_projects_the_outer_product_of_augmented_vectors(dims: dict[str, int]) -> None:
    operator, embeddings, present = setup("tensor", dims)
    augmented = [
        torch.cat([operator.reduce[m](x) * present[m].unsqueeze(-1), torch.ones(len(x), 1)], dim=-1)
        for m, x in sorted(embeddings.items())
    ]
    letters = "ijk"[: len(augmented)]
    outer = torch.einsum(",".join(f"b{c}" for c in letters) + f"->b{letters}", *augmented).flatten(1)
    close(operator(embeddings, present).value, operator.proj(outer))


@modality_sets
def test_lowrank_is_a_weighted_sum_over_ranks_of_products_of_factors(dims: dict[str, int]) -> None:
    operator, embeddings, present = setup("lowrank", dims)
    expected = operator.bias.expand(batch_size(embeddings), OUT_DIM).clone()
    for r, weight in enumerate(operator.rank_weights):
        product = torch.ones(batch_size(embeddings), OUT_DIM)
        for m, x in embeddings.items():
            z = torch.cat([x * present[m].unsqueeze(-1), torch.ones(len(x), 1)], dim=-1)
            product = product * (z @ operator.factors[m][r])
        expected = expected + weight * product
    close(operator(embeddings, present).value, expected)


def _zero_layer(attribute: str) -> Callable[[FusionOperator, dict[str, Tensor], str], dict[str, Tensor]]:
    """Substitute: zero the modality's layer ``attribute`` (its output becomes exactly 0)."""

    def substitute(operator: FusionOperator, embeddings: dict[str, Tensor], m: str) -> dict[str, Tensor]:
        layer = getattr(operator, attribute)[m]
        torch.nn.init.zeros_(layer.weight)
        torch.nn.init.zeros_(layer.bias)
        return embeddings

    return substitute


def _zero_embedding(operator: FusionOperator, embeddings: dict[str, Tensor], m: str) -> dict[str, Tensor]:
    return {**embeddings, m: torch.zeros_like(embeddings[m])}


def _learned_absent_vector(operator: FusionOperator, embeddings: dict[str, Tensor], m: str) -> dict[str, Tensor]:
    return {**embeddings, m: operator.absent[m].detach().expand_as(embeddings[m])}


# What an absent modality is equivalent to, per operator: the result with modality m absent equals
# the result with every modality present after the substitution.
ABSENCE_EQUIVALENTS = {
    # [0, ..., 0, 1]: the modality's reduced vector replaced by zeros
    "tensor": _zero_layer("reduce"),
    # [0, 1] on the raw embedding
    "lowrank": _zero_embedding,
    # a factor of exactly 1 / a term of exactly 0
    "product": _zero_layer("proj"),
    "sum": _zero_layer("proj"),
    # the learned "absent" vector in place of the embedding
    "concat": _learned_absent_vector,
}


@pytest.mark.parametrize("name", sorted(ABSENCE_EQUIVALENTS))
@modality_sets
def test_absence_equals_its_documented_substitute(name: str, dims: dict[str, int]) -> None:
    operator, embeddings, _ = setup(name, dims)
    batch = batch_size(embeddings)
    everything = uniform(sorted(dims), set(dims), batch)
    for m in dims:
        actual = operator(embeddings, uniform(sorted(dims), set(dims) - {m}, batch)).value
        substituted = copy.deepcopy(operator)
        with torch.no_grad():
            substitute_embeddings = ABSENCE_EQUIVALENTS[name](substituted, embeddings, m)
        close(actual, substituted(substitute_embeddings, everything).value)
        assert not torch.allclose(actual, operator(embeddings, everything).value), f"{m} absent changed nothing"
