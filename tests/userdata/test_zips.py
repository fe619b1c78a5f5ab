"""extract_zip: good zips unpack to a loadable dataset; unsafe ones are refused, nothing written."""

from __future__ import annotations

import io
import stat
import warnings
import zipfile
from pathlib import Path

import pytest

from fusion.userdata import DatasetError, extract_zip, load_manifest

MANIFEST = b"image,audio,text,label\n,,hello,a\n,,bye,b\n,,hi,a\n,,ciao,b\n"


def make_zip(entries: dict[str, bytes] | list[tuple[str, bytes]],
             compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names, on purpose
        for name, data in (entries.items() if isinstance(entries, dict) else entries):
            archive.writestr(name, data)
    return buffer.getvalue()


def special_zip(name: str, data: bytes = b"x", mode: int = 0, encrypted: bool = False) -> bytes:
    """manifest.csv and one entry with a unix file type (``mode``) or the 'encrypted' flag."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.csv", MANIFEST)
        info = zipfile.ZipInfo(name)
        info.external_attr = mode << 16
        archive.writestr(info, data)
    raw = bytearray(buffer.getvalue())
    if encrypted:  # zipfile cannot encrypt: set bit 0 of the flags in both headers of the entry
        raw[raw.rindex(b"PK\x03\x04") + 6] |= 0x1
        raw[raw.rindex(b"PK\x01\x02") + 8] |= 0x1
    return bytes(raw)


def assert_refused(tmp_path: Path, source, *fragments: str, **limits) -> None:
    """Refused with a message holding every fragment, and nothing written anywhere in tmp_path."""
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(DatasetError) as caught:
        extract_zip(source, tmp_path / "out", **limits)
    for fragment in fragments:
        assert fragment in str(caught.value)
    assert sorted(tmp_path.rglob("*")) == before
    assert not (tmp_path.parent / "evil.txt").exists()


# ------------------------------------------------------------------------------------- good zips
def test_manifest_at_the_top(tmp_path):
    dest = extract_zip(make_zip({"manifest.csv": MANIFEST, "notes/readme.txt": b"hi"}),
                       tmp_path / "out")
    assert dest == tmp_path / "out"
    assert (dest / "notes" / "readme.txt").read_bytes() == b"hi"
    assert len(load_manifest(dest).rows) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder left


def test_manifest_in_a_single_top_folder(tmp_path):
    source = make_zip({"pets/": b"", "pets/manifest.csv": MANIFEST, "pets/images/a.png": b"png",
                       "__MACOSX/pets/._manifest.csv": b"fork", ".DS_Store": b"junk"})
    zip_path = tmp_path / "pets.zip"
    zip_path.write_bytes(source)
    dest = extract_zip(zip_path, tmp_path / "out")
    assert dest == tmp_path / "out" / "pets"
    assert (dest / "images" / "a.png").read_bytes() == b"png"
    assert not (tmp_path / "out" / "__MACOSX").exists()
    assert load_manifest(dest).name == "pets"


def test_an_empty_destination_folder_is_fine(tmp_path):
    (tmp_path / "out").mkdir()
    assert extract_zip(make_zip({"manifest.csv": MANIFEST}), tmp_path / "out") == tmp_path / "out"


def test_stored_entries_and_real_files(tmp_path):
    source = make_zip({"d/manifest.csv": MANIFEST, "d/big.bin": bytes(range(256)) * 8192},
                      compression=zipfile.ZIP_STORED)
    dest = extract_zip(source, tmp_path / "out")
    assert (dest / "big.bin").stat().st_size == 256 * 8192


# ------------------------------------------------------------------------------------ refusals
@pytest.mark.parametrize("name, fragment", [
    ("../evil.txt", "'../evil.txt' has a '..' component"),
    ("data/../../evil.txt", "'data/../../evil.txt' has a '..' component"),
    ("/tmp/evil.txt", "'/tmp/evil.txt' has an absolute path"),
    ("C:/evil.txt", "'C:/evil.txt' has an absolute path"),
    ("..\\evil.txt", "has a backslash in its name"),
])
def test_unsafe_names(tmp_path, name, fragment):
    assert_refused(tmp_path, make_zip({"manifest.csv": MANIFEST, name: b"gotcha"}), fragment,
                   "nothing was extracted")


def test_symlink_entry(tmp_path):
    source = special_zip("link", b"/etc/passwd", mode=stat.S_IFLNK | 0o777)
    assert_refused(tmp_path, source, "'link' is a symbolic link")


def test_special_file_entry(tmp_path):
    assert_refused(tmp_path, special_zip("fifo", mode=stat.S_IFIFO | 0o644), "special file")


def test_encrypted_entry(tmp_path):
    assert_refused(tmp_path, special_zip("secret.txt", encrypted=True), "'secret.txt' is encrypted")


def test_zip_bomb(tmp_path):
    source = make_zip({"manifest.csv": MANIFEST, "zeros.bin": bytes(5_000_000)})
    assert len(source) < 20_000
    assert_refused(tmp_path, source, "'zeros.bin' unpacks", "times larger", "zip bomb")


def test_too_many_files(tmp_path):
    source = make_zip({"manifest.csv": MANIFEST, **{f"f{i}.txt": b"x" for i in range(5)}})
    assert_refused(tmp_path, source, "6 entries, more than the 3 limit", max_files=3)


def test_too_many_bytes(tmp_path):
    source = make_zip({"manifest.csv": MANIFEST, "data.bin": bytes(range(256)) * 40})
    assert_refused(tmp_path, source, "more than the 0.005 MB limit", max_total_bytes=5000)


def test_duplicate_names(tmp_path):
    source = make_zip([("manifest.csv", MANIFEST), ("a.txt", b"1"), ("./a.txt", b"2")])
    assert_refused(tmp_path, source, "'./a.txt' appears twice")


def test_file_and_folder_with_one_name(tmp_path):
    source = make_zip([("manifest.csv", MANIFEST), ("a", b"1"), ("a/b.txt", b"2")])
    assert_refused(tmp_path, source, "'a' is both a file and a folder")


@pytest.mark.parametrize("source", [b"", b"not a zip", make_zip({"manifest.csv": MANIFEST})[:60]],
                         ids=["empty", "text", "truncated"])
def test_not_a_zip(tmp_path, source):
    assert_refused(tmp_path, source, "not a zip file, or it is damaged")


def test_corrupt_data_leaves_nothing(tmp_path):
    source = bytearray(make_zip({"manifest.csv": MANIFEST, "data.txt": b"hello world " * 50},
                                compression=zipfile.ZIP_STORED))
    at = source.index(b"hello world")
    source[at:at + 5] = b"HELLO"  # the CRC no longer matches
    assert_refused(tmp_path, bytes(source), "'data.txt' could not be extracted", "CRC")


def test_no_manifest(tmp_path):
    assert_refused(tmp_path, make_zip({"a/x.txt": b"1", "b/y.txt": b"2"}),
                   "no manifest.csv in the zip; put manifest.csv at the top")
    assert_refused(tmp_path, make_zip({"a/b/manifest.csv": MANIFEST}),
                   "found 'a/b/manifest.csv', so zip the folder that holds it")


def test_destination_not_empty(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    assert_refused(tmp_path, make_zip({"manifest.csv": MANIFEST}), "is not empty")
    assert (tmp_path / "out" / "keep.txt").read_text() == "mine"


def test_missing_zip_path(tmp_path):
    assert_refused(tmp_path, tmp_path / "nope.zip", "no zip file at")
