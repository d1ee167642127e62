"""paralign.blas: BLAS thread settings shared by the threads of one process."""

from __future__ import annotations

import threading
import time

import numpy  # noqa: F401  (loads the BLAS library that threadpoolctl finds)
import pytest
from threadpoolctl import threadpool_info

from paralign import blas
from paralign.blas import blas_mode, one_blas_thread


def blas_threads() -> set[int]:
    return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


def wait_until(cond, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise AssertionError("timed out")
        time.sleep(0.005)


@pytest.fixture(autouse=True)
def no_holders():
    yield
    assert blas._held["holders"] == 0 and not blas._waiting


@pytest.mark.parametrize("mode, inside", [(1, {1}), (None, None)])
def test_a_mode_applies_its_count_and_the_last_holder_restores_it(mode, inside):
    before = blas_threads()
    if not before:
        pytest.skip("no BLAS library seen by threadpoolctl")
    with blas_mode(mode):
        assert blas_threads() == (inside if inside is not None else before)
    assert blas_threads() == before


def test_one_blas_thread_is_mode_one():
    if not blas_threads():
        pytest.skip("no BLAS library seen by threadpoolctl")
    with one_blas_thread():
        assert blas_threads() == {1}
        assert blas._held["mode"] == 1


def _done() -> threading.Event:
    e = threading.Event()
    e.set()
    return e


def _hold(mode, entered: threading.Event, release: threading.Event, log: list, name: str):
    with blas_mode(mode):
        log.append(name)
        entered.set()
        release.wait(10)


@pytest.mark.parametrize("first, second, together", [
    (1, 1, True),         # the same mode is shared
    (None, None, True),
    (1, None, False),     # another mode waits for the holders
    (None, 1, False),
])
def test_threads_share_a_mode_and_wait_for_another(first, second, together):
    log: list[str] = []
    e1, e2, release = threading.Event(), threading.Event(), threading.Event()
    a = threading.Thread(target=_hold, args=(first, e1, release, log, "a"))
    a.start()
    assert e1.wait(10)
    b = threading.Thread(target=_hold, args=(second, e2, _done(), log, "b"))
    b.start()
    if together:
        assert e2.wait(10)               # in while a still holds its mode
        b.join(10)
        assert log == ["a", "b"] and blas._held["holders"] == 1
    else:
        wait_until(lambda: second in blas._waiting.values())
        assert not e2.is_set() and log == ["a"]
    release.set()
    a.join(10)
    b.join(10)
    assert log == ["a", "b"]


def test_a_waiting_mode_is_not_starved_by_new_holders_of_the_held_one():
    log: list[str] = []
    ea, eb, ec, release_a = (threading.Event() for _ in range(4))
    a = threading.Thread(target=_hold, args=(1, ea, release_a, log, "a"))
    a.start()
    assert ea.wait(10)
    b = threading.Thread(target=_hold, args=(None, eb, _done(), log, "b"))
    b.start()
    wait_until(lambda: None in blas._waiting.values())
    c = threading.Thread(target=_hold, args=(1, ec, _done(), log, "c"))
    c.start()
    wait_until(lambda: 1 in blas._waiting.values())
    assert log == ["a"]                  # c does not join a's mode while b waits
    release_a.set()
    for t in (a, b, c):
        t.join(10)
    assert log == ["a", "b", "c"]


def test_a_nested_request_runs_under_the_mode_this_thread_holds():
    if not blas_threads():
        pytest.skip("no BLAS library seen by threadpoolctl")
    with blas_mode(1):
        with blas_mode(None):            # would deadlock if it waited for itself
            assert blas_threads() == {1}
            assert blas._held["holders"] == 1
        assert blas_threads() == {1}


def test_an_error_inside_releases_the_mode():
    before = blas_threads()
    with pytest.raises(ZeroDivisionError):
        with blas_mode(1):
            1 / 0
    assert blas._held["holders"] == 0 and blas_threads() == before
