"""Contract tests run over every model kind (built-in tokenizers, heads over frozen encoders) x
strategy x fusion operator / late combiner, on two tiny tasks.

``tri``: audio + image + text, 10 classes; ``duo``: audio + image, 2 classes; ``vid``: text + video, 2
classes, built-in tokenizers only (unimodal baselines use one modality of each task). Models are tiny (width 8, depth 1, 2 heads) and run in eval mode.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest
import torch
from torch import Tensor

from fusion.modalities.audio import PADDING

from fusion.models.config import CROSS_ATTENTION_KEYS, ModelConfig
from fusion.models.operators import list_operators
from fusion.models.operators.bottleneck import BOTTLENECK_TOKENS
from fusion.modalities.audio import padding_tokens
from fusion.models.strategies import COMBINERS, STRATEGIES, AttentionMap, FusionModel, FusionOutput, build_model
from tests.conftest import KINDS

TASKS = ("tri", "duo", "vid")  # conftest.TINY_TASKS
BATCH = 4



def _cases() -> Iterator[pytest.param]:
    for kind in KINDS:
        for task in TASKS if kind == "built-in" else ("tri", "duo"):  # heads read embeddings: video adds nothing
            for operator in list_operators():
                yield pytest.param((task, "early", operator, None, kind, {}), id=f"{kind}-{task}-early-{operator}")
                # hybrid's cross-attention keys (the bottleneck operator has no cross-attention)
                for keys in CROSS_ATTENTION_KEYS if operator != "bottleneck" else ("encoded",):
                    suffix = "" if keys == "encoded" else f"-{keys}-keys"
                    yield pytest.param((task, "hybrid", operator, None, kind, {"cross_attention_keys": keys}),
                                       id=f"{kind}-{task}-hybrid-{operator}{suffix}")
            for strategy in ("late", "unimodal"):
                for combiner in COMBINERS.names():
                    yield pytest.param((task, strategy, None, combiner, kind, {}), id=f"{kind}-{task}-{strategy}-{combiner}")


CASES = list(_cases())
every_model = pytest.mark.parametrize("case", CASES, indirect=True)


@pytest.fixture
def case(request: pytest.FixtureRequest) -> tuple[str, str, str | None, str | None, str, dict]:
    """(task, strategy, operator, combiner, kind, other config fields)"""
    return request.param


@pytest.fixture
def model(case, tiny_config) -> FusionModel:
    torch.manual_seed(0)
    *names, overrides = case
    return build_model(tiny_config(*names, **overrides)).eval()


@pytest.fixture
def run(make_inputs) -> Callable[..., tuple[dict[str, Tensor], FusionOutput]]:
    """``run(model, present, seed=0)`` -> (random inputs, output without gradients)."""

    def run(model: FusionModel, present: dict[str, Tensor], seed: int = 0) -> tuple[dict[str, Tensor], FusionOutput]:
        inputs = make_inputs(model.modalities, batch=batch_size(present), seed=seed, config=model.config)
        with torch.no_grad():
            return inputs, model(inputs, present)

    return run


def batch_size(tensors: dict[str, Tensor]) -> int:
    return len(next(iter(tensors.values())))


def subsets(modalities: list[str]) -> list[frozenset[str]]:
    return [frozenset(c) for r in range(len(modalities) + 1) for c in itertools.combinations(modalities, r)]


def uniform(modalities: list[str], present: frozenset[str] | set[str], batch: int = BATCH) -> dict[str, Tensor]:
    return {m: torch.full((batch,), m in present) for m in modalities}


def every_subset_per_row(modalities: list[str]) -> dict[str, Tensor]:
    """One batch row per subset of ``modalities``, the empty set included."""
    rows = torch.tensor(list(itertools.product([False, True], repeat=len(modalities))))
    return {m: rows[:, i] for i, m in enumerate(modalities)}


def garbage_where_absent(
    inputs: dict[str, Tensor], present: dict[str, Tensor], vocabulary_size: int
) -> dict[str, Tensor]:
    """Replace the inputs of absent rows with nonsense of the right shape and dtype."""
    out = {}
    for m, x in inputs.items():
        if x.dtype == torch.long:  # word ids
            junk = torch.randint(0, vocabulary_size, x.shape)
        else:
            junk = torch.randn(x.shape) * 1e4
        out[m] = torch.where(present[m].view(-1, *[1] * (x.dim() - 1)), x, junk)
    return out


def close(actual: Tensor, expected: Tensor) -> None:
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-6)


def test_fixture_inputs_have_the_documented_shapes(inputs, vocabulary) -> None:
    assert inputs["image"].shape == (BATCH, 8, 8) and inputs["image"].dtype == torch.float32
    assert 0 <= inputs["image"].min() and inputs["image"].max() <= 1
    audio = inputs["audio"]
    assert audio.shape == (BATCH, 32, 60)
    clip = audio != PADDING  # the frames after each clip hold PADDING (masked as keys)
    assert audio[clip].abs().max() <= 1 and (~clip).any()
    text = inputs["text"]
    assert text.shape == (BATCH, 16) and text.dtype == torch.long
    assert (text[:, 0] != 0).all() and (text < len(vocabulary)).all() and (text == 0).any()
    real = text != 0
    assert torch.equal(real, real.cummin(dim=1).values), "padding must be trailing"


def test_every_strategy_is_registered() -> None:
    assert set(STRATEGIES.names()) == {"early", "late", "hybrid", "unimodal"}


@every_model
def test_logits_have_shape_and_are_finite_for_every_subset(model, run) -> None:
    masks = [uniform(model.modalities, s) for s in subsets(model.modalities)]
    for present in [*masks, every_subset_per_row(model.modalities)]:
        _, out = run(model, present)
        batch = batch_size(present)
        assert out.logits.shape == (batch, model.config.num_classes), present
        assert torch.isfinite(out.logits).all(), present
        for name, weights in out.mixing.items():
            assert weights.shape[0] == batch and torch.isfinite(weights).all(), name


@every_model
def test_inputs_of_absent_modalities_have_no_influence(model, run) -> None:
    masks = [uniform(model.modalities, s) for s in subsets(model.modalities) if len(s) < len(model.modalities)]
    for present in [*masks, every_subset_per_row(model.modalities)]:
        inputs, expected = run(model, present)
        with torch.no_grad():
            actual = model(garbage_where_absent(inputs, present, len(model.config.vocabulary)), present)
        close(actual.logits, expected.logits)
        for m, logits in (expected.modality_logits or {}).items():
            close(actual.modality_logits[m], logits)
        for name, weights in expected.mixing.items():
            close(actual.mixing[name], weights)
        for name, embedding in expected.embeddings.items():
            close(actual.embeddings[name], embedding)


@every_model
def test_inputs_of_present_modalities_do_influence(model, run) -> None:
    everything = uniform(model.modalities, set(model.modalities))
    for m in model.modalities:
        inputs, expected = run(model, everything)
        changed = {**inputs, m: run(model, everything, seed=1)[0][m]}
        with torch.no_grad():
            actual = model(changed, everything)
        assert not torch.allclose(actual.logits, expected.logits), f"changing {m} changed nothing"


@every_model
def test_the_empty_set_prediction_ignores_the_inputs(model, run) -> None:
    nothing = uniform(model.modalities, set())
    _, first = run(model, nothing, seed=0)
    _, second = run(model, nothing, seed=1)
    close(first.logits, first.logits[:1].expand_as(first.logits))
    close(second.logits, first.logits)


WITH_FUSED_COLUMN = {"decision"}  # hybrid's decision mixes [fused, *modalities]; the others [*modalities]


@every_model
def test_mixing_weights_give_absent_modalities_exactly_zero(model, run, case) -> None:
    present = every_subset_per_row(model.modalities)
    _, out = run(model, present)
    mask = torch.stack([present[m] for m in model.modalities], dim=1)
    for name, weights in out.mixing.items():
        available = torch.cat([torch.ones_like(mask[:, :1]), mask], 1) if name in WITH_FUSED_COLUMN else mask
        assert weights.shape == available.shape, name
        assert (weights[~available] == 0).all() and (weights >= 0).all(), f"{name}: {weights}"
        if case[3] != "logit_sum":  # logit_sum's weights are its 0/1 coefficients, not a distribution
            rows = available.any(1)
            close(weights[rows].sum(1), torch.ones(int(rows.sum())))


def seeded_build(config: ModelConfig, seed: int) -> FusionModel:
    torch.manual_seed(seed)
    return build_model(config).eval()


@every_model
def test_same_seed_gives_identical_weights_and_outputs(model, run) -> None:
    a, b, other = (seeded_build(model.config, seed) for seed in (5, 5, 6))
    state_a, state_b = a.state_dict(), b.state_dict()
    assert state_a.keys() == state_b.keys()
    assert all(torch.equal(state_a[k], state_b[k]) for k in state_a)
    assert any(not torch.equal(state_a[k], v) for k, v in other.state_dict().items()), "the seed must matter"
    present = every_subset_per_row(a.modalities)
    assert torch.equal(run(a, present)[1].logits, run(b, present)[1].logits)


def _check_layout(segments: tuple, length: int, model: FusionModel) -> None:
    assert segments[0][1] == 0 and segments[-1][2] == length, f"{segments} must cover 0..{length}"
    for (_, _, stop), (_, start, _) in zip(segments, segments[1:]):
        assert stop == start, f"{segments} must be contiguous"
    for what, start, stop in segments:
        if what in model.modalities:
            tokens = model.tokenizers[what].num_tokens
            assert stop - start == tokens, f"segment {what!r} spans {stop - start}, the modality has {tokens} tokens"
        elif what == "bottleneck":
            assert stop - start == BOTTLENECK_TOKENS, f"the bottleneck segment spans {stop - start} tokens"
        else:
            assert what in ("cls", "null") and stop - start == 1, f"unexpected segment {what!r} in {segments}"


@every_model
def test_attention_maps_have_layouts_consistent_with_their_weights(model, run, case) -> None:
    present = every_subset_per_row(model.modalities)
    _, out = run(model, present)
    _, strategy, operator, _, _, _ = case
    if strategy != "early" or operator == "concat":  # the attention-based paths
        assert out.attention, "attention must be returned, never discarded"
    for name, attention in out.attention.items():
        batch, heads, queries, keys = attention.weights.shape
        assert (batch, heads) == (batch_size(present), model.config.heads), name
        _check_layout(attention.queries, queries, model)
        _check_layout(attention.keys, keys, model)


def _key_mask(attention: AttentionMap, rows: Callable[[str, int], Tensor | None]) -> Tensor:
    """``[B, Tk]`` mask over the keys: ``rows(segment, length)`` gives a segment's ``[B, length]`` part."""
    batch, _, _, keys = attention.weights.shape
    mask = torch.zeros(batch, keys, dtype=torch.bool)
    for what, start, stop in attention.keys:
        part = rows(what, stop - start)
        if part is not None:
            mask[:, start:stop] = part
    return mask


def _leak(attention: AttentionMap, forbidden: Tensor) -> float:
    return float(attention.weights.masked_fill(~forbidden[:, None, None, :], 0).abs().max())


@every_model
def test_attention_rows_sum_to_one_and_skip_absent_modalities_and_padding(model, run) -> None:
    present = every_subset_per_row(model.modalities)
    inputs, out = run(model, present)

    def absent(what: str, length: int) -> Tensor | None:
        return ~present[what].unsqueeze(1).expand(-1, length) if what in model.modalities else None

    def padding(what: str, length: int) -> Tensor | None:
        if what not in model.modalities:
            return None
        if inputs[what].dtype == torch.long:  # word ids: 0 is padding
            return inputs[what] == 0
        if model.config.encoders:
            return inputs[what][..., -1] < 0.5  # a head's mask channel
        return padding_tokens(inputs[what]) if what == "audio" else None  # frames after the clip

    for name, attention in out.attention.items():
        close(attention.weights.sum(-1), torch.ones(attention.weights.shape[:-1]))
        forbidden = _key_mask(attention, absent)
        assert forbidden.any(), f"{name}: this batch has absent modalities, so some keys must be masked"
        leaked = _leak(attention, forbidden)
        assert leaked == 0, f"{name}: weight {leaked:.3g} on keys of absent modalities"
        padded = _key_mask(attention, padding)
        leaked = _leak(attention, padded)
        assert leaked == 0, f"{name}: weight {leaked:.3g} on text padding or on audio after the clip"
        if "audio" in model.modalities and not model.config.encoders and any(w == "audio" for w, _, _ in attention.keys):
            assert padded.any(), f"{name}: this batch has audio padding, so some audio keys must be masked"


def cases_where(strategies: tuple[str, ...], combiner: str | None = None) -> pytest.MarkDecorator:
    chosen = [c for c in CASES if c.values[0][1] in strategies and combiner in (None, c.values[0][3])]
    return pytest.mark.parametrize("case", chosen, indirect=True)


@cases_where(("late", "unimodal", "hybrid"))
def test_modality_logits_are_given_per_modality(model, run) -> None:
    _, out = run(model, uniform(model.modalities, set(model.modalities)))
    assert out.modality_logits is not None and set(out.modality_logits) == set(model.modalities)
    for logits in out.modality_logits.values():
        assert logits.shape == (BATCH, model.config.num_classes) and torch.isfinite(logits).all()


HYBRID_CROSS = [c for c in CASES if c.values[0][1] == "hybrid" and c.values[0][2] != "bottleneck"]


@pytest.mark.parametrize("case", HYBRID_CROSS, indirect=True)
def test_cross_attention_reads_the_keys_its_config_names(model, run) -> None:
    """With ``input`` keys, modality m's cross-attention map does not depend on the other modalities'
    self-attention stacks (its keys are their embedded input tokens); with ``encoded`` keys it does."""
    present = uniform(model.modalities, set(model.modalities))
    _, before = run(model, present)
    changed = [o for o in model.modalities if o != model.modalities[0]]
    with torch.no_grad():
        for o in changed:
            for parameter in model.encoders[o].parameters():
                parameter.add_(torch.randn_like(parameter))
    _, after = run(model, present)
    same = torch.equal(before.attention[f"cross.{model.modalities[0]}"].weights,
                       after.attention[f"cross.{model.modalities[0]}"].weights)
    assert same == (model.config.cross_attention_keys == "input")


@cases_where(("late", "unimodal"), combiner="logit_sum")
def test_logit_sum_is_exactly_additive_over_every_subset(model, run) -> None:
    with torch.no_grad():
        model.combiner.bias.normal_()  # zeros at initialisation: make it count
    _, full = run(model, uniform(model.modalities, set(model.modalities)))
    for subset in subsets(model.modalities):
        _, out = run(model, uniform(model.modalities, subset))
        expected = model.combiner.bias + sum((full.modality_logits[m] for m in subset), torch.zeros_like(out.logits))
        close(out.logits, expected)


@cases_where(("late", "unimodal"), combiner="mean")
def test_mean_combiner_is_the_log_of_the_mean_of_present_softmaxes(model, run) -> None:
    for subset in subsets(model.modalities)[1:]:
        _, out = run(model, uniform(model.modalities, subset))
        softmaxes = torch.stack([torch.softmax(out.modality_logits[m], -1) for m in subset])
        close(out.logits, softmaxes.mean(0).log())


@every_model
def test_a_modality_missing_from_present_is_absent(model, make_inputs) -> None:
    inputs = make_inputs(model.modalities, batch=BATCH, config=model.config)
    missing = model.modalities[0]
    explicit = uniform(model.modalities, set(model.modalities) - {missing})
    partial = {m: mask for m, mask in explicit.items() if m != missing}
    with torch.no_grad():
        close(model(inputs, partial).logits, model(inputs, explicit).logits)
        assert not torch.allclose(model(inputs, partial).logits, model(inputs, None).logits)


@every_model
def test_a_missing_input_raises_a_value_error_naming_the_modality(model, make_inputs) -> None:
    inputs = make_inputs(model.modalities, batch=BATCH)
    for m in model.modalities:
        without = {k: v for k, v in inputs.items() if k != m}
        with pytest.raises(ValueError, match=m):
            model(without, None)


@every_model
def test_each_strategy_declares_its_attention_and_its_diagram(model, run) -> None:
    from fusion.models.strategies.base import NO_ATTENTION

    _, out = run(model, uniform(model.modalities, set(model.modalities)))
    assert bool(out.attention) == (model.attention_kind != NO_ATTENTION), model.attention_kind
    diagram = model.diagram
    drawn = set(diagram.layout) | set(diagram.merged)
    parts = {name for name, _ in model.named_children()} | {name for name, _ in model.named_parameters(recurse=False)}
    assert parts <= drawn, f"{diagram.name} does not place {sorted(parts - drawn)}"
    assert diagram.meets in diagram.layout
    wired = {end for edge in diagram.flow for end in edge}
    assert set(diagram.layout) <= wired and {"input", "output"} <= wired
