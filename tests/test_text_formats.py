"""Document formats: each kind of file is built here, read back, and its paragraphs kept.

The .docx is written with python-docx, the .epub with ebooklib, the encrypted PDF with pypdf;
the text-layer PDF is written by hand from the PDF specification (a Type0 font with
Identity-H encoding and a ToUnicode map, so Chinese needs no font file).
"""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from paralign.errors import DependencyError, FormatError, InputError
from paralign.text import read_file, segment
from paralign.text.formats import format_of

ZH = ["蘇聯於一九九0年和南韓建交。莫斯科的目標在與漢城發展經貿關係。", "第二段只有一句話。"]
EN = ["The Soviet Union opened relations with South Korea in 1990. Moscow sought trade.",
      "The second paragraph has one sentence."]


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p]


def flat(p: str) -> str:
    """A paragraph on one line, as segmentation's matching view joins wrapped lines."""
    lines = p.split("\n")
    out = lines[0]
    for ln in lines[1:]:
        out += ("" if ord(out[-1]) > 0x2e80 or ord(ln[0]) > 0x2e80 else " ") + ln
    return out


# -- builders --------------------------------------------------------------------------------

def make_docx(path: Path, paras: list[str]) -> None:
    import docx

    d = docx.Document()
    d.add_heading(paras[0][:6], level=1)
    for p in paras:
        d.add_paragraph(p)
    d.add_paragraph("")  # empty paragraphs are not paragraphs
    table = d.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "甲" if ord(paras[0][0]) > 0x2e80 else "Cell A"
    table.cell(0, 1).text = "乙" if ord(paras[0][0]) > 0x2e80 else "Cell B"
    d.save(str(path))


def make_html(path: Path, paras: list[str]) -> None:
    body = "".join(f"<p>{p[:10]}<b>{p[10:20]}</b>{p[20:]}</p>" for p in paras)
    path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>T</title>"
                    f"<style>p {{color: red}}</style></head><body><h1>{paras[0][:6]}</h1>"
                    f"<div>{body}<script>var x = '不要讀我';</script></div>"
                    f"<ul><li>{'條目' if ord(paras[0][0]) > 0x2e80 else 'Item'}</li></ul>"
                    f"</body></html>", encoding="utf-8")


def make_epub(path: Path, paras: list[str]) -> None:
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("paralign-test")
    book.set_title("Test")
    book.set_language("zh" if ord(paras[0][0]) > 0x2e80 else "en")
    chapters = []
    for k, p in enumerate(paras):
        c = epub.EpubHtml(title=f"c{k}", file_name=f"c{k}.xhtml")
        c.content = f"<html><body><h2>{k + 1}</h2><p>{p}</p></body></html>"
        book.add_item(c)
        chapters.append(c)
    book.toc = chapters
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = chapters  # the nav page is not part of the reading order here
    epub.write_epub(str(path), book)


def pdf_bytes(lines: list[str]) -> bytes:
    """A one-page PDF whose text layer holds ``lines`` (any Unicode, no font file needed)."""
    chars = sorted(set("".join(lines)))
    cid = {c: k + 1 for k, c in enumerate(chars)}
    ops = ["BT", "/F1 10 Tf", "12 TL", "50 780 Td"]
    for ln in lines:  # an empty line is blank space (between paragraphs)
        ops.append(("<" + "".join(f"{cid[c]:04X}" for c in ln) + "> Tj " if ln else "") + "T*")
    ops.append("ET")
    content = zlib.compress("\n".join(ops).encode())
    bf = []
    for i in range(0, len(chars), 100):
        block = chars[i:i + 100]
        bf.append(f"{len(block)} beginbfchar\n" + "\n".join(
            f"<{cid[c]:04X}> <{c.encode('utf-16-be').hex().upper()}>" for c in block) + "\nendbfchar")
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
            "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            + "\n".join(bf) + "\nendcmap CMapName currentdict /CMap defineresource pop end end")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Test /Encoding /Identity-H "
        b"/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Test /CIDSystemInfo "
        b"<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        b"<< /Length %d >>\nstream\n" % len(cmap.encode()) + cmap.encode() + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for k, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % k + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def wrap(p: str, width: int) -> list[str]:
    """A paragraph broken into lines of ``width`` characters (at spaces for English)."""
    if " " not in p:
        return [p[i:i + width] for i in range(0, len(p), width)]
    lines, cur = [], ""
    for w in p.split():
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    return lines + [cur]


def make_pdf(path: Path, paras: list[str]) -> None:
    width = 12 if ord(paras[0][0]) > 0x2e80 else 30
    lines = [ln for p in paras for ln in [*wrap(p, width), ""]]
    path.write_bytes(pdf_bytes(lines))


def halves(p: str) -> tuple[str, str]:
    """A paragraph cut in two cues (at a space in English)."""
    k = p.find(" ", len(p) // 2) if " " in p else len(p) // 2
    k = len(p) // 2 if k < 0 else k
    return p[:k], p[k:]


def make_srt(path: Path, paras: list[str]) -> None:
    cues, t = [], 1.0
    for p in paras:
        for half in halves(p):
            cues.append((t, t + 1.5, half.strip()))
            t += 1.6
        t += 3.0  # a pause: a new paragraph
    path.write_text("\n".join(
        f"{k}\n{_ts(a, ',')} --> {_ts(b, ',')}\n<i>{x}</i>\n" for k, (a, b, x) in enumerate(cues, 1)),
        encoding="utf-8")


def make_vtt(path: Path, paras: list[str]) -> None:
    cues, t = [], 0.5
    for p in paras:
        for half in halves(p):
            cues.append((t, t + 1.5, half.strip()))
            t += 1.6
        t += 2.5
    path.write_text("WEBVTT\n\n" + "\n".join(
        f"{_ts(a, '.')} --> {_ts(b, '.')}\n{x}\n" for a, b, x in cues), encoding="utf-8")


def _ts(t: float, sep: str) -> str:
    ms = round(t * 1000)
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}{sep}{ms % 1000:03d}"


# (suffix, builder, extra paragraphs the format itself adds: heading, table cells, list item)
FORMATS = [
    (".docx", make_docx, "heading+cells"),
    (".html", make_html, "heading+item"),
    (".epub", make_epub, "chapter numbers"),
    (".pdf", make_pdf, ""),
    (".srt", make_srt, ""),
    (".vtt", make_vtt, ""),
]


@pytest.mark.parametrize("lang,paras", [("zh", ZH), ("en", EN)])
@pytest.mark.parametrize("suffix,build,extra", FORMATS, ids=[f[0] for f in FORMATS])
def test_read_format_keeps_paragraphs(tmp_path, suffix, build, extra, lang, paras):
    path = tmp_path / f"doc{suffix}"
    build(path, paras)
    got = [flat(p) for p in paragraphs(read_file(path))]
    if extra == "heading+cells":
        assert got[0] == paras[0][:6] and got[-2:] in (["甲", "乙"], ["Cell A", "Cell B"])
        got = got[1:-2]
    elif extra == "heading+item":
        assert got[0] == paras[0][:6] and got[-1] in ("條目", "Item")
        got = got[1:-1]
    elif extra == "chapter numbers":
        assert got[0::2] == [str(k + 1) for k in range(len(paras))]
        got = got[1::2]
    assert got == paras
    doc = segment(read_file(path), source=str(path))
    assert doc.lang == lang
    assert "不要讀我" not in doc.text  # scripts are not text


@pytest.mark.parametrize("name,fmt", [
    ("a.DOCX", "docx"), ("a.htm", "html"), ("a.xhtml", "html"), ("a.pdf", "pdf"),
    ("a.epub", "epub"), ("a.srt", "srt"), ("a.vtt", "vtt"), ("a.txt", "text"), ("a.zh", "text"),
])
def test_format_from_suffix(name, fmt):
    assert format_of(name) == fmt


def test_format_override(tmp_path):
    """A file named .txt that holds HTML is read as HTML when told so."""
    path = tmp_path / "page.txt"
    make_html(path, EN)
    assert "<p>" in read_file(path)
    text = read_file(path, fmt="html")
    assert "<p>" not in text and [flat(p) for p in paragraphs(text)][1:-1] == EN
    with pytest.raises(InputError, match="unknown input format 'rtf'"):
        read_file(path, fmt="rtf")


def test_scanned_pdf_is_a_clear_error(tmp_path):
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(width=595, height=842)
    path = tmp_path / "scan.pdf"
    with open(path, "wb") as f:
        w.write(f)
    with pytest.raises(InputError, match="no text layer.*OCR"):
        read_file(path)


def test_encrypted_pdf_is_a_clear_error(tmp_path):
    from pypdf import PdfReader, PdfWriter

    plain = tmp_path / "plain.pdf"
    plain.write_bytes(pdf_bytes(["Secret text."]))
    w = PdfWriter(clone_from=PdfReader(plain))
    w.encrypt(user_password="pw", owner_password="owner", algorithm="RC4-128")
    path = tmp_path / "locked.pdf"
    with open(path, "wb") as f:
        w.write(f)
    with pytest.raises(InputError, match="encrypted"):
        read_file(path)
    # encrypted with an empty user password: opens without one, as a PDF viewer would
    w = PdfWriter(clone_from=PdfReader(plain))
    w.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    with open(path, "wb") as f:
        w.write(f)
    assert read_file(path) == "Secret text."


@pytest.mark.parametrize("suffix,data", [
    (".docx", b"not a zip file"), (".epub", b"PK\x03\x04 broken"), (".pdf", b"%PDF-1.4 garbage"),
    (".srt", "1\n00:00:01,000 --> nonsense\nText\n".encode()),
])
def test_malformed_file_is_a_clear_error(tmp_path, suffix, data):
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(data)
    with pytest.raises((FormatError, InputError), match=f"bad{suffix}"):
        read_file(path)


def test_missing_library_names_the_extra(tmp_path, monkeypatch):
    import sys

    path = tmp_path / "a.docx"
    make_docx(path, EN)
    monkeypatch.setitem(sys.modules, "docx", None)  # import docx now fails
    with pytest.raises(DependencyError, match=r"python-docx.*paralign\[formats\]"):
        read_file(path)


def test_cli_aligns_two_documents_of_different_formats(tmp_path, capsys):
    from paralign.cli import main

    zh, en = tmp_path / "zh.docx", tmp_path / "en.html"
    make_docx(zh, ZH)
    make_html(en, EN)
    out = tmp_path / "o.tsv"
    assert main(["-q", "align", str(zh), str(en), "-o", str(out)]) == 0
    rows = out.read_text(encoding="utf-8").splitlines()[1:]
    texts = [r.split("\t")[3:5] for r in rows]
    assert ["莫斯科的目標在與漢城發展經貿關係。", "Moscow sought trade."] in texts
    assert ["第二段只有一句話。", "The second paragraph has one sentence."] in texts


def test_segment_command_reads_a_document(tmp_path, capsys):
    from paralign.cli import main

    path = tmp_path / "page.bin"
    make_html(path, ZH)
    assert main(["segment", str(path), "--format", "html"]) == 0
    out = capsys.readouterr().out
    assert "莫斯科的目標在與漢城發展經貿關係。" in out.splitlines() and "<p>" not in out


def test_batch_folder_of_documents(tmp_path):
    from paralign.pipeline import discover

    folder = tmp_path / "in"
    folder.mkdir()
    make_docx(folder / "a.zh.docx", ZH)
    make_html(folder / "a.en.html", EN)
    make_srt(folder / "b.zh.srt", ZH)
    (folder / "notes.md").write_text("# not an input\n", encoding="utf-8")
    (folder / "c.html").write_text("<p>中文。</p><p>English.</p>", encoding="utf-8")
    items = {i.doc_id: i for i in discover(folder)}
    assert sorted(items) == ["a", "b", "c"]
    assert items["a"].problem is None and items["a"].en_path.endswith("a.en.html")
    assert items["b"].problem == "no b.en.srt"
    assert items["c"].en_path is None and items["c"].problem is None  # one bilingual file


def test_the_format_names_the_command_line_lists_are_the_formats_read():
    from paralign import files
    from paralign.text import formats

    assert formats.FORMAT_NAMES is files.FORMAT_NAMES            # one definition
    assert set(files.FORMAT_NAMES) == set(formats.FORMATS.values())
    assert len(set(files.FORMAT_NAMES)) == len(files.FORMAT_NAMES)
