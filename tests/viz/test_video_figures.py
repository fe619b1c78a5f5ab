"""The frame strip and the video explanation figures: every frame lands where its overlay lands,
and every number on a figure (per-frame shares and sums, the frames' Shapley bars and title) is the
one computed from the values given."""

from __future__ import annotations

import numpy as np
import pytest

from fusion.viz.video import (GAP, attention_strip_figure, frame_centres, frame_shares, frame_strip_figure,
                              gradient_strip_figure, strip, temporal_shapley_figure)

FRAMES = np.random.default_rng(0).random((8, 16, 16))


def test_the_strip_puts_frame_t_at_its_place_with_gaps_between() -> None:
    z = strip(FRAMES)
    assert z.shape == (16, 8 * 16 + 7 * GAP)
    for t in range(8):
        assert np.array_equal(z[:, t * (16 + GAP): t * (16 + GAP) + 16], FRAMES[t])
    assert np.isnan(z[:, 16]).all() and np.isnan(z).sum() == 7 * GAP * 16
    assert frame_centres(8, 16)[1] == pytest.approx(16 + GAP + 7.5)
    with pytest.raises(ValueError):
        strip(FRAMES[0])


def test_the_input_strip_states_its_scale() -> None:
    figure = frame_strip_figure(FRAMES)
    assert figure.layout.title.text.startswith("video: 8 frames of 16×16 px, grey 0 (black) to 1 (white)")
    heatmap = figure.data[0]
    assert (heatmap.zmin, heatmap.zmax) == (0, 1) and list(figure.layout.xaxis.ticktext) == [f"frame {t}" for t in range(1, 9)]


def test_attention_ticks_are_each_frames_share_of_the_mass() -> None:
    weights = np.zeros((8, 16, 16))
    weights[2, :8, :8] = 0.3  # frame 3, one patch
    weights[6] = 0.1  # frame 7, all four patches
    shares = frame_shares(weights)
    assert shares.sum() == pytest.approx(1.0) and shares[2] == pytest.approx(0.3 * 64 / (0.3 * 64 + 0.1 * 256))
    figure = attention_strip_figure(FRAMES, weights, title="text → video cross-attention")
    ticks = list(figure.layout.xaxis.ticktext)
    assert ticks[2] == f"3: {shares[2]:.0%}" and ticks[0] == "1: 0%"
    overlay = figure.data[1]
    assert (overlay.zmin, overlay.zmax) == (0.0, pytest.approx(0.3))  # 0..max, as every attention map
    assert figure.layout.xaxis.title.text.startswith("frame: share of the attention · colour 0..0.3 (max ")
    assert frame_shares(np.zeros((4, 2, 2))).tolist() == [0.25] * 4


def test_gradient_ticks_are_each_frames_summed_attribution_on_a_symmetric_logit_scale() -> None:
    attribution = np.random.default_rng(1).normal(size=(8, 16, 16)) * 0.01
    figure = gradient_strip_figure(FRAMES, attribution, share=0.4)
    ticks = list(figure.layout.xaxis.ticktext)
    assert ticks == [f"{t + 1}: {attribution[t].sum():+.2f}" for t in range(8)]
    overlay = figure.data[1]
    assert overlay.zmin == -overlay.zmax == -np.abs(attribution).max()
    assert figure.layout.title.text == "IG on video — 40% of the attribution"
    limit = np.abs(attribution).max()
    assert figure.layout.xaxis.title.text == (f"frame: summed IG (logit); colour: blue −{limit:.3g} to red +{limit:.3g} "
                                              "logit per pixel")


def test_the_frames_contributions_figure_draws_the_values_it_is_given() -> None:
    temporal = {"segments": [[0, 2], [2, 4], [4, 6], [6, 8]], "values": [0.1, -0.05, 0.2, 0.0],
                "value_full": 0.75, "value_empty": 0.5, "baseline": "black frames (all pixels 0)"}
    figure = temporal_shapley_figure(temporal, "yes")
    bars = figure.data[0]
    assert list(bars.x) == ["frames 1–2", "frames 3–4", "frames 5–6", "frames 7–8"]
    assert list(bars.y) == temporal["values"] and list(bars.text) == ["+0.10", "-0.05", "+0.20", "+0.00"]
    assert figure.layout.xaxis.title.text == "P = 0.50 with black frames (all pixels 0) → 0.75 with the clip"
    assert figure.layout.title.text == "frames' contributions to P(yes) (Shapley)"
    assert figure.layout.yaxis.title.text == "ΔP(yes)"


@pytest.mark.parametrize(("strategy", "operator", "combiner", "title"), [
    ("early", "concat", None, "joint attention on the frames"),
    ("late", None, "mean", "video network's own attention"),
    ("hybrid", "product", None, "text → video cross-attention"),
])
def test_each_strategy_draws_its_own_attention_on_the_strip(tiny_config, strategy, operator, combiner, title) -> None:
    """Joint attention for early (concat), the video network's own for late, text -> video
    cross-attention for hybrid; the strip's frames are the sample's, and the frames' contributions
    and IG are drawn for every strategy."""
    from fusion.explain.analysis import explain_model, input_views
    from fusion.models.strategies import build_model
    from fusion.tasks import Sample
    from fusion.viz import choose

    config = tiny_config("vid", strategy, operator=operator, combiner=combiner)
    model = build_model(config).eval()
    words = [w for w in config.vocabulary if not w.startswith("<")][:3]
    sample = Sample({"video": FRAMES.astype(np.float32), "text": " ".join(words)})
    result = explain_model(model, sample).to_dict(maps=True)
    views = input_views(sample)
    items = choose.result_items(strategy, result, views, ("no", "yes"))
    attention = items[(choose.ATTENTION, "video")]
    assert attention.layout.title.text.startswith(title)
    assert np.allclose(np.asarray(attention.data[0].z, dtype=float)[:, :16], FRAMES[0], atol=1e-6)  # float32 values
    shares = [float(t.split(": ")[1].rstrip("%")) for t in attention.layout.xaxis.ticktext]
    expected = frame_shares(np.asarray(result["attention"]["video"]))
    assert shares == pytest.approx([round(100 * s) for s in expected], abs=0.51)
    assert (choose.CONTRIBUTIONS, "video") in items and (choose.GRADIENTS, "video") in items
