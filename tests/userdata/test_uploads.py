"""Uploaded zips are unpacked under one folder per zip name: the same zip again writes nothing,
another of that name replaces the old folder, and a disk quota bounds them all."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from fusion.userdata.manifest import DatasetError, load_manifest
from fusion.userdata.uploads import folder_bytes, unpack_upload

MANIFEST = "text,label\nhi there,1\nho there,2\nhey there,1\nhum there,2\n"


def dataset_zip(top: str = "data", filler: int = 0, manifest: str = MANIFEST) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(f"{top}/manifest.csv" if top else "manifest.csv", manifest)
        if filler:
            archive.writestr(f"{top}/filler.bin" if top else "filler.bin", os.urandom(filler))
    return buffer.getvalue()


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_the_same_zip_unpacked_three_times_is_unpacked_once(tmp_path) -> None:
    data = dataset_zip(filler=200_000)
    first = unpack_upload(data, "my data.zip", tmp_path, 10_000_000)
    assert first == tmp_path / "my_data" / "data" and load_manifest(first).name == "data"
    before, size = tree(tmp_path), folder_bytes(tmp_path)
    mtime = (first / "manifest.csv").stat().st_mtime_ns
    for _ in range(2):
        assert unpack_upload(data, "my data.zip", tmp_path, 10_000_000) == first
    assert tree(tmp_path) == before and folder_bytes(tmp_path) == size  # no growth, nothing rewritten
    assert (first / "manifest.csv").stat().st_mtime_ns == mtime


def test_another_zip_of_the_same_name_replaces_the_old_folder(tmp_path) -> None:
    unpack_upload(dataset_zip(filler=100_000), "d.zip", tmp_path, 10_000_000)
    second = unpack_upload(dataset_zip(top=""), "d.zip", tmp_path, 10_000_000)  # manifest at the top this time
    assert second == tmp_path / "d"
    assert [p for p in tree(tmp_path) if not p.startswith("d/.")] == ["d", "d/manifest.csv"]  # the old one is gone
    assert folder_bytes(tmp_path) < 1_000


def test_a_refused_zip_leaves_the_previous_folder_and_no_temporary_files(tmp_path) -> None:
    good = unpack_upload(dataset_zip(), "d.zip", tmp_path, 10_000_000)
    before = tree(tmp_path)
    with pytest.raises(DatasetError, match="no manifest.csv"):
        unpack_upload(b"PK" + dataset_zip(top="x")[2:].replace(b"manifest.csv", b"manifest.txt"), "d.zip", tmp_path, 10_000_000)
    with pytest.raises(DatasetError, match="not a zip"):
        unpack_upload(b"not a zip", "d.zip", tmp_path, 10_000_000)
    assert tree(tmp_path) == before and load_manifest(good).name == "data"


def test_the_disk_quota_counts_everything_unpacked_but_the_folder_replaced(tmp_path) -> None:
    unpack_upload(dataset_zip(filler=600_000), "a.zip", tmp_path, 10_000_000, disk_quota=1_000_000)
    with pytest.raises(DatasetError, match=r"unpacks to 0.6 MB, more than the 0.4 MB limit"):  # 600 kB used + 600 kB > 1 MB
        unpack_upload(dataset_zip(filler=600_000), "b.zip", tmp_path, 10_000_000, disk_quota=1_000_000)
    assert not (tmp_path / "b").exists()
    unpack_upload(dataset_zip(filler=700_000), "a.zip", tmp_path, 10_000_000, disk_quota=1_000_000)  # replaces a
    assert 700_000 < folder_bytes(tmp_path) < 1_000_000


@pytest.mark.parametrize("name", ["[x](http://e).zip", "../../evil.zip", "a\nb.zip", ".zip", "é.zip"])
def test_any_upload_name_becomes_a_plain_folder_name_under_the_root(tmp_path, name) -> None:
    folder = unpack_upload(dataset_zip(), name, tmp_path / "root", 10_000_000)
    assert (tmp_path / "root") in folder.parents
    assert len(list((tmp_path / "root").iterdir())) == 1
