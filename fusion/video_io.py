"""Bounded video decoding (PyAV, which ships FFmpeg): MP4 / MOV (H.264, MPEG-4), WebM / MKV (VP8, VP9)
and animated GIF -> ``[VIDEO_FRAMES, VIDEO_SIZE, VIDEO_SIZE]`` grey frames in [0, 1].

Any frame rate, size and length is resampled to ``VIDEO_FRAMES`` frames spread evenly over the clip.
Limits are checked before decoding where the container states them (bytes, frame size, frame
count, duration) and again while decoding (a container may lie), so a "bomb" stops early. Every
failure is an ``InputError`` whose message says what to do.
"""

from __future__ import annotations

import io
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from fusion.errors import InputError

VIDEO_FRAMES = 8  # frames the models read
VIDEO_SIZE = 16  # each frame is VIDEO_SIZE x VIDEO_SIZE grey
MAX_VIDEO_BYTES = 50 * 1024 * 1024
MAX_VIDEO_FRAMES = 20_000  # decoded frames (e.g. 11 minutes at 30 fps)
MAX_VIDEO_PIXELS = 4096 * 2304  # per frame (4K)
MAX_VIDEO_SECONDS = 600.0
# FFmpeg demuxer names we accept (an image, audio or text file is refused even if FFmpeg reads it).
VIDEO_CONTAINERS = {"mov", "mp4", "m4a", "3gp", "3g2", "mj2", "matroska", "webm", "gif"}
VIDEO_TYPES = ("mp4", "m4v", "mov", "webm", "mkv", "gif")
ENCODER_FRAMES = 16  # RGB frames decoded for a frozen video encoder (each resamples them to its own count)
ENCODER_SIDE = 256  # their longer side, at most


def _read(data: Any) -> bytes:
    """Bytes or a path -> bytes (at most MAX_VIDEO_BYTES, checked before reading a file)."""
    if isinstance(data, (str, os.PathLike)):
        path = Path(data)
        if not path.is_file():
            raise InputError(f"video: no file at {path}.")
        if path.stat().st_size > MAX_VIDEO_BYTES:
            raise InputError(f"video: the file is {path.stat().st_size / 2**20:.0f} MB, more than the "
                             f"{MAX_VIDEO_BYTES / 2**20:.0f} MB limit; cut or re-encode it smaller.")
        data = path.read_bytes()
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InputError(f"video: expected a file's bytes or its path, got {type(data).__name__}.")
    raw = bytes(data)
    if not raw:
        raise InputError("video: the file is empty; choose an MP4, WebM, MOV or GIF clip.")
    if len(raw) > MAX_VIDEO_BYTES:
        raise InputError(f"video: the file is {len(raw) / 2**20:.0f} MB, more than the "
                         f"{MAX_VIDEO_BYTES / 2**20:.0f} MB limit; cut or re-encode it smaller.")
    return raw


def _check_size(width: int, height: int) -> None:
    if width * height > MAX_VIDEO_PIXELS:
        raise InputError(f"video: frames of {width}x{height} pixels are more than the "
                         f"{MAX_VIDEO_PIXELS / 1e6:.1f} megapixel limit; scale the clip down.")


def _check_header(container, stream) -> None:
    """Limits the container states, checked before any frame is decoded."""
    _check_size(stream.codec_context.width or 0, stream.codec_context.height or 0)
    if stream.frames and stream.frames > MAX_VIDEO_FRAMES:
        raise InputError(f"video: {stream.frames} frames are more than the {MAX_VIDEO_FRAMES} limit; cut the clip.")
    seconds = None
    if stream.duration is not None and stream.time_base is not None:
        seconds = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        seconds = container.duration / 1e6
    if seconds is not None and seconds > MAX_VIDEO_SECONDS:
        raise InputError(f"video: the clip lasts {seconds / 60:.0f} minutes, more than the "
                         f"{MAX_VIDEO_SECONDS / 60:.0f} minute limit; cut it.")


def _small_grey(frame) -> np.ndarray:
    """One decoded frame -> ``[VIDEO_SIZE, VIDEO_SIZE]`` float grey in [0, 1] (area average)."""
    small = frame.reformat(width=VIDEO_SIZE, height=VIDEO_SIZE, format="gray", interpolation="AREA")
    return small.to_ndarray().astype(np.float32)[:, :VIDEO_SIZE] / 255.0


def even_indices(count: int, wanted: int = VIDEO_FRAMES) -> np.ndarray:
    """``wanted`` frame indices spread evenly over ``count`` frames (each at its slot's centre)."""
    return np.minimum(((np.arange(wanted) + 0.5) * count / wanted).astype(np.int64), count - 1)


def _frames(data: Any, convert, keep: int | None = None) -> tuple[list[np.ndarray], int]:
    """Decode an upload's first video stream, bounded, converting each frame with ``convert``;
    returns (the converted frames, how many decoded). With ``keep``, only every ``stride``-th frame
    is kept, the stride doubling whenever more than ``4 * keep`` are held (memory stays bounded
    whatever the length; the kept frames stay evenly spaced)."""
    import av

    raw = _read(data)
    try:
        container = av.open(io.BytesIO(raw), mode="r")
    except (av.FFmpegError, ValueError, OSError):
        raise InputError("video: this is not a video FFmpeg can read (or the file is truncated); "
                         "choose an MP4, WebM, MOV or GIF clip.") from None
    frames: list[np.ndarray] = []
    count, stride = 0, 1
    with container:
        kinds = set(container.format.name.split(","))
        if not kinds & VIDEO_CONTAINERS:
            raise InputError(f"video: a {container.format.long_name or container.format.name} file is not a "
                             "video; choose an MP4, WebM, MOV or GIF clip.")
        if not container.streams.video:
            raise InputError("video: the file holds no frames (no video stream: empty, or audio only); "
                             "choose a clip with pictures.")
        stream = container.streams.video[0]
        _check_header(container, stream)
        declared = stream.frames or 0
        try:
            for frame in container.decode(stream):
                if count >= MAX_VIDEO_FRAMES:
                    raise InputError(f"video: more than {MAX_VIDEO_FRAMES} frames; cut the clip.")
                _check_size(frame.width, frame.height)
                if count % stride == 0:
                    frames.append(convert(frame))
                count += 1
                if keep and len(frames) > 4 * keep:
                    frames, stride = frames[::2], stride * 2
        except av.FFmpegError:
            raise InputError("video: the file is damaged or truncated (decoding failed part-way); "
                             "export the clip again.") from None
    if not frames:
        raise InputError("video: the file holds no frames (empty or truncated); export the clip again.")
    if declared and count < 0.9 * declared:
        raise InputError(f"video: the container announces {declared} frames but only {count} decode, so the "
                         "file is truncated; export the clip again.")
    return frames, count


def decode_video(data: Any) -> tuple[np.ndarray, tuple[str, ...]]:
    """An upload (bytes or a path) -> (float32 ``[8, 16, 16]`` grey frames in [0, 1], warnings).

    Light backgrounds are inverted so that the clip looks like the built-in clips (a light shape on
    black); the warnings say so.
    """
    frames, count = _frames(data, _small_grey)
    warnings: list[str] = []
    clip = np.stack(frames)[even_indices(len(frames))]
    if count < VIDEO_FRAMES:
        warnings.append(f"the clip has {count} frame(s); frames are repeated to make {VIDEO_FRAMES}.")
    if float(np.median(clip)) > 0.5:
        clip = 1.0 - clip
        warnings.append("the background is light, so the clip was inverted (models expect light shapes on black).")
    if not math.isfinite(float(clip.sum())):
        raise InputError("video: the decoded frames are not finite numbers; export the clip again.")
    return np.clip(clip, 0.0, 1.0).astype(np.float32), tuple(warnings)


def decode_video_rgb(data: Any, frames: int = ENCODER_FRAMES, side: int = ENCODER_SIDE) -> np.ndarray:
    """An upload -> uint8 ``[frames, H, W, 3]`` RGB frames spread evenly over the clip, each scaled
    so that its longer side is at most ``side`` (what frozen video encoders read)."""

    def rgb(frame) -> np.ndarray:
        scale = min(1.0, side / max(frame.width, frame.height))
        width, height = max(1, round(frame.width * scale)), max(1, round(frame.height * scale))
        return frame.reformat(width=width, height=height, format="rgb24", interpolation="AREA").to_ndarray()[:, :width]

    kept, _ = _frames(data, rgb, keep=frames)
    return np.stack([kept[i] for i in even_indices(len(kept), frames)])


def clip_bytes(frames: np.ndarray, fps: int = 4, scale: int = 8) -> bytes:
    """Grey frames ``[T, H, W]`` in [0, 1] -> a small WebM (VP8) that a browser plays, each pixel
    drawn as a ``scale`` x ``scale`` block (what the models see, for ``st.video``)."""
    import av

    array = np.clip(np.asarray(frames, dtype=np.float32), 0.0, 1.0)
    if array.ndim != 3 or not array.shape[0]:
        raise ValueError(f"clip_bytes needs [frames, height, width] values, got shape {array.shape}")
    big = np.kron((array * 255).round().astype(np.uint8), np.ones((1, scale, scale), np.uint8))
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="webm") as out:
        stream = out.add_stream("libvpx", rate=fps)
        stream.width, stream.height, stream.pix_fmt = big.shape[2], big.shape[1], "yuv420p"
        stream.options = {"crf": "10", "b:v": "1M"}
        for frame in big:
            picture = av.VideoFrame.from_ndarray(np.repeat(frame[..., None], 3, axis=2), format="rgb24")
            for packet in stream.encode(picture):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buffer.getvalue()


def is_gif(raw: bytes) -> bool:
    """Whether the bytes are a GIF (browsers animate it as a picture, not in a video player)."""
    return bytes(raw[:6]) in (b"GIF87a", b"GIF89a")
