"""Parallel corpora: storage (SQLite), TMX/TSV/JSONL/plain/.align files, concordance.

The corpus package stores and exports; it does not run the aligner (batches of files are
:mod:`paralign.pipeline`). Nothing heavy is imported here: lxml, jieba, opencc, pandas and
tqdm are loaded by the functions that need them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# public name -> submodule that defines it, imported on first use (PEP 562): writing one
# .align file needs only `formats` and `export`, not SQLite
_LAZY: dict[str, str] = {
    "Hit": "concordance",
    "Corrections": "corrections", "load_corrections": "corrections",
    "apply_corrections": "corrections",
    "Unit": "formats",
    "write_alignment": "export", "write_plain": "export", "write_units": "export",
    "SCHEMA_VERSION": "store", "CorpusStats": "store", "DocInfo": "store",
    "DuplicateDocumentError": "store", "Pair": "store", "ParallelCorpus": "store",
    "read_tmx": "store", "read_tsv": "store",
    "iter_tmx": "tmx", "validate_tmx": "tmx",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .concordance import Hit
    from .corrections import Corrections, apply_corrections, load_corrections
    from .export import write_alignment, write_plain, write_units
    from .formats import Unit
    from .store import (SCHEMA_VERSION, CorpusStats, DocInfo, DuplicateDocumentError, Pair,
                        ParallelCorpus, read_tmx, read_tsv)
    from .tmx import iter_tmx, validate_tmx

__all__ = [
    "ParallelCorpus",
    "Pair",
    "DocInfo",
    "CorpusStats",
    "Hit",
    "Unit",
    "Corrections",
    "load_corrections",
    "apply_corrections",
    "DuplicateDocumentError",
    "SCHEMA_VERSION",
    "read_tmx",
    "iter_tmx",
    "validate_tmx",
    "read_tsv",
    "write_alignment",
    "write_plain",
    "write_units",
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
