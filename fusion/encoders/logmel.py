"""``logmel``: the project's own audio encoder (no weights) — log-mel frames in 100 ms groups."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from fusion.formats import SAMPLE_RATE
from fusion.encoders.base import Encoder, Encoding, TokenLayout
from fusion.encoders.common import check_waveforms, spread_seconds

N_FFT = 400  # 25 ms
HOP_LENGTH = 160  # 10 ms
N_MELS = 64
TOP_DB = 80.0
# Power in dB (ref 1.0) spans about -100..+20 for fusion.io's peak-0.9 clips: map that to -1..1.
DB_CENTRE, DB_HALF_RANGE = -40.0, 60.0
FRAMES_PER_TOKEN = 10
TOKEN_SECONDS = FRAMES_PER_TOKEN * HOP_LENGTH / SAMPLE_RATE  # 100 ms


def log_mel(wave: np.ndarray) -> np.ndarray:
    """A 16 kHz waveform -> ``[frames, 64]`` log-mel power, scaled to roughly [-1, 1]."""
    import librosa  # about a second to import: only when audio is encoded

    with warnings.catch_warnings():  # clips shorter than n_fft are fine (zero-padded): no warning
        warnings.simplefilter("ignore", UserWarning)
        power = librosa.feature.melspectrogram(y=wave, sr=SAMPLE_RATE, n_fft=N_FFT, hop_length=HOP_LENGTH,
                                               n_mels=N_MELS)
    db = librosa.power_to_db(power, ref=1.0, top_db=TOP_DB)
    return ((db - DB_CENTRE) / DB_HALF_RANGE).T.astype(np.float32)


class LogMelEncoder(Encoder):
    """Tokens: the means of consecutive 10-frame groups (100 ms each; a clip shorter than one
    group gives one token of all its frames); pooled: mean and standard deviation over all frames."""

    name = "logmel"
    modality = "audio"
    dim = 2 * N_MELS
    token_dim = N_MELS
    source = "built-in"
    version = "logmel-1"

    def encode(self, items: Sequence[Any]) -> list[Encoding]:
        encodings = []
        for wave in check_waveforms(items):
            frames = log_mel(wave)
            if len(frames) < FRAMES_PER_TOKEN:
                tokens, seconds = frames.mean(axis=0, keepdims=True), ((0.0, round(len(wave) / SAMPLE_RATE, 4)),)
            else:
                count = len(frames) // FRAMES_PER_TOKEN
                tokens = frames[:count * FRAMES_PER_TOKEN].reshape(count, FRAMES_PER_TOKEN, N_MELS).mean(axis=1)
                seconds = spread_seconds(count, count * TOKEN_SECONDS)
            pooled = np.concatenate([frames.mean(axis=0), frames.std(axis=0)]).astype(np.float32)
            encodings.append(Encoding(pooled, tokens.astype(np.float32), TokenLayout("frames", seconds=seconds)))
        return encodings
