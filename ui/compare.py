"""Compare's cached numbers: every model of a (task, source) scored on the task's test split as
each model reads it (``Task.split``), confusions, missing modalities, and for the built-in tasks the
corruption sweep and EMAP. Arguments are names, so Streamlit can key the caches on them."""

from __future__ import annotations

import numpy as np
import streamlit as st

from fusion.evaluation.comparison import comparison_table, confusion_matrix, missing_modality_accuracy
from fusion.evaluation.robustness import robustness
from fusion.explain.interactions import task_interactions
from ui.state import task_models, task_spec

# each modality's standard level is always added to these (fusion.evaluation.robustness.sweep_levels)
LEVEL_CHOICES = {"quick (3 levels + standard)": (0.0, 0.5, 1.0), "fine (5 levels + standard)": (0.0, 0.25, 0.5, 0.75, 1.0)}


@st.cache_data(show_spinner="Scoring every model…")
def summary(task: str, source: str) -> list[dict]:
    return comparison_table(task_models(task, source), task_spec(task, source))


@st.cache_data(show_spinner=False)
def confusion(task: str, source: str, name: str) -> np.ndarray:
    return confusion_matrix(task_models(task, source)[name], task_spec(task, source))


@st.cache_data(show_spinner="Removing one modality at a time…")
def missing(task: str, source: str) -> tuple[dict, dict]:
    return missing_modality_accuracy(task_models(task, source), task_spec(task, source))


@st.cache_data(show_spinner="Sweeping corruption levels for every model…")
def robustness_sweep(task: str, source: str, levels: tuple[float, ...]) -> dict:
    return robustness(task_models(task, source), task, levels).to_dict()


@st.cache_data(show_spinner="Binning every model's confidence…")
def calibrations(task: str, source: str) -> dict[str, dict]:
    from fusion.evaluation.calibration import model_calibration

    spec = task_spec(task, source)
    return {name: model_calibration(model, spec).to_dict() for name, model in task_models(task, source).items()}


@st.cache_data(show_spinner="Counting FLOPs as the tokens grow…")
def scaling_sweep() -> dict:
    from fusion.evaluation.scaling import scaling

    return scaling("tokens", runs=3)


@st.cache_data(show_spinner="Computing EMAP…")
def interactions(task: str, source: str, n: int, scale: str = "probability") -> dict[str, float]:
    results = task_interactions(task_models(task, source), task, n, scale=scale)
    return {name: result["emap_nonadditive_share"] for name, result in results.items()}
