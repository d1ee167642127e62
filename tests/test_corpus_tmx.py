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
    text = path.read_text("utf-8")
    # the header names the tag of most units (OmegaT warns when it names none of them);
    # the Simplified unit names its own
    assert 'srclang="zh-TW" datatype' in text and text.count('<tu srclang="zh-CN">') == 1
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


# -- lossless: other tools' markup, notes and props survive read -> write --------------------

HEADER = ('<tmx version="1.4"><header creationtool="Hand" creationtoolversion="1" '
          'segtype="sentence" o-tmf="x" adminlang="en" srclang="en" datatype="PlainText"/><body>')
# each tu written by hand from the TMX 1.4b specification: (tu XML, plain zh, plain en)
SPEC_UNITS = [
    ('<tu><tuv xml:lang="en"><seg>Version <ph x="1">{0}</ph> is installed.</seg></tuv>'
     '<tuv xml:lang="zh-CN"><seg>已安装版本 <ph x="1">{0}</ph>。</seg></tuv></tu>',
     "已安装版本 {0}。", "Version {0} is installed."),
    ('<tu tuid="7" creationdate="20240101T000000Z"><note>UI string</note>'
     '<prop type="x-context">dialog</prop>'
     '<tuv xml:lang="en"><prop type="x-state">final</prop><seg>Click <bpt i="1">&lt;b&gt;</bpt>'
     'OK<ept i="1">&lt;/b&gt;</ept>.</seg></tuv>'
     '<tuv xml:lang="zh-CN"><seg>点击<bpt i="1">&lt;b&gt;</bpt>确定<ept i="1">&lt;/b&gt;</ept>。'
     '</seg></tuv></tu>', "点击确定。", "Click OK."),
    ('<tu><tuv xml:lang="en"><seg><it pos="begin" x="1">&lt;i&gt;</it>Italic to the end'
     '<ut>&lt;br/&gt;</ut></seg></tuv><tuv xml:lang="zh-TW"><seg><it pos="begin" x="1">'
     '&lt;i&gt;</it>斜體到底</seg></tuv></tu>', "斜體到底", "Italic to the end"),
    ('<tu><tuv xml:lang="en"><seg>Press <hi type="key">Enter</hi> <ph x="2">&lt;img '
     'alt="<sub>arrow</sub>"/&gt;</ph>now</seg></tuv><tuv xml:lang="zh-CN"><seg>现在按'
     '<hi type="key">回车</hi></seg></tuv></tu>', "现在按回车", "Press Enter now"),
    ('<tu><tuv xml:lang="en"><seg>Plain, ours.</seg></tuv>'
     '<tuv xml:lang="zh-CN"><seg>平常的。</seg></tuv></tu>', "平常的。", "Plain, ours."),
]


def _canonical_tus(path: Path) -> list[bytes]:
    from lxml import etree

    tree = etree.parse(str(path))
    return [etree.tostring(tu, method="c14n") for tu in tree.iter("tu")]


def _hand_file(tmp_path) -> Path:
    path = tmp_path / "hand.tmx"
    path.write_text(HEADER + "".join(u for u, _, _ in SPEC_UNITS) + "</body></tmx>",
                    encoding="utf-8")
    return path


def test_hand_written_spec_file_is_valid():
    """The validator accepts what the DTD accepts: ut, sub in codes, datatype in any case."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        assert validate_tmx(_hand_file(Path(d))) == []


def test_plain_text_keeps_placeholders_and_drops_codes(tmp_path):
    units = list(iter_tmx(_hand_file(tmp_path)))
    assert [(u.src, u.tgt) for u in units] == [(z, e) for _, z, e in SPEC_UNITS]
    # only the last unit is plain enough for paralign's own form
    assert [u.tmx is not None for u in units] == [True, True, True, True, False]


@pytest.mark.parametrize("through_corpus", [False, True])
def test_read_write_is_lossless_for_markup_notes_and_props(tmp_path, through_corpus):
    src = _hand_file(tmp_path)
    out = tmp_path / "back.tmx"
    if through_corpus:
        db = tmp_path / "c.db"
        with ParallelCorpus(db) as c:
            c.add_units(iter_tmx(src), source=str(src))
        with ParallelCorpus(db, readonly=True) as c:  # the markup is stored in the file
            c.to_tmx(out)
    else:
        read_tmx(src).to_tmx(out)
    assert validate_tmx(out) == []
    got, want = _canonical_tus(out), _canonical_tus(src)
    # other tools' units: byte for byte (canonical XML), but for the srclang attribute a
    # unit whose source differs from the new header's must carry (the spec asks for it)
    assert [g.replace(b' srclang="zh-TW"', b"") for g in got[:4]] == want[:4]
    assert got[2].startswith(b'<tu srclang="zh-TW">')
    assert b"Plain, ours." in got[4] and b'x-score' in got[4]  # ours: rewritten, same text


def test_translate_toolkit_file_round_trips(tmp_path):
    tmx = pytest.importorskip("translate.storage.tmx")
    f = tmx.tmxfile(sourcelanguage="zh-CN", targetlanguage="en")
    f.addtranslation("版本 {0} 已安装。", "zh-CN", "Version {0} is installed.", "en",
                     comment="a placeholder")
    f.addtranslation("你好。", "zh-CN", "Hello.", "en")
    path = tmp_path / "tt.tmx"
    path.write_bytes(bytes(f))
    assert validate_tmx(path) == []  # datatype="PlainText", a DOCTYPE line
    corpus = read_tmx(path)
    assert [(p.src, p.tgt) for p in corpus.pairs()] == [
        ("版本 {0} 已安装。", "Version {0} is installed."), ("你好。", "Hello.")]
    out = tmp_path / "back.tmx"
    corpus.to_tmx(out)
    assert validate_tmx(out) == []
    assert _canonical_tus(out)[0] == _canonical_tus(path)[0]  # the note survives
    back = tmx.tmxfile.parsefile(str(out))
    assert [(u.source, u.target) for u in back.units] == [
        ("版本 {0} 已安装。", "Version {0} is installed."), ("你好。", "Hello.")]
    assert back.units[0].getnotes() == "a placeholder"


@pytest.mark.parametrize("seg,problem", [
    ('<seg>a<sub>b</sub></seg>', "<sub> is allowed only inside"),
    ('<seg>a<ph><b>x</b></ph></seg>', "<ph> holds <b>"),
    ('<seg>a<hi><foo/></hi></seg>', "<hi> holds <foo>"),
    ('<seg><ut><ph>x</ph></ut></seg>', "<ut> holds <ph>"),
])
def test_validator_refuses_bad_inline_markup(tmp_path, seg, problem):
    path = tmp_path / "bad.tmx"
    path.write_text(HEADER + f'<tu><tuv xml:lang="en">{seg}</tuv><tuv xml:lang="zh">'
                    '<seg>x</seg></tuv></tu></body></tmx>', encoding="utf-8")
    assert any(problem in p for p in validate_tmx(path)), validate_tmx(path)


def test_the_illegal_xml_pattern_compiled_on_first_use_is_the_xml_char_production():
    from paralign.corpus import tmx

    assert tmx._illegal_xml().pattern == "[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
    assert tmx._illegal_xml() is tmx._illegal_xml()
    for ch, legal in [("\t", True), ("\x00", False), ("\x1f", False), (" ", True),
                      ("\ud7ff", True), ("\ud800", False), ("\ufffe", False), ("\uffff", False),
                      ("\U00010000", True), ("\U0010ffff", True), ("中", True)]:
        assert tmx.strip_illegal_xml(f"a{ch}b") == (("a" + ch + "b", 0) if legal else ("ab", 1))
