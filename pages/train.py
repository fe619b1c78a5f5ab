"""Train: a model of the sidebar task in a background thread, with live curves; the run becomes a
model source in the sidebar. Each session has its own job (in its session state)."""

from __future__ import annotations

import streamlit as st

from fusion.models.catalog import model_sources
from fusion.tasks.splits import caption_vocabulary
from fusion.errors import ConfigError
from fusion.models.operators import list_operators
from fusion.models.presets import DEFAULT_COMBINER, DEFAULT_OPERATOR, default_config, default_settings, model_names
from fusion.models.strategies import COMBINERS
from fusion.training.loop import TrainSettings
from fusion.training.jobs import FAILED, FINISHED, TrainingJob
from fusion.viz.training import training_curves_figure
from ui.session import demo_limits, session_job_running
from ui.state import cached_models, current_task, is_dataset_task, show_error
from ui.text import plain
from ui.frame import run_in_app_frame

run_in_app_frame()

JOB_KEY = "train_job"


def start(task: str, name: str, operator: str | None, combiner: str | None, settings: TrainSettings, run: str,
          overwrite: bool, tiny: bool) -> None:
    try:
        config = default_config(task, name, caption_vocabulary(), operator=operator, combiner=combiner)
        if tiny:
            config = config.replace(width=8, depth=1)
        st.session_state[JOB_KEY] = TrainingJob.for_model(config, settings, run, overwrite=overwrite).start()
    except ConfigError as error:
        st.session_state["train_error"] = error


@st.fragment(run_every=1.0)
def progress_panel() -> None:
    job: TrainingJob | None = st.session_state.get(JOB_KEY)
    if job is None:
        return
    state = job.progress()
    st.progress(state.fraction, text=f"{state.task}/{', '.join(job.targets)} → run `{job.run_name}`: "
                f"epoch {len(state.records)} of {job.total_epochs} — {state.status}")
    st.plotly_chart(training_curves_figure(state.records, job.total_epochs), key="train_curves")
    if not job.done:
        st.button("Stop", key="train_stop", on_click=job.stop, disabled=job.stop_requested,
                  help="stop after the current epoch; the best epoch so far is saved")
        return
    if state.status == FAILED:
        st.error(plain(f"Training failed: {state.message}"))
    elif state.saved:
        (st.success if state.status == FINISHED else st.warning)(plain(state.message))
        st.markdown(f"Run **`{job.run_name}`** is now selectable in the sidebar's **Models** select "
                    f"(task `{state.task}`).")
        if not st.session_state.get("train_refreshed"):
            # New weights under a run name the cache may have seen: load that run afresh (only that
            # one: other sessions keep their models loaded); redraw the sidebar.
            cached_models.clear(state.task, job.run_name)
            # Analyses and Compare's numbers are cached by names: a model trained over one of the run's
            # ("Overwrite") must not be shown with the old one's numbers. Recomputing is cheap (the
            # slow numbers are on disk, keyed by the weights).
            st.cache_data.clear()
            st.session_state["train_refreshed"] = True
            st.rerun(scope="app")
    else:
        st.warning(plain(state.message))


st.title("Train a model")
task = current_task()
if is_dataset_task(task):
    st.info(f"`{task}` is one of your datasets: train its heads on the **Your data** page "
            "(or with `python -m fusion train --data DIR`). This page trains the built-in tasks.")
    st.stop()
st.caption(f"Task `{task}` (change it in the sidebar). Training runs in the background; you can leave this page "
           "and come back. Checkpoints go to your user folder, never into the shipped models.")
demo_limits()

job: TrainingJob | None = st.session_state.get(JOB_KEY)
running = (job is not None and not job.done) or session_job_running()

names = model_names(task)
strategy_options = [*names]
with st.form("train_form", border=True):
    left, right = st.columns(2)
    name = left.selectbox("Strategy", strategy_options, key="train_strategy",
                          format_func=lambda n: n if n in ("early", "late", "hybrid") else f"{n} only (baseline)")
    operators = list_operators()
    operator = left.selectbox("Fusion operator (early, hybrid)", operators, key="train_operator",
                              index=operators.index(DEFAULT_OPERATOR["early"]))
    combiners = COMBINERS.names()
    combiner = left.selectbox("Combiner (late)", combiners, key="train_combiner", index=combiners.index(DEFAULT_COMBINER))
    shipped_epochs = default_settings(default_config(task, names[0], caption_vocabulary())).epochs
    epochs = right.number_input("Epochs", 1, 60, min(shipped_epochs, 10), key="train_epochs",
                                help=f"the shipped models trained for {shipped_epochs}")
    dropout = right.slider("Modality dropout", 0.0, 0.9, TrainSettings().modality_dropout, 0.05, key="train_dropout")
    seed = right.number_input("Seed", 0, 1_000_000, 0, key="train_seed")
    run = right.text_input("Run name", "run-1", key="train_run", help="letters, digits, '_', '.', '-'")
    overwrite = right.checkbox("Overwrite this model if the run has it", key="train_overwrite")
    tiny = right.checkbox("Tiny model (width 8, depth 1) for a quick try", key="train_tiny")
    submitted = st.form_submit_button("Start", type="primary", disabled=running)

if submitted and not running:
    strategy = "late" if name not in ("early", "late", "hybrid") else name
    settings = TrainSettings(epochs=int(epochs), modality_dropout=float(dropout), seed=int(seed))
    st.session_state.pop("train_refreshed", None)
    start(task, name, operator if strategy in DEFAULT_OPERATOR else None,
          combiner if strategy == "late" or name not in ("early", "late", "hybrid") else None,
          settings, run.strip(), overwrite, tiny)

error = st.session_state.pop("train_error", None)
if error is not None:
    show_error(error)

if st.session_state.get(JOB_KEY) is not None:
    progress_panel()

runs = [s for s in model_sources(task) if s != "shipped"]
st.caption(f"Your runs with `{task}` models: {', '.join(runs) if runs else 'none yet'}. A single-modality "
           "baseline is late fusion's network for one modality (it uses the combiner setting too).")
