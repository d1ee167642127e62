"""Where paralign keeps its caches: one folder, and the files in it.

Everything cached is derived data that can be rebuilt (embedding vectors, the built use-m3
engine, the parsed CC-CEDICT, jieba's and OpenCC's tables), so all of it lives in one user
cache folder that the user may delete or point
elsewhere: ``$PARALIGN_CACHE`` when set, else the platform's user cache folder
(``~/.cache/paralign`` on Linux). ``$PARALIGN_NO_CACHE`` turns every cache off.

>>> import os
>>> os.environ["PARALIGN_CACHE"] = "/tmp/pa-cache"
>>> default_cache_dir()
'/tmp/pa-cache'
>>> cache_file("jieba")
'/tmp/pa-cache/jieba'
>>> del os.environ["PARALIGN_CACHE"]
"""

from __future__ import annotations

import os

__all__ = ["default_cache_dir", "cache_disabled", "cache_file", "EMBEDDINGS_FILE"]

#: The embedding cache's SQLite file inside the cache folder.
EMBEDDINGS_FILE = "embeddings.sqlite3"


def default_cache_dir() -> str:
    """``$PARALIGN_CACHE`` when set, else the platform's user cache folder for paralign."""
    env = os.environ.get("PARALIGN_CACHE")
    if env:
        return os.path.expanduser(env)
    from platformdirs import user_cache_dir

    return user_cache_dir("paralign")


def cache_disabled() -> bool:
    """True when ``$PARALIGN_NO_CACHE`` asks for no caching (any value but "", "0", "false", "no")."""
    return os.environ.get("PARALIGN_NO_CACHE", "").strip().lower() not in ("", "0", "false", "no")


def cache_file(name: str) -> str | None:
    """Path of ``name`` in paralign's cache folder, or ``None`` when caching is disabled."""
    if cache_disabled():
        return None
    return os.path.join(default_cache_dir(), name)
