"""Batch alignment: discovery, bad pairs, processes, resumption after SIGKILL, readers.

The machinery is tested with a cheap deterministic aligner injected by the tests
(``make_aligner=LineAligner``, or through the command line by ``tests/batch_cli.py``): the
pairs are read and checked, and the worker processes run, for real. The pairs hold one
sentence per line and are read ``presplit`` (no sentence splitter to import in each worker).
One test runs paralign's real aligner on tiny pairs.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from functools import partial
from pathlib import Path

import pytest

from fake_aligners import POISON, LineAligner
from paralign.corpus import ParallelCorpus
from paralign.errors import FormatError
from paralign.pipeline import content_digest, discover, run_batch

ZH_WORDS = ["外交部长", "经济", "发展", "中国", "今天", "会议", "合作", "世界", "人民", "政府"]
EN_WORDS = ["foreign", "minister", "economy", "growth", "China", "today", "meeting", "world"]


def make_pairs(folder: Path, n: int, *, bad: bool = True) -> None:
    rng = random.Random(n)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        k = rng.randint(2, 6)
        zh = ["".join(rng.choices(ZH_WORDS, k=rng.randint(2, 5))) + "。" for _ in range(k)]
        en = [" ".join(rng.choices(EN_WORDS, k=rng.randint(3, 9))).capitalize() + "."
              for _ in range(k + rng.choice([0, 0, 1]))]
        (folder / f"doc{i:03d}.zh.txt").write_text("\n".join(zh) + "\n", encoding="utf-8")
        (folder / f"doc{i:03d}.en.txt").write_text("\n".join(en) + "\n", encoding="utf-8")
    if bad:
        (folder / "empty.zh.txt").write_text("", encoding="utf-8")
        (folder / "empty.en.txt").write_text("Something.", encoding="utf-8")
        (folder / "french.zh.txt").write_text("Bonjour tout le monde.", encoding="utf-8")
        (folder / "french.en.txt").write_text("Hello everyone.", encoding="utf-8")
        (folder / "binary.zh.txt").write_bytes(bytes(range(256)) * 4)
        (folder / "binary.en.txt").write_text("Hello.", encoding="utf-8")
        (folder / "orphan.zh.txt").write_text("孤儿。", encoding="utf-8")


def content(db: Path) -> list[tuple]:
    con = sqlite3.connect(db)
    rows = con.execute("SELECT d.doc_id, b.pos, b.src_idx, b.tgt_idx, b.src_text, b.tgt_text,"
                       " b.score, b.kind FROM beads b JOIN docs d ON d.id = b.doc"
                       " ORDER BY d.doc_id, b.pos").fetchall()
    con.close()
    return rows


def check_consistent(db: Path) -> int:
    """Integrity, every stored document whole, index in step with the beads; returns docs."""
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT doc_id FROM docs d WHERE n_beads != "
                           "(SELECT count(*) FROM beads b WHERE b.doc = d.id)").fetchall() == []
        assert con.execute("SELECT count(*) FROM beads_fts").fetchone()[0] == \
            con.execute("SELECT count(*) FROM beads").fetchone()[0]
        assert con.execute("SELECT count(*) FROM docs WHERE n_beads = 0").fetchone()[0] == 0
        return con.execute("SELECT count(*) FROM docs").fetchone()[0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def pairs_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pairs")
    make_pairs(folder, 24)
    return folder


@pytest.fixture(scope="module")
def reference(pairs_dir, tmp_path_factory) -> list[tuple]:
    db = tmp_path_factory.mktemp("ref") / "ref.db"
    summary = run_batch(pairs_dir, db, jobs=1, progress=False, presplit=True,
                    make_aligner=LineAligner)
    assert summary.done == 24 and len(summary.failed) == 4
    return content(db)


def test_summary_bad_pairs_and_resume(pairs_dir, tmp_path, reference):
    db = tmp_path / "c.db"
    s = run_batch(pairs_dir, db, jobs=1, progress=False, presplit=True,
                    make_aligner=LineAligner)
    assert (s.total, s.done, s.skipped) == (28, 24, 0)
    reasons = dict(s.failed)
    assert set(reasons) == {"empty", "french", "binary", "orphan"}
    assert "empty" in reasons["empty"] and "Chinese" in reasons["french"]
    assert "binary file" in reasons["binary"] and "orphan.en.txt" in reasons["orphan"]
    assert sum(s.beads.values()) == len(reference)
    text = s.describe()
    assert "24 aligned" in text and "failed french" in text
    again = run_batch(pairs_dir, db, jobs=1, progress=False, presplit=True,
                    make_aligner=LineAligner)
    assert (again.done, again.skipped) == (0, 24)
    assert content(db) == reference


def test_two_worker_processes_give_the_same_corpus(pairs_dir, tmp_path, reference):
    db = tmp_path / "c.db"
    s = run_batch(pairs_dir, db, jobs=2, progress=False, presplit=True,
                    make_aligner=LineAligner)
    assert s.done == 24 and len(s.failed) == 4
    assert content(db) == reference
    meta = ParallelCorpus(db, readonly=True).docs()[0].meta
    assert meta["zh_path"].endswith(".zh.txt")


def test_manifest(pairs_dir, tmp_path):
    manifest = tmp_path / "m.tsv"
    manifest.write_text(f"zh_path\ten_path\tdoc_id\n# comment\n"
                        f"{pairs_dir}/doc000.zh.txt\t{pairs_dir}/doc000.en.txt\tfirst\n"
                        f"{pairs_dir}/doc001.zh.txt\t{pairs_dir}/doc001.en.txt\n\n",
                        encoding="utf-8")
    assert [i.doc_id for i in discover(manifest)] == ["first", "doc001"]
    s = run_batch(manifest, tmp_path / "c.db", jobs=1, progress=False, presplit=True,
                    make_aligner=LineAligner)
    assert s.done == 2
    manifest.write_text("a.zh.txt\n", encoding="utf-8")
    with pytest.raises(FormatError, match="line 1"):
        run_batch(manifest, tmp_path / "d.db", progress=False, presplit=True,
                    make_aligner=LineAligner)


BATCH_CLI = Path(__file__).with_name("batch_cli.py")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _start(pairs_dir: Path, db: Path, jobs: int, delay: float) -> subprocess.Popen:
    """``paralign -q batch`` with LineAligner sleeping ``delay`` s a pair (tests/batch_cli.py)."""
    return subprocess.Popen([sys.executable, str(BATCH_CLI), str(delay), "-q", "batch",
                             "--presplit", str(pairs_dir), "-o", str(db), "-j", str(jobs)],
                            env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def _kill(proc: subprocess.Popen) -> None:
    """SIGKILL the batch and its workers (its own process group, started by us)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate(timeout=30)


def _docs(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with ParallelCorpus(db, readonly=True) as c:
            return c.n_docs
    except Exception:  # not created yet
        return 0


@pytest.mark.slow
def test_sigkill_half_way_then_resume(pairs_dir, tmp_path, reference):
    db = tmp_path / "c.db"
    proc = _start(pairs_dir, db, jobs=2, delay=0.15)
    deadline = time.time() + 60
    while _docs(db) < 10 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the batch finished before it could be killed"
    _kill(proc)
    done = check_consistent(db)
    assert 10 <= done < 24
    proc = _start(pairs_dir, db, jobs=2, delay=0.0)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err  # the 4 bad pairs
    assert f"{24 - done} aligned, {done} skipped" in out.decode()
    assert content(db) == reference


@pytest.mark.slow
def test_random_sigkills_never_corrupt(pairs_dir, tmp_path, reference):
    db = tmp_path / "c.db"
    rng = random.Random(1234)
    for k in range(10):
        proc = _start(pairs_dir, db, jobs=1 + k % 2, delay=0.03)
        time.sleep(rng.uniform(0.3, 2.0))
        _kill(proc)
        check_consistent(db) if db.exists() else None
    proc = _start(pairs_dir, db, jobs=2, delay=0.0)
    proc.communicate(timeout=120)
    assert check_consistent(db) == 24
    assert content(db) == reference


@pytest.mark.slow
def test_readers_while_a_batch_writes(pairs_dir, tmp_path, reference):
    db = tmp_path / "c.db"
    proc = _start(pairs_dir, db, jobs=2, delay=0.1)
    seen: list[int] = []
    try:
        while proc.poll() is None:
            if db.exists():
                try:
                    with ParallelCorpus(db, readonly=True) as c:
                        n = c.n_docs
                        # the writer commits between two reads: pairs counted first must
                        # all belong to documents listed after (a pair never comes alone)
                        before = c.count()
                        assert c.count(doc_id=c.doc_ids()) >= before
                        c.search("经济", limit=5)
                except Exception as exc:  # the file exists but the schema is not there yet
                    if "corpus" not in str(exc):
                        raise
                    continue
                seen.append(n)
            time.sleep(0.05)
    finally:
        _kill(proc)
    assert seen == sorted(seen) and len(set(seen)) > 3
    assert content(db) == reference


@pytest.mark.slow
def test_real_aligner_on_tiny_pairs(tmp_path):
    from paralign.config import AlignConfig

    folder = tmp_path / "pairs"
    folder.mkdir()
    texts = {
        "a": ("我爱你。他走了。", "I love you. He left."),
        "b": ("今天天气很好。我们去公园吧。", "The weather is nice today. Let's go to the park."),
        "c": ("外交部长发表讲话。", "The foreign minister gave a speech."),
    }
    for name, (zh, en) in texts.items():
        (folder / f"{name}.zh.txt").write_text(zh, encoding="utf-8")
        (folder / f"{name}.en.txt").write_text(en, encoding="utf-8")
    s = run_batch(folder, tmp_path / "c.db", config=AlignConfig(cache=False),
                  jobs=1, progress=False)
    assert s.done == 3, s.describe()
    with ParallelCorpus(tmp_path / "c.db", readonly=True) as c:
        assert c.count() >= 3
        assert c.search("外交")[0].doc_id == "c"


SEED = Path(__file__).resolve().parents[1] / "corpora/abstracts/000_7eb851c0e62b889d.txt"


def test_folder_of_bilingual_files(tmp_path):
    """NAME.txt holding both languages (the seed's shape) is split; pairs still work beside it."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "seed.txt").write_bytes(SEED.read_bytes())
    (folder / "story.zh.txt").write_text("老人在河边钓鱼。天色渐渐暗了下来。\n", encoding="utf-8")
    (folder / "story.en.txt").write_text("The old man was fishing by the river. "
                                         "The sky slowly grew dark.\n", encoding="utf-8")
    (folder / "story.txt").write_text("老人。\n\nThe old man.\n", encoding="utf-8")
    items = {i.doc_id: i for i in discover(folder)}
    assert items["seed"].en_path is None and items["seed"].problem is None
    assert "both story.txt and" in items["story"].problem
    (folder / "story.txt").unlink()
    db = tmp_path / "c.db"
    s = run_batch(folder, db, jobs=1, progress=False)
    assert (s.done, s.failed) == (2, [])
    with ParallelCorpus(db, readonly=True) as corpus:
        seed = [p for p in corpus.pairs(skip_null=False) if p.doc_id == "seed"]
        docs = {d.doc_id: d.meta for d in corpus.docs()}
    assert seed[0].kind == "0-1" and seed[0].tgt.startswith("The Former Soviet Union")
    assert len(seed) == 7 and not any("期刊" in p.src for p in seed)
    assert docs["seed"]["path"].endswith("seed.txt") and docs["story"]["zh_path"].endswith(".zh.txt")


@pytest.mark.slow
def test_realign_batch_is_the_same_in_one_process_and_in_two(tmp_path):
    """The lexicon a realign batch learns, and so every bead, does not depend on the workers."""
    root = Path(__file__).resolve().parents[1] / "corpora/bible"
    zh = [x for x in (root / "ruth.zh.txt").read_text(encoding="utf-8").splitlines() if x.strip()]
    en = [x for x in (root / "ruth.en.txt").read_text(encoding="utf-8").splitlines() if x.strip()]
    folder = tmp_path / "ruth"
    folder.mkdir()
    for k in range(3):  # three chapters, one pair each
        (folder / f"ruth{k}.zh.txt").write_text(zh[k], encoding="utf-8")
        (folder / f"ruth{k}.en.txt").write_text(en[k], encoding="utf-8")
    dbs = {}
    for jobs in (1, 2):
        dbs[jobs] = tmp_path / f"r{jobs}.db"
        s = run_batch(folder, dbs[jobs], jobs=jobs, progress=False, realign=True)
        assert s.done == 3 and s.lexicon and s.lexicon > 0, s.describe()
        assert "word pairs learned from the batch" in s.describe()
    assert content(dbs[1]) == content(dbs[2])
    plain = run_batch(folder, tmp_path / "plain.db", jobs=1, progress=False)
    assert plain.lexicon is None and plain.done == 3


# -- dead workers and orphans -------------------------------------------------------------------

@pytest.fixture(scope="module")
def many_pairs(tmp_path_factory) -> tuple[Path, list[tuple]]:
    """60 good pairs and the corpus the batch must make of them."""
    folder = tmp_path_factory.mktemp("many")
    make_pairs(folder, 60, bad=False)
    db = tmp_path_factory.mktemp("many_ref") / "ref.db"
    assert run_batch(folder, db, jobs=1, progress=False, presplit=True,
                     make_aligner=LineAligner).done == 60
    return folder, content(db)


def _pool_workers(pid: int | None = None) -> list:
    """The batch's worker processes: children of ``pid`` (default: this process) that
    multiprocessing spawned (not its resource tracker)."""
    import psutil

    try:
        kids = psutil.Process(pid).children()
    except psutil.NoSuchProcess:
        return []
    out = []
    for p in kids:
        try:
            cmd = " ".join(p.cmdline())
        except psutil.Error:
            continue
        if "spawn_main" in cmd and "resource_tracker" not in cmd:
            out.append(p)
    return out


def test_dead_workers_are_replaced_and_their_pairs_retried(many_pairs, tmp_path):
    """Five SIGKILLs of a random pool worker at seeded moments: the batch carries on.

    Before each kill the batch must store a few more pairs, so that the pairs a kill
    interrupts have been retried (alone) before the next: none is hit twice, so none is
    failed; by design a pair in flight at two deaths would be.
    """
    folder, reference = many_pairs
    db = tmp_path / "c.db"
    rng = random.Random(16)
    kills: list[int] = []
    stop = threading.Event()

    def killer() -> None:
        last = 0
        while len(kills) < 5 and not stop.is_set():
            n = _docs(db)
            workers = _pool_workers()
            if n < last + 6 or not workers:
                time.sleep(0.02)
                continue
            time.sleep(rng.uniform(0.0, 0.2))
            try:
                os.kill(rng.choice(workers).pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
            kills.append(n)
            last = _docs(db)

    t = threading.Thread(target=killer, daemon=True)
    t.start()
    try:
        s = run_batch(folder, db, jobs=2, progress=False, presplit=True,
                      make_aligner=partial(LineAligner, delay=0.05))
    finally:
        stop.set()
        t.join(timeout=30)
    assert len(kills) == 5, f"the batch ended after {len(kills)} kill(s)"
    assert s.worker_deaths == 5 and "5 worker process(es) died" in s.describe()
    assert (s.done, s.skipped, s.failed) == (60, 0, []), s.describe()  # none lost or doubled
    assert check_consistent(db) == 60
    assert content(db) == reference


def test_poison_pair_fails_alone_and_the_batch_goes_on(tmp_path):
    folder = tmp_path / "pairs"
    make_pairs(folder, 6, bad=False)
    (folder / "poison.zh.txt").write_text(f"外交部长发表讲话。{POISON}\n", encoding="utf-8")
    (folder / "poison.en.txt").write_text("The foreign minister spoke.\n", encoding="utf-8")
    s = run_batch(folder, tmp_path / "c.db", jobs=2, progress=False, presplit=True,
                  make_aligner=partial(LineAligner, delay=0.05))
    assert s.done == 6 and s.worker_deaths == 2, s.describe()
    (doc_id, reason), = s.failed
    assert doc_id == "poison" and "WorkerDied" in reason and "alone" in reason
    assert check_consistent(tmp_path / "c.db") == 6


def _gone(procs: list, timeout: float) -> list:
    """Those of ``procs`` still alive (not zombies) after ``timeout`` seconds."""
    import psutil

    deadline = time.time() + timeout
    alive = list(procs)
    while alive and time.time() < deadline:
        still = []
        for p in alive:
            try:
                if p.status() != psutil.STATUS_ZOMBIE:
                    still.append(p)
            except psutil.NoSuchProcess:
                pass
        alive = still
        if alive:
            time.sleep(0.1)
    return alive


@pytest.mark.slow
def test_kills_of_workers_and_of_the_batch_lose_nothing_and_leave_no_orphan(many_pairs,
                                                                           tmp_path):
    """Twelve seeded random moments, each killing a worker or the batch itself (SIGKILL of
    the parent only, as the OOM killer would): no process outlives its batch, and the
    resumed batch ends with every pair stored once."""
    import psutil

    folder, reference = many_pairs
    db = tmp_path / "c.db"
    rng = random.Random(1616)
    proc = None
    kinds = []
    for _ in range(12):
        if proc is None or proc.poll() is not None:
            if proc is not None:
                proc.communicate(timeout=30)
            proc = _start(folder, db, jobs=2, delay=0.05)
        deadline = time.time() + 60
        while not _pool_workers(proc.pid) and time.time() < deadline and proc.poll() is None:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.1, 1.0))
        if rng.random() < 0.5:
            workers = _pool_workers(proc.pid)
            if workers:
                kinds.append("worker")
                try:
                    os.kill(rng.choice(workers).pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            continue
        try:
            family = psutil.Process(proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            family = []
        kinds.append("parent")
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
        proc = None
        orphans = _gone(family, 10.0)
        assert not orphans, f"left running: {[(p.pid, p.cmdline()) for p in orphans]}"
        if db.exists():
            check_consistent(db)
    if proc is not None:
        _kill(proc)
    assert kinds.count("parent") >= 3 and kinds.count("worker") >= 3, kinds
    stored = _docs(db)
    proc = _start(folder, db, jobs=2, delay=0.0)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert f"{60 - stored} aligned, {stored} skipped" in out.decode()  # none doubled
    assert check_consistent(db) == 60
    assert content(db) == reference


def test_changed_pairs_by_content_hash_renamed_and_copied_by_name(pairs_dir, tmp_path, reference):
    folder = tmp_path / "pairs"
    folder.mkdir()
    for name in ("doc000", "doc001", "doc002"):
        for side in ("zh", "en"):
            (folder / f"{name}.{side}.txt").write_bytes(
                (pairs_dir / f"{name}.{side}.txt").read_bytes())
    db = tmp_path / "c.db"
    assert run_batch(folder, db, jobs=1, progress=False, presplit=True,
                     make_aligner=LineAligner).done == 3
    zh0 = (folder / "doc000.zh.txt").read_bytes()
    en0 = (folder / "doc000.en.txt").read_bytes()
    with ParallelCorpus(db, readonly=True) as c:
        assert c.docs()[0].meta["sha256"] == content_digest(zh0, en0)
    (folder / "doc001.zh.txt").write_text("外交部长发表讲话。\n", encoding="utf-8")  # changed
    (folder / "doc001.en.txt").write_text("The foreign minister spoke.\n", encoding="utf-8")
    for side in ("zh", "en"):  # doc002 renamed to moved, doc000 copied to twin
        (folder / f"doc002.{side}.txt").rename(folder / f"moved.{side}.txt")
        (folder / f"twin.{side}.txt").write_bytes((folder / f"doc000.{side}.txt").read_bytes())
    s = run_batch(folder, db, jobs=1, progress=False, presplit=True,
                  make_aligner=LineAligner)
    assert (s.done, s.replaced, s.skipped) == (3, 1, 1), s.describe()  # moved, twin: new
    assert "replaced a stored pair whose files changed" in s.describe()
    with ParallelCorpus(db, readonly=True) as c:
        assert sorted(c.doc_ids()) == ["doc000", "doc001", "doc002", "moved", "twin"]
        assert [p.tgt for p in c.pairs(doc_id="doc001")] == ["The foreign minister spoke."]


@pytest.mark.parametrize("jobs", [1, 2])
def test_corpus_lexicon_learned_from_the_batch_then_every_pair_realigned(pairs_dir, tmp_path,
                                                                         jobs):
    db = tmp_path / "c.db"
    s = run_batch(pairs_dir, db, jobs=jobs, progress=False, presplit=True,
                  make_aligner=LineAligner, realign=True)
    assert s.done == 24 and s.lexicon and s.realigned == 24, s.describe()
    assert f"realigned with {s.lexicon} word pairs learned from the batch: 24 pair(s)" \
        in s.describe()
    with ParallelCorpus(db, readonly=True) as c:
        signatures = {d.signature for d in c.docs()}
        assert check_consistent(db) == 24
    (sig,) = signatures  # one lexicon for the whole batch
    assert sig.startswith("line-aligner|lexicon:")


# (options before "batch", jobs, the warning line expected on stderr)
WORKER_LOGS = [
    ([], 2, True),       # workers' warnings reach the parent's log format
    (["-q"], 2, False),  # and obey -q
]


@pytest.mark.parametrize("before, jobs, shown", WORKER_LOGS)
def test_worker_warnings_go_through_the_log_format_and_obey_quiet(tmp_path, before, jobs,
                                                                  shown):
    from fake_aligners import WARN

    pairs = tmp_path / "pairs"
    pairs.mkdir()
    for k in range(3):
        (pairs / f"d{k}.zh.txt").write_text(f"{WARN}{k}。\n第二句。\n", encoding="utf-8")
        (pairs / f"d{k}.en.txt").write_text("One.\nTwo.\n", encoding="utf-8")
    r = subprocess.run([sys.executable, str(BATCH_CLI), "0", *before, "batch", "--presplit",
                        str(pairs), "-o", str(tmp_path / "c.db"), "-j", str(jobs)],
                       env=_env(), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    err = r.stderr.splitlines()
    logged = [ln for ln in err if "a warning from process" in ln]
    warned = [ln for ln in err if "a Python warning from the aligner" in ln]
    if not shown:
        assert logged == warned == [], r.stderr
        return
    # every worker line in the one format, none raw: three pairs, a log line and a warning each
    assert len(logged) == 3 and all(ln.startswith("paralign: WARNING: ") for ln in logged), err
    # Python shows a warning once per place and process: once per worker that met one
    assert 1 <= len(warned) <= 3, err
    assert all(ln.startswith("paralign: WARNING: UserWarning: ") for ln in warned), err
    assert not any("warnings.warn" in ln or "Traceback" in ln for ln in err), err
