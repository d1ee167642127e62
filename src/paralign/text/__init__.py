"""Text pipeline: read, decode, clean, detect, normalize, segment, tokenize.

Importing this package is cheap: jieba's dictionary, the OpenCC converters and the Punkt
model load lazily, once per process, on first use.
"""

from __future__ import annotations

from .bilingual import split_bilingual
from .clean import clean
from .detect import Detection, detect
from .document import Document, Sentence
from .formats import read_file
from .normalize import to_simplified, to_simplified_aligned
from .reading import decode
from .segmentation import from_sentences, one_line, read_presplit, segment
from .words import Token, words

__all__ = [
    "Document",
    "Sentence",
    "Detection",
    "Token",
    "decode",
    "clean",
    "read_file",
    "detect",
    "to_simplified",
    "to_simplified_aligned",
    "segment",
    "from_sentences",
    "read_presplit",
    "one_line",
    "split_bilingual",
    "words",
]
