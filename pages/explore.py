"""Explore: one sample (a test row or your own files) through every fusion model of the sidebar's
task, built-in or your dataset's heads: predictions, attention, Shapley values and Integrated
Gradients, side by side. Render only; the widgets and cached work are in ui/explore.py."""

from __future__ import annotations

import streamlit as st

from fusion.explain.cases import describe, head_encoders
from fusion.viz.reading import READING
from ui import explore as ui
from ui.state import current_source, show_error, task_models, task_spec
from ui.frame import run_in_app_frame

run_in_app_frame()


def page() -> None:
    task, source = task_spec(), current_source()
    models = task_models(task.name, source)
    if not models:
        st.info(f"Run `{source}` holds no model of `{task.name}`; train one on the Your data page.")
        return
    ui.apply_preset(task)
    st.title("Explore")
    if task.is_built_in:
        st.caption("One sample through three ways of fusing modalities: what each model predicts, where it "
                   "looks, and what each modality contributes.")
    else:
        encoders = head_encoders(models.values())
        st.caption(f"Dataset `{task.name}` · heads from run `{source}` over frozen encoders "
                   f"({', '.join(f'{m}: {n}' for m, n in sorted(encoders.items()))})")
    kind, index, files = ui.choose_case(task, source)
    levels, removed = ui.modality_controls(task, kind)
    ui.share(task, source, kind, index, levels, removed)
    case = (index, files, levels, removed)
    sample, views, errors = ui.prepare(task.name, source, *case)
    ui.show_errors(errors)
    if sample is None:
        st.info(f"Upload files or type a caption ({', '.join(task.modalities)}) to analyse your own sample.")
        return
    unfamiliar = ui.unfamiliar(task.name, source, *case) if index is None else []  # your files, not test rows
    for warning in [*ui.sample_warnings(sample), *unfamiliar]:
        st.warning(warning)
    who = "models" if task.is_built_in else "heads"
    st.subheader(f"What the {who} see")
    st.markdown(describe(task, sample))
    ui.show_inputs(task, sample, views)
    st.subheader(f"What the {who} make of it")
    with st.expander("How to read these charts", icon=":material/help:"):
        st.markdown("\n\n".join(READING[k] for k in ("probabilities", "contributions", "attention", "gradients")))
    results = ui.show_results(task, source, case, sample, views)
    ui.download(task, source, case, sample, results)


try:
    page()
except Exception as error:  # noqa: BLE001 - shown; the sidebar and other pages keep working
    show_error(error)
