"""Fusion Explorer: the Streamlit entry point (``streamlit run app.py``).

The frame: navigation between pages and the shared sidebar controls (task and model source),
whose keys every page reads through ``ui/state.py``.
"""

from pathlib import Path

import streamlit as st

from fusion.models.catalog import dataset_tasks, model_sources
from fusion.tasks import built_in_tasks
from ui.state import SOURCE_KEY, TASK_KEY

st.set_page_config(page_title="Fusion Explorer", page_icon=":material/merge_type:", layout="wide")

PAGES = Path(__file__).resolve().parent / "pages"
pages = [
    st.Page(PAGES / "explore.py", title="Explore", icon=":material/search:", default=True),
    st.Page(PAGES / "compare.py", title="Compare", icon=":material/bar_chart:"),
    st.Page(PAGES / "learn.py", title="Learn", icon=":material/school:"),
    st.Page(PAGES / "train.py", title="Train", icon=":material/model_training:"),
    st.Page(PAGES / "your_data.py", title="Your data", icon=":material/upload_file:"),
    st.Page(PAGES / "models.py", title="Shipped models", icon=":material/inventory_2:"),
]
page = st.navigation(pages)

with st.sidebar:
    task = st.selectbox(
        "Task", [*(t.name for t in built_in_tasks()), *dataset_tasks()], key=TASK_KEY,
        help="digits: which digit (image + audio + text). match: is the spoken digit the written one? (image + audio). "
        "Other names: your datasets, with heads trained on the Your data page or with `train --data`.",
    )
    st.selectbox("Models", model_sources(task), key=SOURCE_KEY, help="the shipped checkpoints, or one of your training runs")

page.run()
