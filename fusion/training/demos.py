"""The reliance demonstration: small digits models trained while one accent's audio is almost pure
noise, so that they learn to lean on the image for that accent and on the audio for the others.

``NOISY_ACCENT``'s speakers (in every split) have their audio at corruption level 1.0 (pink noise
at -20 dB SNR) while every other row keeps digits' standard corruption (audio 0.7, image 0.75).
Its three models (early, late, hybrid; width 16, one block, 8 epochs: seconds of training) are
digits models (``config.json`` says task ``digits``, modalities audio and image); they ship beside
the other checkpoints, in ``assets/checkpoints/<DEMO_TASK.name>/<strategy>/`` (safetensors + JSON),
are rebuilt by ``python tools/build_reliance_demo.py`` (and by ``python -m fusion train-all``), and
are analysed by ``python -m fusion reliance --demo``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fusion.errors import ConfigError
from fusion.models.config import FUSION_STRATEGIES
from fusion.tasks.avdigits import DIGITS
from fusion.tasks.group_corruption import GroupCorruptedTask

NOISY_ACCENT = "en-gb-scotland"
NOISY_LEVELS = {"audio": 1.0}
BASE_LEVELS = {"audio": 0.2, "image": 0.75}  # every other row: audio at 12 dB SNR, image as in digits
DEMO_ARCHITECTURE = {"width": 16, "depth": 1, "heads": 2}
DEMO_EARLY_OPERATOR = "product"
DEMO_EPOCHS = 8
DEMO_MODALITIES = ("audio", "image")
DEMO_SETTINGS = {"epochs": DEMO_EPOCHS, "learning_rate": 1e-2, "corruption_refresh": DEMO_EPOCHS}  # one draw: fast
DEMO_TASK = GroupCorruptedTask(
    name=f"digits-noisy-{NOISY_ACCENT}", kind=DIGITS.kind, modalities=DEMO_MODALITIES, classes=DIGITS.classes,
    description=f"digits, with the audio of the {NOISY_ACCENT} speakers at corruption level 1.0",
    standard_corruption=BASE_LEVELS, default_models=FUSION_STRATEGIES,
    rows_of=DIGITS.name,
    group_by="accent", group_value=NOISY_ACCENT, heavier=NOISY_LEVELS,
)
DEMO_CHECKPOINTS = tuple((DEMO_TASK.name, strategy) for strategy in FUSION_STRATEGIES)  # (folder, model) in the shipped root


def demo_config(strategy: str):
    from fusion.models.presets import default_config

    config = default_config(DIGITS.name, strategy, DIGITS.vocabulary())
    if strategy == "early":  # the product operator: a joint transformer this small learns too little in 8 epochs
        config = config.replace(operator=DEMO_EARLY_OPERATOR)
    return config.replace(modalities=DEMO_MODALITIES, vocabulary=(), **DEMO_ARCHITECTURE)


def train_demo(out: Path | str | None = None, seed: int = 0, progress: bool = True) -> list[dict[str, Any]]:
    """Train the demonstration's three models on ``DEMO_TASK`` and save them under ``out``
    (default: the shipped checkpoints' root) with their test metrics on it."""
    return [train_demo_model(strategy, out, seed, progress) for strategy in FUSION_STRATEGIES]


def train_demo_model(strategy: str, out: Path | str | None = None, seed: int = 0,
                     progress: bool = True) -> dict[str, Any]:
    """Train and save one of the demonstration's models; its test metrics."""
    from fusion.evaluation.accuracy import evaluate
    from fusion.models.checkpoints import checkpoint_dir, save_checkpoint, shipped_root
    from fusion.training.loop import TrainingData, TrainSettings, train_model

    root = Path(out) if out is not None else shipped_root()
    config = demo_config(strategy)
    settings = TrainSettings(seed=seed, **DEMO_SETTINGS)
    start, cpu = time.perf_counter(), time.process_time()
    result = train_model(config, settings, progress=progress, data=TrainingData(**DEMO_TASK.training_data(config, settings)))
    seconds, cpu = round(time.perf_counter() - start, 1), round(time.process_time() - cpu, 1)
    metrics = {**evaluate(result.model, task=DEMO_TASK), "task": DEMO_TASK.name, "best_epoch": result.best_epoch,
               "train_seconds": seconds, "train_cpu_seconds": cpu}
    save_checkpoint(result.model, checkpoint_dir(root, DEMO_TASK.name, strategy), metrics)
    return metrics


def demo_models(strategy: str = "all", root: Path | str | None = None) -> dict[str, Any]:
    """The demonstration's shipped models by strategy (``all``: the three)."""
    from fusion.models.checkpoints import load_models

    if strategy != "all" and strategy not in FUSION_STRATEGIES:
        raise ConfigError(f"the demonstration has {', '.join(FUSION_STRATEGIES)} models, not {strategy!r}")
    names = list(FUSION_STRATEGIES) if strategy == "all" else [strategy]
    return load_models(DEMO_TASK.name, names, root)


def image_lean(result) -> dict[str, dict[str, Any]]:
    """Per model, from a ``reliance`` result by accent on ``DEMO_TASK``: the image share and the
    audio perceptual score of ``NOISY_ACCENT``, and their lowest and highest over the other accents."""
    noisy = next(g for g in result.groups if g.group == NOISY_ACCENT)
    others = [g for g in result.groups if g.group != NOISY_ACCENT]
    lean = {}
    for strategy, entry in noisy.strategies.items():
        shares = [g.strategies[strategy].shapley_share["image"] for g in others]
        drops = [g.strategies[strategy].perceptual_score["audio"] for g in others]
        lean[strategy] = {"image_share": entry.shapley_share["image"], "others_image_share": (min(shares), max(shares)),
                          "audio_drop": entry.perceptual_score["audio"], "others_audio_drop": (min(drops), max(drops)),
                          "accuracy": entry.accuracy, "others_accuracy": (min(g.strategies[strategy].accuracy for g in others),
                                                                          max(g.strategies[strategy].accuracy for g in others))}
    return lean
