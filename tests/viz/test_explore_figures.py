"""Figures of the Explore page (fusion.viz.explore): trace types, data shapes, and a waterfall that adds up."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import pytest

from fusion.tasks import get_task
from fusion.viz import explore as viz
from fusion.viz.reading import READING

RNG = np.random.default_rng(0)
IMAGE, LOGMEL = RNG.random((8, 8)), RNG.uniform(-1, 1, (32, 60))
WORDS = ["three", "does", "not", "divide", "it"]


def trace_types(figure: go.Figure) -> list[str]:
    return [trace.type for trace in figure.data]


def test_image_figure_is_a_gray_8x8_heatmap_with_an_optional_overlay() -> None:
    plain = viz.image_figure(IMAGE)
    assert isinstance(plain, go.Figure) and trace_types(plain) == ["heatmap"]
    assert np.asarray(plain.data[0].z).shape == (8, 8)
    weights = RNG.random((8, 8)) / 64
    overlaid = viz.image_figure(IMAGE, overlay=weights)
    assert trace_types(overlaid) == ["heatmap", "heatmap"]
    # the real weights on a 0..max scale with a colour bar in attention weight (no min-max stretch)
    np.testing.assert_allclose(np.asarray(overlaid.data[1].z), weights)
    assert (overlaid.data[1].zmin, overlaid.data[1].zmax) == (0.0, pytest.approx(weights.max()))
    assert overlaid.data[1].showscale and "attention weight" in overlaid.data[1].colorbar.title.text
    ratio, entropy = viz.map_spread(weights)
    assert f"max {ratio:.1f}× uniform, entropy {math.floor(entropy * 100) / 100:.2f}" in viz.one_line(overlaid.layout.title.text)
    # the same plot area (the overlaid map's longer title adds a line above it)
    assert plain.layout.height - plain.layout.margin.t == overlaid.layout.height - overlaid.layout.margin.t == viz.HEIGHT - 40


def test_spectrogram_figure_draws_frame_weights_as_a_line_over_the_bins() -> None:
    figure = viz.spectrogram_figure(LOGMEL, frame_weights=RNG.random(60))
    assert trace_types(figure) == ["heatmap", "scatter"]
    assert np.asarray(figure.data[0].z).shape == (32, 60)
    assert len(figure.data[1].y) == 60 and figure.data[1].yaxis == "y2"  # its own axis, in attention weight
    assert figure.layout.yaxis2.range[0] == 0 and "attention weight" in figure.layout.yaxis2.title.text
    assert figure.layout.yaxis2.tickmode == "auto"  # round ticks from 0, not the mel bins' ticks carried over
    assert trace_types(viz.spectrogram_figure(LOGMEL)) == ["heatmap"]


def test_token_figure_has_one_cell_per_word() -> None:
    figure = viz.token_figure(WORDS, [0.1, 0.5, 0.2, 0.1, 0.1])
    assert trace_types(figure) == ["heatmap"]
    assert list(figure.data[0].text[0]) == WORDS and len(figure.data[0].z[0]) == 5
    assert len(viz.token_figure(WORDS).data[0].z[0]) == 5
    assert figure.data[0].zmin == 0 and figure.data[0].zmax == pytest.approx(0.5) and figure.data[0].showscale


def test_only_a_flat_map_reads_entropy_one() -> None:
    """The title's entropy is rounded down: a slightly peaked map (0.996) must not read as flat."""
    assert viz.attention_title("t", np.ones(64)).endswith("max 1.0× uniform, entropy 1.00")
    nearly = np.r_[np.full(63, 1.0), 1.6]
    ratio, entropy = viz.map_spread(nearly)
    assert 0.995 < entropy < 1 and ratio > 1.5
    assert viz.attention_title("t", nearly).endswith("entropy 0.99")


def test_map_spread_tells_a_flat_map_from_a_peaked_one() -> None:
    assert viz.map_spread(np.full(64, 1 / 64)) == pytest.approx((1.0, 1.0))
    one_hot = np.zeros(60)
    one_hot[7] = 1.0
    assert viz.map_spread(one_hot) == pytest.approx((60.0, 0.0))
    # copying a token's weight onto its pixels changes neither number
    tokens = RNG.random(16)
    pixels = np.kron(tokens.reshape(4, 4), np.ones((2, 2)))
    assert viz.map_spread(pixels)[0] == pytest.approx(viz.map_spread(tokens)[0])
    # a flat map and a peaked map of the same size get visibly different colour ranges relative to their mean
    flat, peaked = np.full(64, 1 / 64) * (1 + 0.3 * RNG.random(64)), np.r_[np.full(63, 1e-4), 1.0]
    assert viz.map_spread(flat)[0] < 1.3 < 50 < viz.map_spread(peaked)[0]


@pytest.mark.parametrize("label", [None, 3])
def test_probabilities_highlight_the_prediction_and_mark_the_true_label(label: int | None) -> None:
    probabilities = [0.05] * 10
    probabilities[7] = 0.55
    figure = viz.probabilities_figure(probabilities, 7, get_task("digits").classes, label)
    assert trace_types(figure) == (["bar"] if label is None else ["bar", "scatter"])
    colours = list(figure.data[0].marker.color)
    assert colours[7] == viz.PREDICTED and colours.count(viz.PREDICTED) == 1
    if label is not None:
        assert list(figure.data[1].x) == ["3"]
        # the page's "how to read" says what the chart draws: a "true" label over a down triangle
        assert list(figure.data[1].text) == ["true"] and figure.data[1].marker.symbol == "triangle-down"
        assert '"true ▼" marks the true class' in READING["probabilities"] and "outline" not in READING["probabilities"]


@pytest.mark.parametrize("seed", range(20))
def test_the_waterfall_goes_from_the_prior_through_the_contributions_to_the_prediction(seed: int) -> None:
    rng = np.random.default_rng(seed)
    modalities = [m for m in ("audio", "image", "text") if rng.random() < 0.7] or ["image"]
    empty = float(rng.random())
    shapley = {m: float(rng.uniform(-0.5, 0.5)) for m in modalities}
    result = {"value_empty": empty, "shapley": shapley, "value_full": empty + sum(shapley.values())}
    figure = viz.shapley_waterfall(result, "7")
    assert trace_types(figure) == ["waterfall"]
    trace = figure.data[0]
    assert list(trace.measure) == ["absolute", *["relative"] * len(modalities), "total"]
    assert list(trace.x) == ["no modality", *sorted(modalities), "all present"]
    values = list(trace.y)
    assert values[0] == empty
    assert values[0] + sum(values[1:-1]) == pytest.approx(values[-1]) == pytest.approx(result["value_full"])
    assert "P(7)" in viz.one_line(figure.layout.title.text)


@pytest.mark.parametrize("seed", range(5))
def test_the_log_probability_waterfall_adds_up_and_stays_below_zero(seed: int) -> None:
    rng = np.random.default_rng(seed)
    empty = -float(rng.uniform(0.5, 3))
    values = {m: float(rng.uniform(-1, 1)) for m in ("audio", "image")}
    full = min(-1e-3, empty + sum(values.values()))
    values["image"] += full - (empty + sum(values.values()))
    result = {"shapley_log_probability": values, "log_probability_empty": empty, "log_probability_full": full}
    figure = viz.shapley_waterfall(result, "7", "log_probability")
    trace = figure.data[0]
    assert trace.y[0] + sum(trace.y[1:-1]) == pytest.approx(trace.y[-1])
    assert "log P(7)" in viz.one_line(figure.layout.title.text) and figure.layout.yaxis.range[0] <= min(np.cumsum(trace.y[:-1]))


def test_gradient_figures_are_diverging_and_centred_on_zero() -> None:
    image = viz.gradient_image_figure(RNG.normal(size=(8, 8)), share=0.25)
    assert trace_types(image) == ["heatmap"] and image.data[0].zmid is None
    assert image.data[0].zmin == -image.data[0].zmax and "25%" in viz.one_line(image.layout.title.text)
    assert image.data[0].showscale and "attribution" in image.data[0].colorbar.title.text
    audio = viz.gradient_spectrogram_figure(LOGMEL, RNG.normal(size=(32, 60)), share=0.5)
    assert trace_types(audio) == ["heatmap", "heatmap"]
    assert np.asarray(audio.data[1].z).shape == (32, 60) and audio.data[1].zmin == -audio.data[1].zmax
    words = viz.gradient_words_figure(WORDS, [0.3, -0.1, 0.0, 0.2, -0.4], share=0.1)
    assert trace_types(words) == ["bar"] and len(words.data[0].y) == 5
    assert list(words.data[0].marker.color) == [viz.UP, viz.DOWN, viz.UP, viz.UP, viz.DOWN]
    zero = viz.gradient_image_figure(np.zeros((8, 8)))  # all-zero attributions do not divide by zero
    assert zero.data[0].zmax == 1.0


@pytest.mark.parametrize("title", [
    "image (8×8) — max 2.2× uniform, entropy 0.94",
    "attention on the audio tokens — max 1.5× uniform, entropy 0.98",
    "video: 8 frames of 16×16 px, grey 0 (black) to 1 (white), time →",
    "early: probabilities",
])
def test_a_long_title_is_drawn_in_lines_that_fit_a_side_by_side_chart(title: str) -> None:
    """Plotly cuts a title at its chart's edge, so ``_layout`` breaks a long one (after its dash first)
    and makes room above the chart for each line; the words are unchanged."""
    figure = viz.probabilities_figure([0.5, 0.5], 0, ["a", "b"], title=title)
    text = figure.layout.title.text
    lines = text.split("<br>")
    assert viz.one_line(text) == title and all(len(line) <= viz.TITLE_LINE for line in lines)
    assert (len(lines) > 1) == (len(title) > viz.TITLE_LINE)
    if " — " in title and len(title) > viz.TITLE_LINE:
        assert lines[0] == title.split(" — ")[0] + " —"
    extra = viz.TITLE_LINE_PX * (len(lines) - 1)  # the title grows the figure, not into its plot
    assert figure.layout.margin.t == 40 + extra and figure.layout.height == viz.HEIGHT + extra
