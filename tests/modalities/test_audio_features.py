"""The audio front end computes librosa's log-mel spectrogram."""

from __future__ import annotations

import librosa
import numpy as np
import torch

from fusion.modalities.audio import HOP_LENGTH, N_FFT, N_MELS, NUM_FRAMES, SAMPLE_RATE, _mel_filterbank, librosa_mel_filterbank, log_mel


def test_the_shipped_filterbank_is_librosas() -> None:
    assert np.allclose(_mel_filterbank().numpy(), librosa_mel_filterbank(), atol=1e-7)


def test_log_mel_matches_librosa_melspectrogram() -> None:
    rng = np.random.default_rng(0)
    waves = (rng.standard_normal((3, 19200)) * np.linspace(0.01, 1, 19200)).astype(np.float32)
    reference = librosa.feature.melspectrogram(
        y=waves, sr=SAMPLE_RATE, n_fft=N_FFT, hop_length=HOP_LENGTH, n_mels=N_MELS, fmin=50.0, fmax=8000.0
    )[..., :NUM_FRAMES]
    db = librosa.power_to_db(reference, ref=reference.max(axis=(1, 2), keepdims=True), top_db=None)
    expected = np.maximum(db, -80.0) / 40.0 + 1.0
    assert np.allclose(log_mel(waves).numpy(), expected, atol=1e-3)
    assert log_mel(waves).shape == (3, N_MELS, NUM_FRAMES) and torch.isfinite(log_mel(waves)).all()
