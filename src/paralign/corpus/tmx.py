"""TMX 1.4b: streaming writer, safe streaming reader, and a structure validator.

Writer
    ``<tmx version="1.4">`` with a full header (creationtool, creationtoolversion,
    segtype="sentence", o-tmf, adminlang, srclang, datatype="plaintext", creationdate as
    ``YYYYMMDDThhmmssZ``), then one ``tu`` per bead: ``prop`` elements ``x-score``,
    ``x-doc-id`` and ``x-bead`` (``"0,1:2"``: source indices, colon, target indices), then a
    ``tuv`` per side, each with ``xml:lang``. Characters XML 1.0 forbids (C0 controls other
    than tab/newline/CR, lone surrogates, U+FFFE/U+FFFF) are stripped and counted in the
    log. Units are streamed through lxml's incremental ``etree.xmlfile``, one ``tu`` element
    at a time, so memory stays flat whatever the corpus size; the file is written
    atomically.

Reader
    :func:`iter_tmx` (and :func:`paralign.corpus.read_tmx` through it) parses with ``iterparse`` and a locked-down parser: no
    network, no DTD loading, no entity resolution, libxml2's size limits kept
    (``huge_tree=False``), and any document whose DTD *declares* entities is refused before
    its body is read (billion laughs, external entities pointing at local files). Processed
    ``tu`` elements are freed as the parse goes, so memory is bounded. Accepted input beyond
    our own files: several languages per ``tu`` (the zh/en pair is picked, or the languages
    the caller names), notes and props anywhere, UTF-16 files (BOM or declaration), TMX
    1.1-style ``lang`` instead of ``xml:lang``, and inline markup in ``seg``. Lossless: a
    ``tu`` holding anything paralign's own units do not (inline markup, notes, other props,
    attributes, more languages) keeps its original XML in :attr:`Unit.tmx`, which the
    writer (and a corpus, in ``beads.tmx``) writes back unchanged; the unit's texts are the
    plain text for matching (:func:`seg_text`: a placeholder ``<ph>{0}</ph>`` keeps its
    ``{0}``, formatting codes such as ``<bpt>&lt;b&gt;</bpt>`` are left out, ``hi`` text
    kept). Malformed or truncated XML raises :class:`~paralign.errors.FormatError` naming
    the line.

Validator
    :func:`validate_tmx` checks the structure the TMX 1.4b specification requires and
    returns the list of problems (empty when the file is valid); see its docstring.
"""

from __future__ import annotations

import functools
import logging
import os
import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import FormatError
from .atomic import atomic_write
from .formats import Unit, peek

__all__ = ["write_tmx_units", "iter_tmx", "validate_tmx", "strip_illegal_xml"]

log = logging.getLogger(__name__)

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TMX_DATE = "%Y%m%dT%H%M%SZ"

# XML 1.0 Char production; everything else cannot appear in a document, even escaped.
_ILLEGAL_XML = "[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"


@functools.cache
def _illegal_xml() -> re.Pattern[str]:
    """:data:`_ILLEGAL_XML` compiled, when a TMX is written (compiling its ranges takes
    milliseconds, which a call writing .align or .tsv need not pay)."""
    return re.compile(_ILLEGAL_XML)


def strip_illegal_xml(text: str) -> tuple[str, int]:
    """``text`` without the characters XML 1.0 forbids, and how many there were."""
    cleaned, n = _illegal_xml().subn("", text)
    return cleaned, n


# -- writer -----------------------------------------------------------------------------------

def write_tmx_units(units: Iterable[Unit], path: str | os.PathLike[str], *,
                    srclang: str | None = None, header_props: dict[str, str] | None = None,
                    creationdate: datetime | None = None, adminlang: str = "en",
                    o_tmf: str = "paralign") -> int:
    """Stream units into a TMX 1.4b file (atomically); returns the number of ``tu``.

    Args:
        srclang: header ``srclang``; default: the first unit's source language. A ``tu``
            whose source language differs carries its own ``srclang`` attribute, as the
            specification asks.
        header_props: extra ``<prop type=...>`` elements of the header (``x-signature``).
        creationdate: default now (UTC).
    """
    from lxml import etree

    first, units = peek(units)
    srclang = srclang or (first.src_lang if first else "zh")
    date = (creationdate or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime(TMX_DATE)
    header_attrs = {
        "creationtool": "paralign",
        "creationtoolversion": __version__,
        "segtype": "sentence",
        "o-tmf": o_tmf,
        "adminlang": adminlang,
        "srclang": srclang,
        "datatype": "plaintext",
        "creationdate": date,
    }
    n = 0
    stripped = 0

    def clean(text: str) -> str:
        nonlocal stripped
        text, k = _illegal_xml().subn("", text)
        stripped += k
        return text

    with atomic_write(path, "wb") as f, etree.xmlfile(f, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("tmx", version="1.4"):
            xf.write("\n")
            header = etree.Element("header", header_attrs)
            for ptype, value in (header_props or {}).items():
                etree.SubElement(header, "prop", type=ptype).text = clean(str(value))
            header.tail = "\n"
            xf.write(header)
            with xf.element("body"):
                xf.write("\n")
                for u in units:
                    if u.tmx:  # another tool's unit, read losslessly: written back as it was
                        tu = etree.fromstring(u.tmx, _LazyParser.get())
                        _own_srclang(tu, srclang, u.src_lang)
                        tu.tail = "\n"
                        xf.write(tu)
                        n += 1
                        continue
                    tu = etree.Element("tu")
                    if u.src_lang.lower() != srclang.lower():
                        tu.set("srclang", u.src_lang)
                    etree.SubElement(tu, "prop", type="x-score").text = repr(float(u.score))
                    etree.SubElement(tu, "prop", type="x-doc-id").text = clean(u.doc_id)
                    etree.SubElement(tu, "prop", type="x-bead").text = (
                        f"{','.join(map(str, u.src_idx))}:{','.join(map(str, u.tgt_idx))}")
                    for lang, text in ((u.src_lang, u.src), (u.tgt_lang, u.tgt)):
                        tuv = etree.SubElement(tu, "tuv", {XML_LANG: lang})
                        etree.SubElement(tuv, "seg").text = clean(text)
                    tu.tail = "\n"
                    xf.write(tu)
                    n += 1
            xf.write("\n")
    if stripped:
        log.warning("%s: stripped %d character(s) not allowed in XML", path, stripped)
    log.info("%s: wrote %d translation units", path, n)
    return n


def _own_srclang(tu: Any, header_srclang: str, src_lang: str) -> None:
    """Give an original ``tu`` its ``srclang`` when the header's is none of its languages
    (the specification requires the source language among the ``tuv``; a corpus stores one
    tag per document, so the ``tuv`` that matches the unit's language is taken)."""
    if tu.get("srclang") is not None or header_srclang == "*all*":
        return
    langs = [c.get(XML_LANG) or c.get("lang") or "" for c in tu if _local(c.tag) == "tuv"]
    if any(lang.lower() == header_srclang.lower() for lang in langs):
        return
    base = src_lang.split("-")[0]
    match = next((lang for lang in langs if lang.lower() == src_lang.lower()), None) or \
        next((lang for lang in langs if _lang_matches(lang, base)), None)
    if match:
        tu.set("srclang", match)


class _LazyParser:
    """The locked-down parser for stored ``<tu>`` strings, built on first use."""

    _parser: Any = None

    @classmethod
    def get(cls) -> Any:
        if cls._parser is None:
            from lxml import etree

            cls._parser = etree.XMLParser(resolve_entities=False, no_network=True,
                                          load_dtd=False, huge_tree=False)
        return cls._parser


# -- safe parsing -------------------------------------------------------------------------------

def _iterparse(path: str | os.PathLike[str], events: tuple[str, ...]) -> Any:
    from lxml import etree

    from ..files import check_input

    check_input(path, "TMX")  # a FIFO or a device would block the parser forever
    # the file name as bytes: a name that is not valid UTF-8 (surrogate-escaped) still opens
    return etree.iterparse(os.fsencode(path), events=events, resolve_entities=False, no_network=True,
                           load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True)


def _local(tag: Any) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _safe_events(path: str | os.PathLike[str], events: tuple[str, ...] = ("start", "end")
                 ) -> Iterator[tuple[str, Any]]:
    """iterparse events; refuses entity declarations; syntax errors become FormatError."""
    from lxml import etree

    ctx = _iterparse(path, events)
    checked = False
    try:
        for event, el in ctx:
            if not checked:
                checked = True
                dtd = el.getroottree().docinfo.internalDTD
                if dtd is not None and any(True for _ in dtd.iterentities()):
                    raise FormatError(f"{path}: line {el.sourceline or 1}: the document declares "
                                      "XML entities; refused (entity expansion and external "
                                      "entities are unsafe)")
            yield event, el
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else (exc.position[0] if exc.position else "?")
        msg = (exc.msg or str(exc)).split(", line ")[0]
        raise FormatError(f"{path}: line {line}: malformed XML: {msg}") from None


_CODE_TAGS = {"bpt", "ept", "it", "ph", "ut"}
# native code that is markup of the original format, not a placeholder the reader sees
_MARKUP_CODE = re.compile(r"^\s*(<|&|\\[a-z]|\{\\)")


def seg_text(seg: Any) -> str:
    """Plain text of a ``seg``, for matching and plain-text exports.

    Character data and ``hi`` text are kept. Of the native codes, a standalone ``ph`` (or
    ``ut``) whose content is not markup is a placeholder the reader sees (``{0}``, ``%s``,
    ``&name;``-free variables) and is kept; paired and isolated formatting codes (``bpt``,
    ``ept``, ``it``) and markup (``<br/>``, RTF ``\\par``) are left out, as they are not text.
    """
    parts: list[str] = [seg.text or ""]
    for child in seg:
        name = _local(child.tag)
        if name in ("ph", "ut"):
            code = "".join(child.itertext())
            if code and not _MARKUP_CODE.match(code):
                parts.append(code)
        elif name not in _CODE_TAGS and name:
            parts.append(seg_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


_OWN_PROPS = {"x-score", "x-doc-id", "x-bead"}


def _needs_original(tu: Any) -> bool:
    """Whether a ``tu`` holds more than paralign's own units carry (so its XML is kept)."""
    if any(a != "srclang" for a in tu.attrib):
        return True
    n_tuv = 0
    for child in tu:
        name = _local(child.tag)
        if name == "prop" and child.get("type") in _OWN_PROPS and set(child.attrib) == {"type"}:
            continue
        if name != "tuv":
            return True  # a note, another prop
        n_tuv += 1
        if any(a not in (XML_LANG, "lang") for a in child.attrib):
            return True
        for c in child:
            if _local(c.tag) != "seg" or len(c) or c.attrib:
                return True  # tuv notes/props, inline markup
    return n_tuv != 2


def _original_xml(tu: Any) -> str:
    from lxml import etree

    return etree.tostring(tu, encoding="unicode", with_tail=False)


def _lang_matches(tag: str, wanted: str) -> bool:
    """``wanted`` matches exactly (case-insensitively), or by language when it has no subtag."""
    tag, wanted = tag.lower().replace("_", "-"), wanted.lower().replace("_", "-")
    return tag == wanted or ("-" not in wanted and tag.split("-")[0] == wanted)


def iter_tmx(path: str | os.PathLike[str], *, src_lang: str | None = None,
             tgt_lang: str | None = None, default_doc_id: str | None = None,
             stats: dict[str, int] | None = None) -> Iterator[Unit]:
    """Units of a TMX file, streamed.

    Args:
        src_lang, tgt_lang: which ``tuv`` languages form the pair; a tag with a subtag
            (``zh-TW``) must match exactly, a bare language (``zh``) matches any region.
            Default: ``zh`` and ``en``.
        default_doc_id: document id of units without an ``x-doc-id`` prop (default: the
            file name without suffix).
        stats: if given, filled with ``units`` and ``skipped`` (``tu`` lacking one side).
    """
    want_src, want_tgt = src_lang or "zh", tgt_lang or "en"
    doc_default = default_doc_id or Path(path).name.split(".")[0] or "tmx"
    counts = stats if stats is not None else {}
    counts.setdefault("units", 0)
    counts.setdefault("skipped", 0)
    seen_root = False
    position: dict[str, int] = {}
    for event, el in _safe_events(path):
        name = _local(el.tag)
        if event == "start":
            if not seen_root:
                seen_root = True
                if name != "tmx":
                    raise FormatError(f"{path}: line {el.sourceline}: not a TMX file "
                                      f"(root element <{name}>)")
            continue
        if name != "tu":
            if name == "header":
                el.clear(keep_tail=True)
            continue
        props: dict[str, str] = {}
        sides: dict[str, tuple[str, str]] = {}
        src: tuple[str, str] | None = None
        tgt: tuple[str, str] | None = None
        for child in el:
            cname = _local(child.tag)
            if cname == "prop" and child.get("type"):
                props.setdefault(child.get("type"), child.text or "")
            elif cname == "tuv":
                lang = child.get(XML_LANG) or child.get("lang") or ""
                seg = next((c for c in child if _local(c.tag) == "seg"), None)
                text = seg_text(seg) if seg is not None else ""
                sides.setdefault(lang, (lang, text))
                if src is None and _lang_matches(lang, want_src):
                    src = (lang, text)
                elif tgt is None and _lang_matches(lang, want_tgt):
                    tgt = (lang, text)
        if src is None or tgt is None:
            counts["skipped"] += 1
        else:
            doc_id = props.get("x-doc-id") or doc_default
            k = position.get(doc_id, 0)
            src_idx, tgt_idx = _parse_bead(props.get("x-bead"), k)
            position[doc_id] = k + 1
            try:
                score = float(props["x-score"]) if "x-score" in props else 1.0
            except ValueError:
                raise FormatError(f"{path}: line {el.sourceline}: bad x-score "
                                  f"{props['x-score']!r}") from None
            counts["units"] += 1
            yield Unit(doc_id, src_idx, tgt_idx, src[1], tgt[1], score, src[0], tgt[0],
                       _original_xml(el) if _needs_original(el) else None)
        # free what was parsed: the tu and the finished siblings before it
        el.clear(keep_tail=True)
        parent = el.getparent()
        if parent is not None:
            while el.getprevious() is not None:
                del parent[0]
    if counts["skipped"]:
        log.warning("%s: skipped %d translation unit(s) without both a %s and a %s variant",
                    path, counts["skipped"], want_src, want_tgt)


_BEAD_RE = re.compile(r"^\s*([0-9,\s]*):([0-9,\s]*)\s*$")


def _parse_bead(value: str | None, k: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Indices from an ``x-bead`` prop; units from other tools get (k,), (k,)."""
    if value:
        m = _BEAD_RE.match(value)
        if m:
            try:
                return (tuple(int(x) for x in m.group(1).split(",") if x.strip()),
                        tuple(int(x) for x in m.group(2).split(",") if x.strip()))
            except ValueError:
                pass
    return (k,), (k,)


# -- validator -----------------------------------------------------------------------------------

_SEGTYPES = {"block", "paragraph", "sentence", "phrase"}
_DATATYPES = {"unknown", "alptext", "cdf", "cmx", "cpp", "hptag", "html", "interleaf", "ipf",
              "java", "javascript", "lisp", "mif", "opentag", "pascal", "plaintext", "pm",
              "rtf", "sgml", "stf-f", "stf-i", "transit", "vbscript", "winres", "xml", "xptag"}
_LANG_RE = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_HEADER_REQUIRED = ("creationtool", "creationtoolversion", "segtype", "o-tmf", "adminlang",
                    "srclang", "datatype")
_HEADER_OPTIONAL = {"o-encoding", "creationdate", "creationid", "changedate", "changeid"}
_TU_ATTRS = {"tuid", "o-encoding", "datatype", "usagecount", "lastusagedate", "creationtool",
             "creationtoolversion", "creationdate", "creationid", "changedate", "segtype",
             "changeid", "o-tmf", "srclang"}
_TUV_ATTRS = {XML_LANG, "o-encoding", "datatype", "usagecount", "lastusagedate",
              "creationtool", "creationtoolversion", "creationdate", "creationid",
              "changedate", "changeid", "o-tmf"}
_DATE_ATTRS = ("creationdate", "changedate", "lastusagedate")
_INLINE = {"bpt", "ept", "it", "ph", "hi", "ut"}


def _valid_date(value: str) -> bool:
    if not re.fullmatch(r"\d{8}T\d{6}Z", value):
        return False
    try:
        datetime.strptime(value, TMX_DATE)
    except ValueError:
        return False
    return True


def validate_tmx(path: str | os.PathLike[str], *, min_tuv: int = 2) -> list[str]:
    """Problems with a TMX file against the TMX 1.4b structure; ``[]`` means valid.

    Checked (from the TMX 1.4b specification and its DTD):

    * root ``tmx`` with ``version="1.4"``, holding exactly ``header`` then ``body``;
    * ``header``: the required attributes creationtool, creationtoolversion, segtype,
      o-tmf, adminlang, srclang, datatype; segtype in block|paragraph|sentence|phrase;
      datatype a recommended value or ``x-``-prefixed; adminlang and srclang language tags
      (srclang may be ``*all*``); dates as ``YYYYMMDDThhmmssZ``; content ``note``/``prop``/
      ``ude`` only (``ude`` needs ``name``, its ``map`` children need ``unicode``);
    * ``body`` holds only ``tu``;
    * ``tu``: known attributes only, valid segtype/dates/usagecount; content
      ``(note|prop)*`` then ``tuv`` (at least ``min_tuv``: the specification's DTD says 1,
      an aligned pair needs 2); the source language (the tu's ``srclang``, else the
      header's, unless ``*all*``) present among its ``tuv``;
    * ``tuv``: ``xml:lang`` required (TMX 1.1's ``lang`` is flagged), content
      ``(note|prop)*`` then exactly one ``seg``;
    * ``prop`` needs ``type``; ``prop`` and ``note`` hold text only;
    * ``seg`` holds text and ``bpt``/``ept``/``it``/``ph``/``hi`` only; ``bpt``/``ept`` need
      ``i`` and pair up within the seg, ``it`` needs ``pos`` begin|end, ``ph``'s ``assoc``
      is p|f|b; codes hold text and ``sub`` only.
    """
    problems: list[str] = []

    def bad(el: Any, msg: str) -> None:
        if len(problems) < 1000:
            problems.append(f"line {el.sourceline}: {msg}")

    root_seen = False
    header_srclang: str | None = None
    try:
        for event, el in _safe_events(path):
            name = _local(el.tag)
            if event == "start":
                if not root_seen:
                    root_seen = True
                    if name != "tmx":
                        bad(el, f"root element is <{name}>, not <tmx>")
                        return problems
                    if el.get("version") != "1.4":
                        bad(el, f"tmx version is {el.get('version')!r}, not '1.4'")
                elif name == "header":
                    header_srclang = el.get("srclang")
                continue
            if name == "tmx":
                kids = [_local(c.tag) for c in el]
                if kids != ["header", "body"]:
                    bad(el, f"<tmx> must hold <header> then <body>, holds {kids}")
            elif name == "header":
                _check_header(el, bad)
                el.clear(keep_tail=True)
            elif name == "body":
                for c in el:
                    if _local(c.tag) != "tu":
                        bad(c, f"<body> holds <{_local(c.tag)}>; only <tu> is allowed")
            elif name == "tu":
                _check_tu(el, bad, header_srclang, min_tuv)
                el.clear(keep_tail=True)
                parent = el.getparent()
                if parent is not None:
                    while el.getprevious() is not None:
                        del parent[0]
    except FormatError as exc:
        problems.append(str(exc))
    if not root_seen and not problems:
        problems.append("empty document")
    return problems


def _check_attrs_common(el: Any, bad: Any) -> None:
    for a in _DATE_ATTRS:
        v = el.get(a)
        if v is not None and not _valid_date(v):
            bad(el, f"<{_local(el.tag)}> {a}={v!r} is not YYYYMMDDThhmmssZ")
    v = el.get("segtype")
    if v is not None and v not in _SEGTYPES:
        bad(el, f"segtype={v!r} not in {sorted(_SEGTYPES)}")
    v = el.get("datatype")
    # the DTD declares datatype CDATA; the recommended values are compared case-blind
    # (tools write "PlainText", "HTML")
    if v is not None and v.lower() not in _DATATYPES and not v.lower().startswith("x-"):
        bad(el, f"datatype={v!r} is neither a recommended value nor x-prefixed")
    v = el.get("usagecount")
    if v is not None and not v.isdigit():
        bad(el, f"usagecount={v!r} is not a number")


def _check_text_only(el: Any, bad: Any) -> None:
    if len(el):
        bad(el, f"<{_local(el.tag)}> must hold text only")


def _check_header(el: Any, bad: Any) -> None:
    for a in _HEADER_REQUIRED:
        if not el.get(a):
            bad(el, f"<header> lacks the required attribute {a}")
    for a in el.attrib:
        if a not in _HEADER_REQUIRED and a not in _HEADER_OPTIONAL:
            bad(el, f"<header> has the unknown attribute {a}")
    _check_attrs_common(el, bad)
    for a in ("adminlang", "srclang"):
        v = el.get(a)
        if v and not (_LANG_RE.match(v) or (a == "srclang" and v == "*all*")):
            bad(el, f"<header> {a}={v!r} is not a language code")
    for c in el:
        cname = _local(c.tag)
        if cname in ("note", "prop"):
            if cname == "prop" and not c.get("type"):
                bad(c, "<prop> lacks type")
            _check_text_only(c, bad)
        elif cname == "ude":
            if not c.get("name"):
                bad(c, "<ude> lacks name")
            for m in c:
                if _local(m.tag) != "map" or not m.get("unicode"):
                    bad(m, "<ude> holds only <map unicode=...>")
        else:
            bad(c, f"<header> holds <{cname}>; only note, prop, ude are allowed")


def _check_notes_props_then(el: Any, bad: Any, after: str) -> list[Any]:
    """Check ``(note|prop)*`` then ``after`` elements; return the ``after`` children."""
    rest: list[Any] = []
    for c in el:
        cname = _local(c.tag)
        if cname in ("note", "prop"):
            if rest:
                bad(c, f"<{cname}> after <{after}> in <{_local(el.tag)}>")
            if cname == "prop" and not c.get("type"):
                bad(c, "<prop> lacks type")
            _check_text_only(c, bad)
        elif cname == after:
            rest.append(c)
        else:
            bad(c, f"<{_local(el.tag)}> holds <{cname}>")
    return rest


def _check_tu(tu: Any, bad: Any, header_srclang: str | None, min_tuv: int) -> None:
    for a in tu.attrib:
        if a not in _TU_ATTRS:
            bad(tu, f"<tu> has the unknown attribute {a}")
    _check_attrs_common(tu, bad)
    tuvs = _check_notes_props_then(tu, bad, "tuv")
    if len(tuvs) < min_tuv:
        bad(tu, f"<tu> holds {len(tuvs)} <tuv>, at least {min_tuv} required")
    langs = []
    for tuv in tuvs:
        lang = tuv.get(XML_LANG)
        if lang is None:
            if tuv.get("lang") is not None:
                bad(tuv, "<tuv> uses lang (TMX 1.1); TMX 1.4 requires xml:lang")
            else:
                bad(tuv, "<tuv> lacks xml:lang")
        elif not _LANG_RE.match(lang):
            bad(tuv, f"<tuv> xml:lang={lang!r} is not a language code")
        else:
            langs.append(lang.lower())
        for a in tuv.attrib:
            if a not in _TUV_ATTRS:
                bad(tuv, f"<tuv> has the unknown attribute {a}")
        _check_attrs_common(tuv, bad)
        segs = _check_notes_props_then(tuv, bad, "seg")
        if len(segs) != 1:
            bad(tuv, f"<tuv> holds {len(segs)} <seg>, exactly 1 required")
        for seg in segs:
            _check_seg(seg, bad)
    srclang = tu.get("srclang") or header_srclang
    if srclang and srclang != "*all*" and langs and srclang.lower() not in langs:
        bad(tu, f"no <tuv> in the source language {srclang!r} (has {langs})")


def _check_seg(seg: Any, bad: Any) -> None:
    if seg.attrib:
        bad(seg, f"<seg> takes no attributes, has {list(seg.attrib)}")
    opened: list[str] = []
    closed: list[str] = []
    for c in seg.iter():
        if c is seg:
            continue
        cname = _local(c.tag)
        parent = _local(c.getparent().tag)
        if parent in ("bpt", "ept", "it", "ph", "ut"):
            if cname != "sub":
                bad(c, f"<{parent}> holds <{cname}>; only <sub> is allowed")
            continue
        if cname == "sub":
            if parent not in ("bpt", "ept", "it", "ph", "ut"):
                bad(c, "<sub> is allowed only inside bpt, ept, it, ph, ut")
            continue
        if cname not in _INLINE:
            bad(c, f"<{parent}> holds <{cname}>; only bpt, ept, it, ph, hi, ut are allowed")
            continue
        if cname in ("bpt", "ept"):
            if c.get("i") is None:
                bad(c, f"<{cname}> lacks i")
            (opened if cname == "bpt" else closed).append(c.get("i") or "")
        if cname == "it" and c.get("pos") not in ("begin", "end"):
            bad(c, "<it> pos must be begin or end")
        if cname == "ph" and c.get("assoc") not in (None, "p", "f", "b"):
            bad(c, f"<ph> assoc={c.get('assoc')!r} not in p, f, b")
    if sorted(opened) != sorted(closed):
        bad(seg, f"<bpt>/<ept> do not pair up (i: {opened} vs {closed})")
