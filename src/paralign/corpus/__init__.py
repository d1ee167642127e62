"""Parallel corpora: storage (SQLite), TMX/TSV/JSONL/plain/.align files, concordance, batch.

Nothing heavy is imported here: lxml, jieba, opencc, pandas and tqdm are loaded by the
functions that need them.
"""

from __future__ import annotations

from typing import Any

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
    # batch pulls in concurrent.futures and the aligner machinery: load it on first use
    if name in ("run_batch", "BatchSummary"):
        from . import batch

        return getattr(batch, name)
    raise AttributeError(f"module 'paralign.corpus' has no attribute {name!r}")
