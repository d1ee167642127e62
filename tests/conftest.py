"""Fixtures shared by several test files (each file asks for them by name)."""

from __future__ import annotations

import pytest


@pytest.fixture
def isolated_cache(tmp_path, monkeypatch):
    """paralign's cache folder in the test's own temporary folder, caching on.

    For tests of the encoders and the embedding cache; the others keep the shared warm
    cache (embedding the dev texts again would cost minutes).
    """
    monkeypatch.setenv("PARALIGN_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("PARALIGN_NO_CACHE", raising=False)
    return tmp_path / "cache"
