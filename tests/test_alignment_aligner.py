"""paralign.alignment.aligner: the chunks of a long document searched on several threads.

The beads must not depend on the number of threads (the chunks take turns, in order, to
embed their windows), and a failure in any chunk must surface as itself.
"""

from __future__ import annotations

import threading

import pytest

from fake_encoders import HashEncoder
from paralign import AlignConfig, Aligner
from paralign.alignment import aligner as aligner_module

N, M = 1000, 1100       # several chunks; the target side has more sentences: merges


class RecordingEncoder(HashEncoder):
    """A HashEncoder that records what it was asked, in order, and from which thread."""

    def __init__(self, fail_at: int | None = None) -> None:
        super().__init__()
        self.asked: list[tuple[str, ...]] = []
        self.threads: set[int] = set()
        self.fail_at = fail_at

    def encode(self, texts):
        self.asked.append(tuple(texts))
        self.threads.add(threading.get_ident())
        if self.fail_at is not None and len(self.asked) == self.fail_at:
            raise RuntimeError("the encoder broke")
        return super().encode(texts)


def texts(n: int = N, m: int = M) -> tuple[list[str], list[str]]:
    return ([f"第{i}个句子。" for i in range(n)], [f"Sentence {i}." for i in range(m)])


def run(threads: int, enc: RecordingEncoder | None = None, **settings):
    enc = enc or RecordingEncoder()
    config = AlignConfig(cache=False, progress=False, threads=threads, **settings)
    al = Aligner(config, encoder=enc).align(*texts())
    return al, enc


@pytest.fixture(scope="module")
def one_thread():
    return run(1, realign=200)


@pytest.mark.parametrize("threads", [2, 3])
def test_any_number_of_threads_gives_the_beads_of_one(one_thread, threads):
    al1, enc1 = one_thread
    al, enc = run(threads, realign=200)
    assert al.stats["chunks"] >= 2 and al.stats["windows_embedded"] > 0
    assert "seconds_lexicon" in al.stats           # both passes ran
    assert [(b.src, b.tgt, b.score) for b in al.beads] == \
        [(b.src, b.tgt, b.score) for b in al1.beads]
    assert al.stats["windows_embedded"] == al1.stats["windows_embedded"]
    # the encoder was asked the same things in the same order
    assert enc.asked == enc1.asked
    assert al.signature == al1.signature


def test_threads_do_run_the_chunks(one_thread):
    _, enc1 = one_thread
    _, enc = run(2, realign=0)
    assert len(enc1.threads) == 1
    assert len(enc.threads) >= 2        # windows embedded from the worker threads


@pytest.mark.parametrize("threads", [1, 2])
def test_an_encoder_failure_in_a_chunk_is_raised_as_itself(threads):
    # call 1 and 2 embed the sentences; the later calls are the chunks' windows
    with pytest.raises(RuntimeError, match="the encoder broke"):
        run(threads, RecordingEncoder(fail_at=4), realign=0)


@pytest.mark.parametrize("threads", [1, 2])
def test_a_search_failure_in_a_later_chunk_is_raised_as_itself(monkeypatch, threads):
    calls = []
    real = aligner_module.plausible_merges

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise ValueError("search broke in chunk 2")
        return real(*args, **kwargs)

    monkeypatch.setattr(aligner_module, "plausible_merges", flaky)
    with pytest.raises(ValueError, match="search broke in chunk 2"):
        run(threads, realign=0)


@pytest.mark.parametrize("setting, cores, expected", [
    (None, 1, 1), (None, 2, 2), (None, 16, 2), (1, 16, 1), (3, 1, 3),
])
def test_threads_setting(monkeypatch, setting, cores, expected):
    monkeypatch.setattr(aligner_module.os, "sched_getaffinity", lambda pid: set(range(cores)))
    assert aligner_module._threads(setting) == expected


def test_a_short_document_stays_on_one_thread():
    enc = RecordingEncoder()
    al = Aligner(AlignConfig(cache=False, progress=False, threads=4), encoder=enc).align(
        ["第一句。", "第二句。"], ["One.", "Two."])
    assert al.stats["chunks"] == 1 and enc.threads == {threading.get_ident()}
