"""How each strategy's cost grows: FLOPs and latency per sample as the tokens per modality (or the
batch) grow, measured on freshly built models of the same width over three modalities of synthetic
embedding tokens (a head's inputs), so only the fusion architecture differs between curves."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from fusion.evaluation.cost import flops, latency
from fusion.modalities import list_modalities
from fusion.models.config import EncoderInput, ModelConfig
from fusion.models.strategies import build_model

MODALITIES = ("audio", "image", "text")
FEATURES = 16
# label -> (strategy, operator, combiner)
ARCHITECTURES = {
    "early (product)": ("early", "product", None),
    "early (tensor)": ("early", "tensor", None),
    "early (joint attention)": ("early", "concat", None),
    "late (mean)": ("late", None, "mean"),
    "hybrid (product)": ("hybrid", "product", None),
}
DEFAULT_TOKENS = (8, 32, 128, 512)
DEFAULT_BATCHES = (1, 4, 16, 64)
DEFAULT_WIDTHS = (8, 16, 32, 64)
SWEEPS = {"tokens": DEFAULT_TOKENS, "batch": DEFAULT_BATCHES, "width": DEFAULT_WIDTHS, "modalities": (2, 3, 4)}


def sweep_config(strategy: str, operator: str | None, combiner: str | None, tokens: int, width: int = 16,
                 modalities: int = len(MODALITIES)) -> ModelConfig:
    pooled = strategy == "early" and operator != "concat"  # vector operators read one vector per modality
    names = tuple(list_modalities()[:modalities]) if modalities != len(MODALITIES) else MODALITIES
    encoders = tuple(EncoderInput(m, "synthetic", FEATURES, 1 if pooled else tokens) for m in names)
    return ModelConfig(task="scaling", strategy=strategy, modalities=names, num_classes=2, operator=operator,
                       combiner=combiner, width=width, heads=2, depth=1, encoders=encoders)


def synthetic_inputs(config: ModelConfig, batch: int) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    out = {}
    for spec in config.encoders:
        x = torch.randn(batch, spec.tokens, spec.features + 1, generator=generator)
        x[..., -1] = 1.0  # every token real
        out[spec.modality] = x
    return out


def scaling(sweep: str, values: Sequence[int] | None = None, runs: int = 10, threads: int = 1) -> dict:
    """``{"sweep", "values", "strategies": {label: {"flops": [...], "latency_ms": [...]}}}``, per sample.

    ``sweep="tokens"``: tokens per modality at batch 1 (a vector operator reads one pooled vector,
    so its cost does not grow with tokens); ``sweep="batch"``: batch size at 16 tokens per modality;
    ``sweep="width"``: every model's width at 16 tokens, batch 1; ``sweep="modalities"``: 2, 3 or
    4 modalities (the registered ones, sorted) at 16 tokens, width 16 — tensor fusion's outer
    product has (6 + 1)^M terms, so it grows multiplicatively with each modality.
    """
    if sweep not in SWEEPS:
        raise ValueError(f"sweep is one of {', '.join(SWEEPS)}")
    values = list(values or SWEEPS[sweep])
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        strategies = {}
        for label, (strategy, operator, combiner) in ARCHITECTURES.items():
            rows = {"flops": [], "latency_ms": []}
            for value in values:
                tokens, batch, width, modalities = {"tokens": (value, 1, 16, 3), "batch": (16, value, 16, 3),
                                                    "width": (16, 1, value, 3), "modalities": (16, 1, 16, value)}[sweep]
                torch.manual_seed(0)
                config = sweep_config(strategy, operator, combiner, tokens, width, modalities)
                model = build_model(config).eval()
                inputs = synthetic_inputs(config, batch)
                rows["flops"].append(flops(model, inputs) // batch)
                rows["latency_ms"].append(round(latency(model, inputs, runs=runs)[0] / batch, 4))
            strategies[label] = rows
    finally:
        torch.set_num_threads(previous)
    return {"sweep": sweep, "values": values, "strategies": strategies}
