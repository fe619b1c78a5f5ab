"""Explore's widgets and cached work: choosing the case (a test row or your files, corruption,
removed modalities), the Learn page's preset, the inputs, and each model's results side by side
(row-aligned) or one at a time. One path for built-in and dataset tasks (``fusion.explain.cases``)."""

from __future__ import annotations

import json
import random
from functools import partial
from pathlib import Path
from typing import Any

import streamlit as st

from fusion.explain.analysis import explain_model, report_payload
from fusion.explain.cases import FILES, ROW, SIDE_BY_SIDE, VIEWS, Preset, build_sample, default_levels, has_corruption
from fusion.explain.cases import head_encoders, recording_advice, sample_views, upload_error
from fusion.errors import InputError
from fusion.formats import SAMPLE_RATE
from fusion.modalities import get_modality
from fusion.models.config import FUSION_STRATEGIES
from fusion.tasks import Sample, Task
from fusion.viz import choose
from fusion.viz.raster import Picture
from fusion.wav import pcm16_wav
from ui.ahead import Ahead
from ui.state import TASK_KEY, choice, show_error, task_models, task_spec
from ui.text import plain

K = "explore_"  # widget key prefix
PRESET_KEY, SWITCH_KEY = f"{K}preset", "learn_open_explore"
CLIP_WIDTH = 256  # pixels of the clip's player


def key(name: str) -> str:
    return f"{K}{name}"


# Explore's choices that outlive a visit to another page. Streamlit forgets a widget's value at the
# end of a run that does not draw the widget (any other page's), unless the value is written back
# first: ``keep_choices``, which the frame calls before every page. Buttons, uploads and the
# microphone cannot be written back (Streamlit refuses), so your own files do not last.
KEPT = ("kind", "index", "view", "strategy", "scale", "interactive", "gradients", "text")
KEPT_PREFIXES = ("remove_", "level_", "target_")


def keep_choices() -> None:
    """Write Explore's choices back into themselves, so the run of another page keeps them."""
    names, prefixes = {key(n) for n in KEPT}, tuple(key(p) for p in KEPT_PREFIXES)
    for name in [k for k in st.session_state if k in names or k.startswith(prefixes)]:
        st.session_state[name] = st.session_state[name]


def level_key(task: str, kind: str, modality: str) -> str:
    return f"{K}level_{task}_{'builtin' if kind == ROW else 'own'}_{modality}"


# --------------------------------------------------------------------------- Learn -> Explore
def open_in_explore(task: str, preset: Preset) -> None:
    """Button callback (Learn page): choose ``task`` in the sidebar and leave ``preset`` for Explore."""
    st.session_state[TASK_KEY] = task
    st.session_state[PRESET_KEY] = preset.to_dict()
    st.session_state[SWITCH_KEY] = True


def apply_preset(task: Task) -> None:
    """The Learn page's preset, or once per session a shared link's case (``?sample=…``), written
    into Explore's widget keys before the widgets exist."""
    data = st.session_state.pop(PRESET_KEY, None)
    preset = Preset.from_dict(data) if data else None
    if preset is None and not st.session_state.get("_link_explore_read"):
        preset = Preset.from_query(st.query_params.to_dict(), task.modalities)
    st.session_state["_link_explore_read"] = True
    if preset is None:
        return
    st.session_state[key("kind")], st.session_state[key("index")] = ROW, preset.sample
    st.session_state[key("view")] = preset.view
    if preset.strategy:
        st.session_state[key("strategy")] = preset.strategy
    # the whole case, not only what the preset names: choices kept from earlier (``keep_choices``) must
    # not change the case a Learn button or a link opens
    for modality, level in {**default_levels(task, ROW), **preset.corruption}.items():
        st.session_state[level_key(task.name, ROW, modality)] = level
    for modality, removed in preset.removed_flags(task.modalities).items():
        st.session_state[key(f"remove_{modality}")] = removed
    in_range = preset.target is not None and 0 <= preset.target < len(task.classes)
    st.session_state[target_key(task.name)] = preset.target if in_range else AUTO


# ------------------------------------------------------------------------------ cached work
@st.cache_data(show_spinner="Reading the test split…")
def split_size(task: str, source: str) -> int:
    return task_spec(task, source).split_size("test")


@st.cache_data(show_spinner="Preparing the sample…", max_entries=64)
def prepare(task: str, source: str, index: int | None, files: tuple, levels: tuple, removed: tuple) -> tuple[Sample | None, dict, dict]:
    """(sample, what the models see, {modality: error}) of a test row or files ((modality, data), ...)."""
    spec = task_spec(task, source)
    encoders = None if spec.is_built_in else head_encoders(task_models(task, source).values())
    sample, errors = build_sample(spec, index, dict(files), dict(levels), removed, encoders)
    return sample, (sample_views(spec, sample) if sample else {}), errors


@st.cache_resource(show_spinner="Measuring what the training data looks like…", max_entries=4)
def familiarity(task: str, source: str):
    """The training and validation inputs' neighbour distances of the task's first model (read-only, shared)."""
    from fusion.evaluation.familiarity import Familiarity

    model = next(iter(task_models(task, source).values()))
    return Familiarity.fit(model, task_spec(task, source))


@st.cache_data(show_spinner=False, max_entries=64)
def unfamiliar(task: str, source: str, index: int | None, files: tuple, levels: tuple, removed: tuple) -> list[str]:
    """A notice per modality of the case that is unlike the training data."""
    from fusion.evaluation.familiarity import notices

    sample = prepare(task, source, index, files, levels, removed)[0]
    return notices(familiarity(task, source), next(iter(task_models(task, source).values())), sample) if sample else []


@st.cache_data(show_spinner="Analysing…", max_entries=256)
def analyse(task: str, source: str, name: str, index: int | None, files: tuple, levels: tuple, removed: tuple,
            target: int | None = None, gradients: bool = False, _computed: dict | None = None) -> dict:
    """The one adapter from ``explain_model`` to the page's plain dict (``target`` None: the
    predicted class; Integrated Gradients only when their section is open). ``_computed``: the
    same analysis done ahead (``look_ahead``), kept under this key instead of computed again
    (Streamlit leaves arguments starting with ``_`` out of the key)."""
    if _computed is not None:
        return _computed
    sample = prepare(task, source, index, files, levels, removed)[0]
    return explain_model(task_models(task, source)[name], sample, target, gradients=gradients).to_dict(maps=True)


@st.cache_data(show_spinner=False, max_entries=64, ttl=30)
def measured_faithfulness(task: str, source: str, name: str) -> dict | None:
    """A model's deletion-test figures from disk, or None when they are not measured yet; read
    again after 30 s (reading costs milliseconds a map, which add up on every click), so figures
    that Compare measures later show up soon."""
    from fusion.explain.faithfulness import NotMeasured, task_faithfulness

    try:
        return task_faithfulness({name: task_models(task, source)[name]}, task, measure=False)[name]
    except NotMeasured:
        return None


def faithfulness_line(task: str, source: str, name: str, modality: str) -> str:
    """The deletion test's sentence for a model's map, from the figures on disk (Compare and the
    command measure them; measuring here would hold up the first page for seconds per model)."""
    from fusion.explain.faithfulness import beats_random_text

    if not task_spec(task, source).is_built_in:
        return beats_random_text(None)
    figures = measured_faithfulness(task, source, name)
    if figures is None:
        return (f"faithfulness not measured yet: Compare's deletion test or `python -m fusion faithfulness --task {task}` "
                "measures it once")
    return beats_random_text(figures.get(modality))


# ----------------------------------------------------------------------------- the case
def choose_case(task: Task, source: str) -> tuple[str, int | None, tuple]:
    """(kind, test row or None, files as ((modality, bytes | text), ...))."""
    kind = st.radio("Sample", [ROW, FILES], key=key("kind"), horizontal=True)
    if kind == ROW:
        return kind, row_picker(task, source), ()
    files = []
    for col, modality in zip(st.columns(len(task.modalities)), task.modalities):
        with col:
            spec = get_modality(modality)
            if spec.inline:  # typed in
                data = st.text_input(f"{modality} (a caption)", key=key(modality)) or None
            else:
                file = st.file_uploader(modality, type=list(spec.upload_types), key=upload_key(modality),
                                        on_change=check_upload, args=(modality,))
                if refused := st.session_state.get(key("refused"), {}).get(modality):
                    st.error(plain(refused))  # it names the file
                if modality == "audio" and file is None:
                    file = st.audio_input("or record", key=key("mic"), sample_rate=SAMPLE_RATE)
                    st.session_state[key("recorded")] = file is not None
                data = file.getvalue() if file is not None else None
            if data is not None:
                files.append((modality, data))
    return kind, None, tuple(files)


def upload_key(modality: str) -> str:
    """The uploader's key; a refused file gets the widget a new key, so it does not stay in it."""
    version = st.session_state.get(key(f"upload_{modality}_version"), 0)
    return key(f"upload_{modality}" + (f"_{version}" if version else ""))


def check_upload(modality: str) -> None:
    """On upload: a file the decoder refuses leaves the widget (its message stays until the next upload)."""
    file = st.session_state.get(upload_key(modality))
    refused = st.session_state.setdefault(key("refused"), {})
    refused.pop(modality, None)
    if file is None:
        return
    try:
        get_modality(modality).decode(file.getvalue())
    except InputError as error:
        refused[modality] = f"{file.name}: {upload_error(modality, str(error))}"
        version = key(f"upload_{modality}_version")
        st.session_state[version] = st.session_state.get(version, 0) + 1


def row_picker(task: Task, source: str) -> int:
    last, index = split_size(task.name, source) - 1, key("index")
    if not 0 <= st.session_state.get(index, 0) <= last:  # the last task had more rows
        st.session_state[index] = 0
    st.session_state.setdefault(index, 0)
    step = lambda d: st.session_state.update({index: (st.session_state[index] + d) % (last + 1)})  # noqa: E731
    cols = st.columns([3, 1, 1, 1], vertical_alignment="bottom")
    cols[0].number_input(f"test sample (0..{last})", 0, last, key=index)
    cols[1].button("◀ prev", key=key("prev"), on_click=step, args=(-1,), width="stretch")
    cols[2].button("next ▶", key=key("next"), on_click=step, args=(1,), width="stretch")
    cols[3].button("random", icon=":material/casino:", key=key("random"), width="stretch",
                   on_click=lambda: st.session_state.update({index: random.randint(0, last)}))
    return int(st.session_state[index])


def modality_controls(task: Task, kind: str) -> tuple[tuple, tuple]:
    """(levels, removed): a corruption slider per modality (tasks that have corruption) and a
    'remove' toggle per modality."""
    levels, removed, starts = [], [], default_levels(task, kind)
    for col, modality in zip(st.columns(len(task.modalities)), task.modalities):
        gone = bool(st.session_state.get(key(f"remove_{modality}")))  # its toggle, drawn below
        if has_corruption(task):
            level = level_key(task.name, kind, modality)
            st.session_state.setdefault(level, starts[modality])
            levels.append((modality, col.slider(f"{modality} corruption", 0.0, 1.0, step=0.05, key=level, disabled=gone,
                                                help=f"the {modality} is removed" if gone else None)))
        if col.toggle(f"remove the {modality}", key=key(f"remove_{modality}")):
            removed.append(modality)
    return tuple(levels), tuple(removed)


def share(task: Task, source: str, kind: str, index: int | None, levels: tuple, removed: tuple) -> None:
    """Keep the case in the page's URL, so copying the link shares it (a test row; your own files
    cannot travel in a link, so only the task and models do)."""
    query = {"task": task.name, "source": source}
    if kind == ROW and index is not None:
        strategy = st.session_state.get(key("strategy"))
        target = st.session_state.get(target_key(task.name))
        query.update(Preset(index, strategy, st.session_state.get(key("view"), SIDE_BY_SIDE), dict(levels), removed,
                            None if target in (None, AUTO) else int(target)).to_query())
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)


def download(task: Task, source: str, case: tuple, sample: Sample, results: dict[str, dict]) -> None:
    """The analysis shown, as the JSON that ``python -m fusion explain --json [--target C]`` prints:
    with Integrated Gradients, computed on the click when their section is closed."""
    targets = {name: result.get("target") for name, result in results.items()}

    def payload() -> str:
        full = {name: result if "integrated_gradients" in result or "note" in result
                else analyse(task.name, source, name, *case, targets[name], True) for name, result in results.items()}
        return json.dumps(report_payload(task, case[0], sample.label, full), indent=1)

    st.download_button("Download this analysis (JSON)", payload, file_name=f"{task.name}-analysis.json",
                       mime="application/json", icon=":material/download:", key=key("download"))


def sample_warnings(sample: Sample) -> list[str]:
    """The sample's warnings as sentences (the library's notes start in lower case, to follow a
    prefix); a silent recording also gets the microphone advice (an uploaded file does not)."""
    warnings = recording_advice(sample.warnings, recorded=st.session_state.get(key("recorded"), False))
    return [w[:1].upper() + w[1:] for w in warnings]


def show_errors(errors: dict[str, str]) -> None:
    for modality, message in errors.items():
        st.error(plain(upload_error(modality, message)))  # it may quote a file's name


# ---------------------------------------------------------------------------- the sample
def show_inputs(task: Task, sample: Sample, views: dict) -> None:
    """One column per modality: what the models see of it (or that it is absent)."""
    figures = choose.input_figures(views, sample.get("text"), task.is_built_in, interactive(task))
    for col, modality in zip(st.columns(len(task.modalities)), task.modalities):
        with col:
            value = sample.get(modality)
            if value is None:
                st.caption(f"no {modality}: the models see it as absent")
            if modality in figures:
                draw(figures[modality], f"in_{modality}")
            if modality == "audio" and isinstance(value, (str, Path)):
                st.audio(Path(value).read_bytes())  # a dataset row's file
            elif modality == "audio" and value is not None:  # our own WAV: Streamlit's divides a silent clip by 0
                st.audio(value if isinstance(value, bytes) else pcm16_wav(value), format="audio/wav")
            if modality == "video" and value is not None:
                show_clip(value, sample.index is None)
            if modality == "text" and value is not None and not task.is_built_in:
                st.text(value)  # a user's caption: plain text, never markdown (no links or images injected)


@st.cache_data(show_spinner=False, max_entries=64)
def playable_clip(frames) -> bytes:
    from fusion.video_io import clip_bytes

    return clip_bytes(frames)


def show_clip(value: Any, uploaded: bool) -> None:
    """The clip in a player: your upload as it is (a GIF as an animated picture), otherwise the
    frames the models see (a test row has no file), enlarged."""
    from fusion.video_io import is_gif

    file = st.session_state.get(upload_key("video")) if uploaded else None
    if file is not None and is_gif(file.getvalue()):
        st.image(file.getvalue(), caption="your clip (GIF)", width=CLIP_WIDTH)
    elif file is not None:
        st.video(file.getvalue(), width=CLIP_WIDTH)
        st.caption("your clip, as uploaded; the strip above is what the models see")
    elif isinstance(value, (str, Path)):
        st.video(Path(value).read_bytes(), width=CLIP_WIDTH)  # a dataset row's file
    else:
        st.video(playable_clip(value), format="video/webm", loop=True, width=CLIP_WIDTH)
        st.caption("the frames the models see, enlarged 8×, at 4 frames per second")


# ---------------------------------------------------------------------------- the results
def interactive(task: Task) -> bool:
    """Whether the charts are Plotly (hover, zoom, export) rather than pictures: a built-in task's
    toggle (drawn with the result controls, below the inputs that already read it); a dataset's
    heads draw their token maps in Plotly only, so their page stays Plotly throughout."""
    return bool(st.session_state.get(key("interactive"))) or not task.is_built_in


def model_choice(names: list[str]) -> list[str]:
    """The view (side by side by default) and, in the single view, the model; returns the models to show."""
    fusion = [n for n in names if n in FUSION_STRATEGIES] or names
    if choice("View", VIEWS, key("view")) == SIDE_BY_SIDE:
        return fusion
    return [choice("Model", names, key("strategy"))]


def headline(name: str, result: dict, classes: tuple) -> str:
    if "note" in result:
        return f"**{name}**: {result['note']}"
    p = result["predicted"]
    return f"**{name}** predicts **{classes[p]}** ({result['probabilities'][p]:.0%})"


def target_key(task: str) -> str:
    return key(f"target_{task}")


AUTO = -1  # the class of the sample: its true class, else the first model's prediction
SCALES = {"probability": "probability", "log-probability": "log_probability"}
GRADIENTS_TITLE = "Integrated Gradients: gradient attribution along a path from a baseline"
INTERACTIVE_HELP = ("Off: the charts are pictures drawn on the server, so a click shows its result quickly. On: "
                    "Plotly charts with hover values, zoom and a PNG / SVG download in their toolbar; each takes the "
                    "browser about 70 ms to draw, so the page is slower, side by side most.")


def target_choice(task: Task, source: str, case: tuple, sample: Sample, first: str) -> int | None:
    """The one class every column's contributions explain: the true class by default, else the
    first model's prediction; a selector picks another. The options and their labels stay the same
    from sample to sample (Streamlit matches a changed label to no option)."""
    auto = sample.label
    if auto is None:
        auto = analyse(task.name, source, first, *case).get("predicted")
    options = [AUTO, *range(len(task.classes))]
    if st.session_state.get(target_key(task.name)) not in options:
        st.session_state[target_key(task.name)] = AUTO
    fallback = "the true class" if sample.label is not None else f"{first}'s prediction"
    picked = st.selectbox(
        "Contributions explain the class", options, key=target_key(task.name),
        format_func=lambda o: "the true class (else the first model's prediction)" if o == AUTO else task.class_name(o),
        help="Shapley values, Integrated Gradients and the deletion test all explain this class, in every column, "
             "so the columns can be compared.")
    if picked == AUTO:
        st.caption(f"explaining {fallback}: {task.class_name(auto)}")
        return auto
    return int(picked)


def show_results(task: Task, source: str, case: tuple, sample: Sample, views: dict) -> dict[str, dict]:
    """Every chosen model's analysis: side by side, the same kind of chart on the same row, every
    column explaining the same class; Integrated Gradients below a toggle, computed only when it is
    on. Returns the analyses shown."""
    chosen = model_choice(list(task_models(task.name, source)))
    controls = st.columns([2, 2, 1], vertical_alignment="bottom")
    with controls[0]:
        target = target_choice(task, source, case, sample, chosen[0])
    with controls[1]:
        scale = SCALES[choice("Contributions on the scale of", list(SCALES), key("scale"))]
    if task.is_built_in:
        with controls[2]:
            st.toggle("interactive charts", key=key("interactive"), help=INTERACTIVE_HELP)
    with_gradients = bool(st.session_state.get(key("gradients")))  # its toggle is drawn below the maps
    results: dict[str, dict] = {}
    items: dict[str, dict] = {}
    for name, col in zip(chosen, st.columns(len(chosen))):
        with col:
            try:
                results[name], items[name] = column(task, source, name, case, sample, views, target, with_gradients, scale)
                st.markdown(headline(name, results[name], task.classes))
            except Exception as error:  # noqa: BLE001 - shown, the other columns stay alive
                show_error(error)
    gradients = {name: {row: item for row, item in each.items() if row[0] == choose.GRADIENTS} for name, each in items.items()}
    others = {name: {row: item for row, item in each.items() if row[0] != choose.GRADIENTS} for name, each in items.items()}
    draw_rows(task, source, chosen, results, others, "maps")
    st.toggle(GRADIENTS_TITLE, key=key("gradients"), help="Computed only when shown (the slowest analysis): each "
              "model's gradient attributions, their convergence and whether they agree with the Shapley values.")
    if with_gradients:
        draw_rows(task, source, chosen, results, gradients, "gradients")
    look_ahead(task, source, case, chosen, with_gradients, scale)
    return results


# ------------------------------------------------------------ a model's column, computed ahead
AHEAD = Ahead()


def column_key(task: Task, source: str, name: str, case: tuple, target: int, gradients: bool, scale: str,
               charts: bool) -> tuple:
    """Everything one model's column depends on; the loaded model itself too (a run trained again is
    another), held, not its ``id``: a freed model's id can be a new model's, the object cannot."""
    return (task.name, source, name, task_models(task.name, source)[name], *case, target, gradients, scale, charts)


def column(task: Task, source: str, name: str, case: tuple, sample: Sample, views: dict, target: int,
           gradients: bool, scale: str) -> tuple[dict, dict]:
    """(analysis, charts by row) of one model: computed ahead (``look_ahead``) or now. An analysis
    done ahead goes into ``analyse``'s cache, so a later rerun on the row (scale, toggles) reads it."""
    charts = interactive(task)
    ready = AHEAD.take(column_key(task, source, name, case, target, gradients, scale, charts))
    result = analyse(task.name, source, name, *case, target, gradients, _computed=ready[0] if ready else None)
    if ready is not None:
        return result, ready[1]
    return result, choose.result_items(name, result, views, task.classes, sample.label, scale, charts)


def computed_column(model: Any, name: str, sample: Sample, views: dict, classes: tuple, target: int,
                    gradients: bool, scale: str, charts: bool) -> tuple[dict, dict]:
    """``column``'s work off the page (the same calls as ``analyse`` and the page's charts)."""
    result = explain_model(model, sample, target, gradients=gradients).to_dict(maps=True)
    return result, choose.result_items(name, result, views, classes, sample.label, scale, charts)


def look_ahead(task: Task, source: str, case: tuple, chosen: list[str], gradients: bool, scale: str) -> None:
    """After a step to a neighbouring test row, start the next row's columns in the background, in
    the same direction, with the same levels, removed modalities, target choice and charts. Not on
    the first row shown (the browser is still loading the page then) nor after a slider or toggle
    on the same row; built-in tasks only (a dataset's heads would load encoders off the page)."""
    index, files, levels, removed = case
    if index is None or not task.is_built_in:
        return
    last, size = st.session_state.get(key("last_row")), split_size(task.name, source)
    st.session_state[key("last_row")] = index
    step = 1 if last == (index - 1) % size else -1 if last == (index + 1) % size else 0
    if step == 0:
        return
    after = ((index + step) % size, files, levels, removed)
    try:
        sample, views, _ = prepare(task.name, source, *after)
    except Exception:  # noqa: BLE001 - only an optimisation: that row shows its own error when it is visited
        return
    picked = st.session_state.get(target_key(task.name), AUTO)
    target = sample.label if sample is not None and picked == AUTO else picked
    if sample is None or target is None:
        return
    charts, models = interactive(task), task_models(task.name, source)
    AHEAD.drop_waiting()
    for name in chosen:
        AHEAD.start(column_key(task, source, name, after, target, gradients, scale, charts),
                    partial(computed_column, models[name], name, sample, views, task.classes, target, gradients, scale, charts))


def draw_rows(task: Task, source: str, chosen: list[str], results: dict[str, dict], items: dict[str, dict],
              section: str) -> None:
    """One model's items two to a row, or every model's side by side, row-aligned (``section``: a
    part of the page, in the charts' keys)."""
    if len(chosen) == 1:
        for name, result in results.items():
            grid(f"{name}_{section}", choose.single_items(items[name], result))
            for modality in result.get("attention", {}) if any(r[0] == choose.ATTENTION for r in items[name]) else ():
                st.caption(f"{modality} attention: {faithfulness_line(task.name, source, name, modality)}")
        return
    said: set[tuple[str, str]] = set()  # (model, kind) whose first placeholder was drawn
    for row in choose.aligned_rows(items):
        height = choose.row_height([items[n].get(row) for n in items])
        for name, col in zip(chosen, st.columns(len(chosen))):
            item = items.get(name, {}).get(row)
            with col:
                if item is None:
                    draw_placeholder(choose.placeholder(row, results.get(name, {}), first=(name, row[0]) not in said), height)
                    said.add((name, row[0]))
                else:
                    draw(item, f"{name}_{row[0]}_{row[1]}")
                    if row[0] == choose.ATTENTION:
                        st.caption(faithfulness_line(task.name, source, name, row[1]))


def grid(name: str, items: list[Any]) -> None:
    """Figures two to a row; a sentence on a line of its own."""
    cols: list = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            st.caption(item)
            cols = []
            continue
        if not cols:
            cols = list(st.columns(2))
        with cols.pop(0):
            draw(item, f"{name}_{i}")


def draw(item: Any, name: str) -> None:
    """A sentence, a picture (its title above it as text, its note under it) or a Plotly chart."""
    if isinstance(item, str):
        st.caption(item)
    elif isinstance(item, Picture):
        st.caption(f"**{plain(item.title)}**")
        st.image(item.data_uri(), width="stretch", caption=plain(item.note) if item.note else None)
    else:
        st.plotly_chart(item, key=key(name))


def draw_placeholder(text: str, height: int) -> None:
    with st.container(height=height, border=True, vertical_alignment="center", horizontal_alignment="center"):
        st.caption(text or "—")
