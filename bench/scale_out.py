"""Scale-out benchmark: the batch on a Dask LocalCluster against the local process pool.

Pairs: abstract-sized document pairs cut from a Vecalign-format set (default the Bible,
``bible_en_zh``): consecutive runs of ``--beads`` gold beads, so every pair is a real
translation of about an abstract's length, one sentence a line (aligned ``--presplit``).
paralign's real aligner (default encoder) with the embedding cache off, so every run does the
same work. Engines, each run on the same pairs, alternated, ``--repeat`` times (medians):

- ``local-1`` / ``local-2``: ``run_batch(jobs=1)`` (in process) / ``jobs=2`` (a pool);
- ``dask-1`` / ``dask-2``: ``run_batch(client=...)`` on a LocalCluster of 1 / 2 worker
  processes, started (and warmed with one pair, so workers have loaded the encoder) before
  the timed runs; its start-up time is reported apart.

Also: peak memory (VmHWM) of each worker process; the overhead per pair of the engines,
from a trivial aligner (one bead, no model) on tiny pairs, on one worker — that is what the
scheduler, serialization and round trips cost per pair; the client's own work per pair
(read, hash, store: it is the single writer) from the same trivial run in process; and a
paper estimate for 1,000,000 abstracts on N workers.

    python bench/scale_out.py /work/shared/data/bible_en_zh --pairs 24 --repeat 3
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from paralign.alignment.bead import Alignment, Bead  # noqa: E402
from paralign.config import AlignConfig  # noqa: E402
from paralign.pipeline import run_batch  # noqa: E402
from paralign.text.document import Document  # noqa: E402


class TrivialAligner:
    """Sentence i with sentence i, no model: measures the machinery around the aligner."""

    def __init__(self, config: AlignConfig | None = None) -> None:
        self.config = config or AlignConfig()

    def align(self, src: Document, tgt: Document, lexicon: object = None) -> Alignment:
        n = min(len(src), len(tgt))
        return Alignment(src, tgt, [Bead((i,), (i,), 1.0) for i in range(n)],
                         signature="trivial")


def _beads(line: str) -> tuple[list[int], list[int]]:
    a, b = line.strip().split(":")
    parse = lambda s: [int(x) for x in s.strip()[1:-1].split(",") if x.strip()]  # noqa: E731
    return parse(a), parse(b)


def make_pairs(data: Path, out: Path, n: int, beads: int) -> None:
    """``n`` pairs of ``beads`` consecutive gold beads each, as NAME.zh.txt / NAME.en.txt."""
    meta_src_lang = "en"  # bible_en_zh: src English, tgt Chinese
    if (data / "META.json").exists():
        import json

        meta = json.loads((data / "META.json").read_text(encoding="utf-8"))
        meta_src_lang = str(meta.get("src_lang", meta.get("source_lang", "en")))[:2]
    out.mkdir(parents=True, exist_ok=True)
    made = 0
    for gold in sorted((data / "gold").glob("*.align")):
        doc = gold.stem
        src = (data / "src" / doc).read_text(encoding="utf-8").splitlines()
        tgt = (data / "tgt" / doc).read_text(encoding="utf-8").splitlines()
        rows = [_beads(x) for x in gold.read_text().splitlines() if x.strip()]
        for k in range(0, len(rows) - beads, beads):
            group = rows[k:k + beads]
            s = [src[i] for a, _ in group for i in a]
            t = [tgt[i] for _, b in group for i in b]
            if not s or not t:
                continue
            zh, en = (t, s) if meta_src_lang == "en" else (s, t)
            (out / f"p{made:05d}.zh.txt").write_text("\n".join(zh) + "\n", encoding="utf-8")
            (out / f"p{made:05d}.en.txt").write_text("\n".join(en) + "\n", encoding="utf-8")
            made += 1
            if made == n:
                return
    raise SystemExit(f"{data}: only {made} pairs of {beads} beads")


def make_tiny(out: Path, n: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (out / f"t{i:05d}.zh.txt").write_text(f"第{i}句话。\n", encoding="utf-8")
        (out / f"t{i:05d}.en.txt").write_text(f"Sentence number {i}.\n", encoding="utf-8")


class PeakRSS:
    """Samples VmHWM of the given processes (or of this process's children) meanwhile."""

    def __init__(self, pids: list[int] | None = None) -> None:
        self.pids = pids
        self.peak: dict[int, int] = {}
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _children(self) -> list[int]:
        import psutil

        pids = []
        for p in psutil.Process().children(recursive=True):
            try:  # a worker may end (or be a zombie) between the listing and the look
                if "resource_tracker" not in " ".join(p.cmdline()):
                    pids.append(p.pid)
            except psutil.Error:
                pass
        return pids

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in self.pids or self._children():
                try:
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            kb = int(line.split()[1])
                            self.peak[pid] = max(self.peak.get(pid, 0), kb)
                except (OSError, ValueError):
                    pass
            self._stop.wait(0.2)

    def __enter__(self) -> PeakRSS:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()

    def per_worker_mb(self) -> float:
        return max(self.peak.values()) / 1024 if self.peak else float("nan")


def timed(folder: Path, tmp: Path, tag: str, **kw) -> float:
    db = tmp / f"{tag}-{time.monotonic_ns()}.db"
    t0 = time.perf_counter()
    s = run_batch(folder, db, progress=False, **kw)
    dt = time.perf_counter() - t0
    if s.failed or s.done == 0:
        raise SystemExit(f"{tag}: {s.describe()}")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data", type=Path, help="a Vecalign-format set (src/ tgt/ gold/)")
    ap.add_argument("--pairs", type=int, default=24)
    ap.add_argument("--beads", type=int, default=8, help="gold beads per pair (an abstract)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tiny", type=int, default=200, help="pairs of the overhead runs")
    ap.add_argument("--encoder", default=None)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for name in ("distributed", "paralign"):
        logging.getLogger(name).setLevel(logging.ERROR)

    from paralign.cluster import open_client

    config = AlignConfig(cache=False, **({"encoder": args.encoder} if args.encoder else {}))
    with tempfile.TemporaryDirectory() as tmpname:
        tmp = Path(tmpname)
        pairs, tiny = tmp / "pairs", tmp / "tiny"
        make_pairs(args.data, pairs, args.pairs, args.beads)
        make_tiny(tiny, args.tiny)
        n_sent = sum(len(p.read_text(encoding="utf-8").splitlines())
                     for p in pairs.glob("*.txt"))
        print(f"{args.pairs} pairs of {args.beads} gold beads from {args.data.name} "
              f"({n_sent / args.pairs:.1f} sentences a pair, both sides); encoder "
              f"{config.encoder}, cache off; {os.cpu_count()} cores; medians of "
              f"{args.repeat} alternated runs\n")
        times: dict[str, list[float]] = {k: [] for k in ("local-1", "local-2", "dask-1",
                                                          "dask-2")}
        mem: dict[str, float] = {}
        starts: dict[str, float] = {}
        overhead: dict[str, float] = {}
        clients = {}
        import contextlib

        with contextlib.ExitStack() as stack:
            for n in (1, 2):
                t0 = time.perf_counter()
                c = stack.enter_context(open_client(workers=n))
                c.wait_for_workers(n, timeout=300)
                starts[f"dask-{n}"] = time.perf_counter() - t0
                warm = tmp / f"warm{n}"
                warm.mkdir()
                for f in sorted(pairs.glob("p0000[01].*.txt")):
                    (warm / f.name).write_bytes(f.read_bytes())
                timed(warm, tmp, "warm", client=c, config=config, presplit=True)
                clients[n] = c
            for rep in range(args.repeat):
                for tag in (times if rep % 2 == 0 else reversed(list(times))):
                    kind, n = tag.split("-")
                    if kind == "local":
                        with PeakRSS() as peak:
                            times[tag].append(timed(pairs, tmp, tag, jobs=int(n),
                                                    config=config, presplit=True))
                        if n == "2":
                            mem[tag] = max(mem.get(tag, 0), peak.per_worker_mb())
                    else:
                        c = clients[int(n)]
                        pids = list(c.run(os.getpid).values())
                        with PeakRSS(pids) as peak:
                            times[tag].append(timed(pairs, tmp, tag, client=c, config=config,
                                                    presplit=True))
                        mem[tag] = max(mem.get(tag, 0), peak.per_worker_mb())
                print(f"  run {rep + 1}: " + ", ".join(f"{k} {v[-1]:.1f}s"
                                                       for k, v in times.items()), flush=True)
            trivial = TrivialAligner
            client_ms = min(timed(tiny, tmp, "t0", jobs=1, make_aligner=trivial, presplit=True)
                            for _ in range(args.repeat)) / args.tiny * 1000
            for tag, kw in (("local-2", {"jobs": 2}), ("dask-1", {"client": clients[1]}),
                            ("dask-2", {"client": clients[2]})):
                dt = min(timed(tiny, tmp, tag, make_aligner=trivial, presplit=True, **kw)
                         for _ in range(args.repeat))
                overhead[tag] = dt / args.tiny * 1000

        med = {k: statistics.median(v) for k, v in times.items()}
        rate = {k: args.pairs / v for k, v in med.items()}
        print("\n| engine | workers | median s | pairs/s | vs local-1 | peak RSS per worker "
              "| per-pair wall, trivial aligner |")
        print("|---|---|---|---|---|---|---|")
        for k in times:
            kind, n = k.split("-")
            m = f"{mem[k]:.0f} MB" if k in mem else "(in process)"
            o = f"{overhead[k]:.1f} ms" if k in overhead else f"{client_ms:.1f} ms"
            print(f"| {kind} | {n} | {med[k]:.1f} | {rate[k]:.2f} | "
                  f"{rate[k] / rate['local-1']:.2f}x | {m} | {o} |")
        print(f"\nLocalCluster start-up: 1 worker {starts['dask-1']:.1f} s, 2 workers "
              f"{starts['dask-2']:.1f} s (not in the runs above; warmed with 2 pairs).")
        sched = overhead["dask-1"] - client_ms
        print(f"Engine overhead per pair (trivial aligner, 1 Dask worker, minus the in-process "
              f"run): {sched:.1f} ms; the client's own work per pair (read, hash, decode, "
              f"store; the single writer): {client_ms:.1f} ms.")
        per_pair = 1 / rate["dask-1"]  # seconds of one worker per pair, overhead included
        writer = client_ms / 1000
        print("\nPaper estimate, 1,000,000 abstracts (this machine's per-worker speed; the "
              "client writes at most one pair per "
              f"{client_ms:.1f} ms):")
        print("| workers | hours | bound by |")
        print("|---|---|---|")
        for n in (1, 2, 8, 32, 128, 512):
            t = max(1e6 * per_pair / n, 1e6 * writer)
            bound = "workers" if 1e6 * per_pair / n > 1e6 * writer else "the single writer"
            print(f"| {n} | {t / 3600:.1f} | {bound} |")


if __name__ == "__main__":
    main()
