"""paralign: Chinese-English sentence alignment into a clean, reusable parallel corpus.

Everything here is imported lazily (PEP 562), so ``import paralign`` loads no model, no
torch and no jieba dictionary; each name is resolved on first use.

>>> import paralign as pa
>>> al = pa.align(["我爱你。", "他走了。"], ["I love you.", "He left."])
>>> [(b.src, b.tgt) for b in al.beads]
[((0,), (0,)), ((1,), (1,))]
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY: dict[str, str] = {
    "AlignConfig": "paralign.config",
    "Document": "paralign.text.document",
    "Sentence": "paralign.text.document",
    "Bead": "paralign.alignment.bead",
    "Alignment": "paralign.alignment.bead",
    "Aligner": "paralign.alignment.aligner",
    "align": "paralign.alignment.aligner",
    "evaluate": "paralign.evaluation",
    "read_vecalign": "paralign.corpus.formats",
    "segment": "paralign.text",
    "read_file": "paralign.text",
    "detect": "paralign.text",
    "split_bilingual": "paralign.text",
    "get_encoder": "paralign.embed",
    "ParallelCorpus": "paralign.corpus",
    "read_tmx": "paralign.corpus",
    "align_files": "paralign.pipeline",
    "run_batch": "paralign.pipeline",
}

__all__ = ["__version__", *sorted(_LAZY)]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .alignment.aligner import Aligner, align
    from .alignment.bead import Alignment, Bead
    from .config import AlignConfig
    from .corpus import ParallelCorpus, read_tmx
    from .corpus.formats import read_vecalign
    from .embed import get_encoder
    from .evaluation import evaluate
    from .pipeline import align_files, run_batch
    from .text import detect, read_file, segment, split_bilingual
    from .text.document import Document, Sentence


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'paralign' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
