"""The encoder registry: names -> frozen encoders, and the list the UI and CLI show.

Names: the built-ins (``pixels``, ``logmel``, ``words``: our own, no weights;
``efficientnet-lite0``, ``minilm``: weights in pip packages), ``open_clip:<architecture>/<tag>``,
``hf:<model id or folder>`` and, for video, ``frames:<image encoder>`` (a clip frame by frame). :func:`list_encoders` never touches the network nor loads a model:
it reads package metadata, open_clip's config files and the local Hugging Face cache.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

from fusion.encoders import efficientnet, minilm
from fusion.encoders.base import Encoder, EncoderInfo, EncoderUnavailable
from fusion.encoders.hub import cached_file, cached_snapshot, download_hint
from fusion.encoders.logmel import LogMelEncoder
from fusion.encoders.openclip import PREFIX as OPEN_CLIP, hub_weights
from fusion.encoders.pixels import PixelsEncoder
from fusion.encoders.words import WordsEncoder
from fusion.errors import ConfigError
from fusion.modalities import list_modalities

HF = "hf:"
DEFAULT_ENCODERS = {"image": "efficientnet-lite0", "audio": "logmel", "text": "minilm", "video": "frames:efficientnet-lite0"}
FRAMES = "frames:"  # a clip, frame by frame, through an image encoder (fusion.encoders.frames)
OPEN_CLIP_PACKAGE = ("open_clip", "open-clip-torch")
TRANSFORMERS_PACKAGE = ("transformers", "transformers")


@dataclass(frozen=True)
class BuiltIn:
    name: str
    modality: str
    dim: int
    token_dim: int
    source: str
    loader: str  # "module:callable" under fusion.encoders, imported only when loaded
    packages: tuple[tuple[str, str], ...] = ()  # (import name, pip name)


BUILT_INS = {b.name: b for b in (
    BuiltIn("pixels", "image", PixelsEncoder.dim, PixelsEncoder.token_dim, "built-in", "pixels:PixelsEncoder",
            (("PIL", "pillow"),)),
    BuiltIn("logmel", "audio", LogMelEncoder.dim, LogMelEncoder.token_dim, "built-in", "logmel:LogMelEncoder",
            (("librosa", "librosa"),)),
    BuiltIn("words", "text", WordsEncoder.dim, WordsEncoder.token_dim, "built-in", "words:WordsEncoder"),
    BuiltIn(efficientnet.ARCHITECTURE, "image", efficientnet.POOLED_DIM, efficientnet.TOKEN_DIM,
            efficientnet.EfficientNetLite0Encoder.source, "efficientnet:load", tuple(efficientnet.PACKAGES.items())),
    BuiltIn(minilm.NAME, "text", minilm.DIM, minilm.DIM, f"pip package {minilm.PACKAGE}", "minilm:load",
            ((minilm.MODULE, minilm.PACKAGE), TRANSFORMERS_PACKAGE)),
)}

# Bigger backbones to suggest (usable once their weights are in the local cache). The hf_hub
# entries are open_clip's (a test checks them against open_clip.get_pretrained_cfg).
OPEN_CLIP_SUGGESTIONS = (
    ("ViT-B-32", "laion2b_s34b_b79k", "laion/CLIP-ViT-B-32-laion2B-s34B-b79K/"),
    ("ViT-L-14", "laion2b_s32b_b82k", "laion/CLIP-ViT-L-14-laion2B-s32B-b82K/"),
)
HF_SUGGESTIONS = (  # (model id, modality, pooled dim, token dim)
    ("facebook/wav2vec2-base", "audio", 768, 768),
    ("MIT/ast-finetuned-audioset-10-10-0.4593", "audio", 768, 768),
    ("laion/clap-htsat-unfused", "audio", 512, 768),
    ("laion/clap-htsat-unfused", "text", 512, 768),
    ("sentence-transformers/all-mpnet-base-v2", "text", 768, 768),
    ("MCG-NJU/videomae-base", "video", 768, 768),
    ("microsoft/xclip-base-patch32", "video", 512, 768),
    ("facebook/timesformer-base-finetuned-k400", "video", 768, 768),
)


def _check_modality(modality: str) -> None:
    if modality not in list_modalities():
        raise ConfigError(f"unknown modality {modality!r}; choose one of {', '.join(list_modalities())}")


def _missing(packages) -> list[str]:
    return [pip for module, pip in packages if importlib.util.find_spec(module) is None]


def _install_reason(missing: list[str]) -> str:
    return f"pip install {' '.join(missing)}"


def _built_in_rows() -> list[EncoderInfo]:
    rows = []
    for b in BUILT_INS.values():
        missing = _missing(b.packages)
        reason = _install_reason(missing) if missing else None
        rows.append(EncoderInfo(b.name, b.modality, b.dim, True, not missing, b.source, b.token_dim, reason))
        if b.modality == "image":  # the same encoder over a clip's frames: one token per frame
            rows.append(EncoderInfo(FRAMES + b.name, "video", b.dim, True, not missing,
                                    b.source, b.dim, reason))
    return rows


def _open_clip_config(architecture: str) -> dict:
    """open_clip's model config read from its package folder, without importing open_clip (slow)."""
    spec = importlib.util.find_spec("open_clip")
    path = Path(next(iter(spec.submodule_search_locations))) / "model_configs" / f"{architecture}.json"
    return json.loads(path.read_text())


def _open_clip_rows() -> list[EncoderInfo]:
    missing = _missing([OPEN_CLIP_PACKAGE])
    rows = []
    for architecture, tag, hf_hub in OPEN_CLIP_SUGGESTIONS:
        name = f"{OPEN_CLIP}{architecture}/{tag}"
        repo_id, files = hub_weights(hf_hub)
        if missing:
            dims = {"image": (None, None), "text": (None, None)}
            reason = _install_reason(missing)
        else:
            config = _open_clip_config(architecture)
            vision, text = config["vision_cfg"], config["text_cfg"]
            vit = "timm_model_name" not in vision and isinstance(vision.get("layers"), int)
            dims = {"image": (config["embed_dim"], vision["width"] if vit else None),
                    "text": (config["embed_dim"], text.get("width"))}
            reason = None if cached_file(repo_id, files) else download_hint(repo_id, files[:1])
        for modality, (dim, token_dim) in dims.items():
            rows.append(EncoderInfo(name, modality, dim, token_dim is not None, reason is None,
                                    "open_clip (Hugging Face cache)", token_dim, reason))
    return rows


def _hf_rows() -> list[EncoderInfo]:
    missing = _missing([TRANSFORMERS_PACKAGE])
    rows = []
    for repo_id, modality, dim, token_dim in HF_SUGGESTIONS:
        reason = _install_reason(missing) if missing else (
            None if cached_snapshot(repo_id) else download_hint(repo_id))
        rows.append(EncoderInfo(HF + repo_id, modality, dim, True, reason is None,
                                "transformers (Hugging Face cache)", token_dim, reason))
    return rows


def list_encoders(modality: str | None = None) -> list[EncoderInfo]:
    """The built-in encoders and suggested bigger backbones, with whether each runs here now."""
    if modality is not None:
        _check_modality(modality)
    rows = _built_in_rows() + _open_clip_rows() + _hf_rows()
    return [row for row in rows if modality is None or row.modality == modality]


def load_encoder(name: str, modality: str) -> Encoder:
    """The frozen encoder ``name`` for ``modality``, loaded once per process (failures are not
    remembered: after installing or downloading, the next call loads it).

    Raises ConfigError for an unknown name or a modality the encoder does not have, and
    EncoderUnavailable (saying what to install or download) when it cannot run on this machine.
    """
    return _load(str(name).strip(), str(modality))


@functools.lru_cache(maxsize=None)
def _load(name: str, modality: str) -> Encoder:
    _check_modality(modality)
    if name in BUILT_INS:
        built_in = BUILT_INS[name]
        if built_in.modality != modality:
            others = ", ".join(b.name for b in BUILT_INS.values() if b.modality == modality)
            raise ConfigError(f"encoder {name!r} encodes {built_in.modality}, not {modality}; "
                              f"built-in {modality} encoders: {others}")
        missing = _missing(built_in.packages)
        if missing:
            raise EncoderUnavailable(f"encoder {name!r} needs packages that are not installed: "
                                     f"{_install_reason(missing)}")
        module, function = built_in.loader.split(":")
        return getattr(importlib.import_module(f"fusion.encoders.{module}"), function)()
    if name.startswith(FRAMES):
        if modality != "video":
            raise ConfigError(f"encoder {name!r} encodes video (a clip frame by frame), not {modality}")
        from fusion.encoders.frames import FramesEncoder

        return FramesEncoder(load_encoder(name[len(FRAMES):], "image"))
    for prefix, module, package in ((OPEN_CLIP, "openclip", OPEN_CLIP_PACKAGE), (HF, "hf", TRANSFORMERS_PACKAGE)):
        if name.startswith(prefix):
            missing = _missing([package])
            if missing:
                raise EncoderUnavailable(f"encoder {name!r} needs {_install_reason(missing)}")
            return importlib.import_module(f"fusion.encoders.{module}").load(name[len(prefix):], modality)
    raise ConfigError(f"unknown encoder {name!r}; use one of {', '.join(BUILT_INS)}, "
                      f"{OPEN_CLIP}<architecture>/<tag> (e.g. {OPEN_CLIP}ViT-B-32/laion2b_s34b_b79k) or "
                      f"{HF}<model id or local folder> (e.g. {HF}facebook/wav2vec2-base) or, for video, "
                      f"{FRAMES}<image encoder> (e.g. {FRAMES}efficientnet-lite0)")
