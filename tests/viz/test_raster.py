"""Explore's charts as pictures (fusion.viz.raster): each has a Plotly twin that states the same
title, the colours mean what the colour bars say, and the marks sit where the numbers put them."""

from __future__ import annotations

import inspect
import io

import numpy as np
import pytest
from PIL import Image

from fusion.viz import explore as charts
from fusion.viz import raster
from fusion.viz import video
from fusion.viz.explore import one_line

RNG = np.random.default_rng(0)
IMAGE, LOGMEL = RNG.uniform(0.05, 0.95, (8, 8)), RNG.uniform(-1, 1, (32, 60))
WORDS = ["three", "does", "not", "divide", "it"]
RESULT = {"shapley": {"audio": 0.2, "image": 0.5, "text": -0.1}, "value_empty": 0.1, "value_full": 0.7,
          "shapley_log_probability": {"audio": 0.5, "image": 1.2, "text": -0.2}, "log_probability_empty": -2.3,
          "log_probability_full": -0.8}
TEMPORAL = {"segments": [(0, 2), (2, 4), (4, 6), (6, 8)], "values": [0.1, -0.05, 0.3, 0.02], "value_empty": 0.2,
            "value_full": 0.57, "baseline": "black frames"}
FRAMES = RNG.random((8, 16, 16))

# every picture builder, with arguments, and the module of its Plotly twin
CASES = {
    "image_figure": (charts, (IMAGE, RNG.random((8, 8)) / 64, "attention on the image")),
    "spectrogram_figure": (charts, (LOGMEL, RNG.random(60) / 60, "attention over audio frames")),
    "token_figure": (charts, (WORDS, [0.1, 0.2, 0.4, 0.2, 0.1], "attention on the words")),
    "probabilities_figure": (charts, (RNG.dirichlet(np.ones(10)), 3, [str(i) for i in range(10)], 5, "early: probabilities")),
    "shapley_waterfall": (charts, (RESULT, "7", "log_probability")),
    "gradient_image_figure": (charts, (RNG.normal(size=(8, 8)), 0.4, "a blank image")),
    "gradient_spectrogram_figure": (charts, (LOGMEL, RNG.normal(size=(32, 60)), 0.5, "silence")),
    "gradient_words_figure": (charts, (WORDS, RNG.normal(size=5), 0.1, "no words")),
    "frame_strip_figure": (video, (FRAMES,)),
    "attention_strip_figure": (video, (FRAMES, RNG.random((8, 16, 16)))),
    "gradient_strip_figure": (video, (FRAMES, RNG.normal(size=(8, 16, 16)), 0.3, "black frames")),
    "temporal_shapley_figure": (video, (TEMPORAL, "yes")),
}


def pixels(picture: raster.Picture) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(picture.png)).convert("RGB")).astype(int)


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_picture_has_a_plotly_twin_with_the_same_arguments_and_title(name) -> None:
    twin, args = CASES[name]
    assert list(inspect.signature(getattr(raster, name)).parameters) == list(inspect.signature(getattr(twin, name)).parameters)
    picture, figure = getattr(raster, name)(*args), getattr(twin, name)(*args)
    assert picture.title == one_line(figure.layout.title.text)
    image = Image.open(io.BytesIO(picture.png))
    assert image.format == "PNG" and image.size == (round(picture.width * raster.SCALE), round(picture.height * raster.SCALE))
    # side by side, rows line up as with the Plotly charts, whose long titles add lines above the plot
    assert picture.height == figure.layout.height - charts.TITLE_LINE_PX * figure.layout.title.text.count("<br>")
    assert picture.data_uri().startswith("data:image/png;base64,")


def test_the_pictures_colour_scales_are_the_plotly_charts() -> None:
    import plotly.colors

    def rgb(colours: list[str]) -> list[tuple[int, int, int]]:
        return [tuple(round(c * 255) for c in t) for t in plotly.colors.convert_colors_to_same_type(list(colours), "tuple")[0]]

    assert raster.STOPS["viridis"] == rgb(plotly.colors.sequential.Viridis)
    assert raster.STOPS["diverging"] == rgb(plotly.colors.diverging.RdBu[::-1]) and charts.DIVERGING == "RdBu_r"


def test_colours_follow_the_scales_the_colour_bars_state() -> None:
    assert tuple(raster.lut("viridis")[0]) == (0x44, 0x01, 0x54)  # Plotly's Viridis, dark end first
    assert tuple(raster.lut("gray")[0]) == (0, 0, 0) and tuple(raster.lut("gray")[-1]) == (255, 255, 255)
    diverging = raster.lut("diverging")  # RdBu_r: blue below 0, white at 0, red above
    assert diverging[0, 2] > diverging[0, 0] and diverging[-1, 0] > diverging[-1, 2] and diverging[128].min() > 230
    values = np.array([[-1.0, 0.0, 1.0, np.nan]])
    out = raster.coloured(values, -1, 1, "diverging")
    assert (out[0, 3] == 255).all()  # NaN (the gaps between frames) is white
    white = np.full((1, 3, 3), 255.0)
    laid = raster.blended(white, np.array([[0.0, 0.5, 1.0]]), 1.0)
    assert tuple(laid[0, 0]) == (255, 255, 255)  # no attention: untouched
    np.testing.assert_allclose(laid[0, 2], [255 * 0.3 + c * 0.7 for c in raster.ORANGE], atol=1)  # the max: 70 % orange


@pytest.mark.parametrize("limit", [0.012, 0.04, 0.4, 0.45, 0.7, 0.99, 1.0, 3.3, 37.0])
def test_a_colour_bar_shows_values_on_both_sides_of_zero(limit: float) -> None:
    """A ±max bar (Integrated Gradients) whose ends fall short of a round step still has a scale."""
    ticks = raster.colour_bar_ticks(-limit, limit)
    assert len(ticks) >= 3 and min(ticks) < 0 < max(ticks) and 0 in ticks
    assert all(-limit - 1e-9 <= t <= limit + 1e-9 for t in ticks) and len(ticks) <= 9
    attention = raster.colour_bar_ticks(0.0, limit)  # an attention bar, 0..max
    assert len(attention) >= 3 and attention[0] == 0


def test_tick_values_are_round_and_inside_the_axis() -> None:
    for low, high in [(0, 1), (-0.37, 0.37), (-2.6, 0.2), (0, 0.0312), (0, 60)]:
        ticks = raster.tick_values(low, high)
        assert 2 <= len(ticks) <= 6 and all(low - 1e-9 <= t <= high + 1e-9 for t in ticks)
        steps = np.diff(ticks)
        assert np.allclose(steps, steps[0])
        mantissa = steps[0] / 10 ** np.floor(np.log10(steps[0]))
        assert min(abs(mantissa - m) for m in (1, 2, 5, 10)) < 1e-6
        if low < 0 < high:
            assert any(abs(t) < 1e-12 for t in ticks)
    assert raster.number(-0.0) == "0" and raster.number(0.0312) == "0.0312"


def changed_box(a: np.ndarray, b: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero((a != b).any(axis=2))
    return xs.min(), ys.min(), xs.max() + 1, ys.max() + 1


def test_an_attention_overlay_lights_the_attended_cell() -> None:
    plain = pixels(raster.image_figure(IMAGE))
    ys, xs = np.nonzero((plain < 250).any(axis=2))  # the image: the only thing drawn without an overlay
    x0, y0, side = xs.min(), ys.min(), xs.max() + 1 - xs.min()
    weights = np.zeros((8, 8))
    weights[5, 2] = 1.0  # one-hot: all attention on row 5, column 2
    overlaid = pixels(raster.image_figure(IMAGE, weights))
    left, top, right, bottom = changed_box(plain[y0:y0 + side, x0:x0 + side], overlaid[y0:y0 + side, x0:x0 + side])
    cell = side / 8
    assert (round(top / cell), round(left / cell)) == (5, 2) and round((right - left) / cell) == 1 == round((bottom - top) / cell)


def test_the_frame_weight_line_peaks_over_the_attended_frame() -> None:
    weights = np.full(60, 0.001)
    weights[42] = 0.05
    picture = pixels(raster.spectrogram_figure(LOGMEL, weights))
    orange = (np.abs(picture - np.array(raster.ORANGE)).sum(axis=2) < 40)
    ys, xs = np.nonzero(orange)
    rows = picture[20: picture.shape[0] - 60]
    drawn_x = np.nonzero(((rows != 255).any(axis=2)).mean(axis=0) > 0.9)[0]  # the spectrogram's columns (text is thin)
    x0, x1 = drawn_x.min(), drawn_x.max() + 1
    peak_x = xs[ys == ys.min()].mean()
    assert abs((peak_x - x0) / ((x1 - x0) / 60) - 42.5) < 1.5


def test_bar_charts_use_the_colours_of_their_meaning() -> None:
    def has(picture, colour: str) -> bool:
        rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
        return bool((np.abs(pixels(picture) - rgb).sum(axis=2) == 0).any())

    probabilities = raster.probabilities_figure([0.1, 0.7, 0.2], 1, ["a", "b", "c"])
    assert has(probabilities, charts.PREDICTED) and has(probabilities, charts.OTHER) and not has(probabilities, charts.TRUE)
    assert has(raster.probabilities_figure([0.1, 0.7, 0.2], 1, ["a", "b", "c"], label=2), charts.TRUE)
    rising = dict(RESULT, shapley={"audio": 0.2, "image": 0.3, "text": 0.1})
    assert has(raster.shapley_waterfall(rising, "7"), charts.UP) and not has(raster.shapley_waterfall(rising, "7"), charts.DOWN)
    assert has(raster.shapley_waterfall(RESULT, "7"), charts.DOWN)  # text's value is negative


def test_text_outside_the_bundled_font_is_spelled_or_replaced() -> None:
    assert raster.plain("max 3.4× uniform — ΔP → “x”") == 'max 3.4x uniform - dP -> "x"'
    assert raster.plain("数字 7") == "?? 7"
    assert raster.token_figure(["数字", "seven"]).png  # drawn, not an error


def test_the_png_writer_is_lossless_and_standard() -> None:
    noise = RNG.integers(0, 256, (37, 53, 3), dtype=np.uint8)  # odd sizes, every byte value
    chart = raster.Chart()
    chart.paste(raster.coloured(LOGMEL, -1, 1, "viridis"), chart.box)
    chart.text(10, 10, "a chart's text")
    for rgb in (noise, np.asarray(chart.image)):
        decoded = Image.open(io.BytesIO(raster.png(rgb)))
        decoded.load()  # Pillow checks each chunk's CRC and the stream's length
        assert decoded.mode == "RGB" and decoded.size == (rgb.shape[1], rgb.shape[0])
        assert np.array_equal(np.asarray(decoded), rgb)
