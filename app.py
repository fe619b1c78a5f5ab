"""Fusion Explorer: the Streamlit entry point (``streamlit run app.py``)."""

import streamlit as st

st.set_page_config(page_title="Fusion Explorer", page_icon="🔀", layout="wide")
page = st.navigation([st.Page("pages/models.py", title="Shipped models", icon="📦", default=True)])
page.run()
