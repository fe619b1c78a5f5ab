"""Encode a dataset folder (or one sample) with frozen encoders, through the embedding cache.

Every file goes through the same ``fusion.io`` decoding as an upload; a file that cannot be
decoded drops its row, with the reason added to the manifest's skip report. Only cache misses are
decoded and encoded, so re-running (or training another strategy) never re-encodes.

A folder is encoded on ``ENCODE_THREADS`` PyTorch intra-op threads, whoever asks (``python -m
fusion encode``, ``train --data`` or the Your data page's job, which otherwise inherits the app's
count): the two paths used to differ (the CLI torch's default of one per core, the page one), and
on this shared 2-core machine the CLI was then 2-6x slower, its threads spinning for busy cores
(``python -m benchmarks.your_data_encode``). More cores are used with more processes (``torchrun
... -m fusion encode``), each on its shard.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from fusion.embeddings.cache import EmbeddingCache, as_stored, content_hash
from fusion.encoders import Encoder, load_encoder
from fusion.encoders.base import Encoding
from fusion.errors import ConfigError, InputError
from fusion.threads import fixed_threads
from fusion.userdata.manifest import Manifest, SkippedRow

ENCODE_BATCH = 16
ENCODE_THREADS = 1  # intra-op threads while encoding a folder (module docstring)
Progress = Callable[[str, int, int], None]  # (modality, done, total)


def read_content(modality: str, value: Path | bytes | str) -> bytes | str:
    """The bytes (or text) whose hash keys the cache: a file's bytes, a text's normalised string."""
    from fusion.io import decode_text

    if modality == "text":
        return decode_text(value).text
    return Path(value).read_bytes() if isinstance(value, Path) else bytes(value)


def decode_for_encoder(modality: str, content: bytes | str) -> Any:
    """What an encoder takes (see ``fusion.encoders.base``), through ``fusion.io``."""
    from fusion.io import decode_audio_clip, decode_image_rgb

    if modality == "image":
        return decode_image_rgb(content)
    if modality == "audio":
        return decode_audio_clip(content).waveform
    if modality == "video":
        from fusion.video_io import decode_video_rgb

        return decode_video_rgb(content)
    return content


def encode_items(
    encoder: Encoder,
    contents: Iterable[bytes | str],
    cache: EmbeddingCache,
    on_item: Callable[[int], None] | None = None,
    keep: bool = True,
    counts: Counter | None = None,
) -> tuple[list[Encoding | None], dict[int, str]]:
    """Encode ``contents`` (cache first), read one at a time and encoded ``ENCODE_BATCH`` at a
    time, so memory holds one batch of decoded inputs whatever the number of items. Returns the
    encodings in order (None where decoding failed, or everywhere when not ``keep``: only filling
    the cache) and the decode errors by position. ``counts`` gets "cached", "encoded", "failed".
    """
    results: list[Encoding | None] = []
    errors: dict[int, str] = {}
    counts = counts if counts is not None else Counter()
    pending: dict[str, tuple[list[int], Any]] = {}  # digest -> (positions, decoded): same content, one encode

    def flush() -> None:
        if not pending:
            return
        encodings = encoder.encode([item for _, item in pending.values()])
        for (digest, (positions, _)), encoding in zip(pending.items(), encodings):
            cache.put(encoder, digest, encoding)
            encoding = as_stored(encoding) if keep else None
            for index in positions:
                results[index] = encoding
        done = sum(len(positions) for positions, _ in pending.values())
        counts["encoded"] += done
        if on_item is not None:
            on_item(done)
        pending.clear()

    for index, content in enumerate(contents):
        results.append(None)
        digest = content_hash(content)
        if digest in pending:
            pending[digest][0].append(index)
            continue
        hit = cache.get(encoder, digest)
        if hit is not None:
            results[index] = hit if keep else None
            counts["cached"] += 1
            if on_item is not None:
                on_item(1)
            continue
        try:
            pending[digest] = ([index], decode_for_encoder(encoder.modality, content))
        except InputError as error:
            errors[index] = str(error)
            counts["failed"] += 1
            if on_item is not None:
                on_item(1)
        if len(pending) >= ENCODE_BATCH:
            flush()
    flush()
    return results, errors


def _contents(manifest: Manifest, modality: str, positions: Sequence[int], keep: list[int],
              failed: dict[int, str], on_item: Callable[[int], None]) -> Iterator[bytes | str]:
    """The content of each row at ``positions`` that can be read, one at a time (its position
    appended to ``keep``); a row that cannot be read gets its reason in ``failed`` (by line)."""
    for i in positions:
        try:
            content = read_content(modality, _value(manifest.rows[i], modality))
        except (OSError, InputError) as error:
            failed.setdefault(manifest.rows[i].line, f"{modality}: {error}")
            on_item(1)
            continue
        keep.append(i)
        yield content


def _encode_column(
    manifest: Manifest, modality: str, encoder: Encoder, cache: EmbeddingCache, positions: Sequence[int],
    failed: dict[int, str], progress: bool, on_progress: Progress | None, keep_results: bool = True,
    counts: Counter | None = None,
) -> list[Encoding | None]:
    """Encode ``modality`` of the rows at ``positions``: one encoding (or None) per manifest row."""
    bar = tqdm(total=len(positions), desc=f"encoding {modality} with {encoder.name}", disable=not progress, leave=False)
    done = [0]

    def step(count: int) -> None:
        bar.update(count)
        done[0] += count
        if on_progress is not None:
            on_progress(modality, done[0], len(positions))

    keep: list[int] = []
    results, errors = encode_items(encoder, _contents(manifest, modality, positions, keep, failed, step), cache, step,
                                   keep_results, counts)
    bar.close()
    column: list[Encoding | None] = [None] * len(manifest.rows)
    for k, i in enumerate(keep):
        column[i] = results[k]
        if k in errors:
            failed.setdefault(manifest.rows[i].line, f"{modality}: {errors[k].removeprefix(f'{modality}: ')}")
    return column


def encode_shard(
    manifest: Manifest,
    encoders: Mapping[str, str | None] | None = None,
    cache: EmbeddingCache | None = None,
    rank: int = 0,
    world_size: int = 1,
    progress: bool = True,
) -> dict[str, dict[str, int]]:
    """Fill the cache with the embeddings of this rank's shard of ``manifest`` (rows ``rank``,
    ``rank + world_size``, ...), keeping none in memory: what ``python -m fusion encode`` runs on
    each rank. Several processes may fill one cache at once (each entry is written atomically).
    Returns per modality ``{"rows", "cached", "encoded", "failed"}`` (failed: unreadable files)."""
    if not 0 <= rank < world_size:
        raise ConfigError(f"rank {rank} is not one of {world_size} processes")
    cache = cache or EmbeddingCache()
    names = resolve_encoders(manifest, encoders)
    report = {}
    for m, name in names.items():
        positions = [i for i in range(rank, len(manifest.rows), world_size) if _value(manifest.rows[i], m) is not None]
        counts: Counter = Counter()
        failed: dict[int, str] = {}
        encoder = load_encoder(name, m)
        with fixed_threads(ENCODE_THREADS):
            _encode_column(manifest, m, encoder, cache, positions, failed, progress, None, False, counts)
        report[m] = {"rows": len(positions), "cached": counts["cached"], "encoded": counts["encoded"],
                     "failed": len(failed)}
    return report


@dataclass(frozen=True, eq=False)
class EmbeddedDataset:
    """A dataset folder's rows as encodings: ``encodings[m][i]`` for manifest row ``i`` (None when
    the row has no ``m``), with the encoder name per modality."""

    manifest: Manifest
    encoders: dict[str, str]
    encodings: dict[str, list[Encoding | None]]
    dims: dict[str, tuple[int, int | None, int]] = field(default_factory=dict)  # m -> (dim, token_dim, max tokens)
    seed: int = 0  # the seed of the manifest's split (when it has no split column)

    @property
    def modalities(self) -> tuple[str, ...]:
        return tuple(sorted(self.encoders))

    def rows(self, split: str) -> list[int]:
        return [i for i, row in enumerate(self.manifest.rows) if row.split == split]


def resolve_encoders(manifest: Manifest, chosen: Mapping[str, str | None] | None) -> dict[str, str]:
    """Encoder name per modality of the manifest: ``chosen`` where given, else the default; a
    modality mapped to None (or "none") is left out."""
    from fusion.encoders import DEFAULT_ENCODERS

    chosen = dict(chosen or {})
    unknown = [m for m in chosen if m not in manifest.modalities and chosen[m] not in (None, "none")]
    if unknown:
        raise ConfigError(
            f"the dataset has no {', '.join(unknown)} column; it has {', '.join(manifest.modalities)}"
        )
    names = {m: chosen.get(m, DEFAULT_ENCODERS[m]) for m in manifest.modalities}
    names = {m: n for m, n in names.items() if n not in (None, "none", "")}
    if not names:
        raise ConfigError("no modality left to encode: choose an encoder for at least one modality")
    return names


def embed_manifest(
    manifest: Manifest,
    encoders: Mapping[str, str | None] | None = None,
    cache: EmbeddingCache | None = None,
    progress: bool = True,
    on_progress: Progress | None = None,
    seed: int = 0,
) -> EmbeddedDataset:
    """Encode every row of ``manifest`` with one encoder per modality (defaults: ``DEFAULT_ENCODERS``).

    Rows whose file cannot be decoded are dropped and reported in ``manifest.skipped``.
    """
    cache = cache or EmbeddingCache()
    names = resolve_encoders(manifest, encoders)
    loaded = {m: load_encoder(name, m) for m, name in names.items()}
    encodings: dict[str, list[Encoding | None]] = {}
    failed: dict[int, str] = {}
    with fixed_threads(ENCODE_THREADS):
        for m, encoder in loaded.items():
            positions = [i for i, row in enumerate(manifest.rows) if _value(row, m) is not None]
            encodings[m] = _encode_column(manifest, m, encoder, cache, positions, failed, progress, on_progress)
    if failed:
        lines = {row.line for row in manifest.rows}
        keep_rows = [i for i, row in enumerate(manifest.rows) if row.line not in failed]
        manifest = manifest.with_skipped(SkippedRow(line, reason) for line, reason in sorted(failed.items()) if line in lines)
        encodings = {m: [column[i] for i in keep_rows] for m, column in encodings.items()}
    dims = {m: _dims(column) for m, column in encodings.items()}
    return EmbeddedDataset(manifest, names, encodings, dims, seed)


def _value(row: Any, modality: str) -> Path | str | None:
    return row.text if modality == "text" else row.files.get(modality)


def _dims(column: list[Encoding | None]) -> tuple[int, int | None, int]:
    present = [e for e in column if e is not None]
    if not present:
        raise ConfigError("a modality has no readable input in any row")
    first = present[0]
    token_dim = None if first.tokens is None else int(first.tokens.shape[1])
    most = max((len(e.tokens) for e in present if e.tokens is not None), default=1)
    return int(first.pooled.shape[0]), token_dim, int(most)


def encode_sample(
    inputs: Mapping[str, Path | bytes | str], encoders: Mapping[str, str], cache: EmbeddingCache | None = None
) -> dict[str, Encoding]:
    """One sample's files / text (any subset of ``encoders``' modalities) -> encodings.

    Raises ``InputError`` (naming the modality) when a file cannot be decoded.
    """
    cache = cache or EmbeddingCache()
    out = {}
    for m, value in inputs.items():
        if value is None or m not in encoders:
            continue
        content = read_content(m, value)
        results, errors = encode_items(load_encoder(encoders[m], m), [content], cache)
        if errors:
            raise InputError(f"{m}: {errors[0]}")
        out[m] = results[0]
    return out

