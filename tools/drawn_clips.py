"""Clips made elsewhere: a digit drawn with PIL's font (not the built-in images) moving across a
canvas, written with PyAV as MP4 (H.264), WebM (VP8 / VP9), MOV or animated GIF at sizes, frame
rates and lengths other than the built-in clips' (8 frames of 16x16) — what a new user would
upload. The tests make their video files with these functions.

    python -m tools.drawn_clips [--json]

scores the shipped motion models on such clips: for each clip (10 digits x 4 directions x the
settings in ``SETTINGS``), the caption with the true direction and the one with the opposite
direction ("a seven moving up" / "a seven moving down"), and prints per model how often the true
direction gets the higher P(yes) (``direction``) and how often both captions are judged right
(``accuracy``: P(yes) > 0.5 for the true one, < 0.5 for the other).
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
from collections.abc import Sequence

import numpy as np

# (container, codec, pixel format): every format the video modality reads
FORMATS = {
    "mp4-h264": ("mp4", "libx264", "yuv420p"),
    "webm-vp8": ("webm", "libvpx", "yuv420p"),
    "webm-vp9": ("webm", "libvpx-vp9", "yuv420p"),
    "mov": ("mov", "libx264", "yuv420p"),
    "gif": ("gif", "gif", "gray"),
}
DIRECTIONS = ("left", "right", "up", "down")
OPPOSITE = {"left": "right", "right": "left", "up": "down", "down": "up"}
# (format, canvas side in pixels, frames, frames per second): none is the built-in 8 x 16x16
SETTINGS = (("mp4-h264", 64, 16, 10), ("webm-vp8", 48, 12, 8), ("mov", 96, 24, 24), ("gif", 32, 10, 5),
            ("webm-vp9", 80, 30, 30))


def encode(frames: Sequence[np.ndarray], container: str, codec: str, pixel_format: str = "yuv420p", rate: int = 10,
           size: tuple[int, int] | None = None) -> bytes:
    """RGB uint8 frames ``[H, W, 3]`` -> the bytes of a video file (one stream at ``rate`` fps);
    ``size`` (width, height) is needed only for a file with no frames."""
    import av

    width, height = size or (frames[0].shape[1], frames[0].shape[0])
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, pixel_format
        out.start_encoding()
        for frame in frames:
            video_frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
            for packet in stream.encode(video_frame if pixel_format != "gray" else video_frame.reformat(format="gray")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buffer.getvalue()


def glyph(digit: int, side: int) -> np.ndarray:
    """The digit drawn with PIL's own font (thick strokes), fitted into a ``side`` x ``side`` box, in [0, 1]."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=4 * side)
    picture = Image.new("L", (6 * side, 6 * side))
    ImageDraw.Draw(picture).text((side, side), str(digit), fill=255, font=font, stroke_width=max(1, side // 3),
                                 stroke_fill=255)
    picture = picture.crop(picture.getbbox())
    scale = side / max(picture.size)
    picture = picture.resize((max(1, round(picture.width * scale)), max(1, round(picture.height * scale))),
                             Image.Resampling.LANCZOS)
    box = np.zeros((side, side), np.float32)
    top, left = (side - picture.height) // 2, (side - picture.width) // 2
    box[top:top + picture.height, left:left + picture.width] = np.asarray(picture, np.float32) / 255.0
    return box


def digit_clip(digit: int, direction: str, size: int = 64, frames: int = 16, noise: float = 0.0, seed: int = 0,
               light: bool = False) -> list[np.ndarray]:
    """RGB frames of ``digit`` (half the canvas tall) crossing a ``size`` x ``size`` canvas in
    ``direction`` over ``frames`` frames, centred on the other axis; ``light``: dark on white."""
    side = size // 2
    shape = glyph(digit, side)
    rng = np.random.default_rng(seed)
    out = []
    for t in range(frames):
        step = round(t * (size - side) / max(1, frames - 1))
        along = {"left": size - side - step, "right": step, "up": size - side - step, "down": step}[direction]
        top, left = (size // 4, along) if direction in ("left", "right") else (along, size // 4)
        canvas = np.zeros((size, size), np.float32)
        canvas[top:top + side, left:left + side] = shape
        if noise:
            canvas = np.clip(canvas + rng.normal(0.0, noise, canvas.shape), 0.0, 1.0)
        if light:
            canvas = 1.0 - canvas
        out.append(np.repeat((canvas * 255).round().astype(np.uint8)[..., None], 3, axis=2))
    return out


def drawn_clip(digit: int, direction: str, setting: tuple[str, int, int, int]) -> bytes:
    """One clip's file for a ``SETTINGS`` entry (format, side, frames, fps)."""
    name, size, frames, rate = setting
    container, codec, pixel_format = FORMATS[name]
    return encode(digit_clip(digit, direction, size, frames), container, codec, pixel_format, rate)


def caption_pair(digit: int, direction: str) -> tuple[str, str]:
    """The caption with the clip's direction and with the opposite one (same digit, same phrasing)."""
    from fusion.data.motion import caption

    return (caption(digit, DIRECTIONS.index(direction), 0), caption(digit, DIRECTIONS.index(OPPOSITE[direction]), 0))


def yes_probabilities(models: dict, clip: np.ndarray, captions: Sequence[str]) -> dict[str, list[float]]:
    """P(yes) of each model for the decoded ``clip`` with each caption (one batch per model)."""
    import torch

    from fusion.models.inputs import sample_values_inputs

    out = {}
    for name, model in models.items():
        inputs, present = sample_values_inputs(model.config, [{"video": clip, "text": c} for c in captions])
        with torch.no_grad():
            out[name] = torch.softmax(model(inputs, present).logits, -1)[:, 1].tolist()
    return out


def measure(models: dict, settings: Sequence[tuple[str, int, int, int]] = SETTINGS, digits: Sequence[int] = range(10)) -> dict:
    """Per model: the share of clips whose true-direction caption gets the higher P(yes)
    (``direction``), and of captions judged right (``accuracy``), over ``n`` clips."""
    from fusion.video_io import decode_video

    flips = {name: [] for name in models}
    right = {name: [] for name in models}
    for setting, digit, direction in itertools.product(settings, digits, DIRECTIONS):
        clip, _ = decode_video(drawn_clip(digit, direction, setting))
        for name, (true, opposite) in yes_probabilities(models, clip, caption_pair(digit, direction)).items():
            flips[name].append(true > opposite)
            right[name] += [true > 0.5, opposite < 0.5]
    return {name: {"direction": float(np.mean(flips[name])), "accuracy": float(np.mean(right[name])),
                   "n": len(flips[name])} for name in models}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    import torch

    from fusion.models.checkpoints import load_models

    torch.set_num_threads(1)
    models = load_models("motion", ["early", "late", "hybrid"])
    result = measure(models)
    if args.json:
        print(json.dumps(result))
    else:
        for name, row in result.items():
            print(f"{name:>7}: direction right {row['direction']:.3f}, captions right {row['accuracy']:.3f} ({row['n']} clips)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
