"""paralign.dists: installed versions read off the dist-info folders, as importlib.metadata
reads them, without importing it."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import distributions
from pathlib import Path

import pytest

import paralign
from paralign import dists


def test_every_installed_distribution_as_importlib_metadata_says():
    seen = {}
    for d in distributions():
        name = d.metadata["Name"]
        seen.setdefault(dists._normal(name), (name, d.version))   # the first on sys.path
    assert len(seen) > 20
    wrong = [(n, v, dists.dist_version(n)) for n, v in seen.values() if dists.dist_version(n) != v]
    assert wrong == []


def _site(tmp_path, layout: dict[str, str | None]):
    """A folder of dist-info/egg-info entries: name -> METADATA text (None: no file)."""
    for entry, meta in layout.items():
        (tmp_path / entry).mkdir()
        if meta is not None:
            (tmp_path / entry / "METADATA").write_text(meta, encoding="utf-8")
    return tmp_path


# (folder entries, name asked, version, whether importlib.metadata is asked instead)
CASES = [
    ({"Foo_Bar-1.2.dist-info": "Metadata-Version: 2.1\nName: Foo-Bar\nVersion: 1.2\n\nbody"},
     "foo.bar", "1.2", False),
    ({"foo_bar-1.2.dist-info": "Name: foo-bar\nVersion:   1.2rc1  \n"}, "FOO-BAR", "1.2rc1", False),
    # the header ends at the first blank line: a Version in the body is not it
    ({"foo-3.dist-info": "Name: foo\n\nVersion: 9\n"}, "foo", None, True),
    ({"foo-3.dist-info": None}, "foo", None, True),          # no METADATA
    ({"foo.egg-info": None}, "foo", None, True),             # an egg: importlib decides
    ({"foobar-1.dist-info": "Version: 1\n"}, "foo", None, True),  # another name
]


@pytest.mark.parametrize("layout,name,version,slow", CASES)
def test_dist_info_layouts(tmp_path, monkeypatch, layout, name, version, slow):
    folder = _site(tmp_path, layout)
    asked = []
    monkeypatch.setattr(sys, "path", [str(tmp_path / "missing"), str(folder)])
    monkeypatch.setattr(dists, "_slow", lambda n: asked.append(n))
    dists.dist_version.cache_clear()
    try:
        assert dists.dist_version(name) == version
    finally:
        dists.dist_version.cache_clear()
    assert asked == ([name] if slow else [])


def test_the_first_folder_on_the_path_wins(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = _site(tmp_path / "a", {"foo-1.dist-info": "Version: 1\n"})
    b = _site(tmp_path / "b", {"foo-2.dist-info": "Version: 2\n"})
    monkeypatch.setattr(sys, "path", [str(b), str(a)])
    dists.dist_version.cache_clear()
    try:
        assert dists.dist_version("foo") == "2"
    finally:
        dists.dist_version.cache_clear()


def test_a_call_imports_no_importlib_metadata():
    code = ("import sys; from paralign.dists import dist_version; "
            "v = [dist_version(n) for n in ('numpy', 'opencc', 'jieba')]; "
            "print(all(v), 'importlib.metadata' in sys.modules)")
    src = str(Path(paralign.__file__).resolve().parents[1])   # this checkout's paralign
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env).stdout.split()
    assert out == ["True", "False"]
