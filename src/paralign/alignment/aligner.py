"""The Aligner: from two texts to beads.

Pipeline for one document pair (each step linear in document length), one module a step:

1. Segment both sides (or take the given sentences) and embed every single sentence with
   each encoder of the configuration, through the on-disk cache (:mod:`.embedding`).
2. Sample mutual nearest neighbours (:mod:`.neighbours`) and fit the length model of the
   pair: its length ratio and how much lengths can be trusted (:mod:`.lengths`).
3. Split the pair at paragraph boundaries when both sides have the same number of
   paragraphs, and cut long blocks into chunks along a coarse-to-fine path (:mod:`.search`).
4. For each chunk, a first search with every window approximated from its members' vectors
   (:mod:`.scoring`, :mod:`.dp`): forward and backward passes give, for every candidate
   bead, the best total score of a path through it. Only merges within ``prune`` of the
   optimum are plausible.
5. Embed exactly the windows of those plausible merges, then search again with exact vectors
   (implausible merges excluded). Windows cost most of the encoder time, and most are never
   plausible: this is where the time goes down without losing accuracy. Encoders that can
   build a window's vector from their sentences' states (``encode_windows``: use-m3, see
   :mod:`paralign.embed.usem3_compose`) make the remaining windows cheap as well.
6. Give each bead a calibrated confidence and the pair a parallelism score
   (:mod:`.confidence`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .. import __version__
from ..blas import blas_mode
from ..config import AlignConfig
from ..errors import InputError
from ..text.document import Document
from .bead import Alignment, Bead
from .confidence import NULL_CONF, PARALLELISM_WARN, parallel_verdict, parallelism, path_beads
from .dp import search
from .embedding import WindowMemo, embed_windows, encode_sentences
from .lengths import LengthModel, fit_lengths
from .neighbours import mutual_neighbours
from .scoring import BandScorer, ScoreParams, bead_types
from .search import (Block, Chunk, anchor_blocks, chunk_band, chunk_block, paragraph_blocks,
                     plausible_merges)
from .similarity import SideVectors

__all__ = ["Aligner", "align", "TextLike", "BlockResult", "PARALLELISM_WARN"]

log = logging.getLogger("paralign.alignment")

TextLike = str | Sequence[str] | Document

# Dictionary evidence is computed densely for blocks (chunks) up to this many cells.
LEX_CELLS = 600_000

#: Most threads one document's chunks are searched on by default (``AlignConfig.threads``):
#: the chunks take turns to embed their windows, so more threads than this mostly wait.
MAX_THREADS = 2


def _as_document(x: TextLike, config: AlignConfig, side: str) -> Document:
    from .. import text as T

    if isinstance(x, Document):
        return x
    if x is None or isinstance(x, (bytes, bytearray, memoryview)) or not (
            isinstance(x, str) or hasattr(x, "__iter__")):
        raise TypeError(f"the {side} side must be a string, a list of strings or a Document, "
                        f"not {type(x).__name__}"
                        + ("; decode bytes first (paralign.read_text reads any encoding)"
                           if isinstance(x, (bytes, bytearray, memoryview)) else ""))
    if isinstance(x, str):
        if not x.strip():
            raise InputError(f"the {side} text is empty")
        return T.segment(x, split_long=config.split_long, zh_convert=config.zh_convert)
    sents = list(x)
    if not all(isinstance(s, str) for s in sents):
        raise InputError(f"the {side} side must be a string, a list of strings or a Document")
    if not sents or not any(s.strip() for s in sents):
        raise InputError(f"the {side} side has no sentences")
    return T.from_sentences(sents, zh_convert=config.zh_convert)


@dataclass(frozen=True)
class _Plan:
    """What the passes over one document pair share (:meth:`Aligner._plan`)."""

    singles_s: list[np.ndarray]
    singles_t: list[np.ndarray]
    nn: Any
    lengths: LengthModel
    params: ScoreParams
    blocks: list[Block]
    chunks: list[Chunk]
    seconds_embed: float
    seconds_search: float
    seconds: float
    words: Any = None           # the pair's DocumentWords (dictionary evidence), or None
    # each banded chunk's scorer as the first pass left it, renewed for the second
    # (BandScorer.renewed: its lexicon-free parts are the same in both passes)
    scorers: dict = field(default_factory=dict)
    # the window vectors the first pass embedded, for the second (None: not kept)
    memo: WindowMemo | None = None


@dataclass(frozen=True)
class BlockResult:
    """What aligning one chunk gives: its beads, and what it cost."""

    beads: list[Bead]
    windows: int = 0            # window texts embedded
    seconds_embed: float = 0.0
    seconds_search: float = 0.0


#: Longest matching view of one sentence that is embedded and looked up in the dictionary.
#: jieba's HMM is quadratic in an unbroken run of characters (50k characters: 7 s, 200k:
#: 96 s) and the encoders read only their first 512 tokens anyway; so a sentence longer
#: than this is compared by its first MAX_SENTENCE_CHARS characters (its whole text stays in
#: every output), which bounds the work of any one sentence by that of a 5,000-character one.
MAX_SENTENCE_CHARS = 5000


def _bounded(doc: Document, side: str) -> Document:
    """``doc`` with every matching view cut to :data:`MAX_SENTENCE_CHARS`, with a warning
    (each sentence's ``text``, what every output shows, is kept whole)."""
    long = [i for i, s in enumerate(doc) if len(s.norm) > MAX_SENTENCE_CHARS]
    if not long:
        return doc
    worst = max(long, key=lambda i: len(doc[i].norm))
    log.warning("%s: %d sentence(s) longer than %d characters (the longest, sentence %d, has "
                "%d): only their first %d characters are compared; the output keeps them whole",
                doc.source or f"the {side} text", len(long), MAX_SENTENCE_CHARS, worst + 1,
                len(doc[worst].norm), MAX_SENTENCE_CHARS)
    cut = set(long)
    sents = tuple(replace(s, norm=s.norm[:MAX_SENTENCE_CHARS]) if i in cut else s
                  for i, s in enumerate(doc))
    return replace(doc, sentences=sents)


class Aligner:
    """Aligns document pairs with one configuration, reusing the loaded encoders.

    >>> from paralign import Aligner, AlignConfig
    >>> aligner = Aligner(AlignConfig(max_merge=3))
    >>> aligner.config.max_merge
    3
    """

    def __init__(self, config: AlignConfig | None = None, *, encoder: Any = None,
                 **changes: Any) -> None:
        """``encoder`` optionally gives encoder objects (an :class:`~paralign.embed.Encoder`,
        a ``SentenceTransformer``, or a list of them) instead of the names in the config."""
        if config is not None and not isinstance(config, AlignConfig):
            hint = (f"Aligner(AlignConfig(**{config!r:.60})) or Aligner(**settings)"
                    if isinstance(config, dict) else "Aligner(AlignConfig(...))")
            raise TypeError(f"config must be an AlignConfig, got {type(config).__name__}; "
                            f"use {hint}")
        config = config or AlignConfig()
        self.config = config.replace(**changes) if changes else config
        self._encoders: list[Any] | None = None
        if encoder is not None:
            from ..embed import as_encoder

            objs = encoder if isinstance(encoder, (list, tuple)) else [encoder]
            self._encoders = [as_encoder(o) for o in objs]
            self._names = [getattr(e, "name", type(e).__name__) for e in self._encoders]
        self.types = bead_types(self.config.max_merge, self.config.max_total)
        # a lexicon learned from a corpus by fit(), used by every later align()
        self.lexicon: Any = None

    # -- encoders -----------------------------------------------------------------------
    @property
    def encoder_names(self) -> list[str]:
        if self._encoders is not None and hasattr(self, "_names"):
            return list(self._names)
        return [p.strip() for p in self.config.encoder.split("+") if p.strip()]

    @property
    def encoders(self) -> list[Any]:
        if self._encoders is None:
            from ..embed import get_encoder

            c = self.config
            self._encoders = [
                get_encoder(name, device=c.device, progress=c.progress, cache=c.cache,
                            cache_dir=c.cache_dir)
                for name in self.encoder_names
            ]
        return self._encoders

    def load(self) -> Aligner:
        """Load the encoders, the word segmenter, the dictionary and the compiled search
        kernels now, not on first use.

        Each loads once per process (from paralign's cache folder, in milliseconds to a few
        tenths of a second each); a server or a timing loop calls this first so that the
        first document is not slower than the rest.
        """
        from .kernels import warm
        from .lattice_kernels import warm as warm_confidences

        for e in self.encoders:
            e.encode(["paralign"])
        warm()
        warm_confidences()
        if self.config.lexical_weight:
            from ..text.words import words
            from .lexical import dictionary_tables

            dictionary_tables()
            list(words("加载", "zh"))
        return self

    @property
    def signature(self) -> str:
        encs = "+".join(getattr(e, "signature", n) for e, n in zip(self.encoders, self.encoder_names))
        return f"paralign {__version__}|enc:{encs}|{self.config.signature_part()}"

    # -- public --------------------------------------------------------------------------
    def align(self, src: TextLike, tgt: TextLike, *,
              anchors: Sequence[tuple[int, int]] | None = None, lexicon: Any = None) -> Alignment:
        """Align two texts (strings), sentence lists (already segmented) or Documents.

        ``anchors`` are hard bead boundaries: ``(i, j)`` means that source sentences before
        ``i`` align only with target sentences before ``j``; each stretch between two
        anchors is aligned on its own (an empty side gives null beads). ``None`` takes the
        title anchor of two Documents split from one bilingual file
        (:func:`paralign.text.split_bilingual` records each side's title), so that the
        title pair is a bead of its own; ``()`` uses none.

        ``lexicon`` (a :class:`~paralign.alignment.lexicon.Lexicon`; default: the one
        :meth:`fit` learned, if any) adds word pairs learned from the texts to the dictionary
        evidence. Without one, when the first alignment has ``realign`` confident beads or
        more, a lexicon is learned from them and the pair aligned again with it.
        """
        c = self.config
        sdoc, tdoc, stretches = self._documents(src, tgt, anchors)
        lexicon = lexicon if lexicon is not None else self.lexicon
        if lexicon is None and c.realign and {sdoc.lang, tdoc.lang} == {"zh", "en"}:
            from .lexicon import learn_lexicon, training_pairs

            plan = self._plan(sdoc, tdoc, stretches, keep_windows=True)
            first = self._align_pass(sdoc, tdoc, None, plan)
            pairs = training_pairs([first])
            if len(pairs) < c.realign:
                return first
            if plan.memo is not None:
                plan.memo.recording = False
            t0 = time.perf_counter()
            lexicon = learn_lexicon(pairs)
            t_learn = time.perf_counter() - t0
            # the second pass differs only by the lexicon: same vectors, lengths and chunks
            al = self._align_pass(sdoc, tdoc, lexicon, plan, own_plan=False)
            for k in ("seconds_embed", "seconds_search", "seconds", "windows_embedded"):
                al.stats[k] = round(al.stats[k] + first.stats[k], 3)
            al.stats["seconds_lexicon"] = round(t_learn, 3)
            return al
        return self._align_pass(sdoc, tdoc, lexicon, self._plan(sdoc, tdoc, stretches))

    def fit(self, pairs: Sequence[tuple[TextLike, TextLike]]) -> Aligner:
        """Learn one lexicon from a whole corpus; every later :meth:`align` uses it.

        A book is many chapters, a journal many abstracts: each pair is aligned once, a
        lexicon is learned from the confident beads of all of them
        (:func:`~paralign.alignment.lexicon.lexicon_from_alignments`) and kept in
        ``self.lexicon``. Aligning the pairs again then uses what the whole corpus taught
        (the texts only: no gold is involved). Returns ``self``.
        """
        from .lexicon import lexicon_from_alignments

        first = []
        for s, t in pairs:
            sdoc, tdoc, stretches = self._documents(s, t, None)
            first.append(self._align_pass(sdoc, tdoc, None, self._plan(sdoc, tdoc, stretches)))
        self.lexicon = lexicon_from_alignments(first)
        return self

    # -- one pass: the data flow -----------------------------------------------------------
    def _documents(self, src: TextLike, tgt: TextLike,
                   anchors: Sequence[tuple[int, int]] | None
                   ) -> tuple[Document, Document, list[Block]]:
        """Both sides as checked Documents, and the stretches between the anchors."""
        sdoc = _as_document(src, self.config, "source")
        tdoc = _as_document(tgt, self.config, "target")
        if len(sdoc) == 0 or len(tdoc) == 0:
            raise InputError("one side has no sentences")
        sdoc, tdoc = _bounded(sdoc, "source"), _bounded(tdoc, "target")
        if anchors is None:
            from ..text.bilingual import title_anchor

            anchors = title_anchor(sdoc, tdoc)
        stretches = anchor_blocks(anchors, len(sdoc), len(tdoc))
        if sdoc.lang == tdoc.lang and sdoc.lang != "other":
            log.warning("both sides are detected as %s: is one of them the wrong file?", sdoc.tag)
        return sdoc, tdoc, stretches

    def _plan(self, sdoc: Document, tdoc: Document, stretches: list[Block], *,
              keep_windows: bool = False) -> _Plan:
        """What every pass over two documents shares (none of it depends on a lexicon):
        the sentence vectors, the mutual neighbours, the length model, the blocks and
        their chunks (the coarse path of a long document is most of this); with
        ``keep_windows``, a memo of the window vectors the first pass embeds, for the next
        (when the encoders allow, :class:`~.embedding.WindowMemo`)."""
        c = self.config
        t0 = time.perf_counter()
        singles_s = [encode_sentences(e, sdoc.norms) for e in self.encoders]
        singles_t = [encode_sentences(e, tdoc.norms) for e in self.encoders]
        t_embed = time.perf_counter() - t0
        nn = mutual_neighbours(singles_s[0], singles_t[0])
        lengths = fit_lengths(sdoc, tdoc, nn, c.length_weight)
        params = ScoreParams.from_config(c, ratio=lengths.ratio, length_weight=lengths.weight)
        blocks = [blk for whole in stretches
                  for blk in paragraph_blocks(sdoc, tdoc, whole, c.paragraph_anchors)]
        t_chunk = time.perf_counter()
        if c.cache and c.lexical_weight and {sdoc.lang, tdoc.lang} == {"zh", "en"}:
            from ..text.word_cache import preload

            zdoc = sdoc if sdoc.lang == "zh" else tdoc
            preload([x.norm for x in zdoc.sentences], c.cache_dir)
        # the coarse path pools sentences in pairs: what one sentence's partners say of its
        # null bead does not apply there
        coarse = replace(params, null_weight=0.0)
        chunks = [ch for blk in blocks
                  for ch in chunk_block(blk, singles_s, singles_t, lengths.src, lengths.tgt,
                                        coarse)]
        words = None
        if c.lexical_weight and {sdoc.lang, tdoc.lang} == {"zh", "en"}:
            # every chunk of both passes reads its words from here (and a lexicon changes
            # only the glosses of the words it knows)
            from .lexical import DocumentWords

            zdoc, edoc = (sdoc, tdoc) if sdoc.lang == "zh" else (tdoc, sdoc)
            words = DocumentWords(zdoc.norms, edoc.norms)
        t_search = time.perf_counter() - t_chunk
        # a realignment embeds most windows of its first pass again: keep them in between
        memo = WindowMemo() if keep_windows and WindowMemo.remembers(self.encoders) else None
        return _Plan(singles_s, singles_t, nn, lengths, params, blocks, chunks, t_embed,
                     t_search, time.perf_counter() - t0, words, memo=memo)

    def _align_pass(self, sdoc: Document, tdoc: Document, lexicon: Any, plan: _Plan, *,
                    own_plan: bool = True) -> Alignment:
        """One alignment of two documents, with a learned lexicon or without; the plan's
        seconds count in its stats when ``own_plan`` (the pass that made the plan)."""
        c = self.config
        t0 = time.perf_counter()
        singles_s, singles_t, nn = plan.singles_s, plan.singles_t, plan.nn
        lengths, params, blocks, chunks = plan.lengths, plan.params, plan.blocks, plan.chunks
        t_embed, t_search, t_plan = ((plan.seconds_embed, plan.seconds_search, plan.seconds)
                                     if own_plan else (0.0, 0.0, 0.0))
        results = self._chunk_results(sdoc, tdoc, plan, lexicon)
        beads = [b for r in results for b in r.beads]
        par = parallelism(nn, beads, len(sdoc), len(tdoc))
        verdict = parallel_verdict(sdoc, tdoc, par, beads)
        stats: dict[str, Any] = {
            "parallel": verdict,
            "encoder": "+".join(self.encoder_names),
            "length_ratio": lengths.ratio,
            "length_weight": round(params.length_weight, 4),
            "blocks": len(blocks),
            "chunks": len(chunks),
            "windows_embedded": sum(r.windows for r in results),
            "seconds_embed": round(t_embed + sum(r.seconds_embed for r in results), 3),
            "seconds_search": round(t_search + sum(r.seconds_search for r in results), 3),
            "seconds": round(t_plan + time.perf_counter() - t0, 3),
            "sentences": (len(sdoc), len(tdoc)),
            "parallelism": par,
        }
        sig = self.signature + (f"|lexicon:{lexicon.signature}" if lexicon is not None else "")
        return Alignment(sdoc, tdoc, beads, signature=sig, parallelism=par, stats=stats)

    def _chunk_results(self, sdoc: Document, tdoc: Document, plan: _Plan,
                       lexicon: Any) -> list[BlockResult]:
        """Every chunk of the plan aligned, in order: on ``config.threads`` threads when
        there are several chunks (see :class:`_Turns` for what keeps the beads the same).

        With threads, each chunk's seconds are its own thread's, which overlap: the pass's
        wall time is shared out between embedding and search in proportion to them, so
        that the stats still add up to the time the pass took.
        """
        c = self.config
        chunks = plan.chunks
        if plan.words is not None:     # made once, before any thread reads it
            plan.words.glosses(lexicon)

        def job(i: int, chunk: Chunk, turns: _Turns | None) -> BlockResult:
            try:
                return self._align_block(sdoc, tdoc, chunk, plan.singles_s, plan.singles_t,
                                         plan.lengths, plan.params, lexicon, plan.words,
                                         plan.scorers, turns, i, plan.memo)
            except BaseException:
                if turns is not None:   # the later chunks would wait for its turn
                    turns.cancel()
                raise

        workers = min(_threads(c.threads), sum(1 for ch in chunks if ch.block.cells()))
        if workers < 2:
            return [job(i, ch, None) for i, ch in enumerate(_progress(chunks, c.progress))]
        from concurrent.futures import ThreadPoolExecutor

        t0 = time.perf_counter()
        turns = _Turns()
        with ThreadPoolExecutor(workers, thread_name_prefix="paralign-chunk") as pool:
            futures = [pool.submit(job, i, ch, turns) for i, ch in enumerate(chunks)]
            try:
                for f in _progress(futures, c.progress):
                    f.exception()      # waits; failures are raised below, in chunk order
            except BaseException:      # an interrupt: the chunks not started never start
                turns.cancel()
                for f in futures:
                    f.cancel()
                raise
        failed = [f.exception() for f in futures if f.exception() is not None]
        real = [e for e in failed if not isinstance(e, _Cancelled)]
        if real or failed:
            raise (real or failed)[0]
        results = [f.result() for f in futures]
        busy = sum(r.seconds_search + r.seconds_embed for r in results)
        share = (time.perf_counter() - t0) / busy if busy > 0 else 0.0
        return [replace(r, seconds_search=r.seconds_search * share,
                        seconds_embed=r.seconds_embed * share) for r in results]

    # -- one chunk -------------------------------------------------------------------------
    def _align_block(self, sdoc: Document, tdoc: Document, chunk: Chunk,
                     singles_s: list[np.ndarray], singles_t: list[np.ndarray],
                     lengths: LengthModel, params: ScoreParams, lexicon: Any = None,
                     words: Any = None, scorers: dict | None = None,
                     turns: _Turns | None = None, index: int = 0,
                     memo: WindowMemo | None = None) -> BlockResult:
        """The two searches of one chunk, with the plausible windows embedded in between
        (``words``: the pair's :class:`~paralign.alignment.lexical.DocumentWords`; with
        ``turns``, this chunk's windows are embedded in its turn, ``index``; ``memo``: the
        windows a first pass embedded, see :class:`~.embedding.WindowMemo`)."""
        blk = chunk.block
        if blk.n == 0 or blk.m == 0:
            if turns is not None:
                with turns.turn(index):
                    pass
            return BlockResult([Bead((blk.s0 + i,), (), NULL_CONF) for i in range(blk.n)]
                               + [Bead((), (blk.t0 + j,), NULL_CONF) for j in range(blk.m)])
        t0 = time.perf_counter()
        c = self.config
        K = c.max_merge
        types = self.types
        band = chunk_band(chunk, c.band)
        lexical = self._lexical(sdoc, tdoc, blk, lexicon, words, band)
        key = (blk.s0, blk.s1, blk.t0, blk.t1)
        before = scorers.pop(key, None) if scorers is not None else None
        if before is not None:  # a second pass: only the dictionary evidence differs
            scorer = before.renewed(lexical)
            S, T = scorer.src, scorer.tgt
        else:
            S = [SideVectors(v[blk.s0:blk.s1], K) for v in singles_s]
            T = [SideVectors(v[blk.t0:blk.t1], K) for v in singles_t]
            scorer = BandScorer(S, T, lengths.src[blk.s0:blk.s1], lengths.tgt[blk.t0:blk.t1],
                                params, K, band, lexical=lexical, zh_is_src=sdoc.lang == "zh")
            scorer.calibrate()
        # first search: approximate windows, forward and backward
        scores, skip = scorer.band_scores(types, approx=True)
        allowed = plausible_merges(band, types, scores, skip, c.prune)
        del scores, skip
        t_search = time.perf_counter() - t0
        # embed the windows of plausible merges
        with turns.turn(index) if turns is not None else contextlib.nullcontext():
            t1 = time.perf_counter()
            with blas_mode(None):
                windows = embed_windows(self.encoders, (sdoc, tdoc), (blk.s0, blk.t0),
                                        (S, T), allowed, band, memo)
            t_embed = time.perf_counter() - t1
        # final search: exact windows, implausible merges excluded
        t2 = time.perf_counter()
        scores, skip = scorer.band_scores(types, approx=False, allowed=allowed)
        path, _ = search(band, types, scores, skip)
        beads = path_beads(path, band, types, scores, skip, blk.s0, blk.t0)
        if scorers is not None and before is None and not scorer.dense:
            scorers[key] = scorer.renewed(None)   # its embedded windows are not kept
        t_search += time.perf_counter() - t2
        return BlockResult(beads, windows, t_embed, t_search)

    def _lexical(self, sdoc: Document, tdoc: Document, blk: Block, lexicon: Any = None,
                 words: Any = None, band: Any = None) -> Any | None:
        """Dictionary evidence (with the learned ``lexicon``, if any) for Chinese-English
        blocks the search treats exactly, counted near the ``band`` searched."""
        if not self.config.lexical_weight or {sdoc.lang, tdoc.lang} != {"zh", "en"}:
            return None
        if blk.cells() > LEX_CELLS:
            log.info("block of %d x %d sentences: aligned on embeddings alone (no dictionary)",
                     blk.n, blk.m)
            return None
        from .lexical import LexicalEvidence

        zs, es = (sdoc, tdoc) if sdoc.lang == "zh" else (tdoc, sdoc)
        z0, z1, e0, e1 = ((blk.s0, blk.s1, blk.t0, blk.t1) if sdoc.lang == "zh"
                          else (blk.t0, blk.t1, blk.s0, blk.s1))
        K = self.config.max_merge
        if words is None:   # this block's words alone
            return LexicalEvidence([x.norm for x in zs.sentences[z0:z1]],
                                   [x.norm for x in es.sentences[e0:e1]], K, K,
                                   self.config.max_total, lexicon, band=band,
                                   zh_is_src=sdoc.lang == "zh")
        return LexicalEvidence.from_words(words, (z0, z1), (e0, e1), K, K,
                                          self.config.max_total, lexicon, band,
                                          sdoc.lang == "zh")


class _Cancelled(Exception):
    """A chunk given up because another failed (or the user interrupted)."""


class _Turns:
    """Chunks searched on several threads take turns, in chunk order, to embed windows.

    Why the order: the encoders, the embedding cache and use-m3's composer are shared and
    not all of them are safe across threads, and what they return may depend on what was
    asked before (the composer keeps the states it has built; a cache answers what it
    holds). Embedding the chunks' windows one at a time and in chunk order asks the
    encoders exactly what one thread asked, so the vectors, hence the beads, are the same
    as without threads; everything else of a chunk is its own. A chunk waits for its turn
    only after its first search, while the other thread searches.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._next = 0
        self._cancelled = False

    @contextlib.contextmanager
    def turn(self, index: int) -> Iterator[None]:
        with self._cond:
            while self._next != index and not self._cancelled:
                self._cond.wait()
            if self._cancelled:
                raise _Cancelled
        try:
            yield
        except BaseException:
            self.cancel()
            raise
        finally:
            with self._cond:
                self._next = index + 1
                self._cond.notify_all()

    def cancel(self) -> None:
        with self._cond:
            self._cancelled = True
            self._cond.notify_all()


def _threads(setting: int | None) -> int:
    """Threads for the chunks of one document: the setting, or the cores this process
    may use, at most :data:`MAX_THREADS`."""
    if setting is not None:
        return setting
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_THREADS))


def _progress(chunks: list, progress: bool | None):
    """The chunks of a long document, with a progress bar on stderr as ``progress`` asks
    (``None``: when stderr is a terminal): the search of a long document takes seconds
    after the embedding bars are gone."""
    from ..embed.base import show_progress

    if len(chunks) < 2 or not show_progress(progress):
        return chunks
    from tqdm.auto import tqdm

    return tqdm(chunks, desc="aligning", unit="chunk", leave=False)


def align(src: TextLike, tgt: TextLike, config: AlignConfig | None = None, **changes: Any) -> Alignment:
    """Align two texts (or sentence lists, or Documents); settings as in :class:`AlignConfig`.

    A one-off convenience: the encoder stays loaded for the process, so repeated calls are
    cheap, but an :class:`Aligner` is the way to align many pairs with one configuration.
    """
    return Aligner(config, **changes).align(src, tgt)
