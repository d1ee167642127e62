#!/usr/bin/env python3
"""Speed of paralign: the embedding floor, end to end, search only, peak memory, CLI cost.

    python bench/speed.py DATA_DIR [--repeat 3] [--sets mac_dev,bible_en_zh] [--only mac_dev,search,cli]

DATA_DIR is laid out like ../shared/data. Printed, from one run, as medians over ``--repeat``
rounds; within a round every measurement runs once, in this order, so all of them see the
same machine (the machines are shared: compare ratios measured side by side, not seconds
across runs):

* **mac_dev, one process** (use-m3 and the dictionary loaded first, memos of the window
  composer cleared before each run): the *floor*, embedding every sentence of both sides once
  with no cache; *end to end cold*, aligning every document with an empty embedding cache;
  *end to end warm*, the same again with the cache it just filled. The ratio cold/floor is
  the target of issue 14 (<= 1.3).
* **search only** on each set of ``--sets``: aligning with the user's embedding cache (warm:
  run ``bench/accuracy.py`` once first), the aligner's own ``seconds_search``; its own process,
  so its peak RSS is its own.
* **CLI fixed cost**: a one-sentence pair (new sentences each time, so the encoder runs)
  through ``python -m paralign align`` minus the same in a process that has everything
  loaded (medians of ``--cli-calls`` alternated calls each way, 5 by default); and the
  seed abstract through the CLI, wall time. Child processes may write
  bytecode (an installed package has it; the shell may say ``PYTHONDONTWRITEBYTECODE``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _docs(data: Path, name: str) -> list[tuple[Path, Path]]:
    d = data / name
    return [(d / "src" / p.name, d / "tgt" / p.name) for p in sorted((d / "src").iterdir())]


def _forget() -> None:
    """Drop what the use-m3 composer, the dictionary and the word memo remember in memory
    (a cold run)."""
    from paralign.alignment.lexical import _token_glosses
    from paralign.embed.bundled import _engines
    from paralign.text.words import forget_zh_words

    comp = _engines.get("usem3-composer")
    if comp is not None:
        comp.clear()
    _token_glosses.cache_clear()
    forget_zh_words()


def measure_mac_dev(data: Path) -> dict:
    """Floor, end to end cold and warm, in one process (models loaded outside the timings)."""
    from paralign import AlignConfig, Aligner
    from paralign.pipeline import align_files
    from paralign.embed import get_encoder

    docs = _docs(data, "mac_dev")
    sents = [ln for s, t in docs for p in (s, t) for ln in p.read_text("utf-8").splitlines()]
    enc = get_encoder("use-m3", cache=False, progress=False)
    enc.encode(["warm up"])
    Aligner(AlignConfig(progress=False, cache=False)).load()
    _forget()
    t0 = time.perf_counter()
    enc.encode(sents)
    floor = time.perf_counter() - t0
    out = {"sentences": len(sents), "floor_s": floor}
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as tmp:
        aligner = Aligner(AlignConfig(progress=False, cache_dir=cache)).load()
        for kind in ("cold", "warm"):
            _forget()
            t0 = time.perf_counter()
            for s, t in docs:
                align_files(s, t, Path(tmp) / f"{s.name}.align", presplit=True, aligner=aligner)
            out[f"e2e_{kind}_s"] = time.perf_counter() - t0
    out["peak_mb"] = _peak_mb()
    return out


def measure_search(data: Path, name: str) -> dict:
    """Aligning a set with the user's (warm) embedding cache: the search's own seconds."""
    from paralign import AlignConfig, Aligner
    from paralign.pipeline import align_files

    aligner = Aligner(AlignConfig(progress=False)).load()
    search = total = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        for s, t in _docs(data, name):
            al = align_files(s, t, Path(tmp) / f"{s.name}.align", presplit=True, aligner=aligner)
            search += al.stats["seconds_search"]
        total = time.perf_counter() - t0
    return {"search_s": search, "total_s": total, "peak_mb": _peak_mb()}


def _child_env() -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _cli(args: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "paralign", "-q", *args], check=True, env=_child_env(),
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def _settle(seconds: float = 0.5) -> None:
    """Let this process's BLAS threads go idle before timing a child: OpenBLAS workers spin
    for a while after the in-process alignment, and on a 2-core machine they take a core from
    the command-line child (one measurement, 6 pairs each under load 2.5: a one-pair call took
    0.36 s right after an in-process alignment, 0.29 s after a pause)."""
    time.sleep(seconds)


def measure_cli(calls: int = 5) -> dict:
    """One-sentence pair: CLI wall minus in-process time (medians of ``calls`` alternated
    calls of each); the seed abstract through the CLI."""
    from paralign import AlignConfig, Aligner, text
    from paralign.pipeline import align_files

    aligner = Aligner(AlignConfig(progress=False)).load()
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_ = Path(tmp)

        def pair(tag: str) -> tuple[Path, Path]:
            k = random.randrange(10**9)   # new sentences: the encoder has to run
            zh, en = tmp_ / f"{tag}.zh.txt", tmp_ / f"{tag}.en.txt"
            zh.write_text(f"老人在河边钓鱼，钓到了{k}条鱼。\n", "utf-8")
            en.write_text(f"The old man caught {k} fish by the river.\n", "utf-8")
            return zh, en

        zh, en = pair("warm")
        _cli(["align", str(zh), str(en), "-o", str(tmp_ / "w.align")])  # builds cached files
        zh, en = pair("first")   # the segmenter, converters and writers load on first use
        align_files(zh, en, tmp_ / "f.align", aligner=aligner)
        inproc, cli = [], []
        for k in range(calls):   # alternated, medians: one call is at the mercy of the machine
            zh, en = pair(f"inproc{k}")
            t0 = time.perf_counter()
            align_files(zh, en, tmp_ / "p.align", aligner=aligner)
            inproc.append(time.perf_counter() - t0)
            zh, en = pair(f"cli{k}")
            _settle()
            cli.append(_cli(["align", str(zh), str(en), "-o", str(tmp_ / "c.align")]))
        out["pair_in_process_s"] = statistics.median(inproc)
        out["pair_cli_s"] = statistics.median(cli)
        out["fixed_s"] = out["pair_cli_s"] - out["pair_in_process_s"]
        seed = ROOT / "corpora" / "abstracts" / "000_7eb851c0e62b889d.txt"
        if seed.exists():
            szh, sen = text.split_bilingual(text.read_file(seed))
            (tmp_ / "s.zh.txt").write_text("\n".join(s.text for s in szh) + "\n", "utf-8")
            (tmp_ / "s.en.txt").write_text("\n".join(s.text for s in sen) + "\n", "utf-8")
            _settle()
            out["seed_cli_s"] = _cli(["align", str(tmp_ / "s.zh.txt"), str(tmp_ / "s.en.txt"),
                                      "--presplit", "-o", str(tmp_ / "s.align")])
    return out


def _child(kind: str, data: Path, name: str | None, cli_calls: int = 5) -> dict:
    cmd = ([sys.executable, __file__, str(data), "--one", kind, "--cli-calls", str(cli_calls)]
           + (["--set", name] if name else []))
    r = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, env=_child_env())
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path)
    ap.add_argument("--repeat", type=int, default=3, help="rounds (medians printed)")
    ap.add_argument("--sets", default="mac_dev,bible_en_zh", help="sets for the search-only rows")
    ap.add_argument("--only", default="mac_dev,search,cli",
                    help="which rows to measure: any of mac_dev, search, cli (comma-separated)")
    ap.add_argument("--cli-calls", type=int, default=5,
                    help="one-pair calls per round, each way, for the CLI row (their medians)")
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--set", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        r = {"mac_dev": lambda: measure_mac_dev(args.data),
             "search": lambda: measure_search(args.data, args.set),
             "cli": lambda: measure_cli(args.cli_calls)}[args.one]()
        print(json.dumps(r))
        return
    only = {k for k in args.only.split(",") if k}
    if only - {"mac_dev", "search", "cli"}:
        ap.error(f"--only: unknown rows {', '.join(sorted(only - {'mac_dev', 'search', 'cli'}))}")
    sets = [s for s in args.sets.split(",") if s] if "search" in only else []
    rounds: list[dict] = []
    for r in range(max(1, args.repeat)):
        row = {}
        if "mac_dev" in only:
            row["mac_dev"] = _child("mac_dev", args.data, None)
        for s in sets:
            row[f"search:{s}"] = _child("search", args.data, s)
        if "cli" in only:
            row["cli"] = _child("cli", args.data, None, args.cli_calls)
        rounds.append(row)
        print(f"round {r + 1}: {json.dumps(row)}", file=sys.stderr, flush=True)

    def med(*path: str) -> float:
        vals = []
        for row in rounds:
            v = row
            for p in path:
                v = v[p]
            vals.append(v)
        return statistics.median(vals)

    print(f"paralign speed, medians of {len(rounds)} alternated rounds "
          f"({time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs)")
    print("| measurement | seconds | ratio to floor | peak MB |")
    print("|---|---|---|---|")
    if "mac_dev" in only:
        _print_mac_dev(rounds, med)
    for s in sets:
        k = f"search:{s}"
        print(f"| {s}: search only (embeddings cached) | {med(k, 'search_s'):.2f} "
              f"(whole run {med(k, 'total_s'):.2f}) | | {med(k, 'peak_mb'):.0f} |")
    if "cli" in only:
        print(f"| CLI fixed cost: one-sentence pair via the CLI ({med('cli', 'pair_cli_s'):.2f}) "
              f"minus in one process ({med('cli', 'pair_in_process_s'):.3f}) | "
              f"**{med('cli', 'fixed_s'):.2f}** | | |")
        if all("seed_cli_s" in row["cli"] for row in rounds):
            print(f"| seed abstract through the CLI, wall | **{med('cli', 'seed_cli_s'):.2f}** | | |")


def _print_mac_dev(rounds: list[dict], med: Callable[..., float]) -> None:
    """The three mac_dev rows of the table: floor, end to end cold and warm."""
    m = rounds[0]["mac_dev"]
    ratios = [row["mac_dev"]["e2e_cold_s"] / row["mac_dev"]["floor_s"] for row in rounds]
    print(f"| mac_dev floor: embed each of {m['sentences']:,} sentences once | "
          f"{med('mac_dev', 'floor_s'):.2f} | 1.00 | |")
    print(f"| mac_dev end to end, cold cache | {med('mac_dev', 'e2e_cold_s'):.2f} | "
          f"**{statistics.median(ratios):.2f}** (per round {', '.join(f'{x:.2f}' for x in ratios)}) | "
          f"{med('mac_dev', 'peak_mb'):.0f} |")
    print(f"| mac_dev end to end, warm cache | {med('mac_dev', 'e2e_warm_s'):.2f} | "
          f"{med('mac_dev', 'e2e_warm_s') / med('mac_dev', 'floor_s'):.2f} | |")


if __name__ == "__main__":
    main()
