"""Resource bounds and verdicts on hostile sizes: an over-long "sentence" is compared by its
first MAX_SENTENCE_CHARS characters (never handed whole to jieba), line splitting is one pass
(bench/segment.py shows it linear) and gives exactly the spans of the quadratic splitter it
replaced, and pairs too short to judge say so.
"""

from __future__ import annotations

import importlib
import logging

import pytest

from fake_encoders import HashEncoder
from hostile_kit import register_fast_encoder, run_cli
from paralign import AlignConfig, Aligner
from paralign.alignment import aligner as aligner_mod
from paralign.text.paragraphs import line_spans

words_mod = importlib.import_module("paralign.text.words")


def _aligner() -> Aligner:
    return Aligner(AlignConfig(cache=False, progress=False), encoder=HashEncoder())


@pytest.mark.parametrize("zh_len, en_len", [(6000, 100), (12_000, 30_000), (5001, 5001)])
def test_an_over_long_sentence_is_compared_by_its_start_and_kept_whole(monkeypatch, caplog,
                                                                       zh_len, en_len):
    seen: list[int] = []
    real = words_mod.words
    words_mod.forget_zh_words()  # words are memoized per text: a case before may have cut them

    def spy(text, lang):
        seen.append(len(text))
        return real(text, lang)
    monkeypatch.setattr(words_mod, "words", spy)
    zh = ["我们今天去公园" * (zh_len // 7 + 1), "他走了。"]
    en = [("We went to the park " * (en_len // 20 + 1))[:en_len], "He left."]
    zh[0] = zh[0][:zh_len]
    with caplog.at_level(logging.WARNING):
        al = _aligner().align(zh, en)
    assert max(seen) <= aligner_mod.MAX_SENTENCE_CHARS
    assert [b.src_text for b in al.beads if b.src][0] == zh[0]  # the output keeps it whole
    assert al.src[0].text == zh[0]
    assert al.src[0].norm == zh[0][:aligner_mod.MAX_SENTENCE_CHARS]  # the compared view
    assert any("longer than 5000 characters" in r.getMessage() for r in caplog.records)


def test_sentences_within_the_bound_are_untouched(caplog):
    zh = ["我们今天去公园" * 700, "他走了。"]  # 4,900 characters
    with caplog.at_level(logging.WARNING):
        _aligner().align(zh, ["We went to the park.", "He left."])
    assert not any("longer than" in r.getMessage() for r in caplog.records)


# (id, source sentences, target sentences, verdict)
VERDICTS = [
    ("one-and-one", ["我爱你。"], ["The stock market fell."], "too short to judge"),
    ("two-and-two", ["我爱你。", "他走了。"], ["Rain.", "Stocks fell."], "too short to judge"),
    ("two-and-five", ["我爱你。", "他走了。"], ["A.", "B.", "C.", "D.", "E."],
     "too short to judge"),
]


@pytest.mark.parametrize("src, tgt, verdict", [v[1:] for v in VERDICTS], ids=[v[0] for v in VERDICTS])
def test_short_pairs_are_too_short_to_judge(src, tgt, verdict):
    assert _aligner().align(src, tgt).stats["parallel"] == verdict


def test_longer_pairs_get_a_verdict():
    zh = ["我们今天去公园。", "天气很好。", "孩子们在草地上玩。", "他昨天到了北京。"]
    al = _aligner().align(zh, zh)  # a text against itself: surely parallel
    assert al.stats["parallel"] == "yes"


def test_the_command_line_says_too_short_to_judge(tmp_path, capsys, caplog):
    zh, en = tmp_path / "zh.txt", tmp_path / "en.txt"
    zh.write_text("我爱你。\n", encoding="utf-8")
    en.write_text("The stock market fell sharply today.\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        rc, _, err = run_cli(["align", str(zh), str(en), "-o", str(tmp_path / "o.tsv"),
                              *register_fast_encoder()], capsys)
    assert rc == 0, err
    assert any(r.levelno == logging.WARNING and "too short to judge whether they are "
               "translations" in r.getMessage() for r in caplog.records)


def _reference_line_spans(text, start=0, end=None):
    """The old (quadratic) splitter, kept once, in bench/segment.py: the new one must give
    exactly its spans."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "bench" / "segment.py"
    spec = importlib.util.spec_from_file_location("bench_segment", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench.old_line_spans(text, start, end)


@pytest.mark.parametrize("text", ["", "a", "a\n", "\n", "a\r\nb", "a\rb\n\nc", "\r\n\r\n", "x\r",
                                  "ab\n\r\ncd\r\r", "一\u2028二\n三", "abc\ndef\n" * 50])
def test_line_spans_match_the_old_splitter_on_every_slice(text):
    for s in range(len(text) + 1):
        for e in [None, *range(s, len(text) + 1)]:
            assert line_spans(text, s, e) == _reference_line_spans(text, s, e), (text, s, e)


# (parallelism, confidences of the beads pairing both sides, verdict): "no" needs both signs
JUDGED = [
    (0.05, [0.4, 0.5, 0.3, 0.6], "no"),       # unrelated: few neighbours, unsure beads
    (0.12, [0.95, 0.9, 0.97, 0.6], "yes"),    # a genealogy: few neighbours, sure beads
    (0.60, [0.3, 0.4, 0.2, 0.5], "yes"),      # neighbours agree with the path
    (0.29, [0.79, 0.79, 0.79], "no"),         # both just under their lines
    (0.30, [0.1, 0.1, 0.1], "yes"),           # parallelism on the line: not below it
    (0.10, [0.80, 0.80, 0.80], "yes"),        # confidence on the line
    (0.00, [], "no"),                          # nothing paired at all
]


@pytest.mark.parametrize("par, confs, verdict", JUDGED)
def test_the_verdict_needs_low_parallelism_and_unsure_beads(par, confs, verdict):
    from paralign.alignment.bead import Bead
    from paralign.alignment.confidence import parallel_verdict
    from paralign.text import from_sentences

    beads = [Bead((k,), (k,), c) for k, c in enumerate(confs)] + [Bead((len(confs),), (), 0.5)]
    n = len(beads)
    sdoc = from_sentences([f"第{k}句。" for k in range(max(n, 3))])
    tdoc = from_sentences([f"Sentence {k}." for k in range(max(n, 3))])
    assert parallel_verdict(sdoc, tdoc, par, beads) == verdict
