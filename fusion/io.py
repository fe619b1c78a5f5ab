"""Bytes or path -> validated arrays, one per modality: the single path for uploads (app and CLI).

* :func:`decode_image` -> float32 ``[8, 8]`` in [0, 1], white strokes on black like the digits.
* :func:`decode_audio` -> :class:`AudioClip` (16 kHz mono float32, at most 1.2 s, peak 0.9).
* :func:`decode_text` -> :class:`TextInput` (stripped text, at most 1,000 characters).
* :func:`decode_image_rgb` / :func:`decode_audio_clip`: the same checks, for pretrained encoders
  (uint8 RGB at most 1024 px per side; 16 kHz mono, the first 10 s).

Anything that cannot be decoded raises :class:`fusion.errors.InputError` with one sentence saying
what is wrong and what to do; no Pillow, soundfile or numpy exception escapes.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
import struct
import tempfile
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fusion.formats import IMAGE_SIZE, MAX_AUDIO_BYTES, MAX_AUDIO_SAMPLES, MAX_IMAGE_BYTES, SAMPLE_RATE
from fusion.errors import FusionError, InputError

AUDIO_PEAK = 0.9  # the built-in clips are peak-normalised to this too (tools/build_avdigits.py)
TRIM_TOP_DB = 35

MAX_IMAGE_PIXELS = 40_000_000
RGB_MAX_SIDE = 1024  # decode_image_rgb downscales larger images to this side
WORK_SIDE = 512  # larger images are box-downscaled to this side before cropping
INK_THRESHOLD = 0.25  # fraction of the strongest ink that counts for the bounding box
MIN_INK = 0.02  # weaker contrast than this (on a 0..1 scale) is an empty image
CROP_MARGIN = 0.05  # margin around the ink box, as a fraction of its longer side

MAX_AUDIO_SECONDS = 600.0
MAX_CLIP_SECONDS = 10.0  # what decode_audio_clip keeps for pretrained encoders
MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 1000, 768000
MIN_AUDIO_SECONDS = 0.05
MAX_AUDIO_CHANNELS = 16
MAX_DECODED_SAMPLES = 64_000_000  # channels x frames: a 50 MB 8-bit WAV; checked before decoding
CHUNK_SAMPLES = 1 << 20  # decoded at a time (4 MB of float32)
SILENCE_PEAK = 1e-4
# A silent clip is analysed (the models hear silence), not refused; absent audio is a different input.
SILENT_CLIP = ("the clip is silent (no sample above 1e-4 of full scale), so the models hear silence; "
               "that is not the same as no audio, which removing the audio gives")

MAX_TEXT_CHARS = 1000
MAX_TEXT_INPUT_CHARS = 10_000
MAX_CONTROL_FRACTION = 0.10

Source = bytes | bytearray | memoryview | str | os.PathLike


@dataclass(frozen=True)
class AudioClip:
    """A decoded clip: ``waveform`` float32 mono at 16 kHz, at most 1.2 s, peak 0.9."""

    waveform: np.ndarray
    original_rate: int
    original_channels: int
    original_seconds: float
    warnings: tuple[str, ...] = ()

    @property
    def seconds(self) -> float:
        return len(self.waveform) / SAMPLE_RATE


@dataclass(frozen=True)
class TextInput:
    """Validated text (stripped, NFC, at most 1,000 characters) and what was changed."""

    text: str
    warnings: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.text


# ------------------------------------------------------------------------------------------ bytes

def _clean(message: str) -> str:
    """Drop object reprs (``<_io.BytesIO object at 0x...>``) and trailing dots from errors."""
    message = re.sub(r"Error opening\s*<[^<>]* at 0x[0-9a-fA-F]+>:\s*", "", message)
    return re.sub(r"\s*<[^<>]* at 0x[0-9a-fA-F]+>:?", "", message).strip().rstrip(".")


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def read_file(path: str | os.PathLike, what: str, max_bytes: int, error: type[FusionError] = InputError) -> bytes:
    """A regular file's bytes, at most ``max_bytes``; ``error`` (one line) for anything else.

    Refuses devices (``/dev/zero``), FIFOs, sockets and folders before reading (``os.stat``, then
    ``fstat`` of the descriptor opened with ``O_NONBLOCK``, so a FIFO never blocks), and reads at
    most ``max_bytes + 1`` bytes, so a file that grows after the check is refused too.
    """
    name = str(path)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise error(f"{name!r} is not a file (it is a folder, device or pipe); give the path of a {what} file.")
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(descriptor, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise error(f"{name!r} is not a file (it is a folder, device or pipe); give the path of a {what} file.")
            if info.st_size > max_bytes:
                raise error(f"the {what} file {name!r} is {info.st_size / 1024 / 1024:.1f} MB, more than the "
                            f"{_mb(max_bytes)} limit; use a smaller file.")
            raw = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise error(f"no such file: {name!r}; check the path.") from None
    except FusionError:
        raise
    except (OSError, ValueError) as problem:  # permissions, NUL in the path, name too long...
        raise error(f"could not open the {what} file {name!r} ({getattr(problem, 'strerror', None) or problem}); "
                    "check the path and its permissions.") from None
    if len(raw) > max_bytes:
        raise error(f"the {what} file {name!r} is more than the {_mb(max_bytes)} limit; use a smaller file.")
    return raw


# A JSON string (the closing quote optional, so an unterminated one ends the scan in linear time).
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\[\s\S][^"\\]*)*\\?"?')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def json_depth(text: str) -> int:
    """How deeply ``text``'s arrays and objects nest, without parsing (no recursion, linear time)."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text)).encode("ascii")
    if not brackets:
        return 0
    codes = np.frombuffer(brackets, dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1)
    return int(np.cumsum(steps).max())


def read_json(path: str | os.PathLike, what: str, max_bytes: int = 1024 * 1024, max_depth: int = 16,
              error: type[FusionError] = InputError) -> object:
    """A small JSON file: a regular file of at most ``max_bytes``, UTF-8, nested at most
    ``max_depth`` levels (checked on the text before parsing), else ``error`` in one line."""
    raw = read_file(path, what, max_bytes, error)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as problem:
        raise error(f"{str(path)!r} is not UTF-8 text (byte {problem.start}); re-save it as UTF-8 JSON.") from None
    depth = json_depth(text)
    if depth > max_depth:
        raise error(f"{str(path)!r} nests {depth:,} levels deep, more than the {max_depth} a {what} "
                    "can have; it is not a file this program wrote.")
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError, ValueError) as problem:
        raise error(f"{str(path)!r} is not valid JSON ({problem}); restore or re-create it.") from None


def _read_source(data, what: str, max_bytes: int) -> bytes:
    """bytes-like or a path -> bytes, refusing wrong types, missing files and oversize data."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        if len(raw) > max_bytes:
            raise InputError(f"the {what} is {len(raw) / 1024 / 1024:.1f} MB, more than the "
                             f"{_mb(max_bytes)} limit; upload a smaller file.")
    elif isinstance(data, (str, os.PathLike)):
        raw = read_file(data, what, max_bytes)
    else:
        raise InputError(f"a {what} must be given as bytes or a file path, not "
                         f"{type(data).__name__}.")
    if not raw:
        raise InputError(f"the {what} file is empty (0 bytes); upload a non-empty file.")
    return raw


# ------------------------------------------------------------------------------------------ image

def _image_too_large(width: int, height: int) -> InputError:
    return InputError(f"the image is {width}x{height} = {width * height / 1e6:.0f} megapixels, "
                      f"more than the {MAX_IMAGE_PIXELS / 1e6:.0f} megapixel limit; "
                      "resize it and try again.")


def _open_image(raw: bytes):
    """Decode the first frame, guarding against decompression bombs; returns a loaded PIL image."""
    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw))
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise _image_too_large(width, height)
            if width == 0 or height == 0:
                raise InputError("the image has zero width or height; upload a real picture.")
            image.load()
            try:
                image = ImageOps.exif_transpose(image)
            except Exception:  # a broken EXIF block is no reason to refuse the picture
                pass
    except InputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        # One limit in the message, ours: Pillow's own (~179 megapixels) only confuses.
        declared = re.search(r"\((\d+) pixels\)", str(error))
        size = f" ({int(declared.group(1)) / 1e6:.0f} megapixels)" if declared else ""
        raise InputError(f"the image is too large to decode safely{size}; the limit is "
                         f"{MAX_IMAGE_PIXELS / 1e6:.0f} megapixels, so resize it.") from None
    except Image.UnidentifiedImageError:
        raise InputError("could not read the image: the data is not in an image format Pillow "
                         "recognises; upload a PNG, JPEG, BMP, GIF or WebP file.") from None
    except Exception as error:  # truncated data, bad chunks, ...
        message = _clean(str(error)) or type(error).__name__
        raise InputError(f"could not read the image: {message}; upload a PNG, JPEG, BMP, GIF or "
                         "WebP file.") from None
    return image


def _grayscale(image) -> np.ndarray:
    """Any mode -> float32 [H, W] in [0, 1]; transparency is composited on white."""
    from PIL import Image

    mode = image.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        gray = np.asarray(image, dtype=np.float64)
        if mode.startswith("I;16"):
            gray = gray / 65535.0
        else:  # 32-bit int / float: no fixed range, so stretch what is there
            low, high = np.nanmin(gray), np.nanmax(gray)
            gray = (gray - low) / (high - low) if high > low else np.zeros_like(gray)
        return np.nan_to_num(gray, nan=0.0).astype(np.float32)
    has_alpha = "A" in image.getbands() or (mode == "P" and "transparency" in image.info)
    if has_alpha or mode in ("PA", "LA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return np.asarray(image.convert("L"), dtype=np.float32) / 255.0


def _resize(gray: np.ndarray, width: int, height: int) -> np.ndarray:
    from PIL import Image

    resized = Image.fromarray(np.ascontiguousarray(gray, dtype=np.float32), mode="F").resize(
        (width, height), Image.Resampling.BOX)
    return np.asarray(resized, dtype=np.float32)


def decode_image(data: Source) -> np.ndarray:
    """An image file (bytes or path) -> float32 ``[8, 8]`` in [0, 1] in the style of the digits.

    Transparency goes on white, colour to grey; a light background is inverted so strokes are bright
    on black; the ink's bounding box (plus a small margin) is padded to a square, box-filtered down
    to 8x8 and scaled so its maximum is 1.
    """
    raw = _read_source(data, "image", MAX_IMAGE_BYTES)
    image = _open_image(raw)
    try:
        gray = _grayscale(image)
    except Exception as error:
        raise InputError(f"could not read the image: unsupported pixel format {image.mode!r} "
                         f"({error}); save it as an RGB or greyscale PNG.") from None
    height, width = gray.shape
    if max(height, width) > WORK_SIDE:  # keep the rest cheap; box filtering keeps thin strokes
        scale = WORK_SIDE / max(height, width)
        gray = _resize(gray, max(1, round(width * scale)), max(1, round(height * scale)))
        height, width = gray.shape

    ring = max(1, round(0.02 * min(height, width)))
    border = np.concatenate([gray[:ring].ravel(), gray[-ring:].ravel(),
                             gray[:, :ring].ravel(), gray[:, -ring:].ravel()])
    background = float(np.median(border))
    if background > 0.5:  # dark ink on light paper, like a scan: make the strokes bright
        gray, background = 1.0 - gray, 1.0 - background
    ink = np.clip(gray - background, 0.0, None)
    strongest = float(ink.max())
    if strongest < MIN_INK:
        raise InputError("the image is empty (a single colour); upload a picture of a digit "
                         "drawn in a colour that contrasts with its background.")

    rows, cols = np.nonzero(ink >= INK_THRESHOLD * strongest)
    top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    side = max(bottom - top, right - left)
    margin = int(round(CROP_MARGIN * side))
    side += 2 * margin
    square = np.zeros((side, side), dtype=np.float32)
    crop = ink[top:bottom, left:right]
    y0, x0 = (side - crop.shape[0]) // 2, (side - crop.shape[1]) // 2
    square[y0:y0 + crop.shape[0], x0:x0 + crop.shape[1]] = crop

    small = _resize(square, IMAGE_SIZE, IMAGE_SIZE)
    peak = float(small.max())
    if not np.isfinite(peak) or peak <= 0:
        raise InputError("the image is empty (a single colour); upload a picture of a digit.")
    return np.clip(small / peak, 0.0, 1.0).astype(np.float32)


def decode_image_rgb(data: Source, max_side: int = RGB_MAX_SIDE) -> np.ndarray:
    """An image file (bytes or path) -> uint8 ``[H, W, 3]`` RGB for pretrained encoders.

    Same checks as :func:`decode_image` (format, size, decompression bombs); transparency goes on
    white; images larger than ``max_side`` are downscaled (aspect kept) since encoders resize anyway.
    """
    from PIL import Image

    image = _open_image(_read_source(data, "image", MAX_IMAGE_BYTES))
    try:
        if "A" in image.getbands() or image.mode in ("P", "PA", "LA", "La", "RGBa"):
            rgba = image.convert("RGBA")
            image = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
        if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
            image = Image.fromarray(np.round(_grayscale(image) * 255).astype(np.uint8), mode="L")
        image = image.convert("RGB")
    except Exception as error:
        raise InputError(f"could not read the image: unsupported pixel format {image.mode!r} "
                         f"({error}); save it as an RGB or greyscale PNG.") from None
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.BOX)
    return np.asarray(image, dtype=np.uint8).copy()


# ------------------------------------------------------------------------------------------ audio

def _looks_like_mp3(raw: bytes) -> bool:
    return raw[:3] == b"ID3" or (len(raw) > 1 and raw[0] == 0xFF and (raw[1] & 0xE0) == 0xE0)


def _check_wav_complete(raw: bytes) -> None:
    """A RIFF/WAVE file whose data chunk is shorter than its header says was cut off."""
    if raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        return
    offset = 12
    while offset + 8 <= len(raw):
        kind, size = raw[offset:offset + 4], struct.unpack("<I", raw[offset + 4:offset + 8])[0]
        if kind == b"data":
            present = len(raw) - offset - 8
            if 0 < size < 0xFFFFFFFF and present < size:  # 0 / 0xFFFFFFFF: size left unknown
                raise InputError(f"the WAV file is truncated: its header announces {size:,} bytes "
                                 f"of audio but only {present:,} are there; upload the complete "
                                 "file.")
            return
        offset += 8 + size + (size & 1)


def _soundfile_chunks(raw: bytes, max_seconds: float | None) -> tuple[Iterator[np.ndarray], int, int, int]:
    """(chunks of float32 [frames, channels], rate, channels, frames) of a file libsndfile reads.

    The header (rate, channels, length, channels x length) is checked before a sample is decoded;
    then the audio is decoded in chunks of about a million samples, only up to ``max_seconds``, and
    the decoding stops if the file holds more than its header said."""
    import soundfile as sf

    _check_wav_complete(raw)
    handle = sf.SoundFile(io.BytesIO(raw))
    try:
        rate, channels, frames = int(handle.samplerate), int(handle.channels), int(handle.frames)
        _check_header(rate, channels, frames)
    except BaseException:
        handle.close()
        raise
    wanted = frames if max_seconds is None else min(frames, int(np.ceil(max_seconds * rate)))

    def chunks() -> Iterator[np.ndarray]:
        with handle:
            block, decoded = max(1, CHUNK_SAMPLES // channels), 0
            while decoded < wanted:
                chunk = handle.read(min(block, wanted - decoded), dtype="float32", always_2d=True)
                if not len(chunk):
                    return
                decoded += len(chunk)
                yield chunk

    return chunks(), rate, channels, frames


def _librosa_chunks(raw: bytes, max_seconds: float | None) -> tuple[Iterator[np.ndarray], int, int, int]:
    """MP3 fallback (audioread: ffmpeg / GStreamer / Core Audio, whichever is installed), at most
    ``max_seconds`` (else the length limit plus a second, to tell a clip that is too long)."""
    import librosa

    keep = MAX_AUDIO_SECONDS + 1 if max_seconds is None else min(max_seconds, MAX_AUDIO_SECONDS + 1)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.mp3"
        path.write_bytes(raw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wave, rate = librosa.load(path, sr=None, mono=False, duration=keep)
    wave = np.asarray(wave, dtype=np.float32)
    wave = wave[:, None] if wave.ndim == 1 else wave.T
    rate, channels = int(rate), wave.shape[1]
    _check_header(rate, channels, 0 if max_seconds is not None else wave.shape[0])
    block = max(1, CHUNK_SAMPLES // channels)
    return (wave[i:i + block] for i in range(0, len(wave), block)), rate, channels, wave.shape[0]


def _check_header(rate: int, channels: int, frames: int) -> None:
    if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise InputError(f"the clip's sample rate is {rate} Hz, outside {MIN_SAMPLE_RATE}.."
                         f"{MAX_SAMPLE_RATE} Hz; re-export it at e.g. 16 or 44.1 kHz.")
    if channels < 1:
        raise InputError("the clip has no audio channels; upload a mono or stereo recording.")
    if channels > MAX_AUDIO_CHANNELS:
        raise InputError(f"the clip has {channels} channels, more than the {MAX_AUDIO_CHANNELS} "
                         "accepted; export it as mono or stereo.")
    if frames > MAX_AUDIO_SECONDS * rate:
        raise InputError(f"the clip is {frames / rate / 60:.1f} minutes long, more than the "
                         f"{MAX_AUDIO_SECONDS / 60:.0f} minute limit; cut it to the spoken digit.")
    if frames * channels > MAX_DECODED_SAMPLES:
        raise InputError(f"the clip holds {frames * channels / 1e6:,.0f} million samples ({channels} "
                         f"channels x {rate:,} Hz x {frames / rate:.0f} s), more than the "
                         f"{MAX_DECODED_SAMPLES / 1e6:.0f} million limit; export it as mono at "
                         "16 or 44.1 kHz, or cut it.")


def _loudest_window(wave: np.ndarray, length: int) -> np.ndarray:
    energy = np.concatenate([[0.0], np.cumsum(wave.astype(np.float64) ** 2)])
    window = energy[length:] - energy[:-length]
    start = int(np.argmax(window))
    return wave[start:start + length]


def _mono_16k(chunks: Iterable[np.ndarray], rate: int, channels: int) -> tuple[np.ndarray, int, float]:
    """Decoded chunks -> (mono float64 at 16 kHz, frames read, peak of the original mono).

    Mixes and resamples chunk by chunk (a streaming soxr resampler, the same numbers as resampling
    the whole clip), so memory is the 16 kHz mono result, never the original channels."""
    import soxr

    stream = None if rate == SAMPLE_RATE else soxr.ResampleStream(rate, SAMPLE_RATE, 1, dtype="float64",
                                                                   quality="HQ")
    parts: list[np.ndarray] = []
    frames, peak = 0, 0.0
    for chunk in chunks:
        frames += len(chunk)
        if frames > MAX_AUDIO_SECONDS * rate or frames * channels > MAX_DECODED_SAMPLES:
            raise InputError(f"the clip holds more audio than its header says (over "
                             f"{MAX_AUDIO_SECONDS / 60:.0f} minutes or {MAX_DECODED_SAMPLES / 1e6:.0f} "
                             "million samples); re-export it as a standard WAV or FLAC file.")
        if not np.all(np.isfinite(chunk)):
            raise InputError("the clip contains invalid samples (NaN or infinity); re-export it as "
                             "16-bit PCM WAV.")
        mono = chunk.mean(axis=1, dtype=np.float64)
        peak = max(peak, float(np.max(np.abs(mono))))
        parts.append(mono if stream is None else stream.resample_chunk(mono))
    if stream is not None:
        parts.append(stream.resample_chunk(np.zeros(0), last=True))
    mono = np.concatenate(parts) if parts else np.zeros(0)
    if stream is not None:  # the length librosa.resample gives: ceil(frames * 16000 / rate)
        length = int(np.ceil(frames * SAMPLE_RATE / rate))
        mono = np.pad(mono[:length], (0, max(0, length - len(mono))))
    return mono, frames, peak


def _read_mono(data: Source, max_seconds: float | None = None) -> tuple[np.ndarray, int, int, float]:
    """An audio file -> (mono float64 at 16 kHz, original rate, channels, original seconds), with
    every check on the file itself (format, truncation, size, length, NaN, silence). Only the first
    ``max_seconds`` are decoded when given."""
    raw = _read_source(data, "audio", MAX_AUDIO_BYTES)
    try:
        chunks, rate, channels, total = _soundfile_chunks(raw, max_seconds)
    except InputError:
        raise
    except Exception as error:  # sf.LibsndfileError, RuntimeError, TypeError on odd headers...
        reason = _clean(str(error)) or type(error).__name__
        if not _looks_like_mp3(raw):
            raise InputError(f"could not read the audio: {reason}; upload a WAV, FLAC, OGG or MP3 "
                             "file.") from None
        try:
            chunks, rate, channels, total = _librosa_chunks(raw, max_seconds)
        except InputError:
            raise
        except Exception as fallback:
            detail = _clean(str(fallback)) or reason
            raise InputError(f"could not read the audio as MP3 ({detail}); convert it "
                             "to WAV or FLAC and try again.") from None
    try:
        mono, frames, peak = _mono_16k(chunks, rate, channels)
    except InputError:
        raise
    except Exception as error:  # a stream that breaks part-way (bad frames after a good header)
        reason = _clean(str(error)) or type(error).__name__
        raise InputError(f"could not read the audio: {reason}; upload a WAV, FLAC, OGG or MP3 "
                         "file.") from None
    if frames == 0:
        raise InputError("the clip contains no samples; record or upload a clip of a spoken digit.")
    if frames < MIN_AUDIO_SECONDS * rate:
        raise InputError(f"the clip is only {1000 * frames / rate:.0f} ms long; upload at least "
                         f"{MIN_AUDIO_SECONDS:.1f} s of a spoken digit.")
    if mono.size == 0:
        raise InputError(f"the clip is too short ({frames} samples); upload at least a tenth "
                         "of a second of audio.")
    return mono, int(rate), int(channels), max(total, frames) / rate


def _peak_normalised(mono: np.ndarray, notes: list[str]) -> np.ndarray:
    """Scaled to a peak of 0.9; a silent clip stays silent (all zeros), with :data:`SILENT_CLIP` noted."""
    peak = float(np.max(np.abs(mono)))
    if peak < SILENCE_PEAK:
        notes.append(SILENT_CLIP)
        waveform = np.zeros(len(mono), dtype=np.float32)
    else:
        waveform = (AUDIO_PEAK * mono / peak).astype(np.float32)
    waveform.setflags(write=False)
    return waveform


def decode_audio(data: Source) -> AudioClip:
    """An audio file (WAV, FLAC, OGG, MP3; bytes or path) -> :class:`AudioClip` like the digits.

    Mixed to mono, resampled to 16 kHz, silence trimmed at the ends (35 dB, like the dataset), the
    loudest 1.2 s kept if it is still longer (with a warning), peak-normalised to 0.9.
    """
    mono, rate, channels, seconds = _read_mono(data)
    import librosa

    notes: list[str] = []
    trimmed, _ = librosa.effects.trim(mono, top_db=TRIM_TOP_DB)  # like the dataset, every clip
    if trimmed.size:
        mono = trimmed
    if len(mono) > MAX_AUDIO_SAMPLES:
        mono = _loudest_window(mono, MAX_AUDIO_SAMPLES)
        notes.append(f"the clip is {seconds:.1f} s long; kept the loudest "
                     f"{MAX_AUDIO_SAMPLES / SAMPLE_RATE:.1f} s.")
    elif seconds > MAX_AUDIO_SAMPLES / SAMPLE_RATE:
        notes.append(f"the clip is {seconds:.1f} s long; trimmed the silence at its ends to "
                     f"{len(mono) / SAMPLE_RATE:.2f} s.")
    return AudioClip(_peak_normalised(mono, notes), rate, channels, float(seconds), tuple(notes))


def decode_audio_clip(data: Source, max_seconds: float = MAX_CLIP_SECONDS) -> AudioClip:
    """An audio file -> :class:`AudioClip` for pretrained encoders: mono, 16 kHz, peak 0.9, the
    first ``max_seconds`` kept (with a warning when cut). Same checks as :func:`decode_audio`."""
    # Half a second more than is kept is decoded, so the resampler's edge lies outside the clip.
    mono, rate, channels, seconds = _read_mono(data, max_seconds + 0.5)
    notes: list[str] = []
    limit = int(max_seconds * SAMPLE_RATE)
    if len(mono) > limit or seconds > max_seconds + 1 / SAMPLE_RATE:
        mono = mono[:limit]
        notes.append(f"the clip is {seconds:.1f} s long; kept its first {max_seconds:g} s.")
    return AudioClip(_peak_normalised(mono, notes), rate, channels, float(seconds), tuple(notes))


# ------------------------------------------------------------------------------------------- text

_ALLOWED_CONTROLS = frozenset("\t\n\r")


def decode_text(data: str | bytes) -> TextInput:
    """A caption (str, or UTF-8 bytes) -> :class:`TextInput`, stripped and NFC-normalised.

    Any Unicode is accepted. Binary-looking data (NUL, or over 10 % control characters), empty text
    and text over 10,000 characters are refused; over 1,000 characters is truncated with a warning.
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        if len(raw) > 4 * MAX_TEXT_INPUT_CHARS + 4:
            raise InputError(f"the text is {len(raw):,} bytes, more than the "
                             f"{MAX_TEXT_INPUT_CHARS:,} character limit; shorten it.")
        if b"\x00" in raw:
            raise InputError("the text contains NUL bytes, so it looks like a binary file; "
                             "upload a plain-text (.txt) file.")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InputError(f"text must be UTF-8 (byte {error.start} is not); re-save the file "
                             "as UTF-8.") from None
    elif isinstance(data, str):
        text = data
    else:
        raise InputError(f"text must be given as a string or UTF-8 bytes, not "
                         f"{type(data).__name__}.")
    if len(text) > 2 * MAX_TEXT_INPUT_CHARS and len(text.strip()) > MAX_TEXT_INPUT_CHARS:
        raise InputError(f"the text is {len(text.strip()):,} characters, more than the "
                         f"{MAX_TEXT_INPUT_CHARS:,} limit; shorten it to a caption.")
    if "\x00" in text:
        raise InputError("the text contains NUL characters, so it looks like binary data; give "
                         "plain text.")
    if any("\ud800" <= c <= "\udfff" for c in text):
        raise InputError("the text contains unpaired surrogate characters (not valid Unicode); "
                         "re-save it as UTF-8.")
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        raise InputError("the text is empty; type a caption, e.g. 'the digit is odd'.")
    if len(text) > MAX_TEXT_INPUT_CHARS:
        raise InputError(f"the text is {len(text):,} characters, more than the "
                         f"{MAX_TEXT_INPUT_CHARS:,} limit; shorten it to a caption.")
    controls = [c for c in text if unicodedata.category(c) == "Cc" and c not in _ALLOWED_CONTROLS]
    if len(controls) > MAX_CONTROL_FRACTION * len(text):
        raise InputError(f"{len(controls)} of the text's {len(text)} characters are control "
                         "characters, so it looks like binary data; give plain text.")
    notes: list[str] = []
    if controls:
        bad = set(controls)
        text = "".join(" " if c in bad else c for c in text).strip()
        notes.append(f"replaced {len(controls)} control character(s) with spaces.")
    if len(text) > MAX_TEXT_CHARS:
        notes.append(f"the text is {len(text):,} characters long; kept the first "
                     f"{MAX_TEXT_CHARS:,}.")
        text = text[:MAX_TEXT_CHARS].rstrip()
    return TextInput(text, tuple(notes))
