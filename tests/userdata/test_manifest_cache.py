"""``cached_manifest``: a page rerun over an unchanged manifest does not read it again; any change
to manifest.csv (its mtime or size) does."""

from __future__ import annotations

import os

import fusion.userdata.manifest as manifest_module
from fusion.userdata.manifest import cached_manifest


def _folder(tmp_path, rows: int):
    folder = tmp_path / "captions"
    folder.mkdir(exist_ok=True)
    lines = ["text,label"] + [f"caption {i},{'ab'[i % 2]}" for i in range(rows)]
    (folder / "manifest.csv").write_text("\n".join(lines) + "\n")
    return folder


def test_an_unchanged_manifest_is_read_once_and_a_changed_one_again(tmp_path, monkeypatch) -> None:
    reads = []
    real = manifest_module.load_manifest
    monkeypatch.setattr(manifest_module, "load_manifest", lambda *a, **k: reads.append(a) or real(*a, **k))
    manifest_module._manifest_of.cache_clear()
    folder = _folder(tmp_path, 40)
    first = cached_manifest(folder)
    assert cached_manifest(folder) is first and cached_manifest(str(folder) + "/") is first and len(reads) == 1
    assert cached_manifest(folder, seed=1) is not first and len(reads) == 2  # another split is another manifest
    _folder(tmp_path, 41)  # a row more: another size
    assert len(cached_manifest(folder).rows) == 41 and len(reads) == 3
    stat = (folder / "manifest.csv").stat()
    (folder / "manifest.csv").write_text((folder / "manifest.csv").read_text().replace("caption 0", "caption 9"))
    os.utime(folder / "manifest.csv", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # same size, newer
    assert cached_manifest(folder).rows[0].text == "caption 9" and len(reads) == 4


def test_reading_reports_its_progress_by_line_and_a_cached_rerun_reports_none(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(manifest_module, "PROGRESS_EVERY", 10)
    manifest_module._manifest_of.cache_clear()
    folder = _folder(tmp_path, 45)  # 46 lines with the header
    calls: list[tuple[int, int]] = []
    cached_manifest(folder, on_progress=lambda line, lines: calls.append((line, lines)))
    assert calls == [(11, 46), (21, 46), (31, 46), (41, 46), (46, 46)]  # every 10 rows (row k is line k + 1), then done
    cached_manifest(folder, on_progress=lambda line, lines: calls.append((line, lines)))
    assert len(calls) == 5  # not read again
    manifest_module.load_manifest(folder, on_progress=lambda line, lines: calls.append((line, lines)))
    assert calls[-1] == (46, 46)
