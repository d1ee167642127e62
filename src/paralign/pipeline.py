"""File-level entry points: align two files, align a batch of pairs into a corpus, the demo.

The command line, the notebooks and the benchmarks all call these; anything the shell can do,
Python can do the same way. There is one way from a file to a :class:`Document`
(:func:`read_side`) and one check that a pair is a Chinese and an English text
(:func:`read_pair`); :func:`align_files` and every pair of a batch go through both.

Batch input: a folder of ``NAME.zh.txt`` / ``NAME.en.txt`` files (doc_id ``NAME``; any
document suffix paralign reads instead of ``.txt``) and/or of bilingual ``NAME.txt`` files
(both languages in one file, split by :func:`paralign.text.split_bilingual`), or a
TSV manifest with lines ``zh_path<TAB>en_path[<TAB>doc_id]`` (paths relative to the
manifest; ``#`` comments and blank lines ignored; doc_id defaults to
:func:`~paralign.corpus.formats.doc_id_from_path` of the zh file).

How a batch runs: the parent reads each pair's files and hashes them (the pair's identity,
see below), then hands their bytes to a worker (:class:`PairJob`), which decodes, reads and
aligns them through :func:`align_files` like any pair of files; workers never need the
files, so the same job runs in a local process or on a Dask cluster
(:mod:`paralign.cluster`) with no shared filesystem (documents such as .docx or .pdf have
their text extracted by the parent). Local workers are a
``concurrent.futures.ProcessPoolExecutor`` (``spawn`` start method so no parent state such
as an open database or a torch runtime is inherited); each builds the aligner once. The
parent is the only process that writes the database, one transaction per pair (WAL
journaling, so readers can query the corpus while it grows). At most ``2 * jobs`` pairs are
in flight, so memory stays bounded and a killed run loses at most those; the database is
never left half-written.

Resuming: each stored pair keeps the SHA-256 of its files' bytes (``meta["sha256"]``). A
rerun skips a pair whose doc_id is stored with the same content (or stored by an older
paralign without a hash) and realigns and replaces one whose files changed; a pair is its
doc_id and its content (the same files under two names are two documents).

Faults: a bad pair (missing, unreadable, empty, not Chinese/English, nothing paired) is
reported in the summary and skipped. A worker process that dies (the out-of-memory killer,
SIGKILL) breaks the pool: a new pool is started and the pairs that were in flight are
retried one at a time, so the pair that killed the worker is found; if it kills a worker
again it is recorded as failed and the batch goes on. Workers die with the batch
(``PR_SET_PDEATHSIG`` on Linux, and a thread that watches the parent's pid everywhere), so
killing the batch leaves no orphans.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .alignment.aligner import Aligner
from .files import STDIN
from .alignment.bead import Alignment
from .config import AlignConfig
from .corpus.formats import doc_id_from_path, format_from_path
from .errors import FormatError, InputError, LanguageError, ParalignError
from .text.document import Document

if TYPE_CHECKING:  # the process pool is imported by the batch that uses it (start-up of `align`)
    from concurrent.futures import Future

__all__ = ["align_files", "apply_files", "read_side", "read_bilingual", "read_pair", "run_demo",
           "sample_corpora", "run_batch", "BatchSummary", "BatchItem", "discover",
           "AlignerFactory", "PairJob", "PairResult", "align_job", "content_digest",
           "worker_aligner"]

log = logging.getLogger("paralign")

_LANG_NAMES = {"zh": "Chinese", "en": "English (Latin script)"}

#: What builds the aligner of a batch: called once per worker process with the batch's
#: AlignConfig (or None); the result needs ``config`` and ``align(src, tgt) -> Alignment``.
#: Default: :class:`~paralign.alignment.aligner.Aligner`. With ``jobs > 1`` it must be
#: picklable (a class or a module-level function, or a functools.partial of one).
AlignerFactory = Callable[[AlignConfig | None], Any]


# -- one pair of files ------------------------------------------------------------------------

def read_side(path: str | os.PathLike[str], *, presplit: bool = False,
              config: AlignConfig | None = None, fmt: str | None = None,
              text: str | None = None) -> Document:
    """Read and segment one side from a file (or take its lines as sentences).

    ``fmt`` is the document format (see :mod:`paralign.text.formats`); ``None`` takes it
    from the suffix. ``text``: the file's text, already read (a batch worker on a cluster
    gets texts, not files); ``path`` then only names it.
    """
    from . import text as txt
    from .text.segmentation import presplit as split_lines

    config = config or AlignConfig()
    if text is None:
        text = txt.read_file(path, None if presplit else fmt)
    if presplit:
        return split_lines(text, source=os.fspath(path), zh_convert=config.zh_convert)
    return txt.segment(text, source=os.fspath(path), split_long=config.split_long,
                       zh_convert=config.zh_convert)


def read_bilingual(path: str | os.PathLike[str], *, config: AlignConfig | None = None,
                   fmt: str | None = None, text: str | None = None
                   ) -> tuple[Document, Document]:
    """Read one file holding both languages and split it into ``(zh, en)`` Documents.

    Header lines and reference lists are left out (logged at INFO, counted in
    ``meta["left_out"]``); each side's title is recorded so that the aligner makes the
    title pair a bead of its own. ``text``: the file's text, already read.
    """
    from .text.bilingual import split_bilingual
    from .text.formats import read_file

    config = config or AlignConfig()
    if text is None:
        text = read_file(path, fmt)
    zh, en = split_bilingual(text, source=os.fspath(path), zh_convert=config.zh_convert)
    if zh.meta.get("left_out"):
        log.info("%s: left out %s", os.fspath(path), zh.meta["left_out"])
    return zh, en


def read_pair(src_path: str | os.PathLike[str], tgt_path: str | os.PathLike[str] | None, *,
              presplit: bool = False, config: AlignConfig | None = None,
              fmt: str | None = None, langs: tuple[str, str] | None = None,
              texts: tuple[str, str | None] | None = None) -> tuple[Document, Document]:
    """The two sides of a pair: two files read by :func:`read_side`, or one bilingual file
    (``tgt_path=None``) split by :func:`read_bilingual`; checked to be one Chinese and one
    English text (``langs``: the languages the two sides must be in, in order).

    Raises :class:`~paralign.errors.LanguageError` when both are in the same language or
    not in ``langs``, and warns when one side has far more sentences than beads can absorb.
    ``texts``: the files' texts, already read (the paths then only name them).
    """
    src_text, tgt_text = texts if texts is not None else (None, None)
    if texts is None and tgt_path is not None and os.fspath(src_path) == os.fspath(tgt_path) \
            == STDIN:
        raise InputError("- (standard input) given for both sides: it can be read once; give "
                         "one side as a file (or one bilingual file)")
    if tgt_path is None:
        if presplit:
            raise InputError("--presplit needs two files (one sentence per line each); "
                             f"{os.fspath(src_path)!r} alone is split as a bilingual file")
        src, tgt = read_bilingual(src_path, config=config, fmt=fmt, text=src_text)
        tgt_path = src_path
    else:
        src = read_side(src_path, presplit=presplit, config=config, fmt=fmt, text=src_text)
        tgt = read_side(tgt_path, presplit=presplit, config=config, fmt=fmt, text=tgt_text)
    if src.lang == tgt.lang:
        raise LanguageError(
            f"{os.fspath(src_path)!r} and {os.fspath(tgt_path)!r} are both detected as "
            f"{_LANG_NAMES.get(src.lang, src.lang)}: paralign aligns a Chinese text with an "
            "English one; is one of them the wrong file?")
    if langs is not None and (src.lang, tgt.lang) != tuple(langs):
        raise LanguageError(
            f"{os.fspath(src_path)!r} is detected as {_LANG_NAMES.get(src.lang, src.lang)} and "
            f"{os.fspath(tgt_path)!r} as {_LANG_NAMES.get(tgt.lang, tgt.lang)}: expected "
            f"{_LANG_NAMES.get(langs[0], langs[0])} first; are the two files swapped?")
    max_merge = (config or AlignConfig()).max_merge
    small, big = sorted((len(src), len(tgt)))
    if big > small * max_merge:
        log.warning("%s (%d sentence(s)) and %s (%d) are too unbalanced for every sentence "
                    "to be paired (at most %d per bead side); is one of them truncated or the "
                    "wrong file?", src_path, len(src), tgt_path, len(tgt), max_merge)
    return src, tgt


def align_files(src_path: str | os.PathLike[str], tgt_path: str | os.PathLike[str] | None,
                output: str | os.PathLike[str] | None, *, config: AlignConfig | None = None,
                presplit: bool = False, aligner: Any = None, input_format: str | None = None,
                langs: tuple[str, str] | None = None, output_format: str | None = None,
                texts: tuple[str, str | None] | None = None, lexicon: Any = None,
                write_options: dict[str, Any] | None = None) -> Alignment:
    """Align two files, or one bilingual file (``tgt_path=None``), and write the result
    (format ``output_format``, else from the output's suffix; the inputs'
    ``input_format`` from theirs unless given: .txt, .docx, .html, .pdf, .epub, .srt,
    .vtt). ``write_options`` go to :func:`paralign.corpus.export.write_alignment`
    (``src_lang``, ``tgt_lang``, ``min_score``, ``skip_null``, ``left_out``).

    Raises before any work when the output format is unknown, and writes nothing when the
    alignment has no bead pairing both sides (never an empty TMX written silently).
    Raises :class:`~paralign.errors.LanguageError` when both files are in the same
    language (``pa.align`` on lists stays permissive and only warns). ``aligner``: an
    :class:`~paralign.alignment.aligner.Aligner` to reuse (its config is used).
    ``texts``: the files' texts, already read (see :func:`read_pair`); ``lexicon``: a
    learned :class:`~paralign.alignment.lexicon.Lexicon` for ``aligner.align``.
    """
    fmt = (output_format or format_from_path(output)) if output is not None else None
    if output is not None:  # an output that is an input, or cannot be written: before work
        from .files import check_output

        check_output(output, (src_path, tgt_path))
    aligner = aligner or Aligner(config)
    src, tgt = read_pair(src_path, tgt_path, presplit=presplit, config=aligner.config,
                         fmt=input_format, langs=langs, texts=texts)
    al = aligner.align(src, tgt) if lexicon is None else aligner.align(src, tgt, lexicon=lexicon)
    if not any(b.src and b.tgt for b in al.beads):
        raise InputError(f"no sentence of {os.fspath(src_path)!r} could be paired with one of "
                         f"{os.fspath(tgt_path if tgt_path is not None else src_path)!r}: "
                         "nothing written")
    if output is not None and fmt is not None:
        from .corpus import export

        export.write_alignment(al, output, fmt=fmt, **(write_options or {}))
    return al


def apply_files(corrections: str | os.PathLike[str], src_path: str | os.PathLike[str],
                tgt_path: str | os.PathLike[str] | None,
                output: str | os.PathLike[str] | None = None, *,
                corpus: str | os.PathLike[str] | None = None, doc_id: str | None = None,
                presplit: bool = False, input_format: str | None = None,
                config: AlignConfig | None = None, output_format: str | None = None,
                write_options: dict[str, Any] | None = None) -> Alignment:
    """Apply a reviewer's corrections file (downloaded from the HTML report) to the two
    files it was made on, and write the corrected beads to ``output`` (format from the
    suffix) and/or store them in the ``corpus`` database (which keeps the correction for
    these texts, see :meth:`~paralign.corpus.ParallelCorpus.add`).

    The files are read as :func:`align_files` reads them (``presplit``, ``input_format``
    and ``config`` as there): the corrections name sentences by index, and their hashes
    refuse texts that are not those reviewed, or not segmented the same way. Nothing is
    aligned. Raises before any work when an output cannot be written. ``output_format``
    and ``write_options`` as for :func:`align_files`.
    """
    from .corpus.corrections import load_corrections
    from .files import check_output

    if output is None and corpus is None:
        raise InputError("apply: nothing to write; give an output file (-o) or a corpus "
                         "(--corpus)")
    inputs = (src_path, tgt_path, corrections)
    fmt = (output_format or format_from_path(output)) if output is not None else None
    if output is not None:
        check_output(output, inputs)
    if corpus is not None:
        check_output(corpus, inputs)
    corr = load_corrections(corrections)
    src, tgt = read_pair(src_path, tgt_path, presplit=presplit, config=config,
                         fmt=input_format)
    al = corr.apply(src, tgt, os.fspath(corrections))
    if output is not None and fmt is not None:
        from .corpus import export

        export.write_alignment(al, output, fmt=fmt, doc_id=doc_id, **(write_options or {}))
    if corpus is not None:
        from .corpus import ParallelCorpus

        with ParallelCorpus(corpus) as db:
            db.add(al, doc_id=doc_id)
    return al


# -- many pairs into a corpus -------------------------------------------------------------------

@dataclass(frozen=True)
class BatchItem:
    """One document pair to align (``problem`` set when it cannot even be tried)."""

    doc_id: str
    zh_path: str | None  # for a bilingual file: its path, and en_path is None
    en_path: str | None
    problem: str | None = None


@dataclass
class BatchSummary:
    """What a batch did: pairs aligned, skipped (already stored), failed (with reasons)."""

    output: str
    total: int = 0
    done: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    beads: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    replaced: int = 0
    worker_deaths: int = 0
    lexicon: int | None = None  # word pairs of the corpus lexicon (``realign``)
    realigned: int = 0

    def describe(self) -> str:
        rate = f", {self.done / self.seconds:.2f} pairs/s" if self.seconds and self.done else ""
        lines = [f"{self.total} pairs: {self.done} aligned, {self.skipped} skipped (already in "
                 f"the corpus), {len(self.failed)} failed  [{self.seconds:.1f} s{rate}]"]
        if self.replaced:
            lines.append(f"{self.replaced} of the aligned replaced a stored pair whose files "
                         "changed")
        if self.lexicon is not None:
            lines.append(f"realigned with {self.lexicon} word pairs learned from the batch: "
                         f"{self.realigned} pair(s)")
        if self.worker_deaths:
            lines.append(f"{self.worker_deaths} worker process(es) died; their pairs were "
                         "retried")
        if self.beads:
            total = sum(self.beads.values())
            lines.append(f"{total} beads: " + ", ".join(
                f"{k} {v}" for k, v in sorted(self.beads.items(), key=lambda kv: -kv[1])))
        for doc_id, reason in self.failed:
            lines.append(f"  failed {doc_id}: {reason}")
        lines.append(f"-> {self.output}")
        return "\n".join(lines)


def _folder_files(folder: Path) -> tuple[dict[str, Path], dict[str, Path], dict[str, Path]]:
    """``NAME.zh.EXT``, ``NAME.en.EXT`` and bilingual ``NAME.EXT`` files of a folder, by NAME.

    EXT is any document suffix paralign reads (.txt, .docx, .html, .pdf, .epub, .srt,
    .vtt); other files (.md notes, databases) are not inputs.
    """
    from .text.formats import FORMATS

    zh: dict[str, Path] = {}
    en: dict[str, Path] = {}
    both: dict[str, Path] = {}
    for p in sorted(folder.iterdir()):
        suffix = p.suffix.lower()
        if not p.is_file() or suffix not in FORMATS or suffix == ".md":
            continue
        base = p.name[: -len(suffix)]
        side = Path(base).suffix.lower()
        if side in (".zh", ".en") and base[: -3]:
            (zh if side == ".zh" else en)[base[: -3]] = p
        else:
            both[base] = p
    return zh, en, both


def discover(input: str | os.PathLike[str]) -> list[BatchItem]:
    """The document pairs of a folder or a manifest, sorted by doc_id for folders.

    A manifest is decoded like any text (UTF-8, UTF-16, GB18030, Big5...; binary, a FIFO or
    a device refused); file names that are not valid UTF-8 give doc_ids with their odd bytes
    written ``\\xe9`` (a doc_id must be valid Unicode to be stored).
    """
    return [replace(it, doc_id=_valid_text(it.doc_id)) for it in _discover(Path(input))]


def _valid_text(name: str | None) -> str | None:
    """``name`` with lone surrogates (bytes of a file name that are not UTF-8) as ``\\xe9``."""
    if name is None:
        return None
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return name


def _discover(src: Path) -> list[BatchItem]:
    if src.is_dir():
        zh, en, both = _folder_files(src)
        items = []
        for name in sorted(set(zh) | set(en) | set(both)):
            if name in both:
                items.append(BatchItem(name, str(both[name]), None) if name not in zh | en
                             else BatchItem(name, str(both[name]), None,
                                            f"both {both[name].name} and a {name}.zh/.en pair"))
            elif name not in en:
                items.append(BatchItem(name, str(zh[name]), None,
                                       f"no {zh[name].name.replace('.zh.', '.en.', 1)}"))
            elif name not in zh:
                items.append(BatchItem(name, None, str(en[name]),
                                       f"no {en[name].name.replace('.en.', '.zh.', 1)}"))
            else:
                items.append(BatchItem(name, str(zh[name]), str(en[name])))
        if not items:
            raise InputError(f"{src}: no NAME.zh.txt / NAME.en.txt pairs and no bilingual "
                             "NAME.txt files in this folder")
        return items
    from .files import read_bytes
    from .text.reading import decode

    text, _ = decode(read_bytes(src, "manifest"), source=str(src))
    items = []
    seen: set[str] = set()
    for lineno, line in enumerate(re.split(r"\r\n|\r|\n", text.lstrip("\ufeff")), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if lineno == 1 and fields[0].strip().lower() in ("zh_path", "zh"):
            continue  # a header line
        if len(fields) not in (2, 3) or not fields[0].strip() or not fields[1].strip():
            raise FormatError(f"{src}: line {lineno}: expected zh_path<TAB>en_path"
                              f"[<TAB>doc_id], got {len(fields)} field(s)")
        zh_p, en_p = (str((src.parent / fields[k].strip()).resolve()) for k in (0, 1))
        doc_id = fields[2].strip() if len(fields) == 3 and fields[2].strip() \
            else doc_id_from_path(fields[0].strip())
        if doc_id in seen:
            items.append(BatchItem(doc_id, zh_p, en_p, f"duplicate doc_id (line {lineno})"))
            continue
        seen.add(doc_id)
        items.append(BatchItem(doc_id, zh_p, en_p))
    return items


# -- jobs: what travels to a worker and back ------------------------------------------------

def content_digest(zh_data: bytes, en_data: bytes | None) -> str:
    """SHA-256 of a pair's files (length-prefixed, so no two pairs collide by a shift); a
    bilingual file is a pair with no English file."""
    h = hashlib.sha256(b"paralign pair\0")
    h.update(len(zh_data).to_bytes(8, "big"))
    h.update(zh_data)
    if en_data is not None:
        h.update(b"\0en")
        h.update(en_data)
    return h.hexdigest()


def _payload(path: str) -> tuple[bytes, bytes]:
    """A file's bytes (what its hash is of) and the bytes a worker gets: the same for text
    files; for documents (.docx, .pdf, .html, ...) their extracted text in UTF-8, because
    the libraries that read them want a file, and the worker has none."""
    from .files import read_bytes
    from .text.formats import format_of
    from .text.formats import read_file

    data = read_bytes(path, "text")
    if format_of(path) == "text":
        return data, data
    return data, read_file(path).encode("utf-8")


@dataclass(frozen=True)
class PairJob:
    """One pair as it travels to a worker: bytes, never paths.

    Sending bytes is what lets a worker on another machine align a pair without a shared
    filesystem; decoding happens on the worker, exactly as :func:`~paralign.text.read_file`
    would do it. ``en_data`` is None for a bilingual file (both languages in ``zh_data``).
    """

    doc_id: str
    zh_source: str
    en_source: str | None
    zh_data: bytes
    en_data: bytes | None
    digest: str

    @classmethod
    def read(cls, item: BatchItem) -> PairJob:
        """Read the pair's files (OSError for a missing or unreadable one; InputError and
        friends for a document whose text cannot be extracted)."""
        assert item.zh_path is not None
        zh_raw, zh = _payload(item.zh_path)
        en_raw, en = _payload(item.en_path) if item.en_path is not None else (None, None)
        return cls(item.doc_id, item.zh_path, item.en_path, zh, en,
                   content_digest(zh_raw, en_raw))


class PairResult(NamedTuple):
    """A worker's answer: the alignment, or the one-line reason the pair failed."""

    doc_id: str
    digest: str
    alignment: Alignment | None
    error: str | None
    seconds: float


#: The aligners of this process, one per (factory, config, thread): built once (the encoder
#: is the expensive part) and kept; per thread because an embedding cache's SQLite
#: connection must stay in the thread that opened it.
_ALIGNERS: dict[tuple[str, Any, int], Any] = {}
_ALIGNERS_LOCK = threading.Lock()


def worker_aligner(make_aligner: AlignerFactory | None, config: AlignConfig | None) -> Any:
    """The aligner ``make_aligner(config)`` of this process (and thread), built on first use.

    On a Dask worker every task brings its own unpickled copy of the factory; the key is its
    repr, which is the same for the same class, function or partial.
    """
    key = (repr(make_aligner), config, threading.get_ident())
    with _ALIGNERS_LOCK:
        aligner = _ALIGNERS.get(key)
    if aligner is None:
        log.info("building the aligner in process %d", os.getpid())
        aligner = (make_aligner or Aligner)(config)
        with _ALIGNERS_LOCK:
            _ALIGNERS[key] = aligner
    return aligner


def align_job(job: PairJob, make_aligner: AlignerFactory | None, config: AlignConfig | None,
              presplit: bool, lexicon: Any = None) -> PairResult:
    """What a worker does with one pair, in a local process or on a Dask worker: the texts
    go through :func:`align_files` like any pair of files.

    A bad pair never raises: its error comes back as one line, so the batch goes on.
    ``lexicon`` (the corpus-wide one of a second pass) goes to the aligner when given.
    """
    from .text.formats import decode_text

    t0 = time.perf_counter()
    try:
        zh = decode_text(job.zh_data, job.zh_source)
        en = None if job.en_data is None else decode_text(job.en_data, str(job.en_source))
        al = align_files(job.zh_source, job.en_source, None,
                         presplit=presplit and job.en_data is not None,  # bilingual: split
                         aligner=worker_aligner(make_aligner, config), langs=("zh", "en"),
                         texts=(zh, en), lexicon=lexicon)
        return PairResult(job.doc_id, job.digest, al, None, time.perf_counter() - t0)
    except Exception as exc:  # a bad pair must never stop the batch
        return PairResult(job.doc_id, job.digest, None, f"{type(exc).__name__}: {exc}",
                          time.perf_counter() - t0)


# -- local worker processes ---------------------------------------------------------------------

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent(parent_pid: int, poll: float = 0.5) -> None:
    """Make this worker process exit when ``parent_pid`` goes away.

    On Linux the kernel does it (``prctl(PR_SET_PDEATHSIG, SIGKILL)``); a daemon thread that
    polls ``os.getppid()`` is the fallback elsewhere, and covers a parent that died before
    the ``prctl`` call.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
                log.debug("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
        except (OSError, AttributeError) as exc:
            log.debug("prctl unavailable: %s", exc)
    if os.getppid() != parent_pid:
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(poll)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="paralign-parent-watch", daemon=True).start()


_worker: dict[str, Any] = {}


def _init_worker(make_aligner: AlignerFactory | None, config: AlignConfig | None,
                 presplit: bool, parent_pid: int, lexicon: Any = None,
                 logs: Any = None, log_level: int = logging.WARNING) -> None:
    """Runs once in each local worker: tie it to the parent, send its log records to the
    parent, build the aligner there."""
    die_with_parent(parent_pid)
    if logs is not None:
        _log_to_parent(logs, log_level)
    worker_aligner(make_aligner, config)
    _worker.update(make=make_aligner, config=config, presplit=presplit, lexicon=lexicon)


def _log_to_parent(logs: Any, level: int) -> None:
    """A spawned worker starts with bare logging: its warnings would print raw on stderr,
    across the parent's progress bar, and ignore ``-q``. Instead every record (Python
    warnings too) goes up ``logs`` to the parent, at the parent's level, where
    :class:`_Relay` hands it to the parent's own handlers."""
    import logging.handlers

    root = logging.getLogger()
    for h in root.handlers[:]:
        root.removeHandler(h)
    root.addHandler(logging.handlers.QueueHandler(logs))
    root.setLevel(level)
    logging.getLogger("paralign").setLevel(level)
    import warnings

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: Any = None, line: str | None = None) -> None:  # one line, not two
        logging.getLogger("py.warnings").warning("%s: %s (%s:%d)", category.__name__, message,
                                                 os.path.basename(filename), lineno)

    warnings.showwarning = show


class _Relay(logging.Handler):
    """Emits a worker's record through the logger of the same name in this process: its
    level, its handlers, its format (the command line's, or the caller's)."""

    def emit(self, record: logging.LogRecord) -> None:
        logger = logging.getLogger(record.name)
        if logger.isEnabledFor(record.levelno):
            logger.handle(record)


def _work(job: PairJob) -> PairResult:
    return align_job(job, _worker["make"], _worker["config"], _worker["presplit"],
                     _worker["lexicon"])


def _killed(job: PairJob, what: str) -> PairResult:
    return PairResult(job.doc_id, job.digest, None, f"WorkerDied: {what}", 0.0)


def _run_local(jobs: Iterator[PairJob], n_jobs: int, make_aligner: AlignerFactory | None,
               config: AlignConfig | None, presplit: bool, summary: BatchSummary,
               lexicon: Any = None) -> Iterator[PairResult]:
    """Results of ``jobs`` from a pool of worker processes, as they complete.

    A dead worker breaks the whole pool: every pair then in flight is a suspect and is
    retried alone in a new pool; a suspect that kills its worker again is the culprit and
    comes back failed. Pairs finished before the break are kept, never rerun.
    """
    import logging.handlers
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    logs = ctx.Queue()
    relay = logging.handlers.QueueListener(logs, _Relay())
    relay.start()
    try:
        yield from _run_pools(jobs, n_jobs, make_aligner, config, presplit, summary, lexicon,
                              ctx, logs)
    finally:
        relay.stop()
        logs.close()


def _run_pools(jobs: Iterator[PairJob], n_jobs: int, make_aligner: AlignerFactory | None,
               config: AlignConfig | None, presplit: bool, summary: BatchSummary,
               lexicon: Any, ctx: Any, logs: Any) -> Iterator[PairResult]:
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    level = logging.getLogger("paralign").getEffectiveLevel()
    suspects: deque[PairJob] = deque()  # in flight when a worker died: retried alone
    unrun: deque[PairJob] = deque()  # taken from ``jobs`` but never submitted
    while True:
        pool = ProcessPoolExecutor(max_workers=n_jobs, mp_context=ctx, initializer=_init_worker,
                                   initargs=(make_aligner, config, presplit, os.getpid(), lexicon,
                                             logs, level))
        pending: dict[Future[PairResult], PairJob] = {}
        alone = False  # the one pending job is a suspect run alone
        clean = False
        try:
            broken = False
            while not broken:
                try:
                    if suspects or alone:
                        if not pending:
                            job, back = suspects.popleft(), suspects
                            pending[pool.submit(_work, job)] = job
                            alone = True
                    else:
                        while len(pending) < 2 * n_jobs:
                            job, back = (unrun.popleft() if unrun else next(jobs, None)), unrun
                            if job is None:
                                break
                            pending[pool.submit(_work, job)] = job
                except BrokenProcessPool:  # broke before this job even started
                    back.appendleft(job)
                    broken = True
                    break
                if not pending:
                    clean = True
                    return
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        continue
                    del pending[fut]
                    alone = False
                    yield result
            wait(pending, timeout=60)
            summary.worker_deaths += 1
            for fut, job in pending.items():
                if fut.done() and not fut.cancelled() and fut.exception() is None:
                    yield fut.result()
                elif alone:
                    log.warning("pair %s killed its worker process again: recorded as failed",
                                job.doc_id)
                    yield _killed(job, "its worker process died (out of memory or killed) "
                                       "twice, the second time aligning this pair alone")
                else:
                    suspects.append(job)
            if suspects:
                log.warning("a worker process died; a new pool retries the %d pair(s) then in "
                            "flight one at a time", len(suspects))
        finally:
            pool.shutdown(wait=clean, cancel_futures=True)


# -- the batch --------------------------------------------------------------------------------

def _plan(items: list[BatchItem], stored: dict[str, str | None], summary: BatchSummary,
          replace: set[str], bar: Any) -> Iterator[PairJob]:
    """The jobs still to do, read one at a time (so memory does not grow with the batch)."""
    for it in items:
        if it.problem:
            continue
        try:
            job = PairJob.read(it)
        except (OSError, ParalignError) as exc:
            if isinstance(exc, OSError):
                from .files import describe_os_error

                reason = describe_os_error(exc)
            else:
                reason = f"{type(exc).__name__}: {exc}"
            summary.failed.append((it.doc_id, reason))
            log.warning("pair %s failed: %s", it.doc_id, reason)
            bar.update(1)
            continue
        if it.doc_id in stored and stored[it.doc_id] in (None, job.digest):
            summary.skipped += 1
            bar.update(1)
            continue
        if it.doc_id in stored:
            log.info("pair %s: its files changed since it was stored: realigning", it.doc_id)
            replace.add(it.doc_id)
        yield job


def run_batch(input: str | os.PathLike[str], output: str | os.PathLike[str], *,
              config: AlignConfig | None = None, jobs: int | None = None,
              presplit: bool = False, progress: bool = True,
              make_aligner: AlignerFactory | None = None, client: Any = None,
              realign: bool = False) -> BatchSummary:
    """Align every document pair of ``input`` into the corpus database ``output``.

    Args:
        input: folder of ``NAME.zh.txt``/``NAME.en.txt`` pairs, or a TSV manifest.
        output: corpus database (created if missing; pairs already stored are skipped).
        config: the AlignConfig for the default aligner.
        jobs: local worker processes (default: the number of cores); 1 runs in this
            process. Ignored with ``client``.
        presplit: inputs hold one sentence per line.
        progress: show a tqdm progress bar with ETA on stderr.
        make_aligner: builds the aligner in each worker (see :data:`AlignerFactory`);
            default :class:`~paralign.alignment.aligner.Aligner`. Every pair is read and
            checked by :func:`align_files` whatever the aligner; with ``realign`` its
            ``align`` is also given ``lexicon=``.
        client: a ``distributed.Client``: run the pairs on that Dask cluster instead of
            local processes (see :mod:`paralign.cluster`); this process stays the only
            writer of ``output``.
        realign: the corpus-wide lexicon (:meth:`paralign.Aligner.fit` over the batch): once
            every pair of this run is aligned and stored, this process learns one lexicon
            from all their confident beads (as their results arrive), then the workers
            align those pairs again with it and each replaces its first alignment. The
            client holds the confident beads' sentences of the run until it learns.
    """
    from .corpus.store import ParallelCorpus

    t0 = time.perf_counter()
    items = discover(input)
    summary = BatchSummary(output=str(output), total=len(items))
    n_jobs = max(1, min(jobs or os.cpu_count() or 1, len(items)))

    def results(todo: Iterator[PairJob], lexicon: Any = None
                ) -> Iterator[PairResult]:
        if client is not None:
            from .cluster import run_jobs

            return run_jobs(client, todo, make_aligner=make_aligner, config=config,
                            presplit=presplit, lexicon=lexicon)
        if n_jobs == 1:
            return (align_job(job, make_aligner, config, presplit, lexicon) for job in todo)
        return _run_local(todo, n_jobs, make_aligner, config, presplit, summary, lexicon)

    with _logs_above_bar(progress), ParallelCorpus(output) as corpus:
        stored = {d.doc_id: d.meta.get("sha256") for d in corpus.docs()}
        replace: set[str] = set()
        by_id = {it.doc_id: it for it in items}
        for it in items:
            if it.problem:
                summary.failed.append((it.doc_id, it.problem))
        learned: dict[str, list[tuple[list[str], list[str]]]] = {}
        bar = _progress_bar(len(items) - len(summary.failed), progress)
        try:
            for res in results(_plan(items, stored, summary, replace, bar)):
                if _store(corpus, res, by_id[res.doc_id], res.doc_id in replace, summary) \
                        and realign:
                    from .alignment.lexicon import training_pairs

                    assert res.alignment is not None
                    learned[res.doc_id] = training_pairs([res.alignment])
                bar.update(1)
        finally:
            bar.close()
        if realign and learned:
            # in the batch's order, whatever order the workers finished in
            aligned = [it.doc_id for it in items if it.doc_id in learned]
            _realign(corpus, aligned, by_id, [p for d in aligned for p in learned[d]],
                     results, summary, progress)
    summary.seconds = time.perf_counter() - t0
    return summary


def _realign(corpus: Any, aligned: list[str], by_id: dict[str, BatchItem],
             learned: list[tuple[list[str], list[str]]],
             results: Callable[..., Iterator[PairResult]], summary: BatchSummary,
             progress: bool) -> None:
    """The second pass of ``realign``: learn the lexicon here, realign on the workers."""
    from .alignment.lexicon import learn_lexicon

    lexicon = learn_lexicon(learned)
    summary.lexicon = len(lexicon)
    log.info("corpus lexicon: %d word pairs from %d confident beads of %d pairs", len(lexicon),
             len(learned), len(aligned))
    if not len(lexicon):
        return

    def jobs() -> Iterator[PairJob]:
        for doc_id in aligned:
            try:
                yield PairJob.read(by_id[doc_id])
            except (OSError, ParalignError) as exc:
                log.warning("pair %s: not realigned: %s", doc_id, exc)

    bar = _progress_bar(len(aligned), progress, "realigning")
    try:
        for res in results(jobs(), lexicon):
            if res.alignment is None:
                log.warning("pair %s: realigning failed, its first alignment kept: %s",
                            res.doc_id, res.error)
            else:
                item = by_id[res.doc_id]
                corpus.add(res.alignment, doc_id=res.doc_id, replace=True,
                           meta={**_paths(item), "sha256": res.digest})
                summary.realigned += 1
            bar.update(1)
    finally:
        bar.close()


def _paths(item: BatchItem) -> dict[str, str | None]:
    return {"zh_path": _valid_text(item.zh_path), "en_path": _valid_text(item.en_path)} \
        if item.en_path is not None else {"path": _valid_text(item.zh_path)}


def _store(corpus: Any, res: PairResult, item: BatchItem, replace: bool,
           summary: BatchSummary) -> bool:
    """One pair into the corpus, in one transaction (or its failure into the summary);
    True when it was stored."""
    from .corpus.store import DuplicateDocumentError

    al = res.alignment
    if al is None:
        summary.failed.append((res.doc_id, res.error or "unknown error"))
        log.warning("pair %s failed: %s", res.doc_id, res.error)
        return False
    try:
        corpus.add(al, doc_id=res.doc_id, replace=replace,
                   meta={**_paths(item), "sha256": res.digest})
    except DuplicateDocumentError:  # stored meanwhile by a concurrent batch
        summary.skipped += 1
        return False
    summary.done += 1
    summary.replaced += replace
    for k, v in al.kinds().items():
        summary.beads[k] = summary.beads.get(k, 0) + v
    return True


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _logs_above_bar(progress: bool) -> Any:
    """While a bar is drawn, log lines (this process's and the workers') are printed above
    it instead of across it."""
    if not progress:
        return contextlib.nullcontext()
    from tqdm.contrib.logging import logging_redirect_tqdm

    return logging_redirect_tqdm()


def _progress_bar(total: int, progress: bool, desc: str = "aligning") -> Any:
    if not progress:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="pair", desc=desc, dynamic_ncols=True)


# -- the demo -----------------------------------------------------------------------------------

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
        lines.append(f"  {doc_id:<28} {len(zh):4d} x {len(en):<4d} sentences -> "
                     f"{len(al.beads):4d} beads ({al.describe_kinds()}); parallelism "
                     f"{al.parallelism:.2f}; {time.perf_counter() - t0:.1f}s")
    other = sorted((root / "abstracts").glob("002_*.txt"))
    if seed and other:
        al = aligner.align(pairs[0][1], read_side(other[0]))  # the seed's Chinese side
        lines.append(f"  non-parallel check: seed Chinese vs {other[0].name}: "
                     f"parallelism {al.parallelism:.2f}, translations? {al.stats['parallel']}")
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    n = corpus.to_tmx(out)
    lines.append(f"{n} translation units -> {out} ({time.perf_counter() - t_all:.1f}s)")
    if first is not None:
        lines.append("seed abstract, first beads:")
        for b in first.beads[:8]:
            lines.append(f"  [{b.kind}] {b.score:.2f}  {b.src_text[:40]!s}  |  {b.tgt_text[:60]!s}")
    return "\n".join(lines)
