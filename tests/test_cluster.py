"""Batch alignment on a real Dask ``LocalCluster`` (2 worker processes; nothing mocked).

Same corpus as the local batch; workers SIGKILLed at seeded random moments (nothing lost,
nothing doubled); the client SIGKILLed and restarted against the same scheduler; a poison
pair that kills every worker that aligns it; paralign's real aligner loaded once per
worker. The aligner is the injected ``fake_aligners.LineAligner`` except in the last test.
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

distributed = pytest.importorskip("distributed")

from fake_aligners import POISON, LineAligner  # noqa: E402
from test_corpus_batch import check_consistent, content, make_pairs  # noqa: E402

from paralign import cli  # noqa: E402
from paralign.cluster import open_client  # noqa: E402
from paralign.corpus import ParallelCorpus  # noqa: E402
from paralign.pipeline import run_batch  # noqa: E402
from paralign.errors import InputError  # noqa: E402

N_PAIRS = 30


@pytest.fixture(scope="module")
def client():
    with open_client(workers=2) as c:
        c.wait_for_workers(2, timeout=120)
        yield c


@pytest.fixture(scope="module")
def pairs_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pairs")
    make_pairs(folder, N_PAIRS)
    return folder


@pytest.fixture(scope="module")
def reference(pairs_dir, tmp_path_factory) -> list[tuple]:
    db = tmp_path_factory.mktemp("ref") / "ref.db"
    s = run_batch(pairs_dir, db, jobs=1, progress=False, presplit=True,
                  make_aligner=LineAligner)
    assert s.done == N_PAIRS
    return content(db)


def _worker_pids(client) -> list[int]:
    """The live worker processes (one just killed may still be listed: it fails, ignored)."""
    try:
        pids = client.run(os.getpid, on_error="return")
    except OSError:  # the scheduler dropped the broadcast as a worker died
        return []
    return sorted(p for p in pids.values() if isinstance(p, int))


def _n_docs(db: Path) -> int:
    if not db.exists():
        return 0
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute("SELECT count(*) FROM docs").fetchone()[0]
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0
    finally:
        con.close()


def test_same_corpus_as_the_local_batch_and_resume(client, pairs_dir, tmp_path, reference):
    db = tmp_path / "c.db"
    s = run_batch(pairs_dir, db, client=client, progress=False, presplit=True,
                  make_aligner=LineAligner)
    assert (s.total, s.done, s.skipped) == (N_PAIRS + 4, N_PAIRS, 0)
    assert set(dict(s.failed)) == {"empty", "french", "binary", "orphan"}
    assert content(db) == reference
    again = run_batch(pairs_dir, db, client=client, progress=False, presplit=True,
                      make_aligner=LineAligner)
    assert (again.done, again.skipped) == (0, N_PAIRS)
    assert content(db) == reference


@pytest.mark.slow
def test_worker_sigkills_at_random_moments_lose_and_double_nothing(client, pairs_dir,
                                                                   tmp_path, reference):
    """Five SIGKILLs of a random worker process mid-batch, at seeded random moments.

    Before each kill the pairs the previous kill interrupted must be done (their tasks gone
    from the scheduler) and a few more pairs stored: no pair is hit twice, which would, by
    design, record it as failed.
    """
    db = tmp_path / "c.db"
    rng = random.Random(17)
    kills: list[tuple[int, int]] = []
    stop = threading.Event()

    def scheduler_keys() -> set:
        return set(client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.tasks)))

    def killer() -> None:
        last, hit = 0, set()
        while len(kills) < 5 and not stop.is_set():
            try:
                if _n_docs(db) < last + 3 or hit & scheduler_keys():
                    time.sleep(0.05)
                    continue
                time.sleep(rng.uniform(0.0, 0.3))
                by_worker = client.processing()
                pids = client.run(os.getpid, on_error="return")
            except OSError:
                continue
            live = sorted((a, p) for a, p in pids.items() if isinstance(p, int))
            if not live:
                continue
            address, victim = rng.choice(live)
            n = _n_docs(db)
            hit = set(by_worker.get(address, ()))
            os.kill(victim, signal.SIGKILL)
            kills.append((victim, n))
            last = n

    t = threading.Thread(target=killer, daemon=True)
    t.start()
    try:
        s = run_batch(pairs_dir, db, client=client, progress=False, presplit=True,
                      make_aligner=partial(LineAligner, delay=0.2))
    finally:
        stop.set()
        t.join(timeout=30)
    assert len(kills) == 5, f"the batch ended after {len(kills)} kill(s): {kills}"
    assert all(n < N_PAIRS for _, n in kills)
    assert s.done == N_PAIRS and s.skipped == 0, s.describe()  # none lost, none doubled
    assert check_consistent(db) == N_PAIRS
    assert content(db) == reference
    client.wait_for_workers(2, timeout=180)  # the nannies restart them


@pytest.mark.slow
def test_poison_pair_is_recorded_as_failed_and_the_batch_goes_on(client, tmp_path):
    folder = tmp_path / "pairs"
    make_pairs(folder, 6, bad=False)
    (folder / "poison.zh.txt").write_text(f"外交部长发表讲话。{POISON}\n", encoding="utf-8")
    (folder / "poison.en.txt").write_text("The foreign minister spoke.\n", encoding="utf-8")
    before = set(_worker_pids(client))
    s = run_batch(folder, tmp_path / "c.db", client=client, progress=False, presplit=True,
                  make_aligner=partial(LineAligner, delay=0.05))
    assert s.done == 6, s.describe()
    (doc_id, reason), = s.failed
    assert doc_id == "poison" and "WorkerDied" in reason
    assert check_consistent(tmp_path / "c.db") == 6
    client.wait_for_workers(2, timeout=180)
    assert not before & set(_worker_pids(client))  # it killed both workers (tried twice)


#: runs a batch on the scheduler at argv[4] with the fake aligner: argv input output delay
CLIENT_DRIVER = (
    "import sys, functools, distributed; from fake_aligners import LineAligner; "
    "from paralign.pipeline import run_batch; "
    "c = distributed.Client(sys.argv[4], timeout=60); "
    "s = run_batch(sys.argv[1], sys.argv[2], client=c, progress=False, presplit=True, "
    "make_aligner=functools.partial(LineAligner, delay=float(sys.argv[3]))); "
    "print(s.describe()); c.close()")


def _client_process(pairs_dir: Path, db: Path, delay: float, address: str) -> subprocess.Popen:
    here = Path(__file__).resolve().parent
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(here.parent / "src"), str(here), os.environ.get("PYTHONPATH", "")]))
    return subprocess.Popen([sys.executable, "-c", CLIENT_DRIVER, str(pairs_dir), str(db),
                             str(delay), address], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)


def test_client_killed_and_restarted_resumes(client, pairs_dir, tmp_path, reference):
    db = tmp_path / "c.db"
    address = client.scheduler.address
    proc = _client_process(pairs_dir, db, 0.2, address)
    deadline = time.time() + 120
    while _n_docs(db) < 8 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    stored = check_consistent(db)
    assert 8 <= stored < N_PAIRS
    proc = _client_process(pairs_dir, db, 0.0, address)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert f"{N_PAIRS - stored} aligned, {stored} skipped" in out.decode()
    assert check_consistent(db) == N_PAIRS
    assert content(db) == reference


@pytest.mark.parametrize("argv, message", [
    (["--workers", "2"], "--engine dask"),
    (["--engine", "dask", "--workers", "0"], "at least 1"),
])
def test_cli_refuses_bad_engine_options(pairs_dir, tmp_path, capsys, argv, message):
    assert cli.main(["batch", str(pairs_dir), "-o", str(tmp_path / "c.db"), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "c.db").exists()


def test_unreachable_scheduler_is_one_clear_error():
    with pytest.raises(InputError, match="cannot reach the Dask scheduler"):
        with open_client("tcp://127.0.0.1:9", timeout=2):
            pass


@pytest.mark.slow
def test_real_aligner_loads_once_per_worker(client, tmp_path):
    from paralign.config import AlignConfig

    folder = tmp_path / "pairs"
    folder.mkdir()
    texts = [("我爱你。他走了。", "I love you. He left."),
             ("今天天气很好。我们去公园吧。", "The weather is nice today. Let's go to the park."),
             ("外交部长发表讲话。", "The foreign minister gave a speech."),
             ("经济发展很快。", "The economy grows fast."),
             ("会议明天开始。", "The meeting starts tomorrow."),
             ("他们是朋友。", "They are friends.")]
    for i, (zh, en) in enumerate(texts):
        (folder / f"p{i}.zh.txt").write_text(zh, encoding="utf-8")
        (folder / f"p{i}.en.txt").write_text(en, encoding="utf-8")
    config = AlignConfig(cache_dir=str(tmp_path / "cache"))
    s = run_batch(folder, tmp_path / "c.db", client=client, config=config, progress=False)
    assert s.done == len(texts), s.describe()

    def loaded() -> int:
        from paralign import pipeline

        return sum(1 for key in pipeline._ALIGNERS if key[:2] == ("None", config))

    per_worker = client.run(loaded)
    assert sum(per_worker.values()) >= 1 and max(per_worker.values()) == 1, per_worker
    local = tmp_path / "local.db"
    run_batch(folder, local, jobs=1, config=config, progress=False)
    assert content(tmp_path / "c.db") == content(local)


def test_corpus_lexicon_learned_on_the_client_realigned_on_the_workers(client, pairs_dir,
                                                                        tmp_path):
    db = tmp_path / "c.db"
    s = run_batch(pairs_dir, db, client=client, progress=False, presplit=True,
                  make_aligner=LineAligner, realign=True)
    assert s.done == N_PAIRS and s.lexicon and s.realigned == N_PAIRS, s.describe()
    with ParallelCorpus(db, readonly=True) as c:
        (sig,) = {d.signature for d in c.docs()}
    assert sig.startswith("line-aligner|lexicon:")
    assert check_consistent(db) == N_PAIRS
