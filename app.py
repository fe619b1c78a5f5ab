"""Fusion Explorer: the Streamlit entry point (``streamlit run app.py``).

The frame: navigation between pages and the shared sidebar controls (task and model source),
whose keys every page reads through ``ui/state.py``.
"""

from pathlib import Path

import pandas  # noqa: F401  imported here, once: plotly imports it lazily, and two sessions' first
import plotly.graph_objects  # noqa: F401  figures at once raced on the half-imported module
import streamlit as st

from fusion.paths import ASSETS
from fusion.tasks import list_tasks
from fusion.threads import use_app_threads
from ui.session import run_name_label, session_files
from ui.state import SOURCE_KEY, TASK_KEY, restore_sidebar_from_link, source_choices, source_note

use_app_threads()  # in this run's thread: tiny models, shared cores

# A local icon: a ":material/...:" page icon makes the browser fetch its SVG from a font CDN.
st.set_page_config(page_title="Fusion Explorer", page_icon=str(ASSETS / "app" / "icon.png"), layout="wide")

PAGES = Path(__file__).resolve().parent / "pages"
pages = [
    st.Page(PAGES / "explore.py", title="Explore", icon=":material/search:", default=True),
    st.Page(PAGES / "compare.py", title="Compare", icon=":material/bar_chart:"),
    st.Page(PAGES / "reliance.py", title="Reliance", icon=":material/groups:"),
    st.Page(PAGES / "learn.py", title="Learn", icon=":material/school:"),
    st.Page(PAGES / "lab.py", title="Lab", icon=":material/science:"),
    st.Page(PAGES / "train.py", title="Train", icon=":material/model_training:"),
    st.Page(PAGES / "your_data.py", title="Your data", icon=":material/upload_file:"),
    st.Page(PAGES / "models.py", title="Shipped models", icon=":material/inventory_2:"),
]
# The sidebar's page links are drawn here, not by Streamlit: its own navigation first lists the raw
# files of pages/ ("app", "compare", ...) until this script has run (seconds on a cold server).
# client.showSidebarNavigation = false in .streamlit/config.toml turns that list off.
page = st.navigation(pages, position="hidden")
session_files()  # in a public demo (FUSION_DEMO=1): this session's runs and uploads, removed when it ends

task_names = [t.name for t in list_tasks()]
restore_sidebar_from_link(task_names)  # a shared link opens its task and models
with st.sidebar:
    for each in pages:
        st.page_link(each)
    task = st.selectbox(
        "Task", task_names, key=TASK_KEY,
        help="digits: which digit (image + audio + text). match: is the spoken digit the written one? (image + audio). "
        "Other names: your datasets, with heads trained on the Your data page or with `train --data`.",
    )
    source = st.selectbox("Models", source_choices(task), key=SOURCE_KEY, format_func=run_name_label,
                          help="the shipped checkpoints, or one of your training runs")
    if note := source_note(task, source):
        st.caption(note)

page.run()
