"""Group columns of a dataset folder's manifest: ``group`` and ``group:NAME``, kept per row, checked."""

from __future__ import annotations

import pytest
from userdata_files import write_manifest

from fusion.userdata import DatasetError, load_manifest

ROWS = ["a,x,train,north,young", "b,y,train,south,old", "c,x,test,north,old", "d,y,test,south,young"]


def test_group_columns_are_kept_per_row_and_counted(tmp_path):
    write_manifest(tmp_path, ["text,label,split,Group,group:age", *ROWS])
    manifest = load_manifest(tmp_path)
    assert manifest.group_names == ("group", "age")
    assert [row.groups for row in manifest.rows] == [
        {"group": "north", "age": "young"}, {"group": "south", "age": "old"},
        {"group": "north", "age": "old"}, {"group": "south", "age": "young"}]
    assert manifest.report()["group_counts"] == {"group": {"north": 2, "south": 2}, "age": {"old": 2, "young": 2}}


def test_a_manifest_without_group_columns_has_none(tmp_path):
    write_manifest(tmp_path, ["text,label,split", "a,x,train", "b,y,test"])
    manifest = load_manifest(tmp_path)
    assert manifest.group_names == () and manifest.rows[0].groups == {}
    assert manifest.report()["group_counts"] == {}


def test_a_row_with_an_empty_group_is_skipped_with_the_reason(tmp_path):
    write_manifest(tmp_path, ["text,label,split,group:site", *[r.rsplit(",", 1)[0] for r in ROWS], "e,x,train, "])
    manifest = load_manifest(tmp_path)
    assert len(manifest.rows) == 4
    assert manifest.skipped[0].line == 6 and "empty 'group:site' cell" in manifest.skipped[0].reason


def test_an_overlong_group_value_is_skipped(tmp_path):
    write_manifest(tmp_path, ["text,label,split,group", *[r.rsplit(",", 1)[0] for r in ROWS], "e,x,train," + "g" * 101])
    assert "more than the 100 limit" in load_manifest(tmp_path).skipped[0].reason


@pytest.mark.parametrize(("header", "message"), [
    ("text,label,group:", "needs a name of 1-32 letters"),
    ("text,label,group:Has Space", "needs a name of 1-32 letters"),
    ("text,label,group,group:group", "name the same group column"),
    ("text,label,group:a,group:A", "appear more than once"),
    ("text,label," + ",".join(f"group:g{i}" for i in range(9)), "9 group columns, more than 8"),
    ("text,label,groups", "unknown column(s) 'groups'; the allowed columns are audio, image, text, video, label, "
                          "split, group and group:NAME"),
])
def test_bad_group_headers_are_refused_with_a_clear_message(tmp_path, header, message):
    write_manifest(tmp_path, [header, "a,x" + ",g" * (header.count(",") - 1)])
    with pytest.raises(DatasetError) as error:
        load_manifest(tmp_path)
    assert message in str(error.value)
