"""Compare's cached numbers: every model of a (task, source) scored on the task's test split as
each model reads it (``Task.split``), confusions, missing modalities, and for the built-in tasks the
corruption sweep and EMAP. Arguments are names, so Streamlit can key the caches on them. For the
built-in tasks the slow ones are also kept on disk (``fusion.evaluation.result_cache``): a server
restart reads them instead of recomputing minutes of evaluations."""

from __future__ import annotations

import numpy as np
import streamlit as st

from fusion.evaluation.comparison import comparison_table, confusion_matrix, missing_modality_accuracy
from fusion.evaluation.robustness import robustness
from fusion.evaluation.result_cache import task_result
from fusion.explain.interactions import task_interactions
from ui.state import task_models, task_spec

# each modality's standard level is always added to these (fusion.evaluation.robustness.sweep_levels)
LEVEL_CHOICES = {"quick (3 levels + standard)": (0.0, 0.5, 1.0), "fine (5 levels + standard)": (0.0, 0.25, 0.5, 0.75, 1.0)}


@st.cache_data(show_spinner="Scoring every model…")
def summary(task: str, source: str) -> list[dict]:
    models, spec = task_models(task, source), task_spec(task, source)
    return task_result("comparison", spec, models, {}, lambda: comparison_table(models, spec), per_machine=True)


@st.cache_data(show_spinner=False)
def confusion(task: str, source: str, name: str) -> np.ndarray:
    model, spec = task_models(task, source)[name], task_spec(task, source)
    return np.asarray(task_result("confusion", spec, {name: model}, {}, lambda: confusion_matrix(model, spec).tolist()))


@st.cache_data(show_spinner="Removing one modality at a time…")
def missing(task: str, source: str) -> tuple[dict, dict]:
    models, spec = task_models(task, source), task_spec(task, source)
    return tuple(task_result("missing", spec, models, {}, lambda: missing_modality_accuracy(models, spec)))


@st.cache_data(show_spinner="Sweeping corruption levels for every model…")
def robustness_sweep(task: str, source: str, levels: tuple[float, ...]) -> dict:
    models = task_models(task, source)
    return task_result("robustness", task_spec(task, source), models, {"levels": levels},
                       lambda: robustness(models, task, levels).to_dict())


@st.cache_data(show_spinner="Binning every model's confidence…")
def calibrations(task: str, source: str) -> dict[str, dict]:
    from fusion.evaluation.calibration import model_calibration

    models, spec = task_models(task, source), task_spec(task, source)
    return task_result("calibration", spec, models, {},
                       lambda: {name: model_calibration(model, spec).to_dict() for name, model in models.items()})


@st.cache_data(show_spinner="Counting FLOPs as the tokens grow…")
def scaling_sweep() -> dict:
    from fusion.evaluation.result_cache import cached_result
    from fusion.evaluation.scaling import scaling

    return cached_result("scaling", {}, {"sweep": "tokens", "runs": 3}, lambda: scaling("tokens", runs=3), per_machine=True)


@st.cache_data(show_spinner="Computing EMAP…")
def interactions(task: str, source: str, n: int, scale: str = "probability") -> dict[str, float]:
    models = task_models(task, source)

    def shares() -> dict[str, float]:
        results = task_interactions(models, task, n, scale=scale)
        return {name: result["emap_nonadditive_share"] for name, result in results.items()}

    return task_result("emap", task_spec(task, source), models, {"n": n, "scale": scale}, shares)
