"""load_manifest: a valid folder, the seeded split, every skip reason and every fatal error."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest
from userdata_files import write_manifest, write_png, write_wav

from fusion.errors import ConfigError, FusionError
from fusion.userdata import DatasetError, SkippedRow, load_manifest
from fusion.userdata import manifest as manifest_module
from fusion.userdata.manifest import _split_counts


# ------------------------------------------------------------------------------------ valid data
def test_valid_folder_with_split_column(make_manifest):
    folder = make_manifest()
    manifest = load_manifest(folder)
    assert manifest.name == "pets" and manifest.folder == folder.resolve()
    assert manifest.modalities == ("audio", "image", "text")
    assert manifest.classes == ("cat", "dog")
    assert not manifest.seeded_split and manifest.skipped == ()
    assert [row.line for row in manifest.rows] == [2, 3, 4, 5, 6, 7]
    first = manifest.rows[0]
    assert first.label == "dog" and first.split == "train" and first.text == "a caption 0"
    assert first.files == {"image": folder.resolve() / "images/0.png",
                           "audio": folder.resolve() / "audio/0.wav"}
    assert all(path.is_absolute() for row in manifest.rows for path in row.files.values())
    assert [len(manifest.split(s)) for s in ("train", "val", "test")] == [2, 2, 2]
    assert manifest.label_index("dog") == 1
    with pytest.raises(ConfigError, match="unknown label 'cow'"):
        manifest.label_index("cow")
    with pytest.raises(ConfigError, match="unknown split 'dev'"):
        manifest.split("dev")


def test_report_is_json_ready(make_manifest):
    report = load_manifest(make_manifest("images/0.png,,,cat,train")).report()
    assert json.loads(json.dumps(report)) == report
    assert report["splits"] == {"train": 3, "val": 2, "test": 2}
    assert report["class_counts"]["cat"] == {"train": 2, "val": 1, "test": 1}
    assert report["modality_counts"] == {"audio": 6, "image": 7, "text": 6}
    assert report["modalities"] == ["audio", "image", "text"]
    assert report["seeded_split"] is False and report["skipped"] == [] and report["warnings"] == []


def test_empty_modality_cells_mean_absent(make_manifest):
    manifest = load_manifest(make_manifest(",audio/1.wav,,cat,train", ",,just text,dog,train"))
    audio_only, text_only = manifest.rows[-2:]
    assert audio_only.files.keys() == {"audio"} and audio_only.text is None
    assert audio_only.modalities == ("audio",)
    assert text_only.files == {} and text_only.text == "just text"


def test_bom_crlf_header_case_and_blank_lines(folder):
    text = ("\ufeff Image , LABEL ,Split\r\n"
            "images/0.png,  cat  ,TRAIN\r\n"
            "\r\n"
            "images/1.png,dog,train\r\n"
            "images\\2.png,dog,test\r\n"
            "images/3.png,cat,test\r\n")
    (folder / "manifest.csv").write_bytes(text.encode("utf-8"))
    manifest = load_manifest(folder)
    assert manifest.modalities == ("image",)
    assert [(row.line, row.label, row.split) for row in manifest.rows] == [
        (2, "cat", "train"), (4, "dog", "train"), (5, "dog", "test"), (6, "cat", "test")]
    assert manifest.rows[2].files["image"] == folder.resolve() / "images" / "2.png"


def test_line_numbers_count_multiline_cells(make_manifest):
    manifest = load_manifest(make_manifest('images/0.png,,"two\nlines",cat,train',
                                           "images/1.png,,,,train"))
    assert manifest.rows[-1].text == "two\nlines" and manifest.rows[-1].line == 8
    assert manifest.skipped == (SkippedRow(10, "empty label."),)


def test_subset_of_modalities(folder):
    write_manifest(folder, ["text,label", "hello,a", "bye,b", "hi,a", "ciao,b"])
    manifest = load_manifest(folder)
    assert manifest.modalities == ("text",) and len(manifest.rows) == 4


# ---------------------------------------------------------------------------------- seeded split
def _text_folder(root: Path, counts: dict[str, int]) -> Path:
    lines = ["text,label"] + [f"sample {label} {i},{label}"
                              for label, n in counts.items() for i in range(n)]
    write_manifest(root, lines)
    return root


def test_seeded_split_is_deterministic_and_stratified(tmp_path):
    folder = _text_folder(tmp_path / "d", {"a": 40, "b": 20, "c": 3, "d": 2, "e": 1})
    manifest = load_manifest(folder, seed=3)
    assert manifest.seeded_split and manifest.report()["seeded_split"]
    again = load_manifest(folder, seed=3)
    assert [r.split for r in again.rows] == [r.split for r in manifest.rows]
    other = load_manifest(folder, seed=4)
    assert [r.split for r in other.rows] != [r.split for r in manifest.rows]
    counts = Counter((row.label, row.split) for row in manifest.rows)
    assert (counts["a", "train"], counts["a", "val"], counts["a", "test"]) == (28, 6, 6)
    assert (counts["b", "train"], counts["b", "val"], counts["b", "test"]) == (14, 3, 3)
    assert (counts["c", "train"], counts["c", "val"], counts["c", "test"]) == (1, 1, 1)
    assert (counts["d", "train"], counts["d", "val"], counts["d", "test"]) == (1, 0, 1)
    assert (counts["e", "train"], counts["e", "val"], counts["e", "test"]) == (1, 0, 0)
    assert [row.line for row in manifest.rows] == list(range(2, 68))  # file order kept


def test_a_class_split_does_not_depend_on_other_classes(tmp_path):
    small = load_manifest(_text_folder(tmp_path / "s", {"a": 30, "b": 5}))
    large = load_manifest(_text_folder(tmp_path / "l", {"a": 30, "b": 5, "c": 9}))
    assert [r.split for r in small.rows] == [r.split for r in large.rows[:35]]


@pytest.mark.parametrize("n, expected", [(1, (0, 0)), (2, (0, 1)), (3, (1, 1)), (4, (1, 1)),
                                         (10, (2, 2)), (100, (15, 15))])
def test_split_counts(n, expected):
    assert _split_counts(n, 0.15, 0.15) == expected


def test_split_counts_always_keep_a_train_row():
    assert _split_counts(3, 0.6, 0.3) == (1, 1)
    assert _split_counts(10, 0.6, 0.35) == (5, 4)  # 6 + 4 would leave no train row


@pytest.mark.parametrize("settings, message", [
    (dict(seed=-1), "seed"), (dict(val_fraction=1.0), "val_fraction"),
    (dict(test_fraction=-0.1), "test_fraction"),
    (dict(val_fraction=0.5, test_fraction=0.5), "below 1"),
])
def test_bad_settings(make_manifest, settings, message):
    with pytest.raises(ConfigError, match=message):
        load_manifest(make_manifest(), **settings)


# ---------------------------------------------------------------------------------- skipped rows
def _outside_link(folder: Path) -> str:
    outside = write_png(folder.parent / "outside.png")
    os.symlink(outside, folder / "images" / "link.png")
    return "images/link.png,,,cat,train"


def _outside_folder_link(folder: Path) -> str:
    write_png(folder.parent / "elsewhere" / "0.png")
    os.symlink(folder.parent / "elsewhere", folder / "more")
    return "more/0.png,,,cat,train"


def _dangling_outside_link(folder: Path) -> str:
    os.symlink(folder.parent / "gone.png", folder / "images" / "gone.png")
    return "images/gone.png,,,cat,train"


def _directory(folder: Path) -> str:
    (folder / "images" / "folder.png").mkdir()
    return "images/folder.png,,,cat,train"


def _empty_file(folder: Path) -> str:
    (folder / "audio" / "empty.wav").touch()
    return ",audio/empty.wav,,cat,train"


def _huge(row: str, limit: int):
    def make(folder: Path) -> str:
        relative = next(cell for cell in row.split(",") if "/" in cell)
        with open(folder / relative, "wb") as handle:  # sparse: nothing is really written
            handle.truncate(limit + 1)
        return row
    return make


SKIPS = {
    "empty label": ("images/0.png,audio/0.wav,text,  ,train", "empty label"),
    "too few cells": ("images/0.png,cat,train", "has 3 cells but the header has 5"),
    "too many cells": ("images/0.png,,,cat,train,extra", "has 6 cells"),
    "unknown split": ("images/0.png,,,cat,dev", "unknown split 'dev'; use one of train, val, test"),
    "empty split": ("images/0.png,,,cat,", "empty split"),
    "absolute path": ("/etc/passwd.png,,,cat,train", "absolute path"),
    "drive letter": ("C:\\data\\0.png,,,cat,train", "absolute path"),
    "dot-dot": ("../outside.png,,,cat,train", "'..'"),
    "dot-dot backslash": ("images\\..\\..\\outside.png,,,cat,train", "'..'"),
    "link outside": (_outside_link, "points outside the dataset folder"),
    "folder link outside": (_outside_folder_link, "points outside the dataset folder"),
    "dangling link outside": (_dangling_outside_link, "points outside the dataset folder"),
    "missing file": ("images/nope.png,,,cat,train", "does not exist"),
    "not a regular file": (_directory, "not a regular file"),
    "empty file": (_empty_file, "empty (0 bytes)"),
    "image too large": (_huge("images/huge.png,,,cat,train", 20 * 1024 * 1024),
                        "more than the 20 MB limit"),
    "audio too large": (_huge(",audio/huge.wav,,cat,train", 50 * 1024 * 1024),
                        "more than the 50 MB limit"),
    "unknown image type": ("images/0.txt,,,cat,train", "unknown image type (.txt)"),
    "audio file in image column": ("audio/0.wav,,,cat,train", "unknown image type (.wav)"),
    "unknown audio type": (",images/0.png,,cat,train", "unknown audio type (.png)"),
    "no extension": ("images/0,,,cat,train", "no file extension"),
    "no input": (",,  ,cat,train", "no input: the audio, image, text cell(s) are all empty"),
    "text too long": (",," + "x" * 10_001 + ",cat,train", "more than the 10,000 limit"),
}


@pytest.mark.parametrize("case", SKIPS, ids=list(SKIPS))
def test_skip_reasons(folder, make_manifest, case):
    row, expected = SKIPS[case]
    if callable(row):
        row = row(folder)
    manifest = load_manifest(make_manifest(row))
    assert len(manifest.rows) == 6
    assert len(manifest.skipped) == 1 and manifest.skipped[0].line == 8
    assert expected in manifest.skipped[0].reason
    assert manifest.report()["skipped"] == [{"line": 8, "reason": manifest.skipped[0].reason}]


def test_a_link_inside_the_folder_is_fine(folder, make_manifest):
    os.symlink(folder / "images" / "0.png", folder / "images" / "alias.png")
    manifest = load_manifest(make_manifest("images/alias.png,,,cat,train"))
    assert manifest.rows[-1].files["image"] == folder.resolve() / "images" / "0.png"


def test_uppercase_extensions_are_known(folder, make_manifest):
    write_png(folder / "images" / "BIG.PNG")
    write_wav(folder / "audio" / "LOUD.WAV")
    assert len(load_manifest(make_manifest("images/BIG.PNG,audio/LOUD.WAV,,cat,train")).rows) == 7


# ---------------------------------------------------------------------------------- fatal errors
def test_missing_folder(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        load_manifest(tmp_path / "nope")


def test_not_a_folder(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(DatasetError, match="is not a folder"):
        load_manifest(tmp_path / "file")


def test_no_manifest(folder):
    with pytest.raises(DatasetError, match="no manifest.csv in"):
        load_manifest(folder)


FATAL_TEXT = {
    "empty": (b"", "manifest.csv is empty"),
    "blank lines only": (b"\n\n\r\n", "manifest.csv is empty"),
    "not utf-8": ("text,label\nhi,caf\xe9\n".encode("latin-1"),
                  "not UTF-8 text (byte 17 on line 2"),
    "empty header": (b",,\nhi,a,b\n", "first line of manifest.csv is empty"),
    "duplicate column": (b"text,label,TEXT\nhi,a,b\n", "column(s) 'text' appear more than once"),
    "unknown columns": (b"text,label,foo,,notes\n", "unknown column(s) 'foo', an empty name "
                                                    "(column 4), 'notes'; the allowed columns are "
                                                    "audio, image, text, video, label, split"),
    "no label": (b"text,split\nhi,train\n", "no 'label' column"),
    "no modality": (b"label,split\na,train\n", "no modality column; add at least one of audio, "
                                              "image, text"),
    "header only": (b"text,label\n", "no usable rows; add one row per sample"),
    "all skipped": (b"text,label\n,a\nhi,\n", "no usable rows: all 2 were skipped (e.g. line 2: "
                                             "no input"),
    "single class": (b"text,label\nhi,a\nbye,a\nyo, a \n", "a single class ('a')"),
    "no train rows": (b"text,label,split\na,x,test\nb,y,val\n", "no train rows"),
    "no test rows": (b"text,label,split\na,x,train\nb,y,val\n", "no test rows"),
    "seeded, too small for a test row": (b"text,label\na,x\nb,y\n",
                                         "no test rows in manifest.csv's usable rows; add rows "
                                         "or give a split column"),
    "field over the csv limit, the only row": (b"text,label\n" + b"x" * 200_000 + b",a\n",
                                               "no usable rows: all 1 were skipped (e.g. line 2: a "
                                               "cell is longer than 131,072 characters"),
    "field over the csv limit in the header": (b"text," + b"x" * 200_000 + b"\nhi,a\n",
                                               "the header of manifest.csv: a cell is longer"),
}


@pytest.mark.parametrize("case", FATAL_TEXT, ids=list(FATAL_TEXT))
def test_fatal_manifests(tmp_path, case):
    raw, message = FATAL_TEXT[case]
    (tmp_path / "manifest.csv").write_bytes(raw)
    with pytest.raises(DatasetError) as caught:
        load_manifest(tmp_path)
    assert message in str(caught.value)
    assert isinstance(caught.value, FusionError)


@pytest.mark.parametrize("quoted", [False, True], ids=["unquoted", "quoted-over-lines"])
def test_a_cell_over_the_csv_field_limit_skips_its_row_only(make_manifest, quoted):
    huge = "x" * 70_000 + "\n" + "y" * 70_000  # 140,001 characters: over the reader's 131,072
    cell = f'"{huge}"' if quoted else huge.replace("\n", " ")
    # Inside the quoted cell, a line that would be a valid row if the reader lost its place.
    trap = f'"{"x" * 140_000}\nimages/0.png,audio/0.wav,trap,cat,train\nrest"'
    folder = make_manifest(f"images/0.png,audio/0.wav,{cell},cat,train", "images/1.png,,short,cat,train",
                           f"images/2.png,,{trap},dog,test", "images/3.png,,after,dog,test")
    manifest = load_manifest(folder)
    extra = int(quoted)  # the quoted cell takes two lines
    assert [row.line for row in manifest.rows] == [2, 3, 4, 5, 6, 7, 9 + extra, 13 + extra]
    assert [row.text for row in manifest.rows][-2:] == ["short", "after"]
    assert [s.line for s in manifest.skipped] == [8, 10 + extra]
    assert all("longer than 131,072 characters" in s.reason for s in manifest.skipped)
    assert manifest.report()["skipped"][0]["line"] == 8


def test_too_many_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(manifest_module, "MAX_ROWS", 3)
    write_manifest(tmp_path, ["text,label", "a,x", "b,y", "c,x", "d,y"])
    with pytest.raises(DatasetError, match="more than 3 rows"):
        load_manifest(tmp_path)


def test_manifest_too_large(tmp_path, monkeypatch):
    monkeypatch.setattr(manifest_module, "MAX_MANIFEST_BYTES", 1024 * 1024)
    write_manifest(tmp_path, ["text,label"] + ["some text,x"] * 100_000)
    with pytest.raises(DatasetError, match=r"manifest.csv is 1\.1 MB, more than the 1 MB limit"):
        load_manifest(tmp_path)


def test_empty_val_is_allowed_and_reported(tmp_path):
    write_manifest(tmp_path, ["text,label,split", "a,x,train", "b,y,train", "c,x,test", "d,z,test"])
    report = load_manifest(tmp_path).report()
    assert report["splits"]["val"] == 0
    assert any(w.startswith("no val rows") for w in report["warnings"])
    assert any("no train rows for class(es) 'z'" in w for w in report["warnings"])


# ---------------------------------------------------------------------------------- with_skipped
def test_with_skipped_drops_rows_and_records_reasons(make_manifest):
    manifest = load_manifest(make_manifest("images/nope.png,,,cat,train"))
    smaller = manifest.with_skipped([SkippedRow(2, "image cannot be decoded"),
                                     SkippedRow(2, "audio is silent"),
                                     SkippedRow(5, "image cannot be decoded")])
    assert [row.line for row in smaller.rows] == [3, 4, 6, 7]
    assert [(s.line, s.reason) for s in smaller.skipped] == [
        (2, "image cannot be decoded; audio is silent"), (5, "image cannot be decoded"),
        (8, manifest.skipped[0].reason)]
    assert len(manifest.rows) == 6  # the original is unchanged
    assert manifest.with_skipped([]) is manifest


def test_with_skipped_rechecks_what_is_left(make_manifest):
    manifest = load_manifest(make_manifest())
    with pytest.raises(DatasetError, match="a single class"):
        manifest.with_skipped([SkippedRow(line, "bad") for line in (3, 5, 7)])
    with pytest.raises(DatasetError, match="no test rows"):
        manifest.with_skipped([SkippedRow(6, "bad"), SkippedRow(7, "bad")])
    with pytest.raises(ValueError, match=r"lines \[99\]"):
        manifest.with_skipped([SkippedRow(99, "bad")])


def test_train_and_test_only_carves_a_seeded_stratified_validation_set(tmp_path):
    """The MNIST-style layout (train and test rows, no val): val rows come from train, per class."""
    lines = ["text,label,split"]
    lines += [f"t{i},{'x' if i % 2 else 'y'},train" for i in range(40)]
    lines += [f"s{i},{'x' if i % 2 else 'y'},test" for i in range(10)]
    write_manifest(tmp_path, lines)
    manifest = load_manifest(tmp_path, seed=3)
    counts = Counter((row.label, row.split) for row in manifest.rows)
    assert counts == {("x", "train"): 17, ("x", "val"): 3, ("y", "train"): 17, ("y", "val"): 3,
                      ("x", "test"): 5, ("y", "test"): 5}
    test_lines = [row.line for row in manifest.rows if row.split == "test"]
    assert test_lines == list(range(42, 52))  # the given test rows are untouched
    report = manifest.report()
    assert report["carved_validation"] == 6 and report["splits"] == {"train": 34, "val": 6, "test": 10}
    assert any("6 train rows" in w and "validation" in w for w in report["warnings"])
    assert not any(w.startswith("no val rows") for w in report["warnings"])
    again = load_manifest(tmp_path, seed=3)
    assert [r.split for r in again.rows] == [r.split for r in manifest.rows]
    other = load_manifest(tmp_path, seed=4)
    assert [r.split for r in other.rows] != [r.split for r in manifest.rows]
    assert load_manifest(tmp_path, val_fraction=0.0).carved_validation == 0
    smaller = manifest.with_skipped([SkippedRow(2, "image cannot be decoded")])
    assert smaller.carved_validation == 6


def test_split_counts_with_a_zero_fraction_ask_for_none():
    assert _split_counts(20, 0.15, 0.0) == (3, 0)
    assert _split_counts(2, 0.15, 0.0) == (0, 0)
