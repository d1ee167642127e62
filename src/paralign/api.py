"""File-level entry points shared by the command line, the notebooks and the benchmarks.

The CLI only parses arguments and calls these; anything the shell can do, Python can do the
same way.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

from .alignment.aligner import Aligner
from .alignment.bead import Alignment
from .config import AlignConfig
from .errors import InputError, LanguageError
from .text.document import Document

__all__ = ["align_files", "read_side", "read_bilingual", "run_demo", "OUTPUT_FORMATS",
           "PARALLELISM_WARN"]

log = logging.getLogger("paralign")

OUTPUT_FORMATS = {".tmx": "tmx", ".tsv": "tsv", ".jsonl": "jsonl", ".align": "align"}
from .alignment.aligner import PARALLELISM_WARN  # noqa: E402  (re-exported)
_LANG_NAMES = {"zh": "Chinese", "en": "English (Latin script)"}


def output_format(path: str | os.PathLike[str]) -> str:
    suffix = Path(path).suffix.lower()
    fmt = OUTPUT_FORMATS.get(suffix)
    if fmt is None:
        raise InputError(f"cannot tell the output format of {os.fspath(path)!r}: "
                         f"use one of {', '.join(OUTPUT_FORMATS)}")
    return fmt


def read_side(path: str | os.PathLike[str], *, presplit: bool = False,
              config: AlignConfig | None = None, fmt: str | None = None) -> Document:
    """Read and segment one side from a file (or take its lines as sentences).

    ``fmt`` is the document format (see :mod:`paralign.text.formats`); ``None`` takes it
    from the suffix.
    """
    from . import text

    config = config or AlignConfig()
    if presplit:
        return text.read_presplit(path, zh_convert=config.zh_convert)
    return text.segment(text.read_file(path, fmt), source=os.fspath(path),
                        split_long=config.split_long, zh_convert=config.zh_convert)


def read_bilingual(path: str | os.PathLike[str], *, config: AlignConfig | None = None,
                   fmt: str | None = None) -> tuple[Document, Document]:
    """Read one file holding both languages and split it into ``(zh, en)`` Documents.

    Header lines and reference lists are left out (logged at INFO, counted in
    ``meta["left_out"]``); each side's title is recorded so that the aligner makes the
    title pair a bead of its own.
    """
    from . import text

    config = config or AlignConfig()
    zh, en = text.split_bilingual(text.read_file(path, fmt), source=os.fspath(path),
                                  zh_convert=config.zh_convert)
    if zh.meta.get("left_out"):
        log.info("%s: left out %s", os.fspath(path), zh.meta["left_out"])
    return zh, en


def align_files(src_path: str | os.PathLike[str], tgt_path: str | os.PathLike[str] | None,
                output: str | os.PathLike[str] | None, *, config: AlignConfig | None = None,
                presplit: bool = False, aligner: Aligner | None = None,
                input_format: str | None = None) -> Alignment:
    """Align two files, or one bilingual file (``tgt_path=None``), and write the result
    (format from the output's suffix; the inputs' ``input_format`` from theirs unless
    given: .txt, .docx, .html, .pdf, .epub, .srt, .vtt).

    Raises before any work when the output format is unknown, and writes nothing when the
    alignment has no bead pairing both sides (never an empty TMX written silently).
    Raises :class:`~paralign.errors.LanguageError` when both files are in the same
    language (``pa.align`` on lists stays permissive and only warns).
    """
    fmt = output_format(output) if output is not None else None
    aligner = aligner or Aligner(config)
    if tgt_path is None:
        if presplit:
            raise InputError("--presplit needs two files (one sentence per line each); "
                             f"{os.fspath(src_path)!r} alone is split as a bilingual file")
        src, tgt = read_bilingual(src_path, config=aligner.config, fmt=input_format)
        tgt_path = src_path
    else:
        src = read_side(src_path, presplit=presplit, config=aligner.config, fmt=input_format)
        tgt = read_side(tgt_path, presplit=presplit, config=aligner.config, fmt=input_format)
    if src.lang == tgt.lang:
        raise LanguageError(
            f"{os.fspath(src_path)!r} and {os.fspath(tgt_path)!r} are both detected as "
            f"{_LANG_NAMES.get(src.lang, src.lang)}: paralign aligns a Chinese text with an "
            "English one; is one of them the wrong file?")
    small, big = sorted((len(src), len(tgt)))
    if big > small * aligner.config.max_merge:
        log.warning("%s (%d sentence(s)) and %s (%d) are too unbalanced for every sentence "
                    "to be paired (at most %d per bead side); is one of them truncated or the "
                    "wrong file?", src_path, len(src), tgt_path, len(tgt),
                    aligner.config.max_merge)
    al = aligner.align(src, tgt)
    if not any(b.src and b.tgt for b in al.beads):
        raise InputError(f"no sentence of {os.fspath(src_path)!r} could be paired with one of "
                         f"{os.fspath(tgt_path)!r}: nothing written")
    if output is not None and fmt is not None:
        from .corpus import formats

        formats.write_alignment(al, output, fmt=fmt)
    return al


def sample_corpora() -> Path:
    """The sample texts shipped inside the package (``paralign/data/corpora``)."""
    from importlib.resources import files

    root = Path(str(files("paralign") / "data" / "corpora"))
    if not (root / "abstracts").is_dir():
        raise InputError(f"the sample corpora are missing from this installation ({root}); "
                         "reinstall paralign or pass --corpora")
    return root


def _find_corpora(corpora: str | os.PathLike[str] | None) -> Path:
    if corpora is None:
        return sample_corpora()
    p = Path(corpora)
    if not p.is_dir():
        raise InputError(f"no corpora folder at {os.fspath(p)!r}")
    return p


def run_demo(output: str | os.PathLike[str] = "out/demo.tmx", *,
             corpora: str | os.PathLike[str] | None = None,
             config: AlignConfig | None = None) -> str:
    """Align the sample corpus (seed abstract and Bible excerpts) into one TMX file.

    Returns a short summary: per document pair its beads, bead types, parallelism and time;
    and the parallelism of the seed abstract against an unrelated English text, to show the
    non-parallel check.
    """
    from . import text
    from .corpus import ParallelCorpus

    root = _find_corpora(corpora)
    aligner = Aligner(config)
    lines = [f"paralign demo: corpora from {root}"]
    t_all = time.perf_counter()
    pairs: list[tuple[str, Document, Document]] = []
    seed = sorted((root / "abstracts").glob("000_*.txt"))
    if seed:
        zh, en = text.split_bilingual(text.read_file(seed[0]), source=str(seed[0]))
        pairs.append((seed[0].stem, zh, en))
    for zh_path in sorted((root / "bible").glob("*.zh.txt")):
        en_path = zh_path.with_name(zh_path.name.replace(".zh.txt", ".en.txt"))
        if en_path.exists():
            pairs.append((f"bible-{zh_path.name[:-7]}", read_side(zh_path), read_side(en_path)))
    if not pairs:
        raise InputError(f"no document pairs found in {root}")
    corpus = ParallelCorpus(":memory:")
    first: Alignment | None = None
    for doc_id, zh, en in pairs:
        t0 = time.perf_counter()
        al = aligner.align(zh, en)
        first = first or al
        corpus.add(al, doc_id=doc_id, meta={"origin": "paralign sample corpora"})
        kinds = ", ".join(f"{k}:{v}" for k, v in list(al.kinds().items())[:5])
        lines.append(f"  {doc_id:<28} {len(zh):4d} x {len(en):<4d} sentences -> "
                     f"{len(al.beads):4d} beads ({kinds}); parallelism {al.parallelism:.2f}; "
                     f"{time.perf_counter() - t0:.1f}s")
    other = sorted((root / "abstracts").glob("002_*.txt"))
    if seed and other:
        al = aligner.align(pairs[0][1], read_side(other[0]))  # the seed's Chinese side
        lines.append(f"  non-parallel check: seed Chinese vs {other[0].name}: "
                     f"parallelism {al.parallelism:.2f} (translations score higher)")
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    n = corpus.to_tmx(out)
    lines.append(f"{n} translation units -> {out} ({time.perf_counter() - t_all:.1f}s)")
    if first is not None:
        lines.append("seed abstract, first beads:")
        for b in first.beads[:8]:
            lines.append(f"  [{b.kind}] {b.score:.2f}  {b.src_text[:40]!s}  |  {b.tgt_text[:60]!s}")
    return "\n".join(lines)


def describe(al: Alignment) -> dict[str, Any]:
    """A JSON-friendly summary of an alignment (for logs and benchmarks)."""
    return {"beads": len(al.beads), "kinds": al.kinds(), "parallelism": al.parallelism,
            "signature": al.signature, **{k: v for k, v in al.stats.items() if k != "encoder"}}
