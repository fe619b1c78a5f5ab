"""``hf:<model id or local folder>``: Hugging Face transformers text and audio models, frozen.

A local folder is loaded as it is; a model id from the local Hugging Face cache (its snapshot
folder, so nothing asks the Hub), or downloaded first when downloads are allowed
(``FUSION_ONLINE=1`` and huggingface.co reachable); otherwise it fails at once, saying what to
download. Models load with ``attn_implementation="eager"`` so attention weights are available.

- text: tokens = ``last_hidden_state`` of the real tokens (at most 64, special tokens included),
  labelled by the tokenizer; pooled = their mean (sentence-transformers' mean pooling).
- audio: the 16 kHz waveform is resampled to the feature extractor's rate; tokens = the
  ``last_hidden_state`` frames in time order over the clip; pooled = their mean. Audio
  Spectrogram Transformer patches are averaged over frequency into time columns (their input is
  padded to 10.24 s: only columns that start within the clip are kept).
- CLAP (``model_type == "clap"``) has both towers; pooled = the projected embedding (not
  normalised); audio tokens = HTSAT's last map averaged over frequency, spread over the extractor's
  10 s window (a short clip is repeated to fill it), those starting within the clip kept. Best
  effort: tested with a tiny random CLAP only, never with the real weights.
- video (VideoMAE, TimeSformer, X-CLIP): the clip's frames (``fusion.video_io.decode_video_rgb``)
  are resampled evenly to the model's ``num_frames``, each resized (shorter side) and centre-cropped
  to its ``image_size`` and normalised with the folder's ``preprocessor_config.json`` mean and std
  (ImageNet's without one). Tokens: one per time step in order (VideoMAE: per tubelet of
  ``tubelet_size`` frames, TimeSformer: per frame, patches averaged; X-CLIP: each frame's vision
  embedding); pooled: their mean (X-CLIP: its video embedding). Tested with tiny random configs
  only, never with the real weights.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from fusion.formats import SAMPLE_RATE
from fusion.encoders.base import Encoder, EncoderUnavailable, Encoding, TokenLayout
from fusion.encoders.common import (as_float32, batches, check_texts, check_waveforms, frozen, masked_mean,
                                    spread_seconds)
from fusion.encoders.hub import (HF_WEIGHT_FILES, cached_snapshot, downloads_allowed, folder_identity, hf_cache_dir,
                                 is_repo_id, unavailable)
from fusion.errors import ConfigError

PREFIX = "hf:"
MAX_TEXT_TOKENS = 64
ATTENTION = "eager"  # the attention implementation that can return attention weights
AUDIO_INPUTS = ("input_values", "input_features")
MIN_AUDIO_SECONDS = 0.1  # shorter clips are zero-padded to this (convolutional front ends need it)
AST = "audio-spectrogram-transformer"
AST_FRAME_SECONDS = 0.01  # AST's filterbank frame shift
VIDEO_MODEL_TYPES = ("videomae", "timesformer", "xclip")
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
# transformers 5 quietly builds an empty tokenizer for a folder without these: check first
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "vocab.json", "tokenizer.model",
                   "spiece.model", "sentencepiece.bpe.model")
DOWNLOAD_PATTERNS = ("*.json", "*.txt", "*.model", "*.safetensors")


def resolve(spec: str) -> tuple[Path, str]:
    """``spec`` (folder or model id) -> (local folder, source text); downloads only when allowed."""
    folder = Path(spec).expanduser()
    if folder.is_dir():
        return folder.resolve(), f"transformers (local folder {folder.resolve()})"
    if not is_repo_id(spec):
        raise ConfigError(f"hf:{spec} is neither a folder on this machine nor a Hugging Face model id like "
                          "'facebook/wav2vec2-base'.")
    snapshot = cached_snapshot(spec)
    if snapshot is not None:
        return snapshot, "transformers (Hugging Face cache)"
    if not downloads_allowed():
        raise unavailable(PREFIX + spec, spec)
    return download(spec), "transformers (Hugging Face, downloaded)"


def download(repo_id: str) -> Path:
    """Configs, tokenizer files and one kind of weights (safetensors when the repo has them)."""
    from huggingface_hub import list_repo_files, snapshot_download

    try:
        files = list_repo_files(repo_id)
        patterns = list(DOWNLOAD_PATTERNS) + ([] if any(f.endswith(".safetensors") for f in files) else ["*.bin"])
        return Path(snapshot_download(repo_id, cache_dir=hf_cache_dir(), allow_patterns=patterns))
    except Exception as error:  # network, authentication, missing repo: all end the same way
        raise EncoderUnavailable(f"could not download {repo_id} into {hf_cache_dir()}: {error}") from error


def model_modalities(config) -> tuple[str, ...]:
    """Which of our modalities a transformers config's model takes, from its main input."""
    if config.model_type == "clap":
        return ("audio", "text")
    if config.model_type in VIDEO_MODEL_TYPES:
        return ("video",)
    from transformers import AutoModel

    try:
        model_class = AutoModel._model_mapping[type(config)]
    except KeyError:
        raise ConfigError(f"transformers has no model class for model type {config.model_type!r}") from None
    main_input = model_class.main_input_name
    return ("text",) if main_input == "input_ids" else ("audio",) if main_input in AUDIO_INPUTS else ()


def load(spec: str, modality: str) -> Encoder:
    """``load("facebook/wav2vec2-base", "audio")``: the encoder for ``hf:<spec>``."""
    from transformers import AutoConfig

    folder, source = resolve(spec)
    config = _loading(spec, folder, lambda: AutoConfig.from_pretrained(folder, local_files_only=True))
    supported = model_modalities(config)
    if modality not in supported:
        takes = ", ".join(supported) or "neither text nor audio"
        raise ConfigError(f"hf:{spec} (model type {config.model_type}) takes {takes}, not {modality}; "
                          "pick a model of that modality.")
    encoder_class = {"text": HFTextEncoder, "audio": HFAudioEncoder, "video": HFVideoEncoder}[modality]
    return encoder_class(folder, PREFIX + spec, source, config)


@contextlib.contextmanager
def _quiet():
    """No progress bars or load reports in the app's or CLI's output while a model loads (what the
    report would say that matters, missing weights, is checked by ``_model``)."""
    from transformers.utils import logging

    bars, verbosity = logging.is_progress_bar_enabled(), logging.get_verbosity()
    logging.disable_progress_bar()
    logging.set_verbosity_error()
    try:
        yield
    finally:
        logging.set_verbosity(verbosity)
        if bars:
            logging.enable_progress_bar()


def _loading(name: str, folder: Path, load_fn):
    """Run a ``from_pretrained`` call quietly; a folder that lacks files becomes an actionable error."""
    try:
        with _quiet():
            return load_fn()
    except (OSError, ValueError) as error:
        present = ", ".join(sorted(p.name for p in folder.iterdir())) if folder.is_dir() else "nothing"
        raise EncoderUnavailable(f"could not load {name} from {folder} (it holds: {present}): {error}. A model "
                                 f"folder needs config.json, weights ({' or '.join(HF_WEIGHT_FILES[::2])}) and "
                                 "its tokenizer or feature-extractor files.") from error


def _accepted(model, inputs) -> dict[str, Any]:
    """The inputs ``model.forward`` takes (tokenizers may add e.g. token_type_ids a model rejects)."""
    parameters = inspect.signature(model.forward).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return dict(inputs)
    return {key: value for key, value in inputs.items() if key in parameters}


def _model(folder: Path, config, name: str, clap_class: str):
    """The frozen backbone: CLAP's tower with projection, an encoder-decoder's encoder, or AutoModel.

    Strict: weights missing from the checkpoint would be random, so they are an error (except an
    unused pooler: we pool ourselves, except for CLAP, whose projection reads it)."""
    import transformers

    clap = config.model_type == "clap"
    model_class = getattr(transformers, clap_class) if clap else transformers.AutoModel
    model, report = _loading(name, folder, lambda: model_class.from_pretrained(
        folder, local_files_only=True, attn_implementation=ATTENTION, output_loading_info=True))
    missing = sorted(set(report.get("missing_keys", ())) | {str(k) for k in report.get("mismatched_keys", ())})
    missing = [key for key in missing if clap or "pooler." not in key]
    if missing:
        raise EncoderUnavailable(f"{name}: the weights in {folder} do not fit {type(model).__name__} "
                                 f"({len(missing)} missing or mismatched, e.g. {', '.join(missing[:3])}); "
                                 "is it the right model folder?")
    if getattr(model.config, "is_encoder_decoder", False):
        model = model.get_encoder()
    return frozen(model)


def _width(config, tower: str) -> int:
    sub = getattr(config, f"{tower}_config", None) if config.model_type == "clap" else config
    return int(getattr(sub, "hidden_size", None) or getattr(sub, "d_model"))


class HFTextEncoder(Encoder):
    """A transformers text model (see the module docstring)."""

    modality = "text"

    def __init__(self, folder: Path, name: str, source: str, config=None, max_tokens: int = MAX_TEXT_TOKENS) -> None:
        from transformers import AutoConfig, AutoTokenizer

        config = config or _loading(name, folder, lambda: AutoConfig.from_pretrained(folder, local_files_only=True))
        self.name, self.source, self.max_tokens = name, source, max_tokens
        self.attn_implementation = ATTENTION
        if not any((folder / file).is_file() for file in TOKENIZER_FILES):
            raise EncoderUnavailable(f"{name}: {folder} has no tokenizer (none of {', '.join(TOKENIZER_FILES)}); "
                                     "copy the model's tokenizer files into it (tokenizer.save_pretrained).")
        self.tokenizer = _loading(name, folder, lambda: AutoTokenizer.from_pretrained(folder, local_files_only=True))
        self.model = _model(folder, config, name, "ClapTextModelWithProjection")
        self.projected = config.model_type == "clap"
        self.token_dim = _width(config, "text")
        self.dim = int(config.projection_dim) if self.projected else self.token_dim
        self.version = f"{name}:{folder_identity(folder)}:max{max_tokens}"

    def encode(self, items: Sequence[Any]) -> list[Encoding]:
        return self._run(items, attentions=False)[0]

    def encode_with_attentions(self, items: Sequence[Any]) -> tuple[list[Encoding], list[np.ndarray]]:
        """Encodings and, per text, attention weights ``[layers, heads, T, T]`` over its tokens."""
        return self._run(items, attentions=True)

    def _run(self, items: Sequence[Any], attentions: bool) -> tuple[list[Encoding], list[np.ndarray]]:
        import torch

        encodings, weights = [], []
        for batch in batches(check_texts(items)):
            inputs = self.tokenizer(list(batch), padding=True, truncation=True, max_length=self.max_tokens,
                                    return_tensors="pt")
            with torch.no_grad():
                output = self.model(**_accepted(self.model, inputs), output_attentions=attentions)
            mask = inputs["attention_mask"]
            hidden = output.last_hidden_state
            pooled = output.text_embeds if self.projected else masked_mean(hidden, mask)
            for i in range(len(batch)):
                real = mask[i].bool()
                labels = tuple(self.tokenizer.convert_ids_to_tokens(inputs["input_ids"][i][real].tolist()))
                encodings.append(Encoding(as_float32(pooled[i]), as_float32(hidden[i][real]),
                                          TokenLayout("words", labels=labels)))
                if attentions:
                    stacked = torch.stack([layer[i] for layer in output.attentions])  # [layers, heads, T, T]
                    weights.append(as_float32(stacked[:, :, real][:, :, :, real]))
        return encodings, weights


class HFAudioEncoder(Encoder):
    """A transformers audio model (see the module docstring). Clips are encoded one at a time, so
    no padding changes what a model sees (wav2vec2-base, for one, takes no attention mask)."""

    modality = "audio"

    def __init__(self, folder: Path, name: str, source: str, config) -> None:
        from transformers import AutoFeatureExtractor

        self.name, self.source = name, source
        self.attn_implementation = ATTENTION
        self.extractor = _loading(name, folder, lambda: AutoFeatureExtractor.from_pretrained(
            folder, local_files_only=True))
        self.rate = int(self.extractor.sampling_rate)
        self.model = _model(folder, config, name, "ClapAudioModelWithProjection")
        self.model_type = config.model_type
        self.token_dim = _width(config, "audio")
        self.dim = int(config.projection_dim) if self.model_type == "clap" else self.token_dim
        self.version = f"{name}:{folder_identity(folder)}:audio1"

    def encode(self, items: Sequence[Any]) -> list[Encoding]:
        import torch

        encodings = []
        for wave in check_waveforms(items):
            seconds = len(wave) / SAMPLE_RATE
            if self.rate != SAMPLE_RATE:
                import librosa

                wave = librosa.resample(wave, orig_sr=SAMPLE_RATE, target_sr=self.rate).astype(np.float32)
            minimum = int(MIN_AUDIO_SECONDS * self.rate)
            if len(wave) < minimum:
                wave = np.pad(wave, (0, minimum - len(wave)))
            inputs = self.extractor(wave, sampling_rate=self.rate, return_tensors="pt")
            with torch.no_grad():
                output = self.model(**_accepted(self.model, inputs))
            tokens, times = self._time_tokens(output.last_hidden_state[0], seconds)
            pooled = output.audio_embeds[0] if self.model_type == "clap" else tokens.mean(0)
            encodings.append(Encoding(as_float32(pooled), as_float32(tokens), TokenLayout("frames", seconds=times)))
        return encodings

    def _time_tokens(self, hidden, seconds: float):
        """One model's hidden states -> (tokens ``[T, D]`` in time order, each one's (start, end) s)."""
        if self.model_type == AST:
            config = self.model.config
            rows, columns = self.model.embeddings.get_shape(config)
            tokens = hidden[-rows * columns:].reshape(rows, columns, -1).mean(0)  # drop the 2 special tokens
            step, width = config.time_stride * AST_FRAME_SECONDS, config.patch_size * AST_FRAME_SECONDS
            times = tuple((round(j * step, 4), round(j * step + width, 4)) for j in range(columns))
        elif self.model_type == "clap":  # [channels, frequency, time] -> [time, channels] over the padded input
            tokens = hidden.mean(1).T
            times = spread_seconds(len(tokens), self.extractor.nb_max_samples / self.rate)
        else:
            return hidden, spread_seconds(len(hidden), seconds)
        keep = max(1, sum(start < seconds for start, _ in times))
        return tokens[:keep], times[:keep]



def normalisation(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """The image mean and std of a model folder's ``preprocessor_config.json`` (ImageNet's without one)."""
    import json

    path = folder / "preprocessor_config.json"
    settings = json.loads(path.read_text()) if path.is_file() else {}
    mean, std = settings.get("image_mean", IMAGENET_MEAN), settings.get("image_std", IMAGENET_STD)
    return np.asarray(mean, np.float32).reshape(3, 1, 1), np.asarray(std, np.float32).reshape(3, 1, 1)


def frame_pixels(frame: np.ndarray, side: int, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """uint8 RGB ``[H, W, 3]`` -> shorter side ``side`` (bilinear), centre crop, ``[3, side, side]`` normalised."""
    from PIL import Image

    picture = Image.fromarray(frame, "RGB")
    scale = side / min(picture.size)
    width, height = (max(side, round(length * scale)) for length in picture.size)
    picture = picture.resize((width, height), Image.Resampling.BILINEAR)
    left, top = (width - side) // 2, (height - side) // 2
    pixels = np.asarray(picture.crop((left, top, left + side, top + side)), np.float32).transpose(2, 0, 1) / 255.0
    return (pixels - mean) / std


class HFVideoEncoder(Encoder):
    """A transformers video model (see the module docstring). Clips are encoded one at a time."""

    modality = "video"

    def __init__(self, folder: Path, name: str, source: str, config) -> None:
        self.name, self.source = name, source
        self.model_type = config.model_type
        vision = config.vision_config if self.model_type == "xclip" else config
        self.frames, self.side = int(vision.num_frames), int(vision.image_size)
        self.patches = (self.side // int(vision.patch_size)) ** 2
        self.tubelet = int(getattr(vision, "tubelet_size", 1)) if self.model_type == "videomae" else 1
        self.mean, self.std = normalisation(folder)
        self.model = _model(folder, config, name, "")
        self.token_dim = int(vision.hidden_size)
        self.dim = int(config.projection_dim) if self.model_type == "xclip" else self.token_dim
        self.version = f"{name}:{folder_identity(folder)}:video1"

    def encode(self, items: Sequence[Any]) -> list[Encoding]:
        import torch

        from fusion.encoders.common import check_clips, frame_layout
        from fusion.video_io import even_indices

        encodings = []
        for clip in check_clips(items):
            frames = [frame_pixels(clip[i], self.side, self.mean, self.std) for i in even_indices(len(clip), self.frames)]
            pixels = torch.from_numpy(np.stack(frames))[None]  # [1, T, 3, S, S]
            with torch.no_grad():
                if self.model_type == "xclip":
                    tokens = self.model.vision_model(pixel_values=pixels[0]).pooler_output  # [T, hidden]
                    pooled = self.model.get_video_features(pixel_values=pixels)
                    pooled = getattr(pooled, "pooler_output", pooled)[0]
                else:
                    hidden = self.model(pixel_values=pixels).last_hidden_state[0]
                    hidden = hidden[-(self.frames // self.tubelet) * self.patches:]  # TimeSformer: [CLS] dropped
                    tokens = hidden.reshape(self.frames // self.tubelet, self.patches, -1).mean(1)
                    pooled = tokens.mean(0)
            encodings.append(Encoding(as_float32(pooled), as_float32(tokens), frame_layout(len(tokens))))
        return encodings
