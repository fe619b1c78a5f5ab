"""The server's first imports, made with Python's cyclic garbage collector paused.

Importing torch, Streamlit's elements and the app's modules makes some 235,000 objects, all of them
kept for the server's life. While they are being made, the collector keeps scanning them (during
torch's import alone: 340 young, 31 middle-generation and 2 full collections), and finds next to
nothing to free: paused, torch's import takes about 0.25 s less on this project's 2-core machine
(1.57 against 1.81 s, medians of 12 fresh processes each).

The same objects are why ``.streamlit/config.toml`` turns off ``runner.postScriptGC``: Streamlit's
full collection after every script run scans them all, 120-180 ms holding the GIL, while the browser
still waits for the run's last messages. Python's own collector still runs when enough new objects
have piled up (about one full collection per 20 Explore steps, measured with AppTest).
"""

from __future__ import annotations

import gc
import importlib
import sys
import threading
from collections.abc import Iterable

_LOCK = threading.Lock()


def import_paused(modules: Iterable[str]) -> None:
    """Import ``modules`` (those not imported yet) with the collector paused, then resume it."""
    with _LOCK:  # two first runs at once: the second waits, so none resumes the collector amid the imports
        names = [name for name in modules if name not in sys.modules]
        if not names:
            return
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            for name in names:
                importlib.import_module(name)
        finally:
            if was_enabled:
                gc.enable()

