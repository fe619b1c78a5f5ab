"""Fusion Explorer: the Streamlit entry point (``streamlit run app.py``).

The frame (navigation between pages and the shared sidebar controls) is drawn by ``ui/frame.py``,
which every page also calls when Streamlit runs it alone.
"""

from ui.frame import draw_frame

draw_frame().run()
