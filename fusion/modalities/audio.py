"""Audio modality: 16 kHz mono waveform -> log-mel spectrogram (librosa) -> frame-group tokens.

Padding is never attended: the window is 1.2 s, most clips are shorter. The clip's extent is read
from the sample itself (its first to its last non-zero sample; the window after a clip, and
digital silence around it, is exactly zero), and every log-mel frame whose analysis window lies
outside it holds ``PADDING``, a value below the log-mel floor that real audio never has. The
tokenizer marks a token whose frames are all padding invalid, so every model masks it as a key
(and never pools it), and a token can be deleted for the faithfulness test by setting its frames
to ``PADDING``: the model's own mask, not a value pretending to be silence.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from fusion.formats import HOP_LENGTH, MAX_AUDIO_BYTES, MAX_AUDIO_SAMPLES, NUM_FRAMES, SAMPLE_RATE
from fusion.modalities.base import ModalitySpec, register_modality, token_vector
from fusion.modalities.linear_tokenizer import LinearTokenizer
from fusion.paths import ASSETS

N_FFT = 512
N_MELS = 32
FRAMES_PER_TOKEN = 3
NUM_AUDIO_TOKENS = NUM_FRAMES // FRAMES_PER_TOKEN
TOP_DB = 80.0
PADDING = -2.0  # log-mel value of a frame outside the clip: below the floor (-1) of real audio


MEL_FILTERBANK_FILE = ASSETS / "features" / "mel_filterbank.npy"


def librosa_mel_filterbank() -> np.ndarray:
    """librosa's mel filterbank for our settings ``[32, 257]`` (``tools/build_mel_filterbank.py``
    saves it; a test checks the saved copy still equals it)."""
    import librosa  # about a second to import: kept off the app's start-up path

    return librosa.filters.mel(sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=N_MELS, fmin=50.0, fmax=8000.0)


@functools.lru_cache(maxsize=1)
def _mel_filterbank() -> Tensor:
    return torch.from_numpy(np.load(MEL_FILTERBANK_FILE, allow_pickle=False))


def log_mel(waves: np.ndarray | Tensor) -> Tensor:
    """``[N, samples]`` waveforms at 16 kHz -> ``[N, 32, 60]`` log-mel in [-1, 1].

    Same numbers as ``librosa.feature.melspectrogram`` (Hann window, constant padding), computed
    with a batched ``torch.stft`` because librosa's per-clip loop is ~15x slower. Each clip is
    referenced to its own loudest bin (so loudness does not matter) and floored ``TOP_DB`` below it;
    ``-TOP_DB .. 0`` dB maps to ``-1 .. 1``.
    """
    waves = torch.as_tensor(np.asarray(waves, dtype=np.float32)).reshape(-1, np.shape(waves)[-1])
    needed = (NUM_FRAMES - 1) * HOP_LENGTH + 1
    if waves.shape[1] < needed:
        waves = torch.nn.functional.pad(waves, (0, needed - waves.shape[1]))
    spectrum = torch.stft(
        waves, N_FFT, HOP_LENGTH, window=torch.hann_window(N_FFT), center=True, pad_mode="constant",
        return_complex=True,
    )
    mel = (_mel_filterbank() @ spectrum.abs().square())[..., :NUM_FRAMES]
    reference = mel.amax(dim=(1, 2), keepdim=True).clamp_min(1e-10)
    db = 10.0 * torch.log10(torch.maximum(mel, reference * 10 ** (-TOP_DB / 10)) / reference)
    return db / (TOP_DB / 2) + 1.0


def clip_extent(waves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``[N, samples]`` windows -> (first, last + 1) non-zero sample of each row (0, 0 if silent)."""
    sound = np.asarray(waves) != 0
    has = sound.any(axis=1)
    first = np.where(has, sound.argmax(axis=1), 0)
    last = np.where(has, sound.shape[1] - sound[:, ::-1].argmax(axis=1), 0)
    return first, last


def frame_in_clip(waves: np.ndarray) -> np.ndarray:
    """``[N, 60]`` bool: frame ``f``'s analysis window (centred on sample ``f * hop``, ``N_FFT``
    wide) overlaps the clip's extent."""
    first, last = clip_extent(waves)
    centre = np.arange(NUM_FRAMES) * HOP_LENGTH
    return (centre[None] - N_FFT // 2 < last[:, None]) & (centre[None] + N_FFT // 2 > first[:, None])


def audio_inputs(waves: np.ndarray) -> Tensor:
    """Model input for audio: the log-mel spectrogram ``[N, 32, 60]``, frames outside each clip
    set to ``PADDING``."""
    inside = torch.from_numpy(frame_in_clip(waves))
    return torch.where(inside.unsqueeze(1), log_mel(waves), torch.tensor(PADDING))


def padding_frames(spectrogram: Tensor) -> Tensor:
    """``[B, 32, 60]`` -> ``[B, 60]`` bool: the frames outside the clip (all bins ``PADDING``)."""
    return (spectrogram <= (PADDING - 1.0) / 2).all(dim=1)


def padding_tokens(spectrogram: Tensor) -> Tensor:
    """``[B, 32, 60]`` -> ``[B, 20]`` bool: tokens whose three frames are all outside the clip."""
    frames = padding_frames(spectrogram)[:, :NUM_FRAMES]
    return frames.reshape(frames.shape[0], NUM_AUDIO_TOKENS, FRAMES_PER_TOKEN).all(-1)


def delete_audio_tokens(spectrogram: Tensor, tokens: Tensor) -> Tensor:
    """A copy with the audio tokens marked True in ``tokens`` (``[B, 20]`` bool) turned into
    padding, so the model masks them (its own absent path for a token)."""
    frames = tokens.repeat_interleave(FRAMES_PER_TOKEN, dim=1)  # [B, 60]
    return torch.where(frames.unsqueeze(1), torch.tensor(PADDING, dtype=spectrogram.dtype), spectrogram)


def ig_audio_baseline(spectrogram: Tensor) -> Tensor:
    """Silence of the same clip: the floor (-1) on the clip's frames, padding kept as padding, so a
    straight path from it to the input never crosses the padding mask."""
    return torch.where(spectrogram <= (PADDING - 1.0) / 2, spectrogram, torch.full_like(spectrogram, -1.0))


def to_frame_groups(spectrogram: Tensor) -> Tensor:
    """``[B, 32, 60]`` -> ``[B, 20, 96]``: token t covers frames ``3t .. 3t+2``."""
    batch = spectrogram.shape[0]
    frames = spectrogram[..., :NUM_FRAMES].transpose(1, 2)  # [B, 60, 32]
    return frames.reshape(batch, NUM_AUDIO_TOKENS, FRAMES_PER_TOKEN * N_MELS)


class AudioTokenizer(LinearTokenizer):
    """Linear embedding of groups of log-mel frames plus a learned position per group."""

    num_tokens = NUM_AUDIO_TOKENS
    token_features = FRAMES_PER_TOKEN * N_MELS

    def split(self, spectrogram: Tensor) -> Tensor:
        return to_frame_groups(spectrogram.clamp_min(-1.0))  # padding reads as the floor; it is masked

    def forward(self, spectrogram: Tensor) -> tuple[Tensor, Tensor]:
        tokens, _ = super().forward(spectrogram)
        return tokens, ~padding_tokens(spectrogram)


def audio_frames(token_weights: Any) -> np.ndarray:
    """``[20]`` frame-group weights -> ``[60]`` per-frame weights; frames 3t..3t+2 get token t's."""
    weights = token_vector(token_weights, NUM_AUDIO_TOKENS, "audio")
    return np.repeat(weights, FRAMES_PER_TOKEN)


def audio_spectrogram(frame_weights: Any, n_mels: int = N_MELS) -> np.ndarray:
    """``[60]`` per-frame weights -> ``[n_mels, 60]``, the same weight in every mel band of a frame
    (audio tokens span the whole frequency axis, so attention says nothing about frequency)."""
    frames = token_vector(frame_weights, NUM_FRAMES, "audio frames")
    return np.broadcast_to(frames, (n_mels, NUM_FRAMES)).copy()


class AudioSpec(ModalitySpec):
    """A 16 kHz mono waveform; models read its log-mel spectrogram over a 1.2 s window."""

    name = "audio"
    colour = "#F58518"
    upload_types = ("wav", "flac", "ogg", "mp3")
    max_file_bytes = MAX_AUDIO_BYTES
    ig_baseline = "silence (log-mel at the -1 floor) over the clip; the padding after it stays padding"
    ig_baseline_value = -1.0

    def ig_baseline_input(self, value: Tensor) -> Tensor:
        return ig_audio_baseline(value)

    def real_tokens(self, model_input: Tensor) -> Tensor:
        return ~padding_tokens(model_input)

    def delete_tokens(self, model_input: Tensor, tokens: Tensor) -> Tensor:
        return delete_audio_tokens(model_input, tokens)

    def decode(self, data: Any) -> tuple[np.ndarray, tuple[str, ...]]:
        from fusion.io import decode_audio

        clip = decode_audio(data)
        return clip.waveform, tuple(clip.warnings)

    def placeholder(self) -> np.ndarray:
        return np.zeros(MAX_AUDIO_SAMPLES, dtype=np.float32)

    def to_tensor(self, values: Sequence[Any], vocabulary: Sequence[str] = ()) -> Tensor:
        return audio_inputs(window(values))

    def tokenizer(self, width: int, vocabulary: Sequence[str] = ()) -> nn.Module:
        return AudioTokenizer(width)

    def view(self, value: Any) -> list:
        return audio_inputs(window([value]))[0].clamp_min(-1.0).tolist()  # padding drawn as the floor

    def token_map(self, token_weights: Any, model_input: Tensor, vocabulary: Sequence[str] = ()) -> tuple[np.ndarray, None]:
        return audio_frames(token_weights), None


def window(waves: Sequence[Any]) -> np.ndarray:
    """Waveforms of any length -> ``[N, MAX_AUDIO_SAMPLES]``: each cut to the window or zero-padded."""
    out = np.zeros((len(waves), MAX_AUDIO_SAMPLES), dtype=np.float32)
    for row, wave in enumerate(waves):
        wave = np.asarray(wave, dtype=np.float32).reshape(-1)[:MAX_AUDIO_SAMPLES]
        out[row, : len(wave)] = wave
    return out


register_modality(AudioSpec())
