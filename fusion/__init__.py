"""Fusion Explorer: early, late and hybrid multimodal fusion, explained.

The public API (imported on first use, so ``import fusion`` stays light)::

    from fusion import get_task, load_checkpoint, explain_model, evaluate
    task = get_task("digits")
    model = load_checkpoint("assets/checkpoints/digits/early")
    report = explain_model(model, task.sample(14))      # an Explanation; .to_dict() is its JSON
    evaluate(model, predictions=True)                   # the same rows, scored

Importing this package makes torchvision importable on CPU torch, at torchvision's first import
(see ``fusion._torchvision``), and sets the Hugging Face libraries to offline unless the user
opted in (``FUSION_ONLINE=1``).
"""

from __future__ import annotations

import importlib
import os
from typing import Any

if os.environ.get("FUSION_ONLINE") != "1":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from fusion._torchvision import ensure_torchvision_importable, install_import_hook  # noqa: E402

install_import_hook()

# name -> the module that defines it
_PUBLIC = {
    **dict.fromkeys(("Task", "Sample", "get_task", "list_tasks", "register_task", "decode_files", "sample_from_files"), "fusion.tasks"),
    **dict.fromkeys(("ModalitySpec", "get_modality", "list_modalities", "register_modality"), "fusion.modalities"),
    **dict.fromkeys(("ModelConfig",), "fusion.models.config"),
    **dict.fromkeys(("create_model", "list_models", "model_config", "register_model"), "fusion.models.configs"),
    **dict.fromkeys(("FusionModel", "FusionOutput", "build_model"), "fusion.models.strategies"),
    **dict.fromkeys(("create_operator", "list_operators"), "fusion.models.operators"),
    **dict.fromkeys(("load_checkpoint", "load_models", "save_checkpoint"), "fusion.models.checkpoints"),
    **dict.fromkeys(("TrainSettings", "train_model"), "fusion.training.loop"),
    **dict.fromkeys(("evaluate",), "fusion.evaluation.accuracy"),
    **dict.fromkeys(("explain_model",), "fusion.explain.analysis"),
    **dict.fromkeys(("Explanation",), "fusion.explain.report"),
    **dict.fromkeys(("AttentionMaps", "EMAP", "IntegratedGradients", "ModalityShapley"), "fusion.explain"),
    **dict.fromkeys(("FusionError", "InputError", "CheckpointError", "ConfigError"), "fusion.errors"),
}

__all__ = ["ensure_torchvision_importable", *sorted(_PUBLIC)]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'fusion' has no attribute {name!r}")
