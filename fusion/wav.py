"""Float waves as 16-bit PCM WAV bytes: the exported dataset's clips and the app's audio players.

Why not Streamlit's own encoding of a numpy wave: it scales every clip to full scale by dividing by
its peak, which is 0 for a silent clip (NaN samples, a numpy warning and an undefined player)."""

from __future__ import annotations

import io

import numpy as np

from fusion.formats import SAMPLE_RATE


def pcm16_wav(wave: np.ndarray, peak: float | None = None, rate: int = SAMPLE_RATE) -> bytes:
    """``wave`` (mono, float) as WAV bytes: scaled so its peak is ``peak`` (None: as it is, or down
    to full scale if louder, as a corrupted clip can be: scaled, never clipped); silence stays silent."""
    import soundfile as sf

    samples = np.nan_to_num(np.asarray(wave).reshape(-1))
    top = float(np.max(np.abs(samples))) if samples.size else 0.0
    if peak is None and top > 1.0:
        peak = 1.0
    if peak is not None and top > 0:
        samples = samples * (peak / top)  # in the wave's own precision, as the exports always were
    pcm = np.round(np.clip(np.asarray(samples, dtype=np.float64), -1.0, 1.0) * 32767).astype(np.int16)
    buffer = io.BytesIO()
    sf.write(buffer, pcm, rate, subtype="PCM_16", format="WAV")
    return buffer.getvalue()
