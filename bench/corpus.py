"""Benchmark of paralign.corpus at scale (not a test).

Builds a corpus of N synthetic zh/en pairs (plausible sentences from word lists, 1000 beads
per document), then prints a table: pairs inserted per second (tokenization for the
concordance index included), concordance query latency (median over several Chinese and
English terms, 20 hits each), TMX export throughput, and the peak memory of the export
(run in a fresh process: peak RSS from /proc VmHWM, Python heap peak from tracemalloc on a
separate pass).

    python bench/corpus.py --pairs 1000000          # a few minutes on two cores
    python bench/corpus.py --pairs 20000 --db /tmp/c.db --keep
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

ZH_SUBJ = ["外交部长", "国务院", "中国政府", "联合国", "经济学家", "研究人员", "这家公司", "学生们",
           "记者", "地方政府", "國際組織", "科學家"]
ZH_VERB = ["宣布了", "讨论了", "支持", "反对", "研究了", "发表了", "批评了", "推动了", "關注"]
ZH_OBJ = ["新的经济政策", "气候变化问题", "国际合作", "教育改革", "贸易协定", "公共卫生", "能源安全",
          "科技创新", "外交关系", "農業發展"]
ZH_TAIL = ["。", "，引起了广泛关注。", "，并表示将继续努力。", "。", "，这一点很重要。"]
EN_SUBJ = ["The foreign minister", "The State Council", "The Chinese government", "The United Nations",
           "Economists", "Researchers", "The company", "Students", "Reporters", "Local governments",
           "International organizations", "Scientists"]
EN_VERB = ["announced", "discussed", "supported", "opposed", "studied", "published", "criticized",
           "promoted", "followed"]
EN_OBJ = ["a new economic policy", "climate change", "international cooperation",
          "education reform", "a trade agreement", "public health", "energy security",
          "technological innovation", "foreign relations", "agricultural development"]
EN_TAIL = [".", ", which drew wide attention.", " and pledged to keep working.", ".",
           ", which matters a lot."]


def synthetic_doc(rng: random.Random, n: int):
    from paralign.alignment.bead import Alignment, Bead
    from paralign.text.document import Document, Sentence

    zh, en = [], []
    for _ in range(n):
        a, b, c, d = (rng.randrange(len(x)) for x in (ZH_SUBJ, ZH_VERB, ZH_OBJ, ZH_TAIL))
        zh.append(ZH_SUBJ[a] + rng.choice(["今天", "昨天", "", "近日"]) + ZH_VERB[b] + ZH_OBJ[c] + ZH_TAIL[d])
        en.append(f"{EN_SUBJ[a]} {EN_VERB[b]} {EN_OBJ[c]}{EN_TAIL[d]}")
    beads = [Bead((i,), (i,), round(rng.uniform(0.2, 1.0), 4)) for i in range(n)]
    return Alignment(Document(tuple(Sentence(t) for t in zh), lang="zh", script="Hans"),
                     Document(tuple(Sentence(t) for t in en), lang="en", script="Latn"),
                     beads, signature="bench")


def _peak_rss_kb() -> int:
    """Peak RSS of this process image: VmHWM resets at exec, unlike ru_maxrss, which a
    spawned child inherits from the fork that preceded its exec (the parent's size)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _export(db: str, out: str, q) -> None:
    from paralign.corpus import ParallelCorpus

    t0 = time.perf_counter()
    with ParallelCorpus(db, readonly=True) as c:
        n = c.to_tmx(out)
    secs = time.perf_counter() - t0
    q.put((n, secs, _peak_rss_kb()))


def _export_traced(db: str, out: str, q) -> None:
    import tracemalloc

    from paralign.corpus import ParallelCorpus

    tracemalloc.start()
    with ParallelCorpus(db, readonly=True) as c:
        c.to_tmx(out, filters={"doc_id": c.doc_ids()[:200]})
    q.put(tracemalloc.get_traced_memory()[1])


def _baseline(q) -> None:
    import lxml.etree  # noqa: F401

    import paralign.corpus  # noqa: F401

    q.put(_peak_rss_kb())


def _in_child(fn, *args):
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=fn, args=(*args, q))
    p.start()
    result = q.get()
    p.join()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", type=int, default=1_000_000)
    ap.add_argument("--per-doc", type=int, default=1000)
    ap.add_argument("--db", default=None, help="corpus file (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the database and the TMX")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from paralign.corpus import ParallelCorpus

    tmp = Path(tempfile.mkdtemp(prefix="paralign-bench-"))
    db = Path(args.db) if args.db else tmp / "bench.db"
    out = tmp / "bench.tmx"
    rng = random.Random(args.seed)

    with ParallelCorpus(db) as c:
        c.search("预热")  # load jieba and OpenCC outside the timing
        t_insert = 0.0
        done = 0
        k = 0
        while done < args.pairs:
            n = min(args.per_doc, args.pairs - done)
            al = synthetic_doc(rng, n)
            t0 = time.perf_counter()
            c.add(al, doc_id=f"doc{k:06d}")
            t_insert += time.perf_counter() - t0
            done += n
            k += 1
            if k % 100 == 0:
                print(f"  inserted {done} pairs ({done / t_insert:.0f}/s)", flush=True)
        queries = {"zh": ["外交", "经济政策", "气候变化", "國際合作", "科技创新", "农业"],
                   "en": ["minister", "climate change", "trade agreement", "Students",
                          "energy security", "wide attention"]}
        lat: dict[str, list[float]] = {}
        hits: dict[str, int] = {}
        for side, terms in queries.items():
            lat[side] = []
            for term in terms:
                for _ in range(3):
                    t0 = time.perf_counter()
                    h = c.search(term, side=side, limit=20)
                    lat[side].append(time.perf_counter() - t0)
                hits[term] = len(h)
        count = c.count()
    size_mb = (db.stat().st_size + sum(p.stat().st_size for p in db.parent.glob(db.name + "-*"))) / 1e6

    n_units, t_export, rss_kb = _in_child(_export, str(db), str(out))
    base_kb = _in_child(_baseline)
    heap = _in_child(_export_traced, str(db), str(tmp / "traced.tmx"))
    traced_units = min(200, k) * args.per_doc

    rows = [
        ("pairs stored", f"{count:,}"),
        ("database size", f"{size_mb:,.0f} MB"),
        ("insert throughput", f"{args.pairs / t_insert:,.0f} pairs/s ({t_insert:.0f} s)"),
        ("concordance zh, median of 18", f"{statistics.median(lat['zh']) * 1000:.1f} ms"),
        ("concordance en, median of 18", f"{statistics.median(lat['en']) * 1000:.1f} ms"),
        ("concordance worst", f"{max(lat['zh'] + lat['en']) * 1000:.1f} ms"),
        ("TMX export", f"{n_units / t_export:,.0f} units/s ({n_units:,} in {t_export:.0f} s, "
                       f"{out.stat().st_size / 1e6:,.0f} MB)"),
        ("export peak RSS", f"{rss_kb / 1024:.0f} MB (idle process with imports: "
                            f"{base_kb / 1024:.0f} MB)"),
        ("export Python heap peak", f"{heap / 1e6:.1f} MB (tracemalloc, {traced_units:,} units)"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\n{'metric':<{width}}  value\n{'-' * width}  {'-' * 40}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print(f"(hits per query, limit 20: {hits})")
    if not args.keep:
        for p in [out, tmp / "traced.tmx"]:
            p.unlink(missing_ok=True)
        if not args.db:
            for p in tmp.glob("bench.db*"):
                p.unlink()
            tmp.rmdir()


if __name__ == "__main__":
    main()
