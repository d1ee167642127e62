"""Batch alignment: many document pairs into one corpus database, resumable.

Input: a folder of ``NAME.zh.txt`` / ``NAME.en.txt`` files (doc_id ``NAME``) and/or of
bilingual ``NAME.txt`` files (both languages in one file, split by
:func:`paralign.text.split_bilingual`; doc_id ``NAME``), or a TSV
manifest with lines ``zh_path<TAB>en_path[<TAB>doc_id]`` (paths relative to the manifest;
``#`` comments and blank lines ignored; doc_id defaults to the zh file name without
``.zh.txt``/``.txt``).

How it runs: worker processes (``concurrent.futures.ProcessPoolExecutor``, ``spawn``
start method so no parent state such as an open database or a torch runtime is inherited)
each load the aligner once, then align pairs; the parent is the only process that writes
the database, one transaction per pair (WAL journaling, so readers can query the corpus
while it grows). At most ``2 * jobs`` pairs are in flight, so memory stays bounded and a
killed run loses at most those: a rerun skips the doc_ids already stored, and the
database is never left half-written. A bad pair (missing, unreadable, empty, not
Chinese/English) is reported in the summary and skipped; it never stops the batch.

Testing hook: ``PARALIGN_BATCH_FAKE_ALIGNER=1`` in the environment makes the default
aligner :func:`fake_align`, a cheap deterministic line-by-line aligner (no encoder), and
``PARALIGN_BATCH_FAKE_DELAY=SECONDS`` makes it sleep that long per pair. Only this module
reads them; they exist so that the machinery (processes, kills, resumption) can be tested
in seconds, through the real command line.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import FormatError, InputError, LanguageError

if TYPE_CHECKING:
    from ..alignment.bead import Alignment
    from ..config import AlignConfig

__all__ = ["run_batch", "BatchSummary", "BatchItem", "discover", "fake_align",
           "FAKE_ALIGNER_ENV", "FAKE_DELAY_ENV"]

log = logging.getLogger(__name__)

FAKE_ALIGNER_ENV = "PARALIGN_BATCH_FAKE_ALIGNER"
FAKE_DELAY_ENV = "PARALIGN_BATCH_FAKE_DELAY"

AlignFn = Callable[..., "Alignment"]


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

    def describe(self) -> str:
        rate = f", {self.done / self.seconds:.2f} pairs/s" if self.seconds and self.done else ""
        lines = [f"{self.total} pairs: {self.done} aligned, {self.skipped} skipped (already in "
                 f"the corpus), {len(self.failed)} failed  [{self.seconds:.1f} s{rate}]"]
        if self.beads:
            total = sum(self.beads.values())
            lines.append(f"{total} beads: " + ", ".join(
                f"{k} {v}" for k, v in sorted(self.beads.items(), key=lambda kv: -kv[1])))
        for doc_id, reason in self.failed:
            lines.append(f"  failed {doc_id}: {reason}")
        lines.append(f"-> {self.output}")
        return "\n".join(lines)


# -- input discovery -----------------------------------------------------------------------

def _doc_id_from(path: str) -> str:
    name = Path(path).name
    for suffix in (".txt", ".zh", ".zho", ".chi", ".cn", ".tw"):
        name = name.removesuffix(suffix)
    return name


def _folder_files(folder: Path) -> tuple[dict[str, Path], dict[str, Path], dict[str, Path]]:
    """``NAME.zh.EXT``, ``NAME.en.EXT`` and bilingual ``NAME.EXT`` files of a folder, by NAME.

    EXT is any document suffix paralign reads (.txt, .docx, .html, .pdf, .epub, .srt,
    .vtt); other files (.md notes, databases) are not inputs.
    """
    from ..text.formats import FORMATS

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
    """The document pairs of a folder or a manifest, sorted by doc_id for folders."""
    src = Path(input)
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
    if not src.exists():
        raise FileNotFoundError(2, "No such file or directory", str(src))
    items = []
    seen: set[str] = set()
    with open(src, encoding="utf-8-sig") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
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
                else _doc_id_from(fields[0].strip())
            if doc_id in seen:
                items.append(BatchItem(doc_id, zh_p, en_p, f"duplicate doc_id (line {lineno})"))
                continue
            seen.add(doc_id)
            items.append(BatchItem(doc_id, zh_p, en_p))
    return items


# -- aligners -----------------------------------------------------------------------------

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def _check_texts(zh_text: str, en_text: str, zh_path: str, en_path: str) -> None:
    """Cheap sanity checks shared by the aligners: empty or wrong-language inputs."""
    for text, path in ((zh_text, zh_path), (en_text, en_path)):
        if not text.strip():
            raise InputError(f"{path}: empty")
    han, latin = len(_HAN.findall(zh_text)), len(_LATIN.findall(zh_text))
    if han == 0 or han < 0.2 * latin:
        raise LanguageError(f"{zh_path}: does not look like Chinese")
    han, latin = len(_HAN.findall(en_text)), len(_LATIN.findall(en_text))
    if latin == 0 or han > latin:
        raise LanguageError(f"{en_path}: does not look like English")


def fake_align(zh_path: str, en_path: str, *, config: Any = None, presplit: bool = False
               ) -> Alignment:
    """A deterministic stand-in aligner for tests: line *i* with line *i*, extras unaligned.

    Reads UTF-8 only; the score depends on the two lines' lengths. Sleeps
    ``$PARALIGN_BATCH_FAKE_DELAY`` seconds when set.
    """
    from ..alignment.bead import Alignment, Bead
    from ..text.document import Document, Sentence

    delay = float(os.environ.get(FAKE_DELAY_ENV) or 0)
    if delay:
        time.sleep(delay)
    texts = []
    for p in (zh_path, en_path):
        try:
            texts.append(Path(p).read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            raise InputError(f"{p}: not UTF-8 ({exc.reason})") from None
    _check_texts(texts[0], texts[1], zh_path, en_path)
    zh = [s.strip() for s in texts[0].splitlines() if s.strip()]
    en = [s.strip() for s in texts[1].splitlines() if s.strip()]
    beads = []
    for i in range(max(len(zh), len(en))):
        s = (i,) if i < len(zh) else ()
        t = (i,) if i < len(en) else ()
        if s and t:
            a, b = 3 * len(zh[i]), len(en[i])
            score = round(0.5 + 0.5 * min(a, b) / max(a, b, 1), 4)
        else:
            score = 0.0
        beads.append(Bead(s, t, score))
    return Alignment(Document(tuple(Sentence(x) for x in zh), lang="zh", script="Hans",
                              source=zh_path),
                     Document(tuple(Sentence(x) for x in en), lang="en", script="Latn",
                              source=en_path),
                     beads, signature="fake-aligner")


class _DefaultAligner:
    """paralign's aligner, loaded once per process (the encoder is the expensive part)."""

    def __init__(self, config: AlignConfig | None) -> None:
        from .. import Aligner
        from ..config import AlignConfig

        self.config = config or AlignConfig()
        self.aligner = Aligner(self.config)

    def __call__(self, zh_path: str, en_path: str | None, *, config: Any = None,
                 presplit: bool = False) -> Alignment:
        from ..text import read_file, read_presplit, segment, split_bilingual

        if en_path is None:  # one bilingual file: its title pair is anchored by the aligner
            zh, en = split_bilingual(read_file(zh_path), source=zh_path,
                                     zh_convert=self.config.zh_convert)
            return self.aligner.align(zh, en)
        docs = []
        for path, lang in ((zh_path, "zh"), (en_path, "en")):
            if presplit:
                docs.append(read_presplit(path, lang, zh_convert=self.config.zh_convert))
            else:
                docs.append(segment(read_file(path), lang, source=path,
                                    split_long=self.config.split_long,
                                    zh_convert=self.config.zh_convert))
        _check_texts(docs[0].text or "".join(docs[0].texts),
                     docs[1].text or " ".join(docs[1].texts), zh_path, en_path)
        return self.aligner.align(docs[0], docs[1])


# -- workers --------------------------------------------------------------------------------

_worker: dict[str, Any] = {}


def _init_worker(align_fn: AlignFn | None, config: AlignConfig | None, presplit: bool) -> None:
    """Runs once in each worker: load the aligner there, not per pair."""
    if align_fn is None:
        align_fn = fake_align if os.environ.get(FAKE_ALIGNER_ENV) == "1" \
            else _DefaultAligner(config)
    _worker.update(fn=align_fn, config=config, presplit=presplit)


def _work(item: BatchItem) -> tuple[str, Alignment | None, str | None, float]:
    t0 = time.perf_counter()
    try:
        al = _worker["fn"](item.zh_path, item.en_path, config=_worker["config"],
                           presplit=_worker["presplit"])
        if not al.beads:
            raise InputError("the aligner returned no beads")
        return item.doc_id, al, None, time.perf_counter() - t0
    except Exception as exc:  # a bad pair must never stop the batch
        return item.doc_id, None, f"{type(exc).__name__}: {exc}", time.perf_counter() - t0


# -- the batch --------------------------------------------------------------------------------

def run_batch(input: str | os.PathLike[str], output: str | os.PathLike[str], *,
              config: AlignConfig | None = None, jobs: int | None = None,
              presplit: bool = False, progress: bool = True,
              align_fn: AlignFn | None = None) -> BatchSummary:
    """Align every document pair of ``input`` into the corpus database ``output``.

    Args:
        input: folder of ``NAME.zh.txt``/``NAME.en.txt`` pairs, or a TSV manifest.
        output: corpus database (created if missing; pairs already stored are skipped).
        config: the AlignConfig for the default aligner.
        jobs: worker processes (default: the number of cores); 1 runs in this process.
        presplit: inputs hold one sentence per line.
        progress: show a tqdm progress bar with ETA on stderr.
        align_fn: ``align_fn(zh_path, en_path, *, config, presplit) -> Alignment`` instead
            of paralign's aligner (must be picklable, i.e. a module-level function, when
            ``jobs > 1``). Default: paralign's aligner, or :func:`fake_align` when
            ``$PARALIGN_BATCH_FAKE_ALIGNER`` is ``1``.
    """
    from .store import DuplicateDocumentError, ParallelCorpus

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
                           meta={"zh_path": it.zh_path, "en_path": it.en_path}
                           if it.en_path is not None else {"path": it.zh_path})
            except DuplicateDocumentError:  # stored meanwhile by a concurrent batch
                summary.skipped += 1
                return
            summary.done += 1
            for k, v in al.kinds().items():
                summary.beads[k] = summary.beads.get(k, 0) + v

        bar = _progress_bar(len(todo), progress)
        try:
            n_jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
            if n_jobs == 1:
                _init_worker(align_fn, config, presplit)
                for it in todo:
                    store(*_work(it)[:3])
                    bar.update(1)
            else:
                _run_pool(todo, n_jobs, align_fn, config, presplit, store, bar)
        finally:
            bar.close()
    summary.seconds = time.perf_counter() - t0
    return summary


def _run_pool(todo: list[BatchItem], n_jobs: int, align_fn: AlignFn | None,
              config: AlignConfig | None, presplit: bool,
              store: Callable[[str, Any, str | None], None], bar: Any) -> None:
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=n_jobs, mp_context=ctx, initializer=_init_worker,
                             initargs=(align_fn, config, presplit)) as pool:
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
