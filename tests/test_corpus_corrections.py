"""paralign.corpus.corrections: the corrections file of the report's review loop, checked,
applied (``paralign apply``) and kept by the corpus. The browser side is in test_report.py."""

from __future__ import annotations

import copy
import json

import pytest

from paralign.alignment.bead import Alignment, Bead
from paralign.cli import main
from paralign.corpus import ParallelCorpus, read_tsv
from paralign.corpus.corrections import (Corrections, apply_corrections, load_corrections,
                                         sentences_sha256)
from paralign.errors import FormatError, InputError
from paralign.pipeline import read_pair

ZH = ["蘇聯於一九九0年和南韓建交。", "莫斯科與漢城發展密切的經貿關係。", "但並未放棄對平壤的支持。",
      "一九九一年俄羅斯繼承蘇聯。"]
EN = ["The Soviet Union opened relations with South Korea in 1990.",
      "Moscow developed close trade with Seoul.", "It did not give up supporting Pyongyang.",
      "Neither politically nor militarily.", "In 1991 Russia succeeded the Soviet Union."]
# what an aligner made of them: the third bead is wrong (the 2-1 should be 1-2)
ALIGNER = [((0,), (0,), 0.93), ((1, 2), (1,), 0.41), ((), (2, 3), 0.5), ((3,), (4,), 0.9)]


@pytest.fixture
def files(tmp_path):
    zh, en = tmp_path / "a.zh.txt", tmp_path / "a.en.txt"
    zh.write_text("\n".join(ZH) + "\n", encoding="utf-8")
    en.write_text("\n".join(EN) + "\n", encoding="utf-8")
    return zh, en


@pytest.fixture
def docs(files):
    return read_pair(*files, presplit=True)


def aligned(docs, beads=ALIGNER, signature="paralign 0.1.0|enc:test") -> Alignment:
    return Alignment(*docs, [Bead(s, t, sc) for s, t, sc in beads], signature=signature,
                     parallelism=0.7)


def corrected(docs, beads) -> dict:
    """The corrections file of ``aligned(docs)`` with ``beads`` ((src, tgt, score, origin))."""
    data = Corrections.from_alignment(aligned(docs)).to_dict()
    data["beads"] = [{"src": list(s), "tgt": list(t), "score": sc, "origin": o}
                     for s, t, sc, o in beads]
    return data


# the reviewer's fix of ALIGNER: merge beads 2 and 3, split the result, mark the last wrong
REVIEWED = [((0,), (0,), 0.93, "aligner"), ((1,), (1,), 1.0, "split"),
            ((2,), (2, 3), 1.0, "split"), ((3,), (4,), 0.9, "wrong")]


def test_round_trip_keeps_beads_origins_and_hashes(docs):
    al = Alignment(*docs, [Bead(s, t, sc, origin=o) for s, t, sc, o in REVIEWED],
                   signature="sig", parallelism=0.7)
    data = json.loads(Corrections.from_alignment(al).to_json())
    assert data["format"] == "paralign-corrections" and data["version"] == 1
    assert data["source"] == {"tag": "zh-Hant", "file": "a.zh.txt", "sentences": 4,
                              "sha256": sentences_sha256(ZH)}
    assert data["target"]["sha256"] == sentences_sha256(docs[1]) == sentences_sha256(EN)
    back = Corrections.from_dict(data)
    assert [(b.src, b.tgt, b.score, b.origin) for b in back.beads] == REVIEWED
    assert back.edits() == {"split": 2, "wrong": 1}
    assert (back.signature, back.parallelism) == ("sig", 0.7)
    applied = back.apply(*docs)  # applied and read back, the file is the file
    again = Corrections.from_alignment(applied).to_dict()
    assert again["beads"] == data["beads"] and again["source"] == data["source"]
    assert again["signature"] == applied.signature == Corrections.from_dict(again).apply(
        *docs).signature


# (edited beads, expected beads of the applied alignment: (src, tgt, origin))
APPLIED = [
    ([(s, t, sc, "aligner") for s, t, sc in ALIGNER],
     [((0,), (0,), "aligner"), ((1, 2), (1,), "aligner"), ((), (2, 3), "aligner"),
      ((3,), (4,), "aligner")]),
    (REVIEWED,  # a bead marked wrong becomes its two unpaired halves
     [((0,), (0,), "aligner"), ((1,), (1,), "split"), ((2,), (2, 3), "split"),
      ((3,), (), "wrong"), ((), (4,), "wrong")]),
    ([((0, 1, 2, 3), (0, 1, 2, 3, 4), 1.0, "merge")], [((0, 1, 2, 3), (0, 1, 2, 3, 4), "merge")]),
    ([((0,), (), None, "wrong"), ((), (0,), None, "wrong"), ((1, 2, 3), (1, 2, 3, 4), 1.0, "merge")],
     [((0,), (), "wrong"), ((), (0,), "wrong"), ((1, 2, 3), (1, 2, 3, 4), "merge")]),
]


@pytest.mark.parametrize("beads, expected", APPLIED)
def test_apply(docs, beads, expected):
    al = apply_corrections(Corrections.from_dict(corrected(docs, beads)), *docs)
    assert [(b.src, b.tgt, b.origin) for b in al.beads] == expected
    assert al.beads[0].src_text == "".join(ZH[i] for i in expected[0][0])
    assert al.signature.startswith("paralign 0.1.0|enc:test|corrections:")
    assert al.parallelism == 0.7


def _set(path, value):
    def change(root):
        *head, last = path
        d = root
        for k in head:
            d = d[k]
        if value is KeyError:
            del d[last]
        else:
            d[last] = value
        return root
    return change


# (how the file is broken, what the one-line error says)
MALFORMED = [
    (lambda d: [d], "not a paralign corrections file"),
    (_set(["format"], "tmx"), "not a paralign corrections file"),
    (_set(["version"], 2), "newer than this paralign reads"),
    (_set(["version"], "1"), "positive integer"),
    (_set(["source"], KeyError), '"source" must be an object'),
    (_set(["target", "sha256"], "abc"), "64 hex digits"),
    (_set(["target", "sentences"], -1), '"sentences" must be a count'),
    (_set(["beads"], {}), '"beads" must be a list'),
    (_set(["beads", 0, "src"], "0"), "list of sentence numbers"),
    (_set(["beads", 0, "src"], [-1]), "list of sentence numbers"),
    (_set(["beads", 0, "tgt"], [True]), "list of sentence numbers"),
    (_set(["beads", 0, "score"], 1.5), "number in [0, 1]"),
    (_set(["beads", 0, "origin"], "robot"), '"origin" must be one of'),
    (_set(["beads", 0], {"src": [], "tgt": []}), "bead 1 is empty"),
    (_set(["beads", 1, "src"], [2]), "bead 2 has source sentences [2], expected sentence 1"),
    (_set(["beads", 1, "src"], [1, 3]), "expected consecutive sentences"),
    (lambda d: d.update(beads=d["beads"][:-1]) or d, "cover 3 source and 4 target"),
    (_set(["signature"], 7), '"signature" and "created" must be strings'),
    (_set(["parallelism"], "high"), '"parallelism" must be a number'),
]


@pytest.mark.parametrize("breaks, message", MALFORMED)
def test_malformed_corrections_are_refused(docs, breaks, message):
    data = breaks(copy.deepcopy(Corrections.from_alignment(aligned(docs)).to_dict()))
    with pytest.raises(FormatError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Corrections.from_dict(data, "c.json")


@pytest.mark.parametrize("content, message", [
    (b'{"format": "paralign-corrections", "version": 1,', "malformed JSON: Expecting"),
    (b"\xff\xfe{}", "not UTF-8 text"),
    (b"", "malformed JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "JSON nested too deeply"),
])
def test_load_refuses_what_is_not_json(tmp_path, content, message):
    path = tmp_path / "c.json"
    path.write_bytes(content)
    with pytest.raises(FormatError, match=message):
        load_corrections(path)


@pytest.mark.parametrize("other, message", [
    (ZH[:3], "its source has 4 sentence\\(s\\), the source given .* has 3"),
    (ZH[:3] + ["一九九一年俄罗斯继承苏联。"], "the source given .* has the same number of "
                                            "sentences but not the same sentences"),
])
def test_other_texts_are_refused(docs, tmp_path, other, message):
    corr = Corrections.from_alignment(aligned(docs))
    path = tmp_path / "other.zh.txt"
    path.write_text("\n".join(other), encoding="utf-8")
    src, _ = read_pair(path, tmp_path / "a.en.txt", presplit=True)
    with pytest.raises(InputError, match="is for other texts: " + message):
        corr.apply(src, docs[1])


# -- the command line ---------------------------------------------------------------------

def _write(path, data):
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_cli_apply_writes_the_corrected_beads(files, docs, tmp_path, capsys):
    corr = _write(tmp_path / "a.corrections.json", corrected(docs, REVIEWED))
    out, db = tmp_path / "out.tsv", tmp_path / "c.db"
    rc = main(["apply", str(corr), *map(str, files), "--presplit", "-o", str(out),
               "--corpus", str(db)])
    assert rc == 0
    said = capsys.readouterr().out
    assert "5 beads" in said and "split 2, wrong 1" in said
    units = list(read_tsv(out).pairs(skip_null=False))
    assert [(u.src_idx, u.tgt_idx) for u in units] == [b[:2] for b in APPLIED[1][1]]
    with ParallelCorpus(db, readonly=True) as c:
        assert [(p.src_idx, p.tgt_idx, p.origin) for p in c.pairs(skip_null=False)] \
            == APPLIED[1][1]
        assert [p.tgt for p in c.pairs()] == [EN[0], EN[1], EN[2] + " " + EN[3]]
    tmx = tmp_path / "out.tmx"
    assert main(["apply", str(corr), *map(str, files), "--presplit", "-o", str(tmx),
                 "--src-lang", "zh-HK"]) == 0
    text = tmx.read_text(encoding="utf-8")
    assert text.count("</tu>") == 3  # the unpaired halves are not translation units
    assert 'xml:lang="zh-HK"' in text
    assert "left out 2 null beads" in capsys.readouterr().out
    assert main(["apply", str(corr), *map(str, files), "--presplit", "-o", "-"]) == 0
    said = capsys.readouterr()
    assert said.out.count("\n") == 6 and EN[1] in said.out  # TSV: a header and 5 beads
    assert "reviewer's edits" in said.err


@pytest.mark.parametrize("args, message", [
    (["{bad}", "{zh}", "{en}", "--presplit", "-o", "{out}"], "malformed JSON: Expecting"),
    (["{good}", "{en}", "{zh}", "--presplit", "-o", "{out}"], "is for other texts"),
    (["{good}", "{zh}", "{en}", "--presplit"], "nothing to write"),
    (["{missing}", "{zh}", "{en}", "--presplit", "-o", "{out}"], "no such file"),
    (["{good}", "{zh}", "{en}", "--presplit", "-o", "{good}"], "c.json"),  # an input
    (["{good}", "{zh}", "--presplit", "-o", "{out}"], "--presplit needs two files"),
])
def test_cli_apply_errors_are_one_line(files, docs, tmp_path, capsys, args, message):
    names = {"good": _write(tmp_path / "c.json", corrected(docs, REVIEWED)),
             "bad": tmp_path / "bad.json", "missing": tmp_path / "nope.json",
             "zh": files[0], "en": files[1], "out": tmp_path / "out.tmx"}
    names["bad"].write_text('{"format": oops', encoding="utf-8")
    assert main(["apply", *(a.format(**names) for a in args)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("paralign: error: ") and message in err, err
    assert not (tmp_path / "out.tmx").exists()


# -- the corpus keeps a correction ----------------------------------------------------------

def test_corpus_keeps_a_correction_when_the_pair_is_added_again(docs, tmp_path, caplog):
    fixed = Corrections.from_dict(corrected(docs, REVIEWED)).apply(*docs)
    other = aligned(read_pair(*_two(tmp_path), presplit=True), [((0,), (0,), 0.8)])
    with ParallelCorpus(tmp_path / "c.db") as c:
        c.add(aligned(docs), doc_id="a")
        assert {p.origin for p in c.pairs(skip_null=False)} == {"aligner"}
        c.add(fixed, doc_id="a")
        c.add(other, doc_id="b")
        stored = c.corrections()
        assert [(s["doc_id"], s["edits"]) for s in stored] == [("a", {"split": 2, "wrong": 1})]
        # a batch run again: the aligner's beads come back, the reviewer's stay
        with caplog.at_level("INFO", logger="paralign.corpus.store"):
            c.add(aligned(docs), doc_id="a")
        assert "with the reviewer's corrections" in caplog.text
        got = [(p.src_idx, p.tgt_idx, p.origin) for p in c.pairs(doc_id="a", skip_null=False)]
        assert got == APPLIED[1][1]
        assert [p.origin for p in c.pairs(doc_id="b")] == ["aligner"]  # other texts: untouched
        c.add(aligned(docs), doc_id="a", keep_corrections=False)  # the reviewer's fix dropped
        assert {p.origin for p in c.pairs(doc_id="a", skip_null=False)} == {"aligner"}
        assert c.corrections() == []
        c.add(aligned(docs), doc_id="a")
        assert {p.origin for p in c.pairs(doc_id="a", skip_null=False)} == {"aligner"}


def _two(tmp_path):
    zh, en = tmp_path / "b.zh.txt", tmp_path / "b.en.txt"
    zh.write_text("老人在河边钓鱼。\n", encoding="utf-8")
    en.write_text("The old man was fishing by the river.\n", encoding="utf-8")
    return zh, en
