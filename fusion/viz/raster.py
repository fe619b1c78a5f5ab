"""Explore's charts drawn on the server as PNG pictures (Pillow), for speed.

Why: a browser draws each Plotly chart in about 70 ms on a 2-core machine, and side by side
Explore shows some eighteen, so every click took over a second to appear. A picture costs the
browser almost nothing, and drawing one here takes a few milliseconds. The Plotly builders
(``fusion.viz.explore``, ``fusion.viz.video``) stay for the page's "interactive charts" switch
(hover, zoom, export); each function here has the same name and arguments as its Plotly twin, and
both read their scales and titles from ``fusion.viz.scales``, so the two kinds of chart state the
same numbers. Nothing here imports Plotly (nor pandas with it).

A ``Picture`` carries its title as text (the page prints it above the picture, where a reader and a
test can read it); the picture holds the axes, the tick values and the colour bar with its unit.
"""

from __future__ import annotations

import base64
import struct
import threading
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from fusion.viz import scales
from fusion.viz.scales import (ATTENTION_BAR, ATTRIBUTION_BAR, DOWN, HEIGHT, OTHER, PREDICTED, TOTAL, TRUE, UP,
                               attention_scale, attention_title, gradient_title, shapley_title,
                               symmetric_limit, waterfall_parts)

SCALE = 1.25  # pixels per layout pixel: pictures are drawn larger and shown shrunk, so text stays crisp
WIDTH = 420  # layout pixels (a side-by-side column is about as wide; a picture is shown at its column's width)
ORANGE = (255, 80, 0)
ATTENTION_ALPHA = 0.7  # the overlay's opacity at the map's largest weight (as the Plotly colour scale)
GRID = (225, 225, 225)
INK = (60, 60, 60)


@dataclass(frozen=True)
class Picture:
    """A chart as a PNG: ``title`` is shown above it as text, ``note`` (if any) under it."""

    title: str
    png: bytes
    width: int  # layout pixels
    height: int
    note: str = ""

    def data_uri(self) -> str:
        """The PNG inline (``data:`` URI): the page carries it, so the browser needs no request per picture."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


# ------------------------------------------------------------------------------ colours
# the Plotly charts' colour scales as RGB stops: gray, Viridis and RdBu reversed (DIVERGING = "RdBu_r")
STOPS = {
    "gray": [(0, 0, 0), (255, 255, 255)],
    "viridis": [(0x44, 0x01, 0x54), (0x48, 0x28, 0x78), (0x3E, 0x49, 0x89), (0x31, 0x68, 0x8E), (0x26, 0x82, 0x8E),
                (0x1F, 0x9E, 0x89), (0x35, 0xB7, 0x79), (0x6E, 0xCE, 0x58), (0xB5, 0xDE, 0x2B), (0xFD, 0xE7, 0x25)],
    "diverging": [(5, 48, 97), (33, 102, 172), (67, 147, 195), (146, 197, 222), (209, 229, 240), (247, 247, 247),
                  (253, 219, 199), (244, 165, 130), (214, 96, 77), (178, 24, 43), (103, 0, 31)],
}


@lru_cache(maxsize=None)
def lut(name: str) -> np.ndarray:
    """A 256-entry colour table [256, 3] uint8 from a named scale (gray, viridis, diverging)."""
    stops = np.asarray(STOPS[name], dtype=float)
    at, x = np.linspace(0, 1, len(stops)), np.linspace(0, 1, 256)
    return np.stack([np.interp(x, at, stops[:, c]) for c in range(3)], axis=1).round().astype(np.uint8)


def coloured(values: np.ndarray, low: float, high: float, name: str) -> np.ndarray:
    """``values`` [..] -> RGB [.., 3] on the scale ``low..high`` (clipped); NaN is white."""
    array = np.asarray(values, dtype=float)
    span = (high - low) or 1.0
    index = np.clip(np.nan_to_num((array - low) / span, nan=0.0), 0, 1) * 255
    out = lut(name)[index.round().astype(int)]
    out[np.isnan(array)] = 255
    return out


def blended(base: np.ndarray, weights: np.ndarray, high: float, colour: tuple[int, int, int] = ORANGE) -> np.ndarray:
    """``colour`` laid over ``base`` RGB with opacity ``ATTENTION_ALPHA * weight / high`` (0 weight: untouched)."""
    alpha = np.clip(np.nan_to_num(np.asarray(weights, dtype=float) / (high or 1.0)), 0, 1)[..., None] * ATTENTION_ALPHA
    return (base * (1 - alpha) + np.asarray(colour) * alpha).round().astype(np.uint8)


def over(base: np.ndarray, top: np.ndarray, opacity: float) -> np.ndarray:
    return (base * (1 - opacity) + top * opacity).round().astype(np.uint8)


# -------------------------------------------------------------------------------- text
_ASCII = str.maketrans({"×": "x", "—": "-", "–": "-", "−": "-", "→": "->", "Δ": "d", "“": '"', "”": '"', "·": "-", "…": "..."})


@lru_cache(maxsize=None)
def font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's bundled font (no system fonts needed); it has Latin letters only, see ``plain``."""
    return ImageFont.load_default(size=round(size * SCALE))


def plain(text: str) -> str:
    """Text the bundled font can draw: a few symbols spelled in ASCII, anything else outside Latin-1 as '?'."""
    text = str(text)
    if text.isascii():
        return text
    return "".join(c if ord(c) < 256 else "?" for c in text.translate(_ASCII))


_FONT_LOCK = threading.Lock()  # the cached fonts are shared by every session's thread; FreeType faces are not thread-safe


@lru_cache(maxsize=2048)
def _label(text: str, size: int, anchor: str) -> tuple[Image.Image, tuple[int, int]]:
    """(mask, offset from the anchor point) of ``text``: tick values, class names and axis titles
    repeat from chart to chart, so each is rendered once."""
    face = font(size)
    with _FONT_LOCK:
        left, top, right, bottom = face.getbbox(text, anchor=anchor)
        mask = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
        ImageDraw.Draw(mask).text((-left, -top), text, font=face, anchor=anchor, fill=255)
    return mask, (left, top)


@lru_cache(maxsize=256)
def _turned(label: str, size: int) -> Image.Image:
    """``label`` drawn and turned a quarter turn (axis titles repeat: each is drawn once)."""
    face = font(size)
    with _FONT_LOCK:
        left, top, right, bottom = face.getbbox(label)
        strip = Image.new("RGBA", (right - left + 2, bottom - top + 2), (255, 255, 255, 0))
        ImageDraw.Draw(strip).text((1 - left, 1 - top), label, font=face, fill=INK)
    return strip.rotate(90, expand=True)


def tick_values(low: float, high: float, count: int = 4) -> list[float]:
    """About ``count`` round values from ``low`` to ``high`` (1, 2 or 5 times a power of ten apart)."""
    if not np.isfinite([low, high]).all() or high <= low:
        return [low]
    raw = (high - low) / max(1, count)
    power = 10 ** np.floor(np.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    start = np.ceil(low / step - 1e-9) * step
    return [float(v) for v in np.arange(start, high + step * 1e-6, step)]


def colour_bar_ticks(low: float, high: float) -> list[float]:
    """Round values for a colour bar, at least three where the range allows: a ±max bar whose ends
    fall just short of a round step (±0.4 with steps of 0.5) would otherwise show only its 0."""
    ticks = [low]
    for count in (3, 4, 5, 6, 8):
        ticks = tick_values(low, high, count)
        if len(ticks) >= 3:
            break
    return ticks


def number(value: float) -> str:
    """A tick's value in three significant digits (0, not -0)."""
    return f"{value:.3g}" if abs(value) > 1e-12 else "0"


# ------------------------------------------------------------------------------- the chart
class Chart:
    """A white canvas of ``width`` x ``height`` layout pixels with a plot box inside the margins."""

    def __init__(self, height: int = HEIGHT, width: int = WIDTH, left: int = 54, right: int = 12, top: int = 8,
                 bottom: int = 34):
        self.width, self.height = width, height
        self.image = Image.new("RGB", (round(width * SCALE), round(height * SCALE)), "white")
        self.draw = ImageDraw.Draw(self.image)
        self.box = (left, top, width - right, height - bottom)  # x0, y0, x1, y1 in layout pixels

    def px(self, *values: float) -> tuple[int, ...]:
        return tuple(round(v * SCALE) for v in values)

    def text(self, x: float, y: float, text: str, size: int = 11, anchor: str = "la", fill=INK) -> None:
        """``text`` at (x, y) by ``anchor`` (Pillow's: "la" left-ascender, "mm" middle, ...)."""
        mask, (left, top) = _label(plain(text), size, anchor)
        cx, cy = self.px(x, y)
        self.image.paste(fill, (cx + left, cy + top, cx + left + mask.width, cy + top + mask.height), mask)

    def vertical_text(self, x: float, y: float, text: str, size: int = 11) -> None:
        """Text turned a quarter turn (reads bottom to top), centred on (x, y)."""
        turned = _turned(plain(text), size)
        cx, cy = self.px(x, y)
        self.image.paste(turned, (cx - turned.width // 2, cy - turned.height // 2), turned)

    def paste(self, rgb: np.ndarray, box: tuple[float, float, float, float]) -> None:
        """An RGB array [h, w, 3] stretched onto ``box`` (layout pixels), each cell a sharp block."""
        x0, y0, x1, y1 = self.px(*box)
        picture = Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8)).resize((max(1, x1 - x0), max(1, y1 - y0)),
                                                                                   Image.Resampling.NEAREST)
        self.image.paste(picture, (x0, y0))

    def y_axis(self, low: float, high: float, title: str, box: tuple[float, float, float, float] | None = None,
               side: str = "left", grid: bool = True) -> None:
        """Ticks and a title on the plot box's ``side``, values ``low`` (bottom) to ``high`` (top)."""
        x0, y0, x1, y1 = box or self.box
        for value in tick_values(low, high):
            y = y1 - (value - low) / ((high - low) or 1.0) * (y1 - y0)
            if grid:
                self.draw.line(self.px(x0, y, x1, y), fill=GRID, width=1)
            if side == "left":
                self.text(x0 - 4, y, number(value), 12, "rm")
            else:
                self.text(x1 + 4, y, number(value), 12, "lm")
        self.vertical_text(x0 - 42 if side == "left" else x1 + 42, (y0 + y1) / 2, title, 12)

    def x_labels(self, centres: Sequence[float], labels: Sequence[str], y: float | None = None, size: int = 12) -> None:
        y = self.box[3] + 4 if y is None else y
        for x, label in zip(centres, labels):
            self.text(x, y, label, size, "ma")

    def colour_bar(self, scale: str | None, low: float, high: float, title: str, x: float | None = None) -> None:
        """A vertical colour bar right of the plot box with ``low..high`` ticks and its unit, on a
        named colour ``scale`` (None: the attention overlay, orange over white at its opacity)."""
        x0 = self.box[2] + 10 if x is None else x
        y0, y1 = self.box[1], self.box[3]
        ramp = np.linspace(high, low, 64)[:, None]
        rgb = blended(np.full((64, 1, 3), 255.0), ramp, high) if scale is None else coloured(ramp, low, high, scale)
        self.paste(rgb, (x0, y0, x0 + 9, y1))
        self.draw.rectangle(self.px(x0, y0, x0 + 9, y1), outline=GRID)
        for value in colour_bar_ticks(low, high):
            y = y1 - (value - low) / ((high - low) or 1.0) * (y1 - y0)
            self.text(x0 + 12, y, number(value), 11, "lm")
        self.vertical_text(x0 + 56, (y0 + y1) / 2, title, 11)

    def bars(self, labels: Sequence[str], bottoms: Sequence[float], tops: Sequence[float], colours: Sequence,
             low: float, high: float, texts: Sequence[str] = ()) -> list[float]:
        """Bars from ``bottoms`` to ``tops`` (data units, axis ``low..high``) over the plot box, a label
        under each and ``texts`` above (or below a falling bar); returns the bars' centres."""
        x0, y0, x1, y1 = self.box
        slot = (x1 - x0) / max(1, len(labels))
        to_y = lambda v: y1 - (min(max(v, low), high) - low) / ((high - low) or 1.0) * (y1 - y0)  # noqa: E731
        centres = []
        for i, (bottom, top, colour) in enumerate(zip(bottoms, tops, colours)):
            centre = x0 + slot * (i + 0.5)
            a, b = sorted((to_y(bottom), to_y(top)))
            self.draw.rectangle(self.px(centre - slot * 0.36, a, centre + slot * 0.36, max(b, a + 1)), fill=colour)
            if i < len(texts):
                self.text(centre, a - 2 if top >= bottom else b + 2, texts[i], 12, "md" if top >= bottom else "ma")
            centres.append(centre)
        size = 12 if max((len(label) for label in labels), default=0) * len(labels) < 50 else 10
        self.x_labels(centres, labels, size=size)
        return centres

    def picture(self, title: str, note: str = "") -> Picture:
        return Picture(title, png(np.asarray(self.image)), self.width, self.height, note)


def png(rgb: np.ndarray) -> bytes:
    """An [H, W, 3] uint8 picture as a PNG with unfiltered rows, deflated at level 1.

    Why not Pillow's encoder: it tries its adaptive row filters on every RGB picture, and that was
    most of the time a chart took. A digits model's column of five charts took 20-24 ms with
    Pillow's PNG and takes 10 ms with this, each PNG 2 % larger (10.6 kB on average)."""
    height, width, _ = rgb.shape
    rows = np.zeros((height, 1 + width * 3), dtype=np.uint8)  # each row starts with filter type 0 (none)
    rows[:, 1:] = rgb.reshape(height, -1)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, deflate, no interlace
    return b"".join((b"\x89PNG\r\n\x1a\n", chunk(b"IHDR", header), chunk(b"IDAT", zlib.compress(rows, 1)), chunk(b"IEND", b"")))


def _square(chart: Chart) -> tuple[float, float, float, float]:
    """The largest square in the chart's plot box, at its left."""
    x0, y0, x1, y1 = chart.box
    side = min(x1 - x0, y1 - y0)
    return x0, y0, x0 + side, y0 + side


# ---------------------------------------------------------------------------------- inputs
def image_figure(image: Sequence | np.ndarray, overlay: Sequence | np.ndarray | None = None, title: str = "image (8×8)") -> Picture:
    """The 8x8 image in gray; ``overlay`` (attention [8, 8]) in translucent orange on 0..max with its colour bar."""
    chart = Chart(left=10, right=160, top=6, bottom=6)
    rgb = coloured(np.asarray(image, dtype=float), 0, 1, "gray")
    if overlay is not None:
        weights = np.asarray(overlay, dtype=float)
        low, high = attention_scale(weights)
        rgb = blended(rgb, weights, high)
        title = attention_title(title, weights)
    box = _square(chart)
    chart.paste(rgb, box)
    if overlay is not None:
        chart.colour_bar(None, low, high, ATTENTION_BAR, x=box[2] + 12)
    return chart.picture(title)


def spectrogram_figure(logmel: Sequence | np.ndarray, frame_weights: Sequence[float] | None = None,
                       title: str = "log-mel spectrogram") -> Picture:
    """The log-mel spectrogram [32 mel bins, frames] (low bins at the bottom); ``frame_weights`` as
    an orange line on its own axis (right), 0 to the largest weight."""
    z = np.asarray(logmel, dtype=float)
    chart = Chart(right=72 if frame_weights is not None else 12, bottom=40)
    chart.paste(coloured(z[::-1], -1, 1, "viridis"), chart.box)
    x0, y0, x1, y1 = chart.box
    frames = z.shape[1]
    chart.y_axis(0, z.shape[0], "mel bin", grid=False)
    ticks = tick_values(0, frames)
    chart.x_labels([x0 + (t + 0.5) / frames * (x1 - x0) for t in ticks], [number(t) for t in ticks])
    chart.text((x0 + x1) / 2, y1 + 20, "frame (20 ms)", 12, "ma")
    if frame_weights is not None:
        weights = np.asarray(frame_weights, dtype=float)
        low, high = attention_scale(weights)
        top = high * 1.05
        points = [chart.px(x0 + (t + 0.5) / len(weights) * (x1 - x0), y1 - (w - low) / (top - low) * (y1 - y0))
                  for t, w in enumerate(weights)]
        chart.draw.line(points, fill=ORANGE, width=round(3 * SCALE), joint="curve")
        chart.y_axis(low, top, "attention weight", side="right", grid=False)
        title = attention_title(title, weights)
    return chart.picture(title)


def token_figure(words: Sequence[str], weights: Sequence[float] | None = None, title: str = "text tokens") -> Picture:
    """The words in a row of cells, shaded by ``weights`` (attention, 0..max, with a colour bar)."""
    chart = Chart(height=HEIGHT // 2, left=6, right=120 if weights is not None else 6, top=6, bottom=6)
    x0, y0, x1, y1 = chart.box
    count = max(1, len(words))
    cell = (x1 - x0) / count
    z = np.asarray(weights if weights is not None else [0.0] * len(words), dtype=float)
    low, high = attention_scale(z)
    for i, word in enumerate(words):
        fill = tuple(blended(np.full(3, 242.0), z[i], high)) if weights is not None else (242, 242, 242)
        chart.draw.rectangle(chart.px(x0 + i * cell + 1.5, y0, x0 + (i + 1) * cell - 1.5, y1), fill=fill)
        chart.text(x0 + (i + 0.5) * cell, (y0 + y1) / 2, word, 14 if len(word) * count < 40 else 11, "mm", fill=(30, 30, 30))
    if weights is not None:
        chart.colour_bar(None, low, high, "attention weight")
        title = attention_title(title, z)
    return chart.picture(title)


# ------------------------------------------------------------------------------ prediction
def probabilities_figure(probabilities: Sequence[float], predicted: int, names: Sequence[str], label: int | None = None,
                         title: str = "probabilities") -> Picture:
    """Bars per class, the predicted class highlighted; the true label (when known) marked with ▼ "true"."""
    chart = Chart(top=22)
    values = [float(p) for p in probabilities]
    chart.y_axis(0, 1, "probability")
    colours = [PREDICTED if i == predicted else OTHER for i in range(len(values))]
    centres = chart.bars(list(names), [0.0] * len(values), values, colours, 0, 1.0)
    if label is not None:
        x, (_, y0, _, y1) = centres[label], chart.box
        y = y1 - values[label] * (y1 - y0) - 6
        chart.draw.polygon([chart.px(x - 6, y - 10), chart.px(x + 6, y - 10), chart.px(x, y)], fill=TRUE)
        chart.text(x, y - 12, "true", 12, "md", fill=TRUE)
    return chart.picture(title)


def shapley_waterfall(result: Mapping[str, Any], class_name: str, scale: str = "probability") -> Picture:
    """Modality contributions to P(class) (or log P(class)): the no-modality value, each modality's
    Shapley value as a step, the value with all present (the steps add up exactly)."""
    labels, measures, values = waterfall_parts(result, scale)
    title, axis = shapley_title(class_name, scale)
    path = np.cumsum(values[:-1])
    bottoms = [0.0, *path[:-1], 0.0]
    tops = [values[0], *path[1:], values[-1]]
    if scale == "probability":
        low, high = min(0.0, *path) - 0.05, max(1.0, *path) + 0.15
    else:
        floor = min(*path, values[-1])
        low, high = floor * 1.15 - 0.1, max(0.0, *path) + 0.1 * (1 - floor)
        bottoms[0] = bottoms[-1] = 0.0
    colours = [TOTAL, *[UP if v >= 0 else DOWN for v in values[1:-1]], TOTAL]
    texts = [f"{values[0]:.2f}", *[f"{v:+.2f}" for v in values[1:-1]], f"{values[-1]:.2f}"]
    chart = Chart(top=16)
    chart.y_axis(low, high, axis)
    centres = chart.bars(labels, bottoms, tops, colours, low, high, texts)
    x0, y0, x1, y1 = chart.box
    to_y = lambda v: y1 - (v - low) / (high - low) * (y1 - y0)  # noqa: E731
    for a, b, level in zip(centres[:-1], centres[1:], path):  # the connectors
        chart.draw.line(chart.px(a, to_y(level), b, to_y(level)), fill=(136, 136, 136), width=1)
    return chart.picture(title)


# ----------------------------------------------------------------------- integrated gradients
def _baseline_note(baseline: str | None) -> str:
    return f"attribution measured from the baseline: {baseline}" if baseline else ""


def gradient_image_figure(attribution: Sequence | np.ndarray, share: float | None = None, baseline: str | None = None) -> Picture:
    """IG of the 8x8 pixels, red raises the class and blue lowers it, on ±max with a colour bar."""
    z = np.asarray(attribution, dtype=float)
    limit = symmetric_limit(z)
    chart = Chart(left=10, right=160, top=6, bottom=6)
    box = _square(chart)
    chart.paste(coloured(z, -limit, limit, "diverging"), box)
    chart.colour_bar("diverging", -limit, limit, ATTRIBUTION_BAR, x=box[2] + 12)
    return chart.picture(gradient_title("image", share), _baseline_note(baseline))


def gradient_spectrogram_figure(logmel: Sequence | np.ndarray, attribution: Sequence | np.ndarray, share: float | None = None,
                                baseline: str | None = None) -> Picture:
    """IG of the log-mel bins [32, frames] over the spectrogram (gray under, diverging at 0.75 opacity)."""
    z = np.asarray(attribution, dtype=float)
    limit = symmetric_limit(z)
    chart = Chart(right=84, bottom=40)
    under = coloured(np.asarray(logmel, dtype=float)[::-1], -1, 1, "gray")
    chart.paste(over(under, coloured(z[::-1], -limit, limit, "diverging"), 0.75), chart.box)
    x0, _, x1, y1 = chart.box
    chart.y_axis(0, z.shape[0], "mel bin", grid=False)
    ticks = tick_values(0, z.shape[1])
    chart.x_labels([x0 + (t + 0.5) / z.shape[1] * (x1 - x0) for t in ticks], [number(t) for t in ticks])
    chart.text((x0 + x1) / 2, y1 + 20, "frame (20 ms)", 12, "ma")
    chart.colour_bar("diverging", -limit, limit, "attribution (logit)")
    return chart.picture(gradient_title("audio", share), _baseline_note(baseline))


def _signed_bars(labels: Sequence[str], values: Sequence[float], axis: str, title: str, note: str = "") -> Picture:
    """One bar per label from 0, green up and red down, on a symmetric axis."""
    peak = max([abs(v) for v in values] + [1e-6]) * 1.3
    chart = Chart(top=16)
    chart.y_axis(-peak, peak, axis)
    chart.bars(labels, [0.0] * len(values), values, [UP if v >= 0 else DOWN for v in values], -peak, peak,
               [f"{v:+.2f}" for v in values])
    return chart.picture(title, note)


def gradient_words_figure(words: Sequence[str], attribution: Sequence[float], share: float | None = None,
                          baseline: str | None = None) -> Picture:
    """IG per word: green raises the class, red lowers it (axis in attribution units)."""
    return _signed_bars([f"{i + 1}. {w}" for i, w in enumerate(words)], [float(v) for v in attribution],
                        "attribution (logit)", gradient_title("text", share), _baseline_note(baseline))


# ----------------------------------------------------------------------------------- video
def _strip_chart(frames: np.ndarray, rgb: np.ndarray, labels: Sequence[str], axis: str) -> Chart:
    """A strip of frames (``rgb`` of ``scales.strip``'s shape) at its aspect, a label under each frame."""
    count, height, width = frames.shape
    chart = Chart(height=scales.STRIP_HEIGHT, left=6, right=6, top=6, bottom=40)
    x0, y0, x1, y1 = chart.box
    strip_width = rgb.shape[1]
    scale = min((x1 - x0) / strip_width, (y1 - y0) / rgb.shape[0])
    box = (x0, y1 - rgb.shape[0] * scale, x0 + strip_width * scale, y1)
    chart.paste(rgb, box)
    centres = [box[0] + (c + 0.5) * scale for c in scales.frame_centres(count, width)]
    chart.x_labels(centres, labels, size=11)
    chart.text((x0 + x1) / 2, y1 + 20, axis, 11, "ma")
    return chart


def frame_strip_figure(frames: Sequence | np.ndarray, title: str | None = None) -> Picture:
    array = np.asarray(frames, dtype=float)
    count, height, width = array.shape
    title = title or f"video: {count} frames of {height}×{width} px, grey 0 (black) to 1 (white), time →"
    rgb = coloured(scales.strip(array), 0, 1, "gray")
    return _strip_chart(array, rgb, [f"frame {t + 1}" for t in range(count)], "").picture(title)


def attention_strip_figure(frames: Sequence | np.ndarray, attention: Sequence | np.ndarray,
                           title: str = "attention on the frames") -> Picture:
    """Attention [T, H, W] in translucent orange over the frames, 0..max; each label a frame's share."""
    array, weights = np.asarray(frames, dtype=float), np.asarray(attention, dtype=float)
    _, high = attention_scale(weights)
    rgb = blended(coloured(scales.strip(array), 0, 1, "gray"), scales.strip(weights), high)
    labels = [f"{t + 1}: {s:.0%}" for t, s in enumerate(scales.frame_shares(weights))]
    axis = f"frame: share of the attention - colour 0..{high:.3g} ({scales.spread_text(weights)})"
    return _strip_chart(array, rgb, labels, axis).picture(title)


def gradient_strip_figure(frames: Sequence | np.ndarray, attribution: Sequence | np.ndarray, share: float | None = None,
                          baseline: str | None = None) -> Picture:
    """IG per pixel [T, H, W] over the frames, red up and blue down on ±max logit; each label a frame's sum."""
    array, values = np.asarray(frames, dtype=float), np.asarray(attribution, dtype=float)
    limit = symmetric_limit(values)
    under = coloured(scales.strip(array), 0, 1, "gray")
    rgb = over(under, coloured(scales.strip(values), -limit, limit, "diverging"), 0.75)
    labels = [f"{t + 1}: {s:+.2f}" for t, s in enumerate(values.sum(axis=(1, 2)))]
    axis = f"frame: summed IG (logit); colour: blue -{limit:.3g} to red +{limit:.3g} logit per pixel"
    return _strip_chart(array, rgb, labels, axis).picture(gradient_title("video", share), _baseline_note(baseline))


def temporal_shapley_figure(temporal: Mapping[str, Any], class_name: str) -> Picture:
    """Shapley values of groups of frames for P(class), one bar per segment (they add up to the
    difference stated under the chart)."""
    unit = temporal.get("unit", "frames")
    labels = [f"{unit} {a + 1}-{b}" if b - a > 1 else f"{unit[:-1]} {b}" for a, b in temporal["segments"]]
    note = (f"P = {temporal['value_empty']:.2f} with {temporal['baseline']} → {temporal['value_full']:.2f} with the clip")
    return _signed_bars(labels, [float(v) for v in temporal["values"]], f"dP({class_name})",
                        f"frames' contributions to P({class_name}) (Shapley)", note)
