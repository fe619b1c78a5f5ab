"""Make the CUDA-built torchvision 0.28.0 importable on CPU-only torch 2.13.0.

torchvision's first import registers fake kernels for its compiled operators; on CPU torch the
operator schemas are missing, so the import raises ``RuntimeError: operator torchvision::nms does
not exist`` and transformers' model imports fail after it. When, and only when, that exact error
occurs, we declare the missing schemas and import again. torchvision's compiled ops (nms, roi_*)
stay unavailable; nothing here uses them. open_clip's transforms and transformers then work.
"""

from __future__ import annotations

import importlib
import sys

import torch

_MISSING_OPERATOR = "operator torchvision::nms does not exist"
_SCHEMAS = (
    "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
)
_library: torch.library.Library | None = None  # kept alive: the schemas vanish with it
patched = False


def _forget_half_imported() -> None:
    for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
        del sys.modules[name]


def ensure_torchvision_importable() -> bool:
    """Import torchvision, declaring its missing operator schemas if needed.

    Returns True when torchvision imports (patched or not), False when it is not installed.
    Any other import error is re-raised unchanged.
    """
    global _library, patched
    try:
        importlib.import_module("torchvision")
        return True
    except ModuleNotFoundError:
        return False
    except RuntimeError as error:
        if _MISSING_OPERATOR not in str(error):
            raise
    _forget_half_imported()
    _library = torch.library.Library("torchvision", "DEF")
    for schema in _SCHEMAS:
        _library.define(schema)
    patched = True
    importlib.import_module("torchvision")
    return True
