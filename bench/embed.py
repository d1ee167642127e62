"""Embedding speed of the bundled encoders on mac_dev: cold vs warm cache, windows, ST route.

Usage: python bench/embed.py DATA_DIR [--limit N] [--repeats R] [--encoders use-m3,e5-small]

DATA_DIR holds ``mac_dev/src/*`` (Chinese) and ``mac_dev/tgt/*`` (English), one sentence per
line. Prints a table of sentences per second:

* cold: a fresh, empty cache (every sentence goes through the model);
* warm: the same call again (everything from the cache; the speed-up is cold/warm time);
* windows k=4: every run of 1..4 consecutive sentences within a document (Chinese joined
  without a separator, English with a space), both sides together, cold then warm;
* windows 2..k: the windows of 2..k sentences composed by ``encode_windows`` right after the
  sentences were embedded (use-m3 builds them from the sentences' encoder states; other
  encoders encode the joined text) vs encoding the joined texts, uncached;
* route: the bundled engine called directly vs inside ``SentenceTransformer(modules=[...])``,
  uncached, median over repeats.

This is a benchmark, not a test; evaluation data is read in place, never copied.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from paralign.embed import EmbeddingCache, get_encoder

logger = logging.getLogger("bench.embed")


def read_docs(folder: Path) -> list[list[str]]:
    """One list of sentences per document file (blank lines dropped)."""
    docs = []
    for f in sorted(p for p in folder.iterdir() if p.is_file()):
        docs.append([s.strip() for s in f.read_text(encoding="utf-8").splitlines() if s.strip()])
    return docs


def limit_docs(docs: list[list[str]], limit: int | None) -> list[list[str]]:
    """The first ``limit`` sentences, keeping document boundaries (for windows)."""
    if limit is None:
        return docs
    out, left = [], limit
    for d in docs:
        if left <= 0:
            break
        out.append(d[:left])
        left -= len(out[-1])
    return out


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def median_time(fn: Callable[[], object], repeats: int) -> float:
    return statistics.median(timed(fn) for _ in range(repeats))


def joiner_for(lang: str) -> str:
    """What glues consecutive sentences into a window: nothing for Chinese, else a space
    (as :attr:`paralign.text.Document.joiner`)."""
    return "" if lang == "zh" else " "


def windows(docs: list[list[str]], k: int, lang: str) -> list[str]:
    """Every run of 1..k consecutive sentences of each document, joined (sizes, then starts)."""
    j = joiner_for(lang)
    return [j.join(d[p:p + size]) for d in docs for size in range(1, k + 1)
            for p in range(len(d) - size + 1)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--limit", type=int, default=None, help="cap sentences per side")
    ap.add_argument("--repeats", type=int, default=3, help="repeats for cheap (warm, route) timings")
    ap.add_argument("--route-sample", type=int, default=400, help="sentences per side for the route timing")
    ap.add_argument("--encoders", default="use-m3,e5-small")
    ap.add_argument("--k", type=int, default=4)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    root = args.data_dir / "mac_dev"
    zh_docs = limit_docs(read_docs(root / "src"), args.limit)
    en_docs = limit_docs(read_docs(root / "tgt"), args.limit)
    zh = [s for d in zh_docs for s in d]
    en = [s for d in en_docs for s in d]
    zh_win, en_win = windows(zh_docs, args.k, "zh"), windows(en_docs, args.k, "en")
    print(f"mac_dev: {len(zh)} zh / {len(en)} en sentences; windows k={args.k}: "
          f"{len(zh_win)} zh + {len(en_win)} en texts")

    rows: list[tuple[str, ...]] = []
    for name in args.encoders.split(","):
        name = name.strip()
        get_encoder(name, cache=False, progress=False).encode(["warm-up 预热"])  # load the engine
        with tempfile.TemporaryDirectory(prefix="paralign-bench-") as tmp:
            enc = get_encoder(name, cache_dir=tmp, progress=False)
            for side, texts in (("zh", zh), ("en", en)):
                cold = timed(lambda: enc.encode(texts))
                warm = median_time(lambda: enc.encode(texts), args.repeats)
                rows.append((name, f"{side} sentences", str(len(texts)), f"{len(texts) / cold:,.0f}",
                             f"{len(texts) / warm:,.0f}", f"{cold / warm:,.0f}x"))
        with tempfile.TemporaryDirectory(prefix="paralign-bench-") as tmp:
            enc = get_encoder(name, cache_dir=tmp, progress=False)
            both = zh_win + en_win
            cold = timed(lambda: enc.encode(both))
            warm = median_time(lambda: enc.encode(both), args.repeats)
            rows.append((name, f"windows k={args.k} (both)", str(len(both)), f"{len(both) / cold:,.0f}",
                         f"{len(both) / warm:,.0f}", f"{cold / warm:,.0f}x"))
            rows.append((name, "  (windows total s)", "", f"{cold:.1f} s", f"{warm:.2f} s", ""))

        # windows of 2..k sentences: composed from the sentences' states (encode_windows, after
        # the sentences, as the aligner calls it) vs encoding the joined texts; uncached
        raw = get_encoder(name, cache=False, progress=False)
        multi = {lang: [d[p:p + j] for d in docs for j in range(2, args.k + 1)
                        for p in range(len(d) - j + 1)]
                 for lang, docs in (("zh", zh_docs), ("en", en_docs))}
        n_multi = sum(map(len, multi.values()))
        raw.encode(zh + en)
        t_comp = timed(lambda: [raw.encode_windows(multi[lang], joiner_for(lang)) for lang in multi])
        t_join = timed(lambda: [raw.encode([joiner_for(lang).join(w) for w in multi[lang]])
                                for lang in multi])
        rows.append((name, f"windows 2..{args.k} encoded", str(n_multi), f"{n_multi / t_join:,.0f}", "",
                     f"{t_join:.1f} s"))
        rows.append((name, f"windows 2..{args.k} encode_windows", str(n_multi),
                     f"{n_multi / t_comp:,.0f}", "", f"{t_comp:.1f} s ({t_join / t_comp:.1f}x faster)"))

        sample = zh[: args.route_sample // 2] + en[: args.route_sample // 2]
        direct = get_encoder(name, cache=False, progress=False, route="direct")
        via_st = get_encoder(name, cache=False, progress=False, route="st")
        via_st.encode(sample[:8])  # build the ST model outside the timing
        t_direct, t_st = [], []
        for _ in range(args.repeats):  # interleaved so background load hits both alike
            t_direct.append(timed(lambda: direct.encode(sample)))
            t_st.append(timed(lambda: via_st.encode(sample)))
        d, s = statistics.median(t_direct), statistics.median(t_st)
        cos = float(np.min(np.sum(direct.encode(sample[:50]) * via_st.encode(sample[:50]), axis=1)))
        rows.append((name, "route direct (uncached)", str(len(sample)), f"{len(sample) / d:,.0f}", "", ""))
        rows.append((name, "route ST modules=[...]", str(len(sample)), f"{len(sample) / s:,.0f}", "",
                     f"{(s / d - 1) * 100:+.1f}% time, min cos {cos:.5f}"))

    # float16 storage: how far do cosines move?
    enc = get_encoder("use-m3", cache=False, progress=False)
    a, b = enc.encode(zh[:300]), enc.encode(en[:300])
    with tempfile.TemporaryDirectory() as tmp:
        half = EmbeddingCache(tmp, dtype="float16")
        half.put_many("s", [f"a{i}" for i in range(len(a))], a)
        half.put_many("s", [f"b{i}" for i in range(len(b))], b)
        a16 = np.stack(half.get_many("s", [f"a{i}" for i in range(len(a))]))
        b16 = np.stack(half.get_many("s", [f"b{i}" for i in range(len(b))]))
    delta = np.abs(a @ b.T - a16 @ b16.T).max()

    head = ("encoder", "what", "texts", "cold sent/s", "warm sent/s", "speed-up / note")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    line = " | ".join(h.ljust(w) for h, w in zip(head, widths))
    print(line)
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths)))
    print(f"float16 cache storage: max |delta cosine| over {len(a)}x{len(b)} use-m3 zh-en pairs = {delta:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
