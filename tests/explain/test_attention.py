"""Attention maps: geometry on hand-made vectors, rollout against a hand computation, and the mass
identities of every strategy on tiny real FusionModels (eval mode)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from fusion.explain import AttentionMaps, AttentionResult, attention_rollout
from fusion.modalities import get_modality
from fusion.modalities.audio import audio_frames, audio_spectrogram
from fusion.modalities.image import image_heatmap
from fusion.modalities.text import text_words
from fusion.modalities.audio import to_frame_groups
from fusion.modalities.image import to_patches
from fusion.modalities.text import decode_tokens
from fusion.models.strategies import build_model

GEOMETRY = {"image": (8, 8), "audio": (60,)}
TOKENS = {"image": 16, "audio": 20, "text": 16}


def one_sample(inputs: dict[str, torch.Tensor], row: int = 2) -> dict[str, torch.Tensor]:
    """Row 2 of the fixture batch (row 0 always has a single word)."""
    return {m: v[row : row + 1] for m, v in inputs.items()}


def head_mean_row(weights: torch.Tensor) -> torch.Tensor:
    """[1, heads, Tq, Tk] -> the head-averaged row of query 0 (the [CLS]), float64."""
    return weights[0].to(torch.float64).mean(0)[0]


def segment(layout, name: str) -> slice:
    return next(slice(a, b) for what, a, b in layout if what == name)


def model_for(tiny_config, *args, **kwargs):
    return build_model(tiny_config(*args, **kwargs)).eval()


def check_geometry(result: AttentionResult, sample: dict[str, torch.Tensor], vocabulary, maps=None) -> None:
    maps = result.maps if maps is None else maps
    for m, values in maps.items():
        assert np.all(values >= 0), m
        if m == "text":
            ids = sample["text"][0]
            assert values.shape == (int((ids != 0).sum()),)
            assert list(result.words) == decode_tokens(ids, vocabulary)
        else:
            assert values.shape == GEOMETRY[m]


# --- geometry -----------------------------------------------------------------------------------


def test_image_heatmap_puts_each_patch_on_its_2x2_pixels():
    weights = np.arange(1, 17, dtype=np.float64)
    heat = image_heatmap(weights)
    assert heat.shape == (8, 8)
    for t in range(16):
        r, c = 2 * (t // 4), 2 * (t % 4)
        assert np.all(heat[r : r + 2, c : c + 2] == weights[t]), t
    assert heat.sum() == pytest.approx(4 * weights.sum())  # copied, not spread
    # the tokenizer's own patching of the heatmap gives back each token's weight on all 4 pixels
    patches = to_patches(torch.from_numpy(heat)[None])[0]
    assert torch.equal(patches, torch.from_numpy(weights)[:, None].expand(16, 4))


def test_image_heatmap_corner_patches():
    weights = np.zeros(16)
    weights[1] = 1.0  # grid cell (0, 1): rows 0..1, cols 2..3
    weights[14] = 2.0  # grid cell (3, 2): rows 6..7, cols 4..5
    heat = image_heatmap(torch.from_numpy(weights))
    expected = np.zeros((8, 8))
    expected[0:2, 2:4] = 1.0
    expected[6:8, 4:6] = 2.0
    np.testing.assert_array_equal(heat, expected)


def test_audio_frames_and_spectrogram():
    weights = np.arange(20, dtype=np.float64) + 0.5
    frames = audio_frames(weights)
    assert frames.shape == (60,)
    for t in range(20):
        assert np.all(frames[3 * t : 3 * t + 3] == weights[t])
    spectrogram = audio_spectrogram(frames)
    assert spectrogram.shape == (32, 60)
    assert np.all(spectrogram == frames[None, :])
    groups = to_frame_groups(torch.from_numpy(spectrogram)[None])[0]  # [20, 96]
    assert torch.equal(groups, torch.from_numpy(weights)[:, None].expand(20, 96))


def test_text_words_drop_padding_wherever_it_is(vocabulary):
    ids = torch.tensor([2, 0, 5, 3, 0, 0, 11] + [0] * 9)
    weights = np.arange(16, dtype=np.float64) / 10
    values, words = text_words(weights, ids, vocabulary)
    assert words == ["zero", "three", "one", "nine"]
    np.testing.assert_allclose(values, [0.0, 0.2, 0.3, 0.6])
    values, words = get_modality("text").token_map(weights, torch.zeros(16, dtype=torch.long), vocabulary)
    assert values.shape == (0,) and words == []


def test_geometry_rejects_wrong_lengths():
    with pytest.raises(ValueError, match="16"):
        image_heatmap(np.ones(20))
    with pytest.raises(ValueError, match="20"):
        audio_frames(np.ones(16))
    with pytest.raises(ValueError, match="ids"):
        get_modality("text").token_map(np.ones(16), torch.zeros(3, dtype=torch.long))


# --- rollout ------------------------------------------------------------------------------------


def test_rollout_matches_hand_computation():
    # layer 1: two heads whose mean is [[0, .5, .5], [1, 0, 0], [0, 0, 1]]
    layer1 = torch.tensor(
        [[[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]]
    )
    layer2 = torch.tensor([[[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.5, 0.5, 0.0]]])
    # 0.5 A + 0.5 I: Â1 = [[.5,.25,.25],[.5,.5,0],[0,0,1]], Â2 = [[.5,0,.5],[0,1,0],[.25,.25,.5]]; R = Â2 Â1
    expected = torch.tensor([[0.25, 0.125, 0.625], [0.5, 0.5, 0.0], [0.25, 0.1875, 0.5625]], dtype=torch.float64)
    result = attention_rollout([layer1, layer2])
    torch.testing.assert_close(result, expected)
    torch.testing.assert_close(attention_rollout([layer1]), torch.tensor(
        [[0.5, 0.25, 0.25], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]], dtype=torch.float64))


def test_rollout_renormalises_rows():
    unnormalised = torch.tensor([[1.0, 1.0], [0.0, 2.0]])  # 0.5 A + 0.5 I = [[1, .5], [0, 1.5]]
    torch.testing.assert_close(
        attention_rollout([unnormalised]), torch.tensor([[2 / 3, 1 / 3], [0.0, 1.0]], dtype=torch.float64)
    )


# --- early fusion -------------------------------------------------------------------------------


@pytest.mark.parametrize("task", ["tri", "duo"])
def test_early_concat_rollout_shares_sum_to_one(tiny_config, make_inputs, vocabulary, task):
    model = model_for(tiny_config, task, "early", "concat", depth=2)
    sample = one_sample(make_inputs(model.modalities))
    result = AttentionMaps(model).attribute(sample)
    assert result.method == "rollout" and result.note is None
    assert sorted(result.maps) == sorted(model.modalities)
    check_geometry(result, sample, vocabulary)
    assert sum(result.shares.values()) + result.cls_share["joint"] == pytest.approx(1.0, abs=1e-5)
    for m in model.modalities:
        copies = {"image": 4, "audio": 3, "text": 1}[m]  # pixels / frames per token
        assert result.maps[m].sum() == pytest.approx(result.shares[m] * copies)
        assert result.tokens[m].shape == (TOKENS[m],)
        assert result.tokens[m].sum() == pytest.approx(result.shares[m])
        assert "joint" in result.source[m] and "rollout" in result.source[m]
    # independent check: rollout of the model's own joint layers, [CLS] row
    with torch.no_grad():
        output = model(sample)
    layers = [output.attention[f"joint.{i}"].weights[0] for i in range(2)]
    row = attention_rollout(layers)[0]
    layout = output.attention["joint.0"].keys
    for m in model.modalities:
        np.testing.assert_allclose(result.tokens[m], row[segment(layout, m)].numpy(), atol=1e-12)
    json.dumps(result.to_dict())


def test_early_concat_cls_method_is_last_layer_row(tiny_config, make_inputs):
    model = model_for(tiny_config, "tri", "early", "concat", depth=2)
    sample = one_sample(make_inputs(model.modalities))
    result = AttentionMaps(model, method="cls").attribute(sample)
    with torch.no_grad():
        output = model(sample)
    row = head_mean_row(output.attention["joint.1"].weights)
    layout = output.attention["joint.1"].keys
    for m in model.modalities:
        np.testing.assert_allclose(result.tokens[m], row[segment(layout, m)].numpy(), atol=1e-7)
    assert result.cls_share["joint"] == pytest.approx(float(row[0]))
    assert sum(result.shares.values()) + result.cls_share["joint"] == pytest.approx(1.0, abs=1e-5)


def test_early_concat_absent_modality_gets_no_map_and_no_mass(tiny_config, make_inputs):
    model = model_for(tiny_config, "tri", "early", "concat", depth=2)
    sample = one_sample(make_inputs(model.modalities))
    result = AttentionMaps(model).attribute(sample, present={"audio": True, "image": True, "text": False})
    assert sorted(result.maps) == ["audio", "image"] and "text" not in result.shares
    assert result.words is None
    # the present modalities and the [CLS] hold ALL the mass: the absent text got none
    assert result.shares["audio"] + result.shares["image"] + result.cls_share["joint"] == pytest.approx(1.0, abs=1e-5)


def test_early_vector_operator_has_no_attention(tiny_config, make_inputs):
    model = model_for(tiny_config, "tri", "early", "product")
    result = AttentionMaps(model).attribute(one_sample(make_inputs(model.modalities)))
    assert result.maps == {} and result.tokens == {} and result.shares == {} and result.modality_weights is None
    assert result.note == (
        "this early model fuses with the product operator, which has no attention; "
        "see Shapley values and Integrated Gradients"
    )
    json.dumps(result.to_dict())


def test_early_gated_reports_operator_weights(tiny_config, make_inputs):
    model = model_for(tiny_config, "tri", "early", "gated")
    sample = one_sample(make_inputs(model.modalities))
    result = AttentionMaps(model).attribute(sample, present=["image", "text"])
    assert result.maps == {} and "gated" in result.note
    assert sorted(result.modality_weights) == ["image", "text"]
    assert sum(result.modality_weights.values()) == pytest.approx(1.0, abs=1e-5)
    with torch.no_grad():
        present = {m: torch.tensor([m != "audio"]) for m in model.modalities}
        output = model(sample, present)
    expected = output.mixing["operator"][0].tolist()
    assert result.modality_weights["image"] == pytest.approx(expected[1])
    assert result.modality_weights["text"] == pytest.approx(expected[2])


# --- late fusion --------------------------------------------------------------------------------


@pytest.mark.parametrize(("task", "depth"), [("tri", 1), ("tri", 2), ("duo", 2)])
def test_late_maps_sum_to_one_minus_cls_self_weight(tiny_config, make_inputs, vocabulary, task, depth):
    model = model_for(tiny_config, task, "late", combiner="mean", depth=depth)
    sample = one_sample(make_inputs(model.modalities))
    result = AttentionMaps(model).attribute(sample)
    assert sorted(result.maps) == sorted(model.modalities)
    check_geometry(result, sample, vocabulary)
    with torch.no_grad():
        output = model(sample)
    for m in model.modalities:
        assert result.tokens[m].sum() == pytest.approx(1.0 - result.cls_share[m], abs=1e-5)
        assert result.source[m] == f"{m} network's own self-attention (rollout)"
        if depth == 1:  # hand computation: rollout of one layer = 0.5 * A + 0.5 * I, [CLS] row
            row = head_mean_row(output.attention[f"{m}.0"].weights)
            assert result.cls_share[m] == pytest.approx(0.5 + 0.5 * float(row[0]), abs=1e-7)
            np.testing.assert_allclose(result.tokens[m], 0.5 * row[1:].numpy(), atol=1e-7)


def test_late_absent_modality_and_text_padding(tiny_config, make_inputs, vocabulary):
    model = model_for(tiny_config, "tri", "late", combiner="mean")
    sample = one_sample(make_inputs(model.modalities))
    sample["text"] = torch.tensor([[4, 0, 7, 0, 9] + [0] * 11])  # padding between the words
    result = AttentionMaps(model).attribute(sample, present=["image", "text"])
    assert sorted(result.maps) == ["image", "text"]
    assert result.words == ("two", "five", "seven")
    assert result.maps["text"].shape == (3,)
    assert np.all(result.tokens["text"][sample["text"][0].numpy() == 0] == 0.0)
    assert result.maps["text"].sum() == pytest.approx(1.0 - result.cls_share["text"], abs=1e-5)


def test_unimodal_model(tiny_config, make_inputs, vocabulary):
    model = model_for(tiny_config, "tri", "unimodal", combiner="mean")
    sample = one_sample(make_inputs(model.modalities))
    result = AttentionMaps(model, method="cls").attribute(sample)
    assert list(result.maps) == ["text"]
    check_geometry(result, sample, vocabulary)
    assert result.shares["text"] + result.cls_share["text"] == pytest.approx(1.0, abs=1e-5)


# --- hybrid fusion ------------------------------------------------------------------------------


@pytest.mark.parametrize(("task", "operator"), [("tri", "product"), ("duo", "gated")])
def test_hybrid_maps_come_from_cross_attention_of_the_others(tiny_config, make_inputs, vocabulary, task, operator):
    model = model_for(tiny_config, task, "hybrid", operator)
    sample = one_sample(make_inputs(model.modalities))
    result = AttentionMaps(model).attribute(sample)
    assert sorted(result.maps) == sorted(result.self_maps) == sorted(model.modalities)
    check_geometry(result, sample, vocabulary)
    check_geometry(result, sample, vocabulary, maps=result.self_maps)
    with torch.no_grad():
        output = model(sample)
    for m in model.modalities:
        others = [q for q in model.modalities if q != m]
        by_hand = torch.stack([
            head_mean_row(output.attention[f"cross.{q}"].weights)[segment(output.attention[f"cross.{q}"].keys, m)]
            for q in others
        ]).mean(0)
        np.testing.assert_allclose(result.tokens[m], by_hand.numpy(), atol=1e-7)
        assert result.source[m].startswith(f"cross-attention of [CLS] of {', '.join(others)} → {m} tokens")
        assert sum(result.cross_shares[m].values()) == pytest.approx(1.0, abs=1e-5)
        assert result.self_tokens[m].sum() == pytest.approx(1.0 - result.cls_share[m], abs=1e-5)
        assert "own self-attention" in result.self_source[m]
    if operator == "gated":
        assert sum(result.modality_weights.values()) == pytest.approx(1.0, abs=1e-5)
    assert result.normalised("audio", self_attention=True).max() == pytest.approx(1.0)
    json.dumps(result.to_dict())


def test_hybrid_absent_modality(tiny_config, make_inputs):
    model = model_for(tiny_config, "tri", "hybrid", "product")
    sample = one_sample(make_inputs(model.modalities))
    result = AttentionMaps(model).attribute(sample, present=["audio", "image"])
    assert sorted(result.maps) == sorted(result.self_maps) == ["audio", "image"]
    # each [CLS] spreads all its mass over the null key and the present other: none on the text
    assert result.cross_shares["audio"].keys() == {"null", "image"}
    for q in ("audio", "image"):
        assert sum(result.cross_shares[q].values()) == pytest.approx(1.0, abs=1e-5)
    # with two modalities, audio's map is exactly image's [CLS] mass on audio
    assert result.shares["audio"] == pytest.approx(result.cross_shares["image"]["audio"])

    alone = AttentionMaps(model).attribute(sample, present=["image"])
    assert alone.maps == {} and list(alone.self_maps) == ["image"]
    assert "no other modality" in alone.note


@pytest.mark.parametrize("task", ["tri", "duo"])
def test_bottleneck_maps_are_the_bottleneck_tokens_looking_at_each_modality(tiny_config, make_inputs, vocabulary, task):
    from fusion.models.operators.bottleneck import BOTTLENECK_TOKENS

    model = model_for(tiny_config, task, "hybrid", "bottleneck")
    sample = one_sample(make_inputs(model.modalities))
    result = AttentionMaps(model).attribute(sample)
    check_geometry(result, sample, vocabulary)
    with torch.no_grad():
        output = model(sample)
    for m in model.modalities:
        first = output.attention[f"bottleneck.0.{m}"]
        tokens = model.tokenizers[m].num_tokens
        # queries: [CLS], m's tokens, then the bottleneck's tokens (the last BOTTLENECK_TOKENS rows)
        rows = first.weights[0].to(torch.float64).mean(0)[1 + tokens :]
        assert rows.shape[0] == BOTTLENECK_TOKENS
        np.testing.assert_allclose(result.tokens[m], rows.mean(0)[1 : 1 + tokens].numpy(), atol=1e-7)
        assert 0 < result.shares[m] < 1
        assert 0 < result.cross_shares[m]["bottleneck"] < 1
        assert "bottleneck" in result.source[m]
    if "audio" in model.modalities:  # the padding after the clip is never looked at
        from fusion.modalities.audio import padding_tokens

        assert padding_tokens(sample["audio"]).any()
        assert np.all(result.tokens["audio"][padding_tokens(sample["audio"])[0].numpy()] == 0)


def test_bottleneck_modalities_meet_only_in_the_bottleneck(tiny_config, make_inputs):
    """No attention row of one modality's block has a key of another modality."""
    model = model_for(tiny_config, "tri", "hybrid", "bottleneck")
    with torch.no_grad():
        output = model(one_sample(make_inputs(model.modalities)))
    for name, attention in output.attention.items():
        modalities = {what for what, _, _ in attention.keys if what in model.modalities}
        assert len(modalities) == 1, name


# --- interface ----------------------------------------------------------------------------------


def test_normalised_is_max_one(tiny_config, make_inputs):
    model = model_for(tiny_config, "duo", "late", combiner="mean")
    result = AttentionMaps(model).attribute(one_sample(make_inputs(model.modalities)))
    for m in ("audio", "image"):
        drawn = result.normalised(m)
        assert drawn.shape == result.maps[m].shape and drawn.max() == pytest.approx(1.0)
        np.testing.assert_allclose(drawn * result.maps[m].max(), result.maps[m])
    with pytest.raises(KeyError, match="text"):
        result.normalised("text")


def test_rejects_training_mode_batches_and_unknown_methods(tiny_config, make_inputs):
    model = build_model(tiny_config("duo", "late", combiner="mean"))
    inputs = make_inputs(model.modalities, batch=2)
    with pytest.raises(ValueError, match="training mode"):
        AttentionMaps(model).attribute(one_sample(inputs, 0))
    model.eval()
    with pytest.raises(ValueError, match="batch of 1"):
        AttentionMaps(model).attribute(inputs)
    with pytest.raises(ValueError, match="rollout"):
        AttentionMaps(model, method="grad")


@pytest.mark.parametrize(("task", "strategy", "operator"), [
    ("tri", "early", "concat"), ("tri", "early", "gated"), ("tri", "late", None), ("duo", "hybrid", "gated"),
    ("tri", "hybrid", "product"), ("duo", "hybrid", "bottleneck"),
])
def test_attribute_each_row_of_a_batch_is_attribute_of_that_row_alone(tiny_config, make_inputs, task, strategy, operator):
    model = model_for(tiny_config, task, strategy, operator) if operator else model_for(tiny_config, task, strategy)
    inputs = make_inputs(model.modalities, batch=5)
    each = AttentionMaps(model).attribute_each(inputs)
    assert len(each) == 5
    for row, result in enumerate(each):
        alone = AttentionMaps(model).attribute(one_sample(inputs, row))
        assert sorted(result.tokens) == sorted(alone.tokens) and result.words == alone.words
        for name in ("maps", "tokens", "self_maps", "self_tokens"):
            for m, values in getattr(alone, name).items():
                np.testing.assert_allclose(getattr(result, name)[m], values, atol=1e-6, err_msg=f"{name}[{m}], row {row}")
        for name in ("shares", "cls_share", "modality_weights"):
            assert (getattr(result, name) or {}) == pytest.approx(getattr(alone, name) or {}, abs=1e-6), name
    rows = [r.tokens[sorted(r.tokens)[0]] for r in each] if each[0].tokens else []
    assert not rows or not all(np.allclose(rows[0], other) for other in rows[1:])  # the rows differ: no row read twice
