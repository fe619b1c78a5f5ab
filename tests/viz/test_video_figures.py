"""The frame strip and the video explanation figures: every frame lands where its overlay lands,
and every number on a figure (per-frame shares and sums, the frames' Shapley bars and title) is the
one computed from the values given."""

from __future__ import annotations

import numpy as np
import pytest

from fusion.encoders.frames import FramesEncoder
from fusion.encoders.pixels import PixelsEncoder
from fusion.viz.explore import ATTENTION_BAR, ATTRIBUTION_BAR
from fusion.viz.video import (GAP, PICTURE_GAP, THUMBNAIL, attention_strip_figure, clip_strip_figure, frame_centres,
                              frame_shares, frame_strip_figure, frame_tokens_figure, gradient_strip_figure, picture_strip,
                              segments_strip_figure, strip, temporal_shapley_figure, token_frames)
from fusion.viz.explore import one_line

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
    assert one_line(figure.layout.title.text).startswith("video: 8 frames of 16×16 px, grey 0 (black) to 1 (white)")
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
    assert one_line(figure.layout.title.text) == "IG on video — 40% of the attribution"
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
    assert one_line(figure.layout.title.text) == "frames' contributions to P(yes) (Shapley)"
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
    items = choose.result_items(strategy, result, views, ("no", "yes"), interactive=True)
    attention = items[(choose.ATTENTION, "video")]
    assert one_line(attention.layout.title.text).startswith(title)
    assert np.allclose(np.asarray(attention.data[0].z, dtype=float)[:, :16], FRAMES[0], atol=1e-6)  # float32 values
    shares = [float(t.split(": ")[1].rstrip("%")) for t in attention.layout.xaxis.ticktext]
    expected = frame_shares(np.asarray(result["attention"]["video"]))
    assert shares == pytest.approx([round(100 * s) for s in expected], abs=0.51)
    assert (choose.CONTRIBUTIONS, "video") in items and (choose.GRADIENTS, "video") in items


# ------------------------------------------------------------------ dataset clips (RGB frames)
CLIP = (np.arange(16)[:, None, None, None] * 16 + np.zeros((16, 24, 32, 3))).astype(np.uint8)  # frame k is grey 16k


def test_each_frame_token_is_drawn_over_the_frame_the_frames_encoder_read() -> None:
    """``frames:`` encodes the frames ``token_frames`` picks: the strip's frame t is token t's input."""
    picked = token_frames(CLIP, 8)
    encoder = FramesEncoder(PixelsEncoder())
    tokens = encoder.encode([CLIP])[0].tokens
    assert np.allclose(tokens, np.stack([e.pooled for e in encoder.image.encode(list(picked))]))
    assert [int(f[0, 0, 0]) // 16 for f in picked] == [1, 3, 5, 7, 9, 11, 13, 15]
    with pytest.raises(ValueError):
        token_frames(CLIP[0], 8)


def test_the_picture_strip_puts_each_thumbnail_in_its_place_with_white_between() -> None:
    picture = picture_strip(CLIP[:3])
    width = THUMBNAIL  # 32 px wide frames are the longer side
    assert picture.shape == (72, 3 * width + 2 * PICTURE_GAP, 3)
    for t in range(3):
        assert (picture[:, t * (width + PICTURE_GAP): t * (width + PICTURE_GAP) + width] == 16 * t).all()
    assert (picture[:, width: width + PICTURE_GAP] == 255).all()


def test_the_clip_strip_shows_the_frames_the_encoder_reads() -> None:
    figure = clip_strip_figure(CLIP, 8)
    assert figure.data[0].source.startswith("data:image/png;base64,")
    assert list(figure.layout.xaxis.ticktext) == [f"frame {t}" for t in range(1, 9)]
    assert figure.layout.xaxis.tickvals[1] == pytest.approx(THUMBNAIL + PICTURE_GAP + (THUMBNAIL - 1) / 2)


def overlay_values(figure) -> list[float]:
    """The value drawn over each frame of a picture strip, left to right."""
    row = np.asarray(figure.data[1].z[0], dtype=float)
    starts = np.arange(0, row.size, THUMBNAIL + PICTURE_GAP)
    assert np.isnan(row).sum() == (len(starts) - 1) * PICTURE_GAP
    return [float(row[a]) for a in starts]


def test_frame_token_attention_colours_each_frame_with_its_weight_and_bar_in_units() -> None:
    weights = np.array([0.05, 0.05, 0.4, 0.1, 0.1, 0.1, 0.1, 0.1])
    figure = frame_tokens_figure(CLIP, weights, "attention on the video tokens")
    assert overlay_values(figure) == pytest.approx(weights.tolist())
    overlay = figure.data[1]
    assert (overlay.zmin, overlay.zmax) == (0.0, pytest.approx(0.4)) and overlay.colorbar.title.text == ATTENTION_BAR
    assert list(figure.layout.xaxis.ticktext) == [f"{t + 1}: {w:.0%}" for t, w in enumerate(weights)]
    assert one_line(figure.layout.title.text).startswith("attention on the video tokens — max 3.2× uniform")


def test_frame_token_ig_is_signed_per_frame_on_a_symmetric_logit_scale() -> None:
    attribution = np.array([0.3, -0.6, 0.0, 0.1])
    figure = frame_tokens_figure(CLIP, attribution, "IG on video", signed=True, baseline="the mean embedding")
    assert overlay_values(figure) == pytest.approx(attribution.tolist())
    overlay = figure.data[1]
    assert overlay.zmin == -overlay.zmax == pytest.approx(-0.6) and overlay.colorbar.title.text == ATTRIBUTION_BAR
    assert list(figure.layout.xaxis.ticktext) == ["1: +0.30", "2: -0.60", "3: +0.00", "4: +0.10"]
    assert "the mean embedding" in overlay.hovertemplate


def test_segment_shapley_values_colour_their_frames() -> None:
    temporal = {"segments": [[0, 2], [2, 4], [4, 6], [6, 8]], "values": [0.1, -0.05, 0.2, 0.0], "unit": "tokens",
                "value_full": 0.75, "value_empty": 0.5, "baseline": "the mean embedding"}
    figure = segments_strip_figure(CLIP, temporal, "up")
    assert overlay_values(figure) == pytest.approx([0.1, 0.1, -0.05, -0.05, 0.2, 0.2, 0.0, 0.0])
    assert list(figure.layout.xaxis.ticktext) == ["1–2: +0.10", "3–4: -0.05", "5–6: +0.20", "7–8: +0.00"]
    assert figure.data[1].colorbar.title.text == "ΔP(up) (Shapley; ±max)" and figure.data[1].zmax == pytest.approx(0.2)
    assert one_line(figure.layout.title.text) == "frames' contributions to P(up) (Shapley)"
    assert figure.layout.xaxis.title.text == "tokens: ΔP · P = 0.50 with the mean embedding → 0.75"
