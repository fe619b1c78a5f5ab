"""fusion.io: real valid and malformed files (tests/assets, from tools/make_test_assets.py)."""

from __future__ import annotations

import io
import os
import pathlib
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf

from fusion.errors import InputError
from fusion.cli.common import read_bytes
from fusion.io import (IMAGE_SIZE, MAX_AUDIO_BYTES, MAX_AUDIO_CHANNELS, MAX_AUDIO_SAMPLES, SAMPLE_RATE, SILENT_CLIP, AudioClip,
                       TextInput, decode_audio, decode_audio_clip, decode_image, decode_text, read_file)

ASSETS = pathlib.Path(__file__).parent / "assets"
IMAGES = pathlib.Path(__file__).parents[1] / "assets" / "avdigits" / "images.npy"


def _original_digit(index: int) -> np.ndarray:
    return np.load(IMAGES, allow_pickle=False)[index].astype(np.float64) / 16.0


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(np.ravel(a), np.ravel(b))[0, 1])


def _wav_bytes(wave: np.ndarray, rate: int) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, wave, rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------ image

@pytest.mark.parametrize(("name", "index"), [("digit.png", 0), ("digit_rgba.png", 1)])
def test_digit_scan_decodes_like_the_original(name, index):
    for source in (ASSETS / name, str(ASSETS / name), (ASSETS / name).read_bytes()):
        image = decode_image(source)
        assert image.shape == (IMAGE_SIZE, IMAGE_SIZE) and image.dtype == np.float32
        assert image.min() >= 0.0 and image.max() == pytest.approx(1.0)
        assert _correlation(image, _original_digit(index)) > 0.7


def test_image_modes_and_polarity_agree():
    from PIL import Image

    digit = np.kron(_original_digit(3), np.ones((12, 12)))  # 96x96, bright strokes on black
    dark = Image.fromarray(np.round(255 * digit).astype(np.uint8), "L")
    light = Image.fromarray(np.round(255 * (1 - digit)).astype(np.uint8), "L")
    variants = {
        "L bright-on-dark": dark,
        "RGB dark-on-light": light.convert("RGB"),
        "P": light.convert("RGB").convert("P"),
        "LA": light.convert("LA"),
        "I;16": Image.fromarray(np.round(65535 * (1 - digit)).astype(np.uint16)),
        "1": light.convert("1"),
    }
    assert variants["I;16"].mode == "I;16"
    reference = decode_image(_png(dark))
    for label, image in variants.items():
        decoded = decode_image(_png(image))
        assert _correlation(decoded, reference) > 0.9, label
    # a large JPEG photo-like scan (grey paper, noise) still finds the digit
    rng = np.random.default_rng(0)
    big = np.kron(1 - 0.7 * _original_digit(3), np.ones((200, 200))) * 0.85
    big = np.clip(big + 0.02 * rng.standard_normal(big.shape), 0, 1)
    buffer = io.BytesIO()
    Image.fromarray(np.round(255 * big).astype(np.uint8), "L").save(buffer, format="JPEG")
    assert _correlation(decode_image(buffer.getvalue()), _original_digit(3)) > 0.7


def _png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------ audio

def test_stereo_44k_becomes_mono_16k_with_the_same_duration():
    clip = decode_audio(ASSETS / "tone.wav")
    assert isinstance(clip, AudioClip)
    assert (clip.original_rate, clip.original_channels) == (44100, 2)
    assert clip.original_seconds == pytest.approx(0.5)
    assert clip.waveform.ndim == 1 and clip.waveform.dtype == np.float32
    assert len(clip.waveform) / SAMPLE_RATE == pytest.approx(0.5, rel=0.02)
    assert np.abs(clip.waveform).max() == pytest.approx(0.9)
    assert clip.warnings == ()


@pytest.mark.parametrize("name", ["speech.flac", "speech.ogg"])
def test_flac_and_ogg_decode_like_the_dataset(name):
    original, rate = sf.read(pathlib.Path(__file__).parents[1] / "assets" / "avdigits" / "audio"
                             / "s00_d7.flac", dtype="float32")
    clip = decode_audio((ASSETS / name).read_bytes())
    assert rate == SAMPLE_RATE and clip.original_rate == SAMPLE_RATE
    assert abs(len(clip.waveform) - len(original)) < 0.05 * len(original)
    n = min(len(clip.waveform), len(original))
    assert _correlation(clip.waveform[:n], original[:n]) > 0.9
    assert np.abs(clip.waveform).max() == pytest.approx(0.9)


def test_long_noisy_clip_keeps_the_loudest_window():
    clip = decode_audio(ASSETS / "long.wav")
    assert clip.original_seconds == pytest.approx(5.0) and clip.original_rate == 8000
    assert len(clip.waveform) == MAX_AUDIO_SAMPLES
    assert any("kept the loudest 1.2 s" in w for w in clip.warnings)
    blocks = clip.waveform.reshape(12, -1)  # 0.1 s blocks: speech in some, only noise in others
    rms = np.sqrt(np.mean(blocks.astype(np.float64) ** 2, axis=1))
    assert rms.max() > 3 * rms.min()


def test_long_clip_with_silence_is_trimmed_with_a_warning():
    speech, rate = sf.read(ASSETS / "speech.flac", dtype="float64")
    padded = np.concatenate([np.zeros(2 * rate), speech, np.zeros(2 * rate)])
    clip = decode_audio(_wav_bytes(padded, rate))
    assert len(clip.waveform) <= MAX_AUDIO_SAMPLES
    assert clip.warnings and "trimmed the silence" in clip.warnings[0]


# ------------------------------------------------------------------------------------------- text

@pytest.mark.parametrize("text", ["the digit is odd", "数字は七です", "😀 seven 🎉",
                                  "הספרה היא שבע", "  leading and trailing  \n"])
def test_any_unicode_text_is_accepted(text):
    for source in (text, text.encode("utf-8")):
        result = decode_text(source)
        assert isinstance(result, TextInput) and result.text == text.strip()
        assert result.warnings == () and str(result) == text.strip()


def test_long_text_is_truncated_with_a_warning():
    result = decode_text("seven " * 500)
    assert len(result.text) <= 1000 and result.warnings


# ------------------------------------------------------------------------------------- malformed

MALFORMED = [
    (decode_image, "truncated.png", "could not read the image"),
    (decode_image, "corrupt.png", "could not read the image"),
    (decode_image, "not_an_image.png", "could not read the image"),
    (decode_image, "bomb.png", "too large"),
    (decode_image, "big.png", "megapixel limit"),
    (decode_image, "blank.png", "the image is empty"),
    (decode_image, "empty.wav", "empty"),
    (decode_audio, "empty.wav", "empty"),
    (decode_audio, "truncated.wav", "truncated"),
    (decode_audio, "not_audio.wav", "could not read the audio"),
    (decode_audio, "nan.wav", "NaN"),
    (decode_audio, "digit.png", "could not read the audio"),
    (decode_text, "binary.txt", "binary"),
    (decode_text, "latin1.txt", "text must be UTF-8"),
]


@pytest.mark.parametrize(("decode", "name", "message"), MALFORMED,
                         ids=[f"{d.__name__}-{n}" for d, n, _ in MALFORMED])
def test_every_malformed_file_raises_input_error(decode, name, message):
    path = ASSETS / name
    sources = [path.read_bytes()] if decode is decode_text else [path, path.read_bytes()]
    for source in sources:
        with pytest.raises(InputError, match=message) as caught:
            decode(source)
        text = str(caught.value)
        assert " object at " not in text and text.rstrip().endswith(".")


@pytest.mark.parametrize("decode", [decode_image, decode_audio, decode_text])
@pytest.mark.parametrize("value", [42, {"image": b"..."}, None, 3.5])
def test_wrong_types_raise_input_error(decode, value):
    with pytest.raises(InputError, match="not"):
        decode(value)


@pytest.mark.parametrize("decode", [decode_image, decode_audio])
def test_missing_path_and_folder_raise_input_error(decode, tmp_path):
    with pytest.raises(InputError, match="no such file"):
        decode(tmp_path / "missing.png")
    with pytest.raises(InputError, match="not a file"):
        decode(tmp_path)


@pytest.mark.parametrize("text", ["", "   \n\t ", b" \r\n"])
def test_empty_text_raises(text):
    with pytest.raises(InputError, match="the text is empty"):
        decode_text(text)


def test_huge_and_binary_text_raise():
    with pytest.raises(InputError, match="limit"):
        decode_text("x" * 5_000_000)
    with pytest.raises(InputError, match="limit"):
        decode_text(b"x" * 5_000_000)
    with pytest.raises(InputError, match="binary"):
        decode_text("ok\x00ok")
    with pytest.raises(InputError, match="control characters"):
        decode_text("".join(chr(c) for c in range(1, 32)) + "abc")
    with pytest.raises(InputError, match="surrogate"):
        decode_text("bad \udc80 text")
    assert decode_text("the digit\x07is seven").text == "the digit is seven"  # a stray one goes


def test_audio_edge_cases_raise():
    with pytest.raises(InputError, match="too large|limit"):
        decode_audio(b"\0" * (51 * 1024 * 1024))
    with pytest.raises(InputError, match="ms long"):
        decode_audio(_wav_bytes(np.full(10, 0.5), 16000))
    buffer = io.BytesIO()  # 11 minutes, small because 8-bit at 1 kHz; refused from the header
    sf.write(buffer, np.zeros(11 * 60 * 1000), 1000, format="WAV", subtype="PCM_U8")
    with pytest.raises(InputError, match="minute limit"):
        decode_audio(buffer.getvalue())
    with pytest.raises(InputError, match="sample rate"):
        decode_audio(_wav_bytes(np.zeros(100), 500))


def test_mp3_decodes_like_the_dataset():
    """A real MP3 (encoded here by libsndfile's LAME, 44.1 kHz stereo) of a dataset clip."""
    original, _ = sf.read(pathlib.Path(__file__).parents[1] / "assets" / "avdigits" / "audio" / "s00_d7.flac",
                          dtype="float32")
    import librosa

    stereo = np.stack([librosa.resample(original, orig_sr=SAMPLE_RATE, target_sr=44100)] * 2, axis=1)
    encoded = io.BytesIO()
    sf.write(encoded, stereo, 44100, format="MP3")
    clip = decode_audio(encoded.getvalue())
    assert clip.original_rate == 44100 and clip.original_channels == 2
    assert abs(len(clip.waveform) - len(original)) < 0.1 * len(original)
    lag = int(np.argmax(np.correlate(clip.waveform, original[: len(original) // 2], mode="valid")))
    n = min(len(clip.waveform) - lag, len(original))
    assert _correlation(clip.waveform[lag : lag + n], original[:n]) > 0.8


# ----------------------------------------------------------------------------- bombs and bounds

def _flac_declaring(rate: int, channels: int, seconds: float) -> bytes:
    """A real 0.1 s FLAC whose STREAMINFO announces ``seconds``: what a decoder sees of a bomb of
    silence (8 x 192 kHz x 600 s packs into under 1 MB) before it decodes anything."""
    buffer = io.BytesIO()
    sf.write(buffer, 0.1 * np.random.default_rng(0).standard_normal((rate // 10, channels)), rate, format="FLAC")
    raw = bytearray(buffer.getvalue())
    assert raw[:4] == b"fLaC" and raw[4] & 0x7F == 0  # STREAMINFO first: rate | channels | bits | 36-bit frames
    field = int.from_bytes(raw[18:26], "big") & ~((1 << 36) - 1) | int(seconds * rate)
    raw[18:26] = field.to_bytes(8, "big")
    return bytes(raw)


@pytest.mark.parametrize("decode", [decode_audio, decode_audio_clip])
def test_an_audio_bomb_is_refused_from_its_header_before_decoding(decode):
    bomb = _flac_declaring(192_000, 8, 600)
    assert sf.info(io.BytesIO(bomb)).frames == 600 * 192_000
    started = time.monotonic()
    with pytest.raises(InputError, match="922 million samples") as error:
        decode(bomb)
    assert time.monotonic() - started < 5.0  # decoding it all took 45 s and 5.7 GB
    assert "\n" not in str(error.value)


def test_more_channels_than_the_limit_are_refused():
    with pytest.raises(InputError, match=f"more than the {MAX_AUDIO_CHANNELS}"):
        decode_audio(_wav_bytes(0.3 * np.ones((8000, MAX_AUDIO_CHANNELS + 1)), 16000))


_PEAK_MEMORY = """
import io, sys, tracemalloc
import numpy as np, soundfile as sf
from fusion.io import SAMPLE_RATE, decode_audio, decode_audio_clip
warm = io.BytesIO()
sf.write(warm, 0.3 * np.sin(np.arange(SAMPLE_RATE) / 3), SAMPLE_RATE, format="WAV")
decode_audio(warm.getvalue())  # imports and compiles what decoding needs
for decode in (decode_audio_clip, decode_audio):
    tracemalloc.start()  # numpy's buffers are traced too: the file's bytes, every decoded array
    clip = decode(sys.argv[1])
    print(tracemalloc.get_traced_memory()[1], clip.original_seconds)
    tracemalloc.stop()
"""


def test_a_50_mb_wav_decodes_in_bounded_memory(tmp_path):
    """Peak memory was 350 MB for both decoders (all channels at the original rate, in float32 then
    float64); now about 60 MB for the first 10 s and 180 MB for the whole clip."""
    path, frames, block = tmp_path / "long.wav", (MAX_AUDIO_BYTES - 1024) // 4, 1 << 20
    tile = (0.2 * np.random.default_rng(0).standard_normal((block, 2))).astype(np.float32)
    with sf.SoundFile(path, "w", 44100, 2, format="WAV", subtype="PCM_16") as out:  # 4.9 minutes
        for start in range(0, frames, block):
            out.write(tile[:min(block, frames - start)])
    assert path.stat().st_size > 0.99 * MAX_AUDIO_BYTES
    result = subprocess.run([sys.executable, "-c", _PEAK_MEMORY, str(path)], capture_output=True, text=True,
                            timeout=120, cwd=pathlib.Path(__file__).parents[1])
    assert result.returncode == 0, result.stderr[-2000:]
    (clip_peak, clip_seconds), (peak, seconds) = (line.split() for line in result.stdout.split("\n")[:2])
    assert float(clip_seconds) == float(seconds) == pytest.approx(frames / 44100)
    assert int(clip_peak) < 150 * 2**20, f"decode_audio_clip peaked at {int(clip_peak) / 2**20:.0f} MB"
    assert int(peak) < 300 * 2**20, f"decode_audio peaked at {int(peak) / 2**20:.0f} MB"


# --------------------------------------------------------------------------- files that are not files

def test_devices_fifos_and_folders_are_refused_in_one_line_without_reading(tmp_path):
    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)  # no writer: opening it blocking would wait forever
    for path in ("/dev/zero", fifo, tmp_path):
        started = time.monotonic()
        for read in (lambda p: read_file(p, "audio", MAX_AUDIO_BYTES), decode_audio, decode_image,
                     lambda p: read_bytes(pathlib.Path(p))):
            with pytest.raises(InputError, match="not a file") as error:
                read(path)
            assert "\n" not in str(error.value)
        assert time.monotonic() - started < 5.0  # /dev/zero once read 5.6 GB before a MemoryError


def test_a_file_larger_than_the_limit_is_refused_and_a_small_one_read(tmp_path):
    path = tmp_path / "caption.txt"
    path.write_bytes(b"a seven" * 100)
    assert read_file(path, "text", 700) == b"a seven" * 100
    with pytest.raises(InputError, match="limit"):
        read_file(path, "text", 699)


def test_the_cli_refuses_a_text_file_that_is_a_device_or_a_fifo(tmp_path, capsys):
    from fusion.cli import main

    fifo = tmp_path / "caption.txt"
    os.mkfifo(fifo)
    for path in ("/dev/zero", str(fifo)):
        started = time.monotonic()
        code = main(["explain", "--task", "match", "--strategy", "late", "--image", str(ASSETS / "digit.png"),
                     "--text-file", path])
        err = capsys.readouterr().err
        assert code == 2 and "not a file" in err and err.count("\n") == 1, err
        assert time.monotonic() - started < 30.0


@pytest.mark.parametrize("decode", [decode_audio, decode_audio_clip])
def test_a_silent_clip_is_decoded_as_silence_with_a_warning(decode):
    """Silence is an input (the models hear it), not an error; the warning says it is not 'absent'."""
    clip = decode(ASSETS / "silent.wav")
    assert clip.waveform.size > 0 and not clip.waveform.any()
    assert SILENT_CLIP in clip.warnings and "microphone" not in SILENT_CLIP


def test_an_image_bomb_message_names_one_pixel_limit():
    with pytest.raises(InputError) as refused:
        decode_image(ASSETS / "bomb.png")
    message = str(refused.value)
    assert "40 megapixels" in message and "400 megapixels" in message
    assert "178956970" not in message and message.count("limit") == 1
