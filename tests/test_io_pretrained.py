"""``decode_image_rgb`` / ``decode_audio_clip``: the decoders of the "your data" path keep colour
and length (pretrained encoders want them) and refuse the same bad files as the digit decoders."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from fusion.errors import InputError
from fusion.io import MAX_CLIP_SECONDS, RGB_MAX_SIDE, SAMPLE_RATE, decode_audio_clip, decode_image_rgb

ASSETS = Path(__file__).resolve().parent / "assets"


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_colour_is_kept_and_transparency_goes_on_white() -> None:
    rgba = np.zeros((4, 6, 4), dtype=np.uint8)
    rgba[:, :3] = (200, 30, 10, 255)  # opaque red-ish left half
    rgba[:, 3:] = (0, 0, 255, 0)  # fully transparent right half
    out = decode_image_rgb(_png(Image.fromarray(rgba, "RGBA")))
    assert out.shape == (4, 6, 3) and out.dtype == np.uint8
    assert tuple(out[0, 0]) == (200, 30, 10) and tuple(out[0, 5]) == (255, 255, 255)


def test_large_images_are_downscaled_keeping_the_aspect() -> None:
    wide = Image.new("RGB", (3 * RGB_MAX_SIDE, RGB_MAX_SIDE // 2), (10, 200, 10))
    out = decode_image_rgb(_png(wide))
    assert out.shape[1:] == (RGB_MAX_SIDE, 3) and abs(out.shape[0] - RGB_MAX_SIDE / 6) <= 1
    assert tuple(out[3, 3]) == (10, 200, 10)


def test_sixteen_bit_grey_images_become_rgb() -> None:
    ramp = (np.linspace(0, 65535, 16 * 16).reshape(16, 16)).astype(np.uint16)
    out = decode_image_rgb(_png(Image.fromarray(ramp)))
    assert out.shape == (16, 16, 3) and out[0, 0, 0] == 0 and out[-1, -1, 0] == 255


def test_long_clips_keep_their_first_seconds_with_a_warning() -> None:
    rate = 22050
    t = np.arange(int(12.5 * rate)) / rate
    buffer = io.BytesIO()
    sf.write(buffer, 0.3 * np.sin(2 * np.pi * 220 * t), rate, format="WAV", subtype="PCM_16")
    clip = decode_audio_clip(buffer.getvalue())
    assert len(clip.waveform) == int(MAX_CLIP_SECONDS * SAMPLE_RATE)
    assert clip.original_seconds == pytest.approx(12.5) and "first 10 s" in clip.warnings[0]
    assert np.max(np.abs(clip.waveform)) == pytest.approx(0.9, abs=1e-3)


def test_a_short_clip_is_not_trimmed_or_padded() -> None:
    clip = decode_audio_clip(ASSETS / "tone.wav")
    info = sf.info(ASSETS / "tone.wav")
    assert len(clip.waveform) == round(info.duration * SAMPLE_RATE) and clip.warnings == ()


@pytest.mark.parametrize(
    "decode, name, message",
    [
        (decode_image_rgb, "truncated.png", "could not read the image"),
        (decode_image_rgb, "bomb.png", "too large"),
        (decode_image_rgb, "big.png", "megapixel limit"),
        (decode_image_rgb, "empty.wav", "empty"),
        (decode_audio_clip, "truncated.wav", "truncated"),
        (decode_audio_clip, "nan.wav", "NaN"),
        (decode_audio_clip, "digit.png", "could not read the audio"),
    ],
)
def test_bad_files_are_refused_like_uploads(decode, name, message) -> None:
    with pytest.raises(InputError, match=message):
        decode(ASSETS / name)
