"""Your own data: a folder with manifest.csv (or a zip of one), checked before anything is decoded.

* :func:`load_manifest` -> :class:`Manifest` (usable rows, skipped rows and why, classes, split).
* :func:`extract_zip`: an uploaded zip -> a dataset folder, refusing unsafe archives.
* :func:`export_avdigits`: the built-in "digits" task written in this format (an example dataset).

The manifest format is documented in :mod:`fusion.userdata.manifest`.
"""

from fusion.userdata.export import export_avdigits
from fusion.userdata.manifest import (
    ALLOWED_COLUMNS,
    EXTENSIONS,
    MANIFEST_NAME,
    MAX_MANIFEST_BYTES,
    MAX_ROWS,
    MODALITY_COLUMNS,
    DatasetError,
    Manifest,
    ManifestRow,
    SkippedRow,
    load_manifest,
)
from fusion.userdata.zips import extract_zip

__all__ = [
    "ALLOWED_COLUMNS", "EXTENSIONS", "MANIFEST_NAME", "MAX_MANIFEST_BYTES", "MAX_ROWS",
    "MODALITY_COLUMNS", "DatasetError", "Manifest", "ManifestRow", "SkippedRow", "export_avdigits",
    "extract_zip", "load_manifest",
]
