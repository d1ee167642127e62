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

How a batch runs: worker processes (``concurrent.futures.ProcessPoolExecutor``, ``spawn``
start method so no parent state such as an open database or a torch runtime is inherited)
each build the aligner once, then align pairs; the parent is the only process that writes
the database, one transaction per pair (WAL journaling, so readers can query the corpus
while it grows). At most ``2 * jobs`` pairs are in flight, so memory stays bounded and a
killed run loses at most those: a rerun skips the doc_ids already stored, and the
database is never left half-written. A bad pair (missing, unreadable, empty, not
Chinese/English, nothing paired) is reported in the summary and skipped; it never stops
the batch.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .alignment.aligner import Aligner
from .alignment.bead import Alignment
from .config import AlignConfig
from .corpus.formats import doc_id_from_path, format_from_path
from .errors import FormatError, InputError, LanguageError
from .text.document import Document

__all__ = ["align_files", "read_side", "read_bilingual", "read_pair", "run_demo",
           "sample_corpora", "run_batch", "BatchSummary", "BatchItem", "discover",
           "AlignerFactory"]

log = logging.getLogger("paralign")

_LANG_NAMES = {"zh": "Chinese", "en": "English (Latin script)"}

#: What builds the aligner of a batch: called once per worker process with the batch's
#: AlignConfig (or None); the result needs ``config`` and ``align(src, tgt) -> Alignment``.
#: Default: :class:`~paralign.alignment.aligner.Aligner`. With ``jobs > 1`` it must be
#: picklable (a class or a module-level function, or a functools.partial of one).
AlignerFactory = Callable[[AlignConfig | None], Any]


# -- one pair of files ------------------------------------------------------------------------

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


def read_pair(src_path: str | os.PathLike[str], tgt_path: str | os.PathLike[str] | None, *,
              presplit: bool = False, config: AlignConfig | None = None,
              fmt: str | None = None,
              langs: tuple[str, str] | None = None) -> tuple[Document, Document]:
    """The two sides of a pair: two files read by :func:`read_side`, or one bilingual file
    (``tgt_path=None``) split by :func:`read_bilingual`; checked to be one Chinese and one
    English text (``langs``: the languages the two sides must be in, in order).

    Raises :class:`~paralign.errors.LanguageError` when both are in the same language or
    not in ``langs``, and warns when one side has far more sentences than beads can absorb.
    """
    if tgt_path is None:
        if presplit:
            raise InputError("--presplit needs two files (one sentence per line each); "
                             f"{os.fspath(src_path)!r} alone is split as a bilingual file")
        src, tgt = read_bilingual(src_path, config=config, fmt=fmt)
        tgt_path = src_path
    else:
        src = read_side(src_path, presplit=presplit, config=config, fmt=fmt)
        tgt = read_side(tgt_path, presplit=presplit, config=config, fmt=fmt)
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
                langs: tuple[str, str] | None = None) -> Alignment:
    """Align two files, or one bilingual file (``tgt_path=None``), and write the result
    (format from the output's suffix; the inputs' ``input_format`` from theirs unless
    given: .txt, .docx, .html, .pdf, .epub, .srt, .vtt).

    Raises before any work when the output format is unknown, and writes nothing when the
    alignment has no bead pairing both sides (never an empty TMX written silently).
    Raises :class:`~paralign.errors.LanguageError` when both files are in the same
    language (``pa.align`` on lists stays permissive and only warns). ``aligner``: an
    :class:`~paralign.alignment.aligner.Aligner` to reuse (its config is used).
    """
    fmt = format_from_path(output) if output is not None else None
    if output is not None:  # an output that is an input, or cannot be written: before work
        from .files import check_output

        check_output(output, (src_path, tgt_path))
    aligner = aligner or Aligner(config)
    src, tgt = read_pair(src_path, tgt_path, presplit=presplit, config=aligner.config,
                         fmt=input_format, langs=langs)
    al = aligner.align(src, tgt)
    if not any(b.src and b.tgt for b in al.beads):
        raise InputError(f"no sentence of {os.fspath(src_path)!r} could be paired with one of "
                         f"{os.fspath(tgt_path if tgt_path is not None else src_path)!r}: "
                         "nothing written")
    if output is not None and fmt is not None:
        from .corpus import export

        export.write_alignment(al, output, fmt=fmt)
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
    lexicon: int | None = None  # word pairs learned by a realign batch

    def describe(self) -> str:
        rate = f", {self.done / self.seconds:.2f} pairs/s" if self.seconds and self.done else ""
        lines = [f"{self.total} pairs: {self.done} aligned, {self.skipped} skipped (already in "
                 f"the corpus), {len(self.failed)} failed  [{self.seconds:.1f} s{rate}]"]
        if self.beads:
            total = sum(self.beads.values())
            lines.append(f"{total} beads: " + ", ".join(
                f"{k} {v}" for k, v in sorted(self.beads.items(), key=lambda kv: -kv[1])))
        if self.lexicon is not None:
            lines.append(f"realigned with {self.lexicon} word pairs learned from the batch")
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


_worker: dict[str, Any] = {}


def _init_worker(make_aligner: AlignerFactory | None, config: AlignConfig | None,
                 presplit: bool, lexicon: Any = None) -> None:
    """Runs once in each worker: build the aligner there (the encoder loads once), not per pair.
    A realign batch's second pass hands every worker the lexicon learned from the first."""
    aligner = (make_aligner or Aligner)(config)
    if lexicon is not None:
        aligner.lexicon = lexicon
    _worker.update(aligner=aligner, presplit=presplit)


def _work(item: BatchItem) -> tuple[str, Alignment | None, str | None, float]:
    t0 = time.perf_counter()
    try:
        # a bilingual file (en_path None) is split, never read presplit
        presplit = _worker["presplit"] and item.en_path is not None
        al = align_files(item.zh_path, item.en_path, None, presplit=presplit,
                         aligner=_worker["aligner"], langs=("zh", "en"))
        return item.doc_id, al, None, time.perf_counter() - t0
    except Exception as exc:  # a bad pair must never stop the batch
        return item.doc_id, None, f"{type(exc).__name__}: {exc}", time.perf_counter() - t0


def run_batch(input: str | os.PathLike[str], output: str | os.PathLike[str], *,
              config: AlignConfig | None = None, jobs: int | None = None,
              presplit: bool = False, progress: bool = True,
              make_aligner: AlignerFactory | None = None, realign: bool = False) -> BatchSummary:
    """Align every document pair of ``input`` into the corpus database ``output``.

    Args:
        input: folder of ``NAME.zh.txt``/``NAME.en.txt`` pairs, or a TSV manifest.
        output: corpus database (created if missing; pairs already stored are skipped).
        config: the AlignConfig of the aligner.
        jobs: worker processes (default: the number of cores); 1 runs in this process.
        presplit: inputs hold one sentence per line.
        progress: show a tqdm progress bar with ETA on stderr.
        make_aligner: builds the aligner in each worker (see :data:`AlignerFactory`);
            default :class:`~paralign.alignment.aligner.Aligner`. Every pair is read and
            checked by :func:`align_files` whatever the aligner.
        realign: align every pair twice: a lexicon is learned from the confident beads of
            all first alignments (:mod:`paralign.alignment.lexicon`: a book's chapters
            teach one another their names and terms) and the second pass, which is what is
            stored, uses it. The lexicon depends on the pairs in the batch, not on their
            order or on ``jobs``.
    """
    from .corpus.store import DuplicateDocumentError, ParallelCorpus

    t0 = time.perf_counter()
    items = discover(input)
    summary = BatchSummary(output=str(output), total=len(items))
    with ParallelCorpus(output) as corpus:
        stored = set(corpus.doc_ids())
        todo: list[BatchItem] = []
        for it in items:
            if it.problem:
                summary.failed.append((it.doc_id, it.problem))
            elif it.doc_id in stored:
                summary.skipped += 1
            else:
                todo.append(it)
        if summary.skipped:
            log.info("%s: %d pair(s) already stored, skipped", output, summary.skipped)
        by_id = {it.doc_id: it for it in todo}

        def store(doc_id: str, al: Alignment | None, error: str | None) -> None:
            if al is None:
                summary.failed.append((doc_id, error or "unknown error"))
                log.warning("pair %s failed: %s", doc_id, error)
                return
            it = by_id[doc_id]
            try:
                corpus.add(al, doc_id=doc_id, replace=False,
                           meta={"zh_path": _valid_text(it.zh_path),
                                 "en_path": _valid_text(it.en_path)}
                           if it.en_path is not None else {"path": _valid_text(it.zh_path)})
            except DuplicateDocumentError:  # stored meanwhile by a concurrent batch
                summary.skipped += 1
                return
            summary.done += 1
            for k, v in al.kinds().items():
                summary.beads[k] = summary.beads.get(k, 0) + v

        n_jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
        lexicon = None
        if realign and todo:
            from .alignment.lexicon import learn_lexicon, training_pairs

            learned: dict[str, list[Any]] = {}

            def collect(doc_id: str, al: Alignment | None, error: str | None) -> None:
                if al is not None:  # a pair that fails fails again, and is reported, below
                    learned[doc_id] = training_pairs([al])

            bar = _progress_bar(len(todo), progress)
            try:
                _align_all(todo, n_jobs, make_aligner, config, presplit, None, collect, bar)
            finally:
                bar.close()
            # in the batch's order, whatever order the workers finished in
            lexicon = learn_lexicon([p for it in todo for p in learned.get(it.doc_id, [])])
            summary.lexicon = len(lexicon)
        bar = _progress_bar(len(todo), progress)
        try:
            _align_all(todo, n_jobs, make_aligner, config, presplit, lexicon, store, bar)
        finally:
            bar.close()
    summary.seconds = time.perf_counter() - t0
    return summary


def _align_all(todo: list[BatchItem], n_jobs: int, make_aligner: AlignerFactory | None,
               config: AlignConfig | None, presplit: bool, lexicon: Any,
               store: Callable[[str, Any, str | None], None], bar: Any) -> None:
    """Align every pair, in this process or in ``n_jobs`` workers, handing each to ``store``."""
    if n_jobs == 1:
        _init_worker(make_aligner, config, presplit, lexicon)
        for it in todo:
            store(*_work(it)[:3])
            bar.update(1)
    else:
        _run_pool(todo, n_jobs, make_aligner, config, presplit, lexicon, store, bar)


def _run_pool(todo: list[BatchItem], n_jobs: int, make_aligner: AlignerFactory | None,
              config: AlignConfig | None, presplit: bool, lexicon: Any,
              store: Callable[[str, Any, str | None], None], bar: Any) -> None:
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=n_jobs, mp_context=ctx, initializer=_init_worker,
                             initargs=(make_aligner, config, presplit, lexicon)) as pool:
        pending: set[Future[Any]] = set()
        queue = iter(todo)
        try:
            while True:
                while len(pending) < 2 * n_jobs:
                    it = next(queue, None)
                    if it is None:
                        break
                    pending.add(pool.submit(_work, it))
                if not pending:
                    break
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    doc_id, al, error, _ = fut.result()
                    store(doc_id, al, error)
                    bar.update(1)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _progress_bar(total: int, progress: bool) -> Any:
    if not progress:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="pair", desc="aligning", dynamic_ncols=True)


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
