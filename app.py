"""Fusion Explorer: the Streamlit entry point (``streamlit run app.py``).

The frame (navigation between pages and the shared sidebar controls) is drawn by ``ui/frame.py``,
which every page also calls when Streamlit runs it alone. The server's first run imports the frame
and the landing page's modules with the garbage collector paused (``ui/imports.py`` says why).
"""

from ui.imports import import_paused

import_paused(["ui.frame", "ui.explore"])

from ui.frame import draw_frame  # noqa: E402  (imported just above)

draw_frame().run()
