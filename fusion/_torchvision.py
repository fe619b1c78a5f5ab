"""Make the CUDA-built torchvision 0.28.0 importable on CPU-only torch 2.13.0.

``import fusion`` installs an import hook; the guard below runs at the first ``import torchvision``
(by open_clip, transformers or anyone), so the app does not pay for torchvision unless it is used.

torchvision's first import registers fake kernels for its compiled operators; on CPU torch the
operator schemas are missing, so the import raises ``RuntimeError: operator torchvision::nms does
not exist`` and transformers' model imports fail after it. When, and only when, that exact error
occurs, we declare the missing schemas and import again. torchvision's compiled ops (nms, roi_*)
stay unavailable; nothing here uses them. open_clip's transforms and transformers then work.
"""

from __future__ import annotations

import copy
import importlib
import importlib.abc
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


class _AlreadyImported(importlib.abc.Loader):
    """Hands the import system a module that the guard has already imported."""

    def __init__(self, module) -> None:
        self.module = module

    def create_module(self, spec):
        return self.module

    def exec_module(self, module) -> None:
        pass


class _GuardOnFirstImport(importlib.abc.MetaPathFinder):
    """Runs ``ensure_torchvision_importable`` when something first imports torchvision.

    ``import fusion`` stays cheap (torchvision takes over a second to import) while open_clip and
    transformers, which import it, still get the guarded import.
    """

    def find_spec(self, name, path=None, target=None):
        if name != "torchvision":
            return None
        remove_import_hook()
        if not ensure_torchvision_importable():
            return None
        module = sys.modules["torchvision"]
        spec = copy.copy(module.__spec__)
        spec.loader = _AlreadyImported(module)
        return spec


_hook = _GuardOnFirstImport()


def install_import_hook() -> None:
    """Guard torchvision lazily: at its first import (at once if it is already imported)."""
    if "torchvision" in sys.modules:
        return
    if _hook not in sys.meta_path:
        sys.meta_path.insert(0, _hook)


def remove_import_hook() -> None:
    if _hook in sys.meta_path:
        sys.meta_path.remove(_hook)
