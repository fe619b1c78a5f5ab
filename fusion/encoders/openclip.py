"""``open_clip:<architecture>/<pretrained tag>``: an open_clip model's image or text tower, frozen.

One loaded model serves both towers. Weights come from the local Hugging Face cache (read as a
file: open_clip loads safetensors, or a ``.bin`` with ``weights_only=True``), or are downloaded
when downloads are allowed; offline and not cached fails at once with what to download. The tag
``random`` (``open_clip:ViT-B-32/random``) builds the architecture with a seeded random init and
no weights at all: for tests and benchmarks, never for results.

- image: pooled = ``encode_image`` (embed_dim); tokens = a ViT's patch tokens after its final
  norm (width), on its patch grid; other towers (ResNet, timm) have no tokens.
- text: pooled = ``encode_text``; tokens = the text transformer's final-norm states of the real
  tokens (start/end included), labelled by the tokenizer; towers without them give no tokens.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fusion.encoders.base import Encoder, EncoderUnavailable, Encoding, TokenLayout
from fusion.encoders.common import as_float32, batches, check_images, check_texts, frozen
from fusion.encoders.hub import cached_file, downloads_allowed, file_identity, hf_cache_dir, unavailable
from fusion.errors import ConfigError

PREFIX = "open_clip:"
RANDOM = "random"
# open_clip.constants: the default checkpoint name in a Hub repo, and its safetensors twin
OPEN_CLIP_BIN, OPEN_CLIP_SAFETENSORS = "open_clip_pytorch_model.bin", "open_clip_model.safetensors"
# a tag's own preprocessing (open_clip applies it when it loads a tag; we load the file, so pass it on)
TAG_PREPROCESS = ("mean", "std", "interpolation", "resize_mode")
FIND_VALID = ("list valid architectures with open_clip.list_models() and architecture/tag pairs with "
              "open_clip.list_pretrained()")


def parse(spec: str) -> tuple[str, str]:
    """``"ViT-B-32/laion2b_s34b_b79k"`` -> (architecture, tag)."""
    architecture, _, tag = spec.rpartition("/")
    if not architecture or not tag:
        raise ConfigError(f"write open_clip encoders as open_clip:<architecture>/<pretrained tag>, e.g. "
                          f"open_clip:ViT-B-32/laion2b_s34b_b79k (or /{RANDOM} for random weights); {FIND_VALID}.")
    return architecture, tag


def hub_weights(hf_hub: str) -> tuple[str, tuple[str, ...]]:
    """A pretrained config's ``hf_hub`` entry (``"org/repo/"`` or ``"org/repo/file"``) -> (repo id,
    candidate files, safetensors first), as open_clip's own download would try them."""
    repo_id, filename = os.path.split(hf_hub)  # "org/repo/" -> ("org/repo", ""): the default file
    filename = filename or OPEN_CLIP_BIN
    if filename == OPEN_CLIP_BIN:
        return repo_id, (OPEN_CLIP_SAFETENSORS, OPEN_CLIP_BIN)
    if filename.endswith((".bin", ".pth")):
        return repo_id, (filename[:-4] + ".safetensors", filename)
    return repo_id, (filename,)


def _weights(architecture: str, tag: str, pretrained: dict) -> Path:
    """The local weights file of a pretrained tag, downloading it only when allowed."""
    name = f"{PREFIX}{architecture}/{tag}"
    if pretrained.get("file"):
        return Path(pretrained["file"])
    if not pretrained.get("hf_hub"):
        raise EncoderUnavailable(f"{name}: this tag's weights come only from {pretrained.get('url')}; download "
                                 "that file and use it with open_clip directly.")
    repo_id, files = hub_weights(pretrained["hf_hub"])
    path = cached_file(repo_id, files)
    if path is not None:
        return path
    if not downloads_allowed():
        raise unavailable(name, repo_id, files[:1], extra=(
            f", or let open_clip fetch it there: python -c \"import open_clip; open_clip.create_model_and_transforms("
            f"'{architecture}', pretrained='{tag}', cache_dir='{hf_cache_dir()}')\""))
    from huggingface_hub import hf_hub_download

    errors = []
    for filename in files:
        try:
            return Path(hf_hub_download(repo_id, filename, cache_dir=hf_cache_dir()))
        except Exception as error:  # the next candidate, then a clear error
            errors.append(f"{filename}: {error}")
    raise EncoderUnavailable(f"could not download {name} weights from {repo_id}: {'; '.join(errors)}")


@dataclass(frozen=True)
class Bundle:
    """One loaded open_clip model with what both towers need."""

    model: Any
    preprocess: Any
    tokenizer: Any
    embed_dim: int
    version: str
    source: str


@functools.lru_cache(maxsize=4)
def load_bundle(architecture: str, tag: str) -> Bundle:
    """The model, preprocessing and tokenizer of ``open_clip:<architecture>/<tag>``, once per process."""
    import open_clip
    import torch

    name = f"{PREFIX}{architecture}/{tag}"
    if architecture not in open_clip.list_models():
        raise ConfigError(f"unknown open_clip architecture {architecture!r}; {FIND_VALID}.")
    try:
        if tag == RANDOM:
            with torch.random.fork_rng(devices=[]):  # the same random weights every time, global RNG untouched
                torch.manual_seed(0)
                model, _, preprocess = open_clip.create_model_and_transforms(
                    architecture, pretrained=None, pretrained_text=False)
            version = f"{name}:seed0:{open_clip.__version__}"
            source = "open_clip (random init: tests and benchmarks only)"
        else:
            pretrained = open_clip.get_pretrained_cfg(architecture, tag)
            if not pretrained:
                tags = ", ".join(open_clip.list_pretrained_tags_by_model(architecture)) or "none"
                raise ConfigError(f"open_clip has no pretrained tag {tag!r} for {architecture} (its tags: {tags}, "
                                  f"or {RANDOM}); {FIND_VALID}.")
            path = _weights(architecture, tag, pretrained)
            model, _, preprocess = open_clip.create_model_and_transforms(
                architecture, pretrained=str(path), cache_dir=str(hf_cache_dir()),
                force_quick_gelu=bool(pretrained.get("quick_gelu", False)),
                **{f"image_{key}": pretrained[key] for key in TAG_PREPROCESS if pretrained.get(key) is not None})
            version, source = f"{name}:{file_identity(path)}", "open_clip (Hugging Face cache)"
        tokenizer = open_clip.get_tokenizer(architecture)
    except (OSError, RuntimeError) as error:  # e.g. a tower whose Hugging Face config is not cached
        raise EncoderUnavailable(f"open_clip could not build {name}: {error}") from error
    embed_dim = int(open_clip.get_model_config(architecture)["embed_dim"])
    return Bundle(frozen(model), preprocess, tokenizer, embed_dim, version, source)


class _OpenClipEncoder(Encoder):
    def __init__(self, spec: str, bundle: Bundle) -> None:
        self.name = PREFIX + spec
        self.bundle = bundle
        self.model = bundle.model
        self.dim = bundle.embed_dim
        self.source = bundle.source
        self.version = bundle.version


class OpenClipImageEncoder(_OpenClipEncoder):
    modality = "image"

    def __init__(self, spec: str, bundle: Bundle) -> None:
        from open_clip.transformer import VisionTransformer

        super().__init__(spec, bundle)
        visual = self.model.visual
        # patch tokens on a grid: plain ViTs (an attentional pooler's tokens are queries, not patches)
        vit = isinstance(visual, VisionTransformer) and visual.attn_pool is None
        self.grid = tuple(visual.grid_size) if vit else None
        self.token_dim = int(visual.conv1.out_channels) if vit else None

    def encode(self, items: Sequence[Any]) -> list[Encoding]:
        import torch
        from PIL import Image

        encodings = []
        for batch in batches(check_images(items)):
            pixels = torch.stack([self.bundle.preprocess(Image.fromarray(image, "RGB")) for image in batch])
            with torch.no_grad():
                if self.grid is None:
                    pooled, tokens = self.model.encode_image(pixels), [None] * len(batch)
                else:
                    out = self.model.forward_intermediates(image=pixels, image_indices=1, normalize=False,
                                                           normalize_intermediates=True, image_output_fmt="NLC")
                    pooled, tokens = out["image_features"], out["image_intermediates"][-1]
            layout = TokenLayout("grid", grid=self.grid) if self.grid else TokenLayout("single")
            encodings += [Encoding(as_float32(p), None if t is None else as_float32(t), layout)
                          for p, t in zip(pooled, tokens)]
        return encodings


class OpenClipTextEncoder(_OpenClipEncoder):
    modality = "text"

    def __init__(self, spec: str, bundle: Bundle) -> None:
        super().__init__(spec, bundle)
        tower = getattr(self.model, "text", self.model)  # CustomTextCLIP has a text tower; CLIP is one
        with_tokens = hasattr(tower, "forward_intermediates") and hasattr(tower, "ln_final")
        self.token_dim = int(tower.ln_final.normalized_shape[0]) if with_tokens else None
        hf_tokenizer = getattr(bundle.tokenizer, "tokenizer", None)
        self.pad_id = getattr(hf_tokenizer, "pad_token_id", None) or 0

    def labels(self, ids: list[int]) -> tuple[str, ...]:
        """Each token id as text: the Hugging Face tokenizer's pieces, or open_clip's BPE decoded."""
        hf_tokenizer = getattr(self.bundle.tokenizer, "tokenizer", None)
        if hasattr(hf_tokenizer, "convert_ids_to_tokens"):
            return tuple(hf_tokenizer.convert_ids_to_tokens(ids))
        decode = getattr(self.bundle.tokenizer, "decode", None)
        return tuple((decode([i]).strip() if decode else "") or f"tok{n}" for n, i in enumerate(ids))

    def encode(self, items: Sequence[Any]) -> list[Encoding]:
        import torch

        encodings = []
        for batch in batches(check_texts(items)):
            ids = self.bundle.tokenizer(list(batch))
            with torch.no_grad():
                if self.token_dim is None:
                    pooled, states = self.model.encode_text(ids), None
                else:
                    out = self.model.forward_intermediates(text=ids, text_indices=1, normalize=False,
                                                           normalize_intermediates=True)
                    pooled, states = out["text_features"], out["text_intermediates"][-1]
            for i in range(len(batch)):
                if states is None:
                    encodings.append(Encoding(as_float32(pooled[i]), None))
                    continue
                real = ids[i] != self.pad_id
                layout = TokenLayout("words", labels=self.labels(ids[i][real].tolist()))
                encodings.append(Encoding(as_float32(pooled[i]), as_float32(states[i][real]), layout))
        return encodings


def load(spec: str, modality: str) -> Encoder:
    """``load("ViT-B-32/laion2b_s34b_b79k", "image")``: one tower of ``open_clip:<spec>``."""
    if modality not in ("image", "text"):
        raise ConfigError(f"open_clip models encode image and text, not {modality}.")
    bundle = load_bundle(*parse(spec))
    return (OpenClipImageEncoder if modality == "image" else OpenClipTextEncoder)(spec, bundle)
