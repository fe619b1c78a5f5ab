"""Streamlit pieces the pages share (not pages themselves): the sidebar's task and model source,
cached model loading, error display, widget helpers, and each page's widgets and cached work.

Only this package and ``pages/`` import Streamlit; the logic they call lives in ``fusion/``.
"""
