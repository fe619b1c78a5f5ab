"""WAV bytes for the exported clips and the app's players (``fusion/wav.py``)."""

from __future__ import annotations

import io
import warnings

import numpy as np
import soundfile as sf

from fusion.formats import SAMPLE_RATE
from fusion.wav import pcm16_wav


def decoded(data: bytes) -> tuple[np.ndarray, int]:
    return sf.read(io.BytesIO(data), dtype="int16")


def test_a_wave_is_written_as_it_is_or_scaled_to_a_peak() -> None:
    wave = np.sin(np.linspace(0, 60, SAMPLE_RATE // 4)).astype(np.float32) * 0.5
    pcm, rate = decoded(pcm16_wav(wave))
    assert rate == SAMPLE_RATE and len(pcm) == len(wave)
    assert abs(int(np.abs(pcm).max()) - round(0.5 * 32767)) <= 1  # as it is
    scaled, _ = decoded(pcm16_wav(wave, peak=0.9))
    assert abs(int(np.abs(scaled).max()) - round(0.9 * 32767)) <= 1


def test_a_silent_or_out_of_range_wave_gives_a_valid_clip_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Streamlit's own encoding warns (0 / 0) on silence
        silent, _ = decoded(pcm16_wav(np.zeros(1600, dtype=np.float32), peak=0.9))
        loud, _ = decoded(pcm16_wav(np.array([2.0, -3.0, np.nan, 0.75])))
    assert not silent.any() and len(silent) == 1600
    # louder than full scale (a corrupted clip): scaled down by its peak, not clipped; NaN as 0
    assert list(loud) == [round(2 / 3 * 32767), -32767, 0, round(0.25 * 32767)]
