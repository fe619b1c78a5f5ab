"""The app's frame: its pages, the sidebar's page links and shared controls (task and model source,
whose keys every page reads through ``ui/state.py``), and the guard that runs every page inside it.

Streamlit keeps its old multipage mode while the app has a ``pages/`` folder and no session has yet
run ``st.navigation`` (on a fresh server, and in each AppTest run): a visit to a page's address
(``/compare``, a shared link) then runs that page alone, so the sidebar never appears. A page that
finds itself run alone draws the frame, which runs the page inside it, and stops."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager  # pinned Streamlit; read, never written

from fusion.paths import ASSETS
from fusion.tasks import list_tasks
from fusion import threads
from ui.explore import keep_choices
from ui.session import run_name_label, session_files
from ui.state import SOURCE_KEY, TASK_KEY, restore_sidebar_from_link, source_choices, source_note

PAGES = Path(__file__).resolve().parent.parent / "pages"


def app_pages() -> list:
    """The app's pages in sidebar order, Explore first and the default."""
    return [
        st.Page(PAGES / "explore.py", title="Explore", icon=":material/search:", default=True),
        st.Page(PAGES / "compare.py", title="Compare", icon=":material/bar_chart:"),
        st.Page(PAGES / "reliance.py", title="Reliance", icon=":material/groups:"),
        st.Page(PAGES / "learn.py", title="Learn", icon=":material/school:"),
        st.Page(PAGES / "lab.py", title="Lab", icon=":material/science:"),
        st.Page(PAGES / "train.py", title="Train", icon=":material/model_training:"),
        st.Page(PAGES / "your_data.py", title="Your data", icon=":material/upload_file:"),
        st.Page(PAGES / "models.py", title="Shipped models", icon=":material/inventory_2:"),
    ]


def draw_frame():
    """Draw the frame for this run and return the page to run in it (``st.navigation``'s)."""
    threads.use_app_threads()  # in this run's thread: tiny models, shared cores
    # A local icon: a ":material/...:" page icon makes the browser fetch its SVG from a font CDN.
    st.set_page_config(page_title="Fusion Explorer", page_icon=str(ASSETS / "app" / "icon.png"), layout="wide")
    keep_choices()  # Explore's sample, levels and view survive a visit to another page
    pages = app_pages()
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
            help="digits: which digit (image + audio + text). match: is the spoken digit the written one? "
            "(image + audio). Other names: your datasets, with heads trained on the Your data page or with "
            "`train --data`.",
        )
        source = st.selectbox("Models", source_choices(task), key=SOURCE_KEY, format_func=run_name_label,
                              help="the shipped checkpoints, or one of your training runs")
        if note := source_note(task, source):
            st.caption(note)
    return page


def run_in_app_frame() -> None:
    """Call first thing in each page: returns at once when the frame runs the page; otherwise (the
    page was run alone) draws the frame, which runs this page inside it, and ends the run."""
    if PagesManager.uses_pages_directory:  # st.navigation turns it off: the frame has not run
        draw_frame().run()
        st.stop()
