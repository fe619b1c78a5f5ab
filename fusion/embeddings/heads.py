"""Trainable fusion heads over frozen encoders: configs, model inputs, training data, evaluation.

Which embedding a head reads per modality: token embeddings (when the encoder has tokens) for the
strategies that attend over tokens (hybrid cross-attention, late's per-modality networks, early
with ``concat``: one joint transformer over every modality's tokens); the pooled embedding for
early fusion with a vector operator (sum, product, tensor, gated, ...).
"""

from __future__ import annotations

from typing import Any

import torch

from fusion.embeddings.extract import EmbeddedDataset
from fusion.errors import ConfigError
from fusion.models.config import FUSION_STRATEGIES, UNIMODAL, EncoderInput, ModelConfig
from fusion.models.presets import fusion_mechanism
from fusion.tasks.dataset import dataset_task_name, embedded_split
from fusion.training.loop import TrainingData, TrainSettings

HEAD_OPERATOR = {"early": "concat"}  # token-level early fusion by default; hybrid keeps the built-in default
HEAD_ARCHITECTURE = {"width": 64, "heads": 4, "depth": 1, "dropout": 0.1}
HEAD_EPOCHS = 30


def uses_tokens(strategy: str, operator: str | None) -> bool:
    return strategy != "early" or operator == "concat"


def head_config(
    dataset: EmbeddedDataset,
    name: str,
    operator: str | None = None,
    combiner: str | None = None,
    **architecture: Any,
) -> ModelConfig:
    """The config of head ``name`` (a strategy, or a modality for a unimodal baseline) on ``dataset``."""
    if name in dataset.modalities:
        strategy, modalities = UNIMODAL, (name,)
    elif name in FUSION_STRATEGIES:
        strategy, modalities = name, dataset.modalities
    else:
        choices = ", ".join([*FUSION_STRATEGIES, *dataset.modalities])
        raise ConfigError(f"unknown strategy {name!r} for this dataset; choose one of: {choices}")
    if strategy in FUSION_STRATEGIES and len(modalities) < 2:
        raise ConfigError(f"{name} fusion needs two modalities; the dataset has only {modalities[0]}")
    operator, combiner = fusion_mechanism(name, strategy, operator, combiner, HEAD_OPERATOR)
    tokens = uses_tokens(strategy, operator)
    inputs = []
    for m in modalities:
        dim, token_dim, most = dataset.dims[m]
        if tokens and token_dim is not None:
            inputs.append(EncoderInput(m, dataset.encoders[m], token_dim, most))
        else:
            inputs.append(EncoderInput(m, dataset.encoders[m], dim, 1))
    classes = dataset.manifest.classes
    return ModelConfig(
        task=dataset_task_name(dataset.manifest.name),
        strategy=strategy,
        modalities=modalities,
        num_classes=len(classes),
        operator=operator,
        combiner=combiner,
        encoders=tuple(inputs),
        classes=classes,
        **{**HEAD_ARCHITECTURE, **architecture},
    )


def training_data(dataset: EmbeddedDataset, config: ModelConfig) -> TrainingData:
    """The same training tensors every epoch (encoders are frozen: nothing to refresh)."""
    train = embedded_split(dataset, config, "train")
    val = embedded_split(dataset, config, "val")
    if len(val) == 0:
        raise ConfigError("the dataset has no validation rows; add split=val rows or drop the split column")

    def standardise(model: torch.nn.Module) -> None:
        for m in model.modalities:
            model.tokenizers[m].fit_statistics(train.inputs[m])

    return TrainingData(lambda epoch: (train.inputs, train.labels, {}), val, train.present, standardise)


def head_settings(seed: int = 0, epochs: int | None = None) -> TrainSettings:
    return TrainSettings(epochs=HEAD_EPOCHS if epochs is None else epochs, learning_rate=1e-3, seed=seed)
