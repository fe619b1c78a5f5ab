"""Save librosa's mel filterbank for the audio front end to assets/features/mel_filterbank.npy.

The app loads the saved copy so that it does not import librosa (about a second) at start-up.
Usage: python -m tools.build_mel_filterbank
"""

from __future__ import annotations

import numpy as np

from fusion.modalities.audio import MEL_FILTERBANK_FILE, librosa_mel_filterbank


def main() -> None:
    MEL_FILTERBANK_FILE.parent.mkdir(parents=True, exist_ok=True)
    np.save(MEL_FILTERBANK_FILE, librosa_mel_filterbank().astype(np.float32), allow_pickle=False)
    print(f"saved {MEL_FILTERBANK_FILE}")


if __name__ == "__main__":
    main()
