"""Deterministic stand-ins for sentence encoders, so that alignment tests need no model.

``ConceptEncoder`` knows a table of sentences, each tagged with a concept id; a text embeds
as the normalized sum of the one-hot vectors of the known sentences it contains (a window of
several sentences therefore resembles each of its members, as real encoders' windows do).
``HashEncoder`` embeds any text by hashing character trigrams: arbitrary but stable
similarities, for property tests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np


class ConceptEncoder:
    name = "concepts"

    def __init__(self, table: dict[str, int], dim: int = 64, noise: float = 0.05) -> None:
        self.table = dict(table)
        self.dim = dim
        self.noise = noise
        self.signature = f"concepts:{dim}:{len(table)}"
        self.calls = 0

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim)
        rest = text
        for sent in sorted(self.table, key=len, reverse=True):
            if sent in rest:
                v[self.table[sent] % self.dim] += 1.0
                rest = rest.replace(sent, " ")
        seed = int.from_bytes(hashlib.sha1(text.encode()).digest()[:4], "little")
        v += self.noise * np.random.default_rng(seed).standard_normal(self.dim)
        return v / max(np.linalg.norm(v), 1e-9)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        if not len(texts):
            return np.zeros((0, self.dim), np.float32)
        return np.stack([self._vec(t) for t in texts]).astype(np.float32)


class HashEncoder:
    name = "hash"

    def __init__(self, dim: int = 32) -> None:
        self.dim = dim
        self.signature = f"hash:{dim}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for r, t in enumerate(texts):
            t = f"  {t}  "
            for i in range(len(t) - 2):
                h = int.from_bytes(hashlib.md5(t[i:i + 3].encode()).digest()[:4], "little")
                out[r, h % self.dim] += 1.0 if h & 1 else -1.0
            n = np.linalg.norm(out[r])
            out[r] = out[r] / n if n else np.eye(self.dim, dtype=np.float32)[0]
        return out
