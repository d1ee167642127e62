"""TMX 1.4b: writer checked by the spec validator, reader on other tools' files, safety."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from test_corpus_helpers import make_alignment
from paralign.corpus import ParallelCorpus, read_tmx, validate_tmx, write_units
from paralign.corpus.formats import Unit
from paralign.corpus.tmx import iter_tmx, strip_illegal_xml
from paralign.errors import FormatError

DATA = Path(__file__).parent / "data" / "corpus"


def written(tmp_path, source, name="x.tmx", **kw) -> Path:
    path = tmp_path / name
    if hasattr(source, "beads"):
        source.to_tmx(path, **kw)
    else:
        write_units(source, path, **kw)
    assert validate_tmx(path) == [], path.read_text("utf-8")[:2000]
    return path


def test_header_and_units_follow_the_design(tmp_path):
    al = make_alignment()
    path = tmp_path / "a.tmx"
    al.to_tmx(path, creationdate=datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
    assert validate_tmx(path) == []
    text = path.read_text("utf-8")
    assert text.startswith("<?xml version='1.0' encoding='utf-8'?>\n<tmx version=\"1.4\">")
    for attr in ('creationtool="paralign"', 'creationtoolversion="0.1.0"', 'segtype="sentence"',
                 'o-tmf="paralign"', 'adminlang="en"', 'srclang="zh-TW"',
                 'datatype="plaintext"', 'creationdate="20240102T030405Z"'):
        assert attr in text
    assert text.count("<tu>") == 3  # the 1-0 bead is skipped
    assert '<prop type="x-bead">1:1,2</prop>' in text
    assert '<prop type="x-doc-id">doc</prop>' in text
    assert '<prop type="x-score">0.7</prop>' in text
    assert '<prop type="x-signature">paralign test</prop>' in text
    assert text.count('xml:lang="zh-TW"') == 3 and text.count('xml:lang="en"') == 3


@pytest.mark.parametrize("script, kw, tag", [
    ("Hant", {}, "zh-TW"), ("Hans", {}, "zh-CN"), (None, {}, "zh"),
    ("Hant", {"src_lang": "zh-Hant"}, "zh-Hant"),
])
def test_language_tags(tmp_path, script, kw, tag):
    path = written(tmp_path, make_alignment(script=script), **kw)
    text = path.read_text("utf-8")
    assert f'xml:lang="{tag}"' in text and f'srclang="{tag}"' in text


def test_null_beads_can_be_kept(tmp_path):
    path = written(tmp_path, make_alignment(), skip_null=False)
    assert path.read_text("utf-8").count("<tu>") == 4


def test_illegal_characters_are_stripped_and_logged(tmp_path, caplog):
    units = [Unit("d", (0,), (0,), "a\x00b\x0bc\ufffe", "\x1fok\ud800")]
    path = written(tmp_path, units)
    assert "stripped 5 character" in caplog.text
    assert [(u.src, u.tgt) for u in iter_tmx(path)] == [("abc", "ok")]


def test_round_trip_of_a_corpus_with_mixed_scripts(tmp_path):
    c = ParallelCorpus(tmp_path / "c.db")
    c.add(make_alignment(script="Hant"), doc_id="t")
    c.add(make_alignment(["经济。"], ["Economy."], [((0,), (0,), 0.5)], script="Hans"),
          doc_id="s")
    path = tmp_path / "c.tmx"
    assert c.to_tmx(path) == 4
    assert validate_tmx(path) == []
    assert 'srclang="zh"' in path.read_text("utf-8")
    back = read_tmx(path)
    assert [(p.doc_id, p.src_idx, p.tgt_idx, p.src, p.tgt, p.score, p.src_lang)
            for p in back.pairs()] == [
        (p.doc_id, p.src_idx, p.tgt_idx, p.src, p.tgt, p.score, p.src_lang)
        for p in c.pairs()]
    assert {d.doc_id: d.src_script for d in back.docs()} == {"t": "Hant", "s": "Hans"}


FOREIGN = [
    # (file, kwargs, expected pairs)
    ("multilang.tmx", {}, [("你好，世界。", "Hello, world."), ("再見。", "Goodbye.")]),
    ("multilang.tmx", {"src_lang": "fr", "tgt_lang": "en"},
     [("Bonjour le monde.", "Hello, world.")]),
    ("multilang.tmx", {"src_lang": "zh-TW", "tgt_lang": "de"}, [("再見。", "Auf Wiedersehen.")]),
    ("tmx11_lang.tmx", {}, [("早上好。", "Good morning.")]),
    ("inline.tmx", {}, [("点击确定按钮。", "Click the OK button.")]),
    ("utf16.tmx", {}, [("中文𠀀😀。", "Chinese.")]),
]


@pytest.fixture(scope="module", autouse=True)
def utf16_file():
    """tests/data/corpus/utf16.tmx, made from text here so the source stays readable."""
    DATA.mkdir(parents=True, exist_ok=True)
    text = ('<?xml version="1.0" encoding="UTF-16"?>\n<tmx version="1.4"><header '
            'creationtool="x" creationtoolversion="1" segtype="sentence" o-tmf="x" '
            'adminlang="en" srclang="zh-CN" datatype="plaintext"/><body><tu>'
            '<tuv xml:lang="zh-CN"><seg>中文𠀀😀。</seg></tuv><tuv xml:lang="en-US">'
            '<seg>Chinese.</seg></tuv></tu></body></tmx>\n')
    path = DATA / "utf16.tmx"
    if not path.exists() or path.read_bytes() != text.encode("utf-16"):
        path.write_bytes(text.encode("utf-16"))


@pytest.mark.parametrize("name, kw, expected", FOREIGN)
def test_reads_tmx_from_other_tools(name, kw, expected):
    corpus = read_tmx(DATA / name, **kw)
    assert [(p.src, p.tgt) for p in corpus.pairs()] == expected


def test_multilang_file_is_valid_tmx():
    assert validate_tmx(DATA / "multilang.tmx") == []
    assert validate_tmx(DATA / "inline.tmx") == []


@pytest.mark.parametrize("body, problem", [
    ('<tmx version="1.3"><header creationtool="a" creationtoolversion="1" segtype="sentence" '
     'o-tmf="a" adminlang="en" srclang="en" datatype="plaintext"/><body/></tmx>',
     "version is '1.3'"),
    ('<tmx version="1.4"><body/><header creationtool="a" creationtoolversion="1" '
     'segtype="sentence" o-tmf="a" adminlang="en" srclang="en" datatype="plaintext"/></tmx>',
     "must hold <header> then <body>"),
    ('<tmx version="1.4"><header creationtool="a" segtype="sentence" o-tmf="a" adminlang="en" '
     'srclang="en" datatype="plaintext"/><body/></tmx>', "creationtoolversion"),
    ('<tmx version="1.4"><header creationtool="a" creationtoolversion="1" segtype="word" '
     'o-tmf="a" adminlang="en" srclang="en" datatype="plaintext"/><body/></tmx>', "segtype"),
    ('<tmx version="1.4"><header creationtool="a" creationtoolversion="1" segtype="sentence" '
     'o-tmf="a" adminlang="en" srclang="en" datatype="plaintext" creationdate="2024-01-01"/>'
     '<body/></tmx>', "YYYYMMDDThhmmssZ"),
    ('<tmx version="1.4"><header creationtool="a" creationtoolversion="1" segtype="sentence" '
     'o-tmf="a" adminlang="en" srclang="en" datatype="plaintext"/><body><tu><tuv xml:lang="en">'
     '<seg>a</seg></tuv></tu></body></tmx>', "at least 2"),
    ('<tmx version="1.4"><header creationtool="a" creationtoolversion="1" segtype="sentence" '
     'o-tmf="a" adminlang="en" srclang="en" datatype="plaintext"/><body><tu><tuv xml:lang="en">'
     '<seg>a</seg></tuv><tuv lang="fr"><seg>b</seg></tuv></tu></body></tmx>', "TMX 1.1"),
    ('<tmx version="1.4"><header creationtool="a" creationtoolversion="1" segtype="sentence" '
     'o-tmf="a" adminlang="en" srclang="en" datatype="plaintext"/><body><tu><tuv xml:lang="en">'
     '<seg>a</seg><seg>b</seg></tuv><tuv xml:lang="fr"><seg>b</seg></tuv></tu></body></tmx>',
     "exactly 1"),
    ('<tmx version="1.4"><header creationtool="a" creationtoolversion="1" segtype="sentence" '
     'o-tmf="a" adminlang="en" srclang="en" datatype="plaintext"/><body><tu><tuv xml:lang="en">'
     '<seg>a</seg><prop type="x">p</prop></tuv><tuv xml:lang="fr"><seg>b</seg></tuv></tu>'
     '</body></tmx>', "after <seg>"),
    ('<tmx version="1.4"><header creationtool="a" creationtoolversion="1" segtype="sentence" '
     'o-tmf="a" adminlang="en" srclang="de" datatype="plaintext"/><body><tu><tuv xml:lang="en">'
     '<seg>a</seg></tuv><tuv xml:lang="fr"><seg>b</seg></tuv></tu></body></tmx>',
     "source language"),
    ('<tmx version="1.4"><header creationtool="a" creationtoolversion="1" segtype="sentence" '
     'o-tmf="a" adminlang="en" srclang="en" datatype="plaintext"/><body><tu><tuv xml:lang="en">'
     '<seg>a<bpt i="1">&lt;b&gt;</bpt><b>x</b></seg></tuv><tuv xml:lang="fr"><seg>b</seg></tuv>'
     '</tu></body></tmx>', "do not pair up"),
    ('<tmx version="1.4"><header creationtool="a" creationtoolversion="1" segtype="sentence" '
     'o-tmf="a" adminlang="en" srclang="en" datatype="plaintext"/><body><tuv/></body></tmx>',
     "only <tu>"),
    ('<tmx version="1.4"><header creationtool="a" creationtoolversion="1" segtype="sentence" '
     'o-tmf="a" adminlang="en" srclang="en" datatype="plaintext"/><body><tu><prop>x</prop>'
     '<tuv xml:lang="en"><seg>a</seg></tuv><tuv xml:lang="fr"><seg>b</seg></tuv></tu></body>'
     '</tmx>', "lacks type"),
])
def test_validator_finds_spec_violations(tmp_path, body, problem):
    path = tmp_path / "bad.tmx"
    path.write_text(body, encoding="utf-8")
    problems = validate_tmx(path)
    assert any(problem in p for p in problems), problems


# -- safety ------------------------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE tmx [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<tmx version="1.4"><header/><body><tu><tuv xml:lang="zh"><seg>&lol9;</seg></tuv>
<tuv xml:lang="en"><seg>x</seg></tuv></tu></body></tmx>
"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE tmx [<!ENTITY xxe SYSTEM "file://{target}">]>
<tmx version="1.4"><header/><body><tu><tuv xml:lang="zh"><seg>&xxe;</seg></tuv>
<tuv xml:lang="en"><seg>x</seg></tuv></tu></body></tmx>
"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE tmx SYSTEM "http://192.0.2.1/tmx14.dtd">
<tmx version="1.4"><header/><body><tu><tuv xml:lang="zh"><seg>中</seg></tuv>
<tuv xml:lang="en"><seg>x</seg></tuv></tu></body></tmx>
"""

PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE tmx [<!ENTITY % ext SYSTEM "file://{target}"> %ext;]>
<tmx version="1.4"><header/><body/></tmx>
"""


@pytest.mark.parametrize("doc", [BILLION_LAUGHS, XXE, PARAMETER_ENTITY])
def test_entity_tricks_are_refused_without_reading_files(tmp_path, doc):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    path = tmp_path / "evil.tmx"
    path.write_text(doc.format(target=secret), encoding="utf-8")
    with pytest.raises(FormatError) as err:
        read_tmx(path)
    assert "TOPSECRET" not in str(err.value)
    assert validate_tmx(path) != []


def test_etc_passwd_entity_is_not_read(tmp_path):
    path = tmp_path / "evil.tmx"
    path.write_text(XXE.format(target="/etc/passwd"), encoding="utf-8")
    with pytest.raises(FormatError, match="entit"):
        list(iter_tmx(path))


def test_external_dtd_is_not_fetched(tmp_path, monkeypatch):
    import socket

    def no_network(*a, **k):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    path = tmp_path / "dtd.tmx"
    path.write_text(EXTERNAL_DTD, encoding="utf-8")
    assert [(u.src, u.tgt) for u in iter_tmx(path)] == [("中", "x")]


@pytest.mark.parametrize("cut", [60, 95, 150])
def test_truncated_xml_names_the_line(tmp_path, cut):
    full = ('<?xml version="1.0"?>\n<tmx version="1.4">\n<header/>\n<body>\n'
            '<tu><tuv xml:lang="zh"><seg>中</seg></tuv><tuv xml:lang="en"><seg>x</seg></tuv></tu>\n'
            '</body>\n</tmx>\n')
    path = tmp_path / "cut.tmx"
    path.write_text(full[:cut], encoding="utf-8")
    line = full[:cut].count("\n") + 1  # the parser stops at the end of the data
    with pytest.raises(FormatError, match=rf"cut.tmx: line {line}: malformed XML"):
        read_tmx(path)


def test_not_tmx_is_refused(tmp_path):
    path = tmp_path / "x.tmx"
    path.write_text("<html><body/></html>", encoding="utf-8")
    with pytest.raises(FormatError, match="not a TMX"):
        read_tmx(path)


def test_big_file_streams_in_bounded_memory(tmp_path):
    import tracemalloc

    n = 20_000
    units = (Unit("d", (i,), (i,), f"第{i}句话。" * 3, f"Sentence number {i}. " * 3)
             for i in range(n))
    path = tmp_path / "big.tmx"
    tracemalloc.start()
    write_units(units, path)
    _, peak_write = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    count = sum(1 for _ in iter_tmx(path))
    _, peak_read = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == n
    assert path.stat().st_size > 5_000_000
    assert peak_write < 2_000_000 and peak_read < 2_000_000, (peak_write, peak_read)


# -- property: write -> read is the identity (modulo characters XML cannot hold) ----------------

texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(texts, texts, st.floats(0, 1)), min_size=1, max_size=8))
def test_tmx_round_trip_property(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("prop") / "p.tmx"
    units = [Unit("doc", (i,), (i,), s, t, sc, "zh-CN", "en") for i, (s, t, sc) in enumerate(rows)]
    write_units(units, path)
    assert validate_tmx(path) == []
    back = list(iter_tmx(path))
    expected = [u._replace(src=strip_illegal_xml(u.src)[0], tgt=strip_illegal_xml(u.tgt)[0])
                for u in units]
    assert back == expected


def test_strip_illegal_xml_counts():
    assert strip_illegal_xml("a\x00\t\n\r\x7f\ufffe😀") == ("a\t\n\r\x7f😀", 2)
    assert re.fullmatch(r".*", strip_illegal_xml("x")[0])
