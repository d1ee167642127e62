"""Parallel corpora: storage (SQLite), TMX/TSV/JSONL/plain/.align files, concordance, batch.

Nothing heavy is imported here: lxml, jieba, opencc, pandas and tqdm are loaded by the
functions that need them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# public name -> submodule that defines it, imported on first use (PEP 562): writing one
# .align file needs only `formats`, not SQLite, TMX or the batch machinery
_LAZY: dict[str, str] = {
    "Hit": "concordance",
    "Unit": "formats", "read_tsv": "formats", "write_alignment": "formats",
    "write_plain": "formats", "write_units": "formats",
    "SCHEMA_VERSION": "store", "CorpusStats": "store", "DocInfo": "store",
    "DuplicateDocumentError": "store", "Pair": "store", "ParallelCorpus": "store",
    "iter_tmx": "tmx", "read_tmx": "tmx", "validate_tmx": "tmx", "write_tmx": "tmx",
    "run_batch": "batch", "BatchSummary": "batch",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .batch import BatchSummary, run_batch
    from .concordance import Hit
    from .formats import Unit, read_tsv, write_alignment, write_plain, write_units
    from .store import (SCHEMA_VERSION, CorpusStats, DocInfo, DuplicateDocumentError, Pair,
                        ParallelCorpus)
    from .tmx import iter_tmx, read_tmx, validate_tmx, write_tmx

__all__ = [
    "ParallelCorpus",
    "Pair",
    "DocInfo",
    "CorpusStats",
    "Hit",
    "Unit",
    "DuplicateDocumentError",
    "SCHEMA_VERSION",
    "read_tmx",
    "iter_tmx",
    "write_tmx",
    "validate_tmx",
    "read_tsv",
    "write_alignment",
    "write_plain",
    "write_units",
    "run_batch",
    "BatchSummary",
]


def __getattr__(name: str) -> Any:
    sub = _LAZY.get(name)
    if sub is None:
        raise AttributeError(f"module 'paralign.corpus' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{sub}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
