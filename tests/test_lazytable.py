"""LazyTable: a dict loaded part by part; every substring lookup of a text it was asked for
finds what the whole table has."""

from __future__ import annotations

import os

import pytest

from paralign.lazytable import LazyTable, file_stamp, load_or_build, load_or_build_value

TABLE = {"": 0, "a": 1, "ab": 2, "abc": 3, "b": 4, "ba": 5, "▁a": 6, "▁ab": 7, "▁b": 8,
         "水": 9, "水果": 10, "果": 11, "𠀀x": 12}


def _substrings(text: str) -> set[str]:
    return {text[i:j] for i in range(len(text)) for j in range(i, len(text) + 1)}


@pytest.mark.parametrize("depth", [1, 2])
@pytest.mark.parametrize("text", ["abc", "▁ab▁b", "水果", "𠀀x", "zzz", ""])
def test_substring_lookups_after_need_match_the_whole_table(tmp_path, depth, text):
    path = str(tmp_path / "t.table")
    LazyTable.from_mapping(TABLE, meta=("m", 1), depth=depth).save(path)
    lazy = LazyTable.load(path)
    assert lazy.meta == ("m", 1) and lazy.depth == depth and lazy.data == {}
    lazy.need(text)
    for s in _substrings(text):
        assert lazy.data.get(s) == TABLE.get(s), s
    # only parts the text can reach were loaded
    assert all(k[:1] in text or k == "" for k in lazy.data)
    assert lazy.need_all() == TABLE


@pytest.mark.parametrize("depth,text,loaded", [
    (1, "a", {"", "a", "ab", "abc"}),
    (2, "a", {"", "a"}),
    (2, "ab", {"", "a", "ab", "abc", "b"}),
    (2, "▁a", {"", "a", "▁a", "▁ab"}),
])
def test_parts_by_first_characters(depth, text, loaded):
    lazy = LazyTable.from_mapping(TABLE, depth=depth)
    lazy.need(text)
    assert set(lazy.data) == loaded


@pytest.mark.parametrize("content", [b"", b"garbage", b"\x00\x01\x02"])
def test_load_or_build_rebuilds_a_broken_file(tmp_path, monkeypatch, content):
    monkeypatch.setenv("PARALIGN_CACHE", str(tmp_path))
    monkeypatch.delenv("PARALIGN_NO_CACHE", raising=False)
    calls = []

    def build():
        calls.append(1)
        return TABLE, 42

    assert load_or_build("x.table", build).need_all() == TABLE
    assert load_or_build("x.table", build).meta == 42 and len(calls) == 1   # read back
    (tmp_path / "x.table").write_bytes(content)
    assert load_or_build("x.table", build).need_all() == TABLE and len(calls) == 2
    assert LazyTable.load(str(tmp_path / "x.table")).need_all() == TABLE    # replaced
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_no_cache_folder_builds_in_memory(tmp_path, monkeypatch):
    monkeypatch.setenv("PARALIGN_CACHE", str(tmp_path))
    monkeypatch.setenv("PARALIGN_NO_CACHE", "1")
    assert load_or_build("x.table", lambda: (TABLE, None)).need_all() == TABLE
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("bad", [0, 3])
def test_depth_is_one_or_two(bad):
    with pytest.raises(ValueError):
        LazyTable.from_mapping(TABLE, depth=bad)


def test_file_stamp_changes_with_the_file(tmp_path):
    f = tmp_path / "data.bin"
    f.write_bytes(b"one")
    a = file_stamp([str(f)])
    f.write_bytes(b"three")
    assert file_stamp([str(f)]) != a


@pytest.mark.parametrize("cut", [1, 7, 100])
def test_a_truncated_file_is_refused(tmp_path, cut):
    """load() checks only the part that ends the file: enough to catch any truncation."""
    path = tmp_path / "t.table"
    LazyTable.from_mapping(TABLE, depth=1).save(str(path))
    whole = path.read_bytes()
    path.write_bytes(whole[:len(whole) - cut])
    with pytest.raises(ValueError):
        LazyTable.load(str(path))


@pytest.mark.parametrize("value", [
    {"a": 1, "水": (2, 3)},
    ({"x", "y"}, {("a", "b")}, ["s"], {"w": 4}),
    (),
])
def test_load_or_build_value_reads_back_what_it_built(tmp_path, monkeypatch, value):
    monkeypatch.setenv("PARALIGN_CACHE", str(tmp_path))
    monkeypatch.delenv("PARALIGN_NO_CACHE", raising=False)
    calls = []

    def build():
        calls.append(1)
        return value

    assert load_or_build_value("v.marshal", build) == value
    assert load_or_build_value("v.marshal", build) == value and len(calls) == 1


@pytest.mark.parametrize("content", [b"", b"garbage", b"PAVALUE1", b"PAVALUE1\xff\x00"])
def test_load_or_build_value_rebuilds_a_broken_file(tmp_path, monkeypatch, content):
    monkeypatch.setenv("PARALIGN_CACHE", str(tmp_path))
    monkeypatch.delenv("PARALIGN_NO_CACHE", raising=False)
    (tmp_path / "v.marshal").write_bytes(content)
    assert load_or_build_value("v.marshal", lambda: {"k": 1}) == {"k": 1}
    assert load_or_build_value("v.marshal", lambda: {"k": 2}) == {"k": 1}   # replaced
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_load_or_build_value_without_a_cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("PARALIGN_CACHE", str(tmp_path))
    monkeypatch.setenv("PARALIGN_NO_CACHE", "1")
    assert load_or_build_value("v.marshal", lambda: [1, 2]) == [1, 2]
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("name", ["a", "b", "水", "▁", "zz", ""])
def test_part_gives_the_keys_of_one_first_character_without_loading_data(tmp_path, name):
    path = str(tmp_path / "t.table")
    LazyTable.from_mapping(TABLE, depth=1).save(path)
    lazy = LazyTable.load(path)
    assert lazy.part(name) == {k: v for k, v in TABLE.items() if k[:1] == name}
    assert lazy.part(name) is lazy.part(name) and lazy.data == {}
    lazy.need("ab")                      # need() still finds every part
    assert lazy.data.get("ab") == 2 and lazy.data.get("b") == 4
