"""The audio window after a clip is padding: its frames hold PADDING, its tokens are invalid keys,
and a token can be deleted through the same mask. Checked against the clip's length in samples."""

from __future__ import annotations

import numpy as np
import torch

from fusion.formats import HOP_LENGTH, MAX_AUDIO_SAMPLES
from fusion.modalities import get_modality
from fusion.modalities.audio import (FRAMES_PER_TOKEN, N_FFT, NUM_AUDIO_TOKENS, PADDING, AudioTokenizer,
                                     delete_audio_tokens, ig_audio_baseline, padding_frames, padding_tokens)


def clip(samples: int, start: int = 0, seed: int = 0) -> np.ndarray:
    wave = np.zeros(samples, dtype=np.float32)
    wave[start:] = np.random.default_rng(seed).normal(0, 0.1, samples - start).astype(np.float32)
    return wave


def test_frames_after_the_clip_are_padding_and_frames_over_it_are_not() -> None:
    lengths = [3_000, 8_000, 12_345, MAX_AUDIO_SAMPLES]
    spectrogram = get_modality("audio").to_tensor([clip(n) for n in lengths])
    frames = padding_frames(spectrogram)
    for row, n in enumerate(lengths):
        centres = np.arange(frames.shape[1]) * HOP_LENGTH
        outside = centres - N_FFT // 2 >= n  # the frame's analysis window starts after the clip
        assert np.array_equal(frames[row].numpy(), outside), row
        assert (spectrogram[row][:, ~outside] >= -1.0).all() and (spectrogram[row][:, outside] == PADDING).all()


def test_leading_and_trailing_digital_silence_is_padding_too() -> None:
    spectrogram = get_modality("audio").to_tensor([clip(8_000, start=4_000)])
    frames = padding_frames(spectrogram)[0].numpy()
    centres = np.arange(len(frames)) * HOP_LENGTH
    expected = (centres + N_FFT // 2 <= 4_000) | (centres - N_FFT // 2 >= 8_000)
    assert np.array_equal(frames, expected)


def test_a_token_is_valid_exactly_when_one_of_its_frames_is_in_the_clip() -> None:
    spectrogram = get_modality("audio").to_tensor([clip(n) for n in (1_000, 9_000, MAX_AUDIO_SAMPLES)])
    frames = padding_frames(spectrogram).reshape(3, NUM_AUDIO_TOKENS, FRAMES_PER_TOKEN)
    tokens, valid = AudioTokenizer(8)(spectrogram)
    assert tokens.shape == (3, NUM_AUDIO_TOKENS, 8)
    assert torch.equal(valid, ~frames.all(-1)) and torch.equal(valid, ~padding_tokens(spectrogram))
    assert 0 < valid[0].sum() < valid[1].sum() < valid[2].sum() == NUM_AUDIO_TOKENS


def test_padding_values_never_reach_the_embedding() -> None:
    """Only the mask says a token is padding: its frames are read as the floor, whatever they hold."""
    spectrogram = get_modality("audio").to_tensor([clip(6_000)])
    tokenizer = AudioTokenizer(8)
    tokens, _ = tokenizer(spectrogram)
    floored, _ = tokenizer(spectrogram.clamp_min(-1.0))
    assert torch.equal(tokens, floored)


def test_deleting_tokens_masks_exactly_those_tokens() -> None:
    spectrogram = get_modality("audio").to_tensor([clip(MAX_AUDIO_SAMPLES)])
    chosen = torch.zeros(1, NUM_AUDIO_TOKENS, dtype=torch.bool)
    chosen[0, [2, 5, 11]] = True
    deleted = delete_audio_tokens(spectrogram, chosen)
    assert torch.equal(padding_tokens(deleted), chosen)
    assert torch.equal(spectrogram, get_modality("audio").to_tensor([clip(MAX_AUDIO_SAMPLES)]))  # a copy


def test_the_gradient_baseline_is_silence_on_the_clip_and_keeps_the_padding() -> None:
    spectrogram = get_modality("audio").to_tensor([clip(7_000)])
    baseline = ig_audio_baseline(spectrogram)
    assert torch.equal(padding_frames(baseline), padding_frames(spectrogram))
    assert (baseline[:, :, ~padding_frames(spectrogram)[0]] == -1.0).all()
    for alpha in (0.01, 0.5, 0.99):  # every point of the straight path keeps the same mask
        point = baseline + alpha * (spectrogram - baseline)
        assert torch.equal(padding_tokens(point), padding_tokens(spectrogram))


def test_the_view_draws_padding_as_the_floor() -> None:
    view = np.array(get_modality("audio").view(clip(5_000)))
    assert view.min() >= -1.0 and (view == -1.0).any()
