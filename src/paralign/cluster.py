"""Batch alignment on a Dask cluster (``distributed``), for archives one machine cannot do.

The same pairs, the same corpus as the local batch: :func:`~paralign.pipeline.run_batch`
with ``client=`` reads each pair's files on the client, hashes them, and sends their *bytes*
to the cluster (:class:`~paralign.pipeline.PairJob`); a worker decodes, segments and
aligns them with the very function the local pool runs (``align_job``). So workers need
paralign installed and nothing else: no shared filesystem, not even for the inputs. Each
worker process loads the encoder once and keeps it (a per-process cache, one aligner per
config and thread), and keeps its embedding cache on its own disk (the user cache folder
of the machine it runs on, or ``$PARALIGN_CACHE`` there). Results stream back as they
complete and the client stores each in one transaction: the corpus is written by one
process on one machine, never by the workers.

Faults. A worker killed mid-pair (SIGKILL, the out-of-memory killer, a lost machine) is
noticed by the scheduler, which runs the pair again on another worker; the client stores a
pair only when its result arrives, once. A pair whose runs kill more workers than the
scheduler's ``allowed-failures`` comes back as ``KilledWorker`` and is recorded as failed,
and the batch goes on. :func:`open_client` sets ``allowed-failures`` to 1 on the
``LocalCluster`` it starts (retried once; failed if it kills a worker again), and
``worker-saturation`` to 1.0 so that a worker holds only the pair it runs, and a death makes
only that one suspect; on a cluster of your own, set the same two values in the
scheduler's Dask configuration (``DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=1``,
``DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION=1.0``). Any other error that escapes a
task is retried once under a new key, then recorded as failed. A client killed and
restarted resumes like the local batch (stored pairs are skipped by content hash); task
keys are derived from the content hash and the settings, so a pair still running on the
scheduler for a dead client is picked up again rather than run twice.

Nothing here imports ``distributed`` at module level: it is an optional extra
(``pip install 'paralign[dask]'``).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .pipeline import AlignerFactory, PairJob, PairResult, align_job
from .errors import InputError

if TYPE_CHECKING:
    from .alignment.lexicon import Lexicon
    from .config import AlignConfig

__all__ = ["open_client", "run_jobs", "dashboard_link", "LOCAL_CLUSTER_CONFIG"]

log = logging.getLogger(__name__)

#: Dask settings while the LocalCluster that :func:`open_client` starts runs (see the module
#: doc). The lost-worker timeout: a LocalCluster closes the nanny of a worker that has not
#: come back within it, and restarting one (importing paralign and numpy) takes longer than
#: the default 15 s on a loaded machine; the cluster would then shrink with every kill.
LOCAL_CLUSTER_CONFIG = {"distributed.scheduler.allowed-failures": 1,
                        "distributed.scheduler.worker-saturation": 1.0,
                        "distributed.deploy.lost-worker-timeout": "600s"}


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise InputError("running on a Dask cluster needs the dask extra: "
                         "pip install 'paralign[dask]'") from None
    return distributed


@contextlib.contextmanager
def open_client(scheduler: str | None = None, *, workers: int | None = None,
                timeout: float = 30.0) -> Iterator[Any]:
    """A ``distributed.Client`` for ``scheduler`` (an address such as ``tcp://host:8786``),
    or for a ``LocalCluster`` of ``workers`` processes (one thread each) on this machine.

    Closed (and the local cluster shut down) on exit.
    """
    distributed = _distributed()
    if scheduler is not None:
        try:
            client = distributed.Client(scheduler, timeout=timeout)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        try:
            yield client
        finally:
            client.close()
        return
    import dask

    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    n = workers or os.cpu_count() or 1
    try:
        import bokeh  # noqa: F401  (the dashboard needs it)
        dashboard: str | None = "127.0.0.1:0"
    except ImportError:
        dashboard = None
    with dask.config.set(LOCAL_CLUSTER_CONFIG):  # read at start-up and when a worker dies
        cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                           dashboard_address=dashboard,
                                           silence_logs=logging.ERROR)
        try:
            with distributed.Client(cluster) as client:
                yield client
        finally:
            cluster.close()


def dashboard_link(client: Any) -> str | None:
    """The Dask dashboard's address, or None when the scheduler serves none."""
    try:
        services = client.scheduler_info(n_workers=0).get("services", {})
    except TypeError:  # older distributed: no n_workers argument
        services = client.scheduler_info().get("services", {})
    return client.dashboard_link if "dashboard" in services else None


def _task_tag(make_aligner: AlignerFactory | None, config: AlignConfig | None, presplit: bool,
              lexicon: Lexicon | None) -> str:
    """What besides the content decides a pair's result: part of its task key."""
    # a class or a partial of one: its repr is stable; a function's repr holds an address
    fn = "default" if make_aligner is None else (
        f"{make_aligner.__module__}.{make_aligner.__qualname__}"
        if hasattr(make_aligner, "__qualname__") else repr(make_aligner))
    lex = "" if lexicon is None else lexicon.signature
    return hashlib.sha256(f"{fn}|{config!r}|{presplit}|{lex}".encode()).hexdigest()[:12]


def run_jobs(client: Any, jobs: Iterable[PairJob], *,
             make_aligner: AlignerFactory | None = None, config: AlignConfig | None = None, presplit: bool = False,
             lexicon: Lexicon | None = None, window: int | None = None
             ) -> Iterator[PairResult]:
    """Run ``jobs`` on the cluster of ``client``; yield their results as they complete.

    At most ``window`` pairs are submitted at a time (default: one per worker thread,
    re-read every few seconds as workers come and go), so the client holds only those
    pairs' texts however long the batch is, and a worker holds only the pair it runs: the
    scheduler counts a worker's death against every task assigned to it, so a queue there
    would make innocent pairs suspects. The price is one round trip per pair between two
    pairs on a worker (``bench/scale_out.py`` measures it). A ``lexicon`` (the corpus-wide
    one of ``run_batch(realign=True)``, learned on the client) is sent to every worker once.
    """
    distributed = _distributed()
    from distributed import KilledWorker

    checked = [0.0, max(1, window or 1)]

    def width() -> int:
        if window is None and time.monotonic() - checked[0] > 5.0:
            checked[:] = [time.monotonic(), max(1, sum(client.nthreads().values()))]
        return int(checked[1])

    tag = _task_tag(make_aligner, config, presplit, lexicon)
    lex = None if lexicon is None else client.scatter(lexicon, broadcast=True, hash=False)
    link = dashboard_link(client)
    if link:
        log.info("Dask dashboard: %s", link)
    source = iter(jobs)
    running: dict[str, tuple[PairJob, int]] = {}
    done = distributed.as_completed()

    def submit(job: PairJob, attempt: int) -> None:
        ident = hashlib.sha256(f"{job.doc_id}\0{job.digest}".encode()).hexdigest()[:24]
        key = f"paralign-pair-{ident}-{tag}" + (f"-retry{attempt}" if attempt else "")
        fut = client.submit(align_job, job, make_aligner, config, presplit, lex, key=key, retries=0)
        running[fut.key] = (job, attempt)
        done.add(fut)

    def refill() -> None:
        while len(running) < width():
            job = next(source, None)
            if job is None:
                return
            submit(job, 0)

    refill()
    for fut in done:
        job, attempt = running.pop(fut.key)
        try:
            result: PairResult = fut.result()
        except KilledWorker as exc:
            log.warning("pair %s killed its Dask worker(s): recorded as failed", job.doc_id)
            result = PairResult(job.doc_id, job.digest, None,
                                f"WorkerDied: the worker processes aligning it died ({exc})",
                                0.0)
        except Exception as exc:  # anything else escaping the task: retry once elsewhere
            if attempt == 0:
                log.warning("pair %s: %s: %s; retrying", job.doc_id, type(exc).__name__, exc)
                fut.release()
                submit(job, 1)
                continue
            result = PairResult(job.doc_id, job.digest, None, f"{type(exc).__name__}: {exc}",
                                0.0)
        fut.release()
        refill()
        yield result
