"""Which figures show one sample and one model's analysis on the Explore page, and how models'
columns line up side by side (no Streamlit).

A built-in model's result is drawn on the 8x8 image, the log-mel spectrogram and the words (as
pictures, ``fusion.viz.raster``, or with ``interactive`` as Plotly charts); a head's result (it has
``layouts``) on its encoder's tokens (``fusion.viz.tokens``, Plotly). Either way a
result becomes ``{row: figure or sentence}`` with the same row keys, so side-by-side columns show
the same kind of chart on the same row, and a sentence (``placeholder``) where a model has none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fusion.viz import raster
from fusion.viz.reading import gradients_note
from fusion.viz.scales import HEIGHT

if TYPE_CHECKING:
    import plotly.graph_objects as go

Row = tuple[str, str]  # (kind, modality): kind is one of KINDS; modality "" for the first two
PREDICTION, CONTRIBUTIONS, ATTENTION, GRADIENTS = "prediction", "contributions", "attention", "gradients"
KINDS = (PREDICTION, CONTRIBUTIONS, ATTENTION, GRADIENTS)
Item = "go.Figure | raster.Picture | str"


def builders(interactive: bool) -> tuple[Any, Any]:
    """(charts, video charts): the Plotly builders (imported when first asked for: they bring
    pandas), or their picture twins of the same names."""
    if not interactive:
        return raster, raster
    from fusion.viz import explore, video

    return explore, video


def input_figures(views: Mapping[str, Any], text: str | None = None, built_in: bool = True,
                  interactive: bool = False) -> dict[str, Item]:
    """What the models see, per modality that has a picture of it: built-in tasks draw their
    preprocessed views (``input_views``); a head's are the given image and the clip's frames that
    ``frames:`` encoders read (``sample_views``: ``{"image": RGB, "video": RGB frames}``)."""
    if not built_in:
        from fusion.viz import video
        from fusion.viz.tokens import picture_figure

        figures = {"image": picture_figure(views["image"])} if "image" in views else {}
        if "video" in views:
            from fusion.encoders.frames import FRAMES

            figures["video"] = video.clip_strip_figure(views["video"], FRAMES)
        return figures
    viz, clips = builders(interactive)
    figures = {}
    if "image" in views:
        figures["image"] = viz.image_figure(views["image"])
    if "audio" in views:
        figures["audio"] = viz.spectrogram_figure(views["audio"])
    if "text" in views:
        figures["text"] = viz.token_figure(views["text"], title=f"text tokens of “{text}”" if text else "text tokens")
    if "video" in views:
        figures["video"] = clips.frame_strip_figure(views["video"])
    return figures


def result_items(name: str, result: Mapping[str, Any], views: Mapping[str, Any], classes: Sequence[str],
                 label: int | None = None, scale: str = "probability", interactive: bool = False) -> dict[Row, Item]:
    """One model's figures by row: probabilities, Shapley contributions on ``scale`` (probability
    or log_probability), then attention and, when the result has them, Integrated Gradients per
    modality (built-in maps or a head's token maps); pictures unless ``interactive``."""
    if "note" in result:
        return {(PREDICTION, ""): result["note"]}
    viz, clips = builders(interactive)
    predicted = result["predicted"]
    items: dict[Row, Item] = {
        (PREDICTION, ""): viz.probabilities_figure(result["probabilities"], predicted, classes, label,
                                                   title=f"{name}: probabilities"),
        (CONTRIBUTIONS, ""): viz.shapley_waterfall(result, classes[result["target"]], scale),
    }
    if "temporal_shapley" in result:
        items[(CONTRIBUTIONS, "video")] = temporal_figure(result, views, classes[result["target"]], interactive)
    note = gradients_note(result)
    if note:
        items[(GRADIENTS, "")] = note
    if "layouts" in result:
        from fusion.viz.tokens import head_result_figures

        for (kind, modality), item in head_result_figures(result, views).items():
            items[(ATTENTION if kind == "attention" else GRADIENTS, modality)] = item
        return items
    attention, maps, shares = result["attention"], result.get("integrated_gradients_maps", {}), result.get("integrated_gradients", {})
    baselines = result.get("integrated_gradients_baselines", {})
    if "image" in attention:
        items[(ATTENTION, "image")] = viz.image_figure(views["image"], attention["image"], title="attention on the image")
    if "audio" in attention:
        items[(ATTENTION, "audio")] = viz.spectrogram_figure(views["audio"], attention["audio"], title="attention over audio frames")
    if "text" in attention:
        items[(ATTENTION, "text")] = viz.token_figure(result["words"], attention["text"], title="attention on the words")
    if "video" in attention:
        items[(ATTENTION, "video")] = clips.attention_strip_figure(views["video"], attention["video"], title=video_attention_title(result))
    if "video" in maps:
        items[(GRADIENTS, "video")] = clips.gradient_strip_figure(views["video"], maps["video"], shares.get("video"),
                                                                  baselines.get("video"))
    if "image" in maps:
        items[(GRADIENTS, "image")] = viz.gradient_image_figure(maps["image"], shares.get("image"), baselines.get("image"))
    if "audio" in maps:
        items[(GRADIENTS, "audio")] = viz.gradient_spectrogram_figure(views["audio"], maps["audio"], shares.get("audio"),
                                                                             baselines.get("audio"))
    if "text" in maps:
        items[(GRADIENTS, "text")] = viz.gradient_words_figure(result["words"], maps["text"], shares.get("text"), baselines.get("text"))
    return items


def temporal_figure(result: Mapping[str, Any], views: Mapping[str, Any], class_name: str,
                    interactive: bool = False) -> Item:
    """The frames' Shapley values: bars for a built-in model; over the clip's frames for a head over
    frame tokens when the clip is at hand (Plotly)."""
    frames = result.get("layouts", {}).get("video", {}).get("kind") == "frames"
    if frames and "video" in views:
        from fusion.viz import video

        return video.segments_strip_figure(views["video"], result["temporal_shapley"], class_name)
    return builders(interactive)[1].temporal_shapley_figure(result["temporal_shapley"], class_name)


def video_attention_title(result: Mapping[str, Any]) -> str:
    """Which attention the strip shows: joint (early), the clip's own network (late), or the other
    modalities' cross-attention onto the frames (hybrid), from the result's ``attention_source``."""
    source = str(result.get("attention_source", {}).get("video", ""))
    if source.startswith("cross-attention"):
        return source.split("[CLS] of ", 1)[-1].split(" →")[0] + " → video cross-attention"
    if source.startswith("joint"):
        return "joint attention on the frames"
    return "video network's own attention" if source else "attention on the frames"


def row_order(row: Row) -> tuple[int, str]:
    return KINDS.index(row[0]), row[1]


def aligned_rows(columns: Mapping[str, Mapping[Row, Item]]) -> list[Row]:
    """Every row any model has, in display order: side by side, row i of each column is the same
    kind of chart."""
    return sorted({row for items in columns.values() for row in items}, key=row_order)


def placeholder(row: Row, result: Mapping[str, Any], first: bool = True) -> str:
    """What stands in a model's column on a row where it has no chart; the attention note (why
    there is none) is said on the ``first`` such row only."""
    kind, modality = row
    if "note" in result:
        return ""
    if kind == ATTENTION:
        note = result.get("attention_note")
        return f"No attention map on the {modality}" + (f": {note}." if note and first else ".")
    if kind == GRADIENTS and modality:
        return f"No Integrated Gradients map for the {modality}."
    return ""


def single_items(items: Mapping[Row, Item], result: Mapping[str, Any]) -> list[Item]:
    """One model's items in display order, the attention note (if any) where the attention maps
    would be."""
    ordered = [items[row] for row in sorted(items, key=row_order)]
    note = result.get("attention_note")
    if note and "note" not in result and any(row[0] != GRADIENTS for row in items):
        ordered.insert(min(2, len(ordered)), f"Attention: {note}")
    return ordered


def height(item: Item | None) -> int | None:
    """A chart's height in layout pixels (None for a sentence)."""
    if isinstance(item, raster.Picture):
        return item.height
    return getattr(getattr(item, "layout", None), "height", None)  # a Plotly figure's


def row_height(items: Sequence[Item | None], default: int = HEIGHT) -> int:
    """The tallest figure's height on a row (so a placeholder fills as much)."""
    heights = [h for h in map(height, items) if h]
    return max(heights, default=default)
