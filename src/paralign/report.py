"""A self-contained HTML report of one alignment (``Alignment.to_html``, ``paralign report``).

The page needs no network: CSS and JavaScript are inline and the similarity heatmap is an
embedded base64 PNG. It shows the signature, the bead-type counts, the score summary, the
heatmap and the aligned table, with a confidence filter (slider, "low only", bead type) and a
search box that filters rows in both languages and highlights the matches. A banner says so
when the two texts do not look like translations of each other
(``al.stats["parallel"]``, the verdict of
:func:`paralign.alignment.confidence.parallel_verdict`), or that they are too short to judge.

Chinese cells carry their language tag (``zh-Hant``, ``zh-Hans``), and ``:lang()`` rules draw
Traditional text with a Traditional face (Noto Sans CJK TC...) and Simplified with a
Simplified one: the same code point is drawn differently in the two. The search treats
Traditional and Simplified alike, as ``paralign search`` does: the page carries a table,
made with OpenCC when the report is written, from each Han character of the document (and
each Traditional form of its Simplified characters) to its Simplified form, and both the
texts and the query are folded through it.

The review loop: a click on a row selects its bead; the reviewer can merge it with the
previous or the next bead, split it (choosing how many sentences of each side the first part
keeps), mark it wrong, undo, and download the result as a corrections file
(:mod:`paralign.corpus.corrections`), which ``paralign apply`` turns into TMX, TSV... or a
corpus entry. A click on a heatmap cell scrolls to the bead of its row and highlights it.

Filtering is one pass over precomputed arrays that only flips ``hidden`` on rows whose state
changes and rewrites the cells of matching rows, so a 5,000-bead report filters in a few tens
of milliseconds. An edit replaces only the rows it changes.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import os
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .viz import LOW_CONFIDENCE

if TYPE_CHECKING:  # pragma: no cover
    from .alignment.bead import Alignment

__all__ = ["render_report"]

log = logging.getLogger(__name__)

#: Above this many sentences on either side the heatmap is only drawn when ``sim`` is given
#: or ``heatmap=True`` (embedding the documents would dominate the report's cost).
HEATMAP_MAX_SENTENCES = 2000

_CSS = """
:root{--fg:#1b1f24;--muted:#5b6470;--line:#dde1e6;--head:#f3f5f8;--accent:#2f6fd6}
*{box-sizing:border-box}
body{margin:0;padding:20px 28px 40px;color:var(--fg);background:#fff;
 font:14px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC",
 "Noto Sans CJK TC","Source Han Sans SC","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",
 sans-serif}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:16px;margin:22px 0 8px}
.meta{color:var(--muted);margin:0 0 6px}
.meta b{color:var(--fg)}
code.sig{display:block;font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;background:var(--head);
 padding:6px 8px;border-radius:4px;word-break:break-all;color:#333}
.cards{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
table.kinds{border-collapse:collapse;font-variant-numeric:tabular-nums}
table.kinds td,table.kinds th{padding:2px 10px;border-bottom:1px solid var(--line);text-align:right}
table.kinds th{background:var(--head)}
table.kinds td:first-child,table.kinds th:first-child{text-align:left}
table.kinds tbody tr{cursor:pointer}table.kinds tbody tr:hover{background:#eef3fc}
.scorebox{min-width:220px}
.scorebox div{margin:2px 0}
details.heat img{max-width:100%;height:auto;border:1px solid var(--line);margin-top:6px}
details.heat summary{cursor:pointer;font-weight:600}
.note{color:var(--muted);font-style:italic}
#controls{position:sticky;top:0;z-index:2;background:#fff;display:flex;flex-wrap:wrap;gap:10px 22px;
 align-items:center;padding:10px 0;border-bottom:2px solid var(--line)}
#controls label{display:flex;align-items:center;gap:6px;white-space:nowrap}
#q{width:22em;padding:4px 8px;font:inherit;border:1px solid #b8c0ca;border-radius:4px}
#minscore{width:11em}
#count{font-weight:600;color:var(--accent);font-variant-numeric:tabular-nums}
button{font:inherit;padding:2px 10px}
#beads{margin-top:6px;font-variant-numeric:tabular-nums}
#beads .r{display:grid;grid-template-columns:4em 3.6em 5.2em minmax(0,1fr) minmax(0,1fr);
 border-bottom:1px solid var(--line);content-visibility:auto;contain-intrinsic-size:auto 30px}
#beads .r[hidden]{display:none}
#beads .r>span{padding:4px 8px;white-space:pre-wrap;overflow-wrap:anywhere}
#beads .hd{position:sticky;top:var(--ctl-h,52px);z-index:1;background:var(--head);font-weight:600;
 border-bottom:2px solid #c8ced6;content-visibility:visible}
#beads .n,#beads .k,#beads .s,#beads .hd>span{white-space:nowrap;overflow:hidden;color:#333}
#beads .low .n{box-shadow:inset 4px 0 0 #d33}
#beads .low .s{color:#a00;font-weight:700}
#beads .e::before{content:"\\2205";color:#999;font-style:italic}
mark{background:#ffe14d;color:inherit;padding:0 1px;border-radius:2px}
#none{padding:14px;color:var(--muted)}
footer{margin-top:24px;color:var(--muted);font-size:12px}
:lang(zh-Hant),:lang(zh-TW),:lang(zh-MO){font-family:"Noto Sans CJK TC","Noto Sans TC",
 "Source Han Sans TC","Source Han Sans TW","PingFang TC","Microsoft JhengHei",system-ui,sans-serif}
:lang(zh-HK){font-family:"Noto Sans CJK HK","Noto Sans CJK TC","Noto Sans HK","Source Han Sans HC",
 "PingFang HK","Microsoft JhengHei",system-ui,sans-serif}
:lang(zh-Hans),:lang(zh-CN),:lang(zh-SG){font-family:"Noto Sans CJK SC","Noto Sans SC",
 "Source Han Sans SC","Source Han Sans CN","PingFang SC","Microsoft YaHei",system-ui,sans-serif}
.banner{margin:10px 0;padding:10px 14px;border:2px solid #c62828;border-radius:6px;
 background:#fdecea;color:#7f1d1d}
.banner b{color:#b71c1c}
.banner.short{border-color:#b8860b;background:#fff8e1;color:#5d4300}
#review{flex-basis:100%;display:flex;flex-wrap:wrap;gap:6px 10px;align-items:center}
#sel-info{min-width:11em;color:var(--muted)}
#edits{color:var(--accent);font-weight:600}
#splitter{flex-basis:100%;display:flex;flex-wrap:wrap;gap:6px 14px;align-items:center;
 padding:6px 8px;background:var(--head);border-radius:4px}
#splitter[hidden]{display:none}
#splitter select{max-width:28em}
#beads #rows .r{cursor:pointer}
#beads .sel{outline:2px solid var(--accent);outline-offset:-2px}
#beads .hl>span{animation:hl 1.6s ease-out}
@keyframes hl{from{background:#ffe14d}}
#beads .ed .s{color:#1d4ed8;font-weight:700}
#beads .wrong>span:nth-child(n+4){text-decoration:line-through;text-decoration-color:#c62828}
#heat{cursor:crosshair}
#heat-note{color:var(--muted)}
"""

_JS = r"""
(function () {
  "use strict";
  var LOW = __LOW__;
  var D = JSON.parse(document.getElementById("review-data").textContent);
  var SENT = D.sentences, JOIN = D.joiner, LANG = D.lang;
  // Traditional and Simplified alike: both the texts and the query go through one table
  // (character -> Simplified, for the characters of this document), one BMP character to
  // one, so a match in the folded text is at the same offsets in the original
  var FOLD = D.fold, foldKeys = Object.keys(FOLD);
  var foldRe = foldKeys.length ? new RegExp("[" + foldKeys.join("") + "]", "g") : null;
  function fold(s) { return foldRe ? s.replace(foldRe, function (c) { return FOLD[c]; }) : s; }

  // the model: every bead of the alignment; row k of the table shows beads[k], k < shownN
  var beads = D.beads.map(function (b) {
    return {s0: b[0], ns: b[1], t0: b[2], nt: b[3], score: b[4], origin: b[5], wrong: false};
  });
  var shownN = D.shown, history = [], selected = -1, highlighted = -1;

  var tbody = document.getElementById("rows");
  // per-row arrays read off the table once; an edit splices only the rows it changes
  var rows = [], score = [], kind = [], srcCell = [], tgtCell = [], srcText = [], tgtText = [];
  var srcFold = [], tgtFold = [], shown = [], marked = [], n = 0;
  var COLS = [rows, score, kind, srcCell, tgtCell, srcText, tgtText, srcFold, tgtFold, shown,
              marked];
  function readRow(r) {
    var sc = r.children[3], tc = r.children[4], st = sc.textContent, tt = tc.textContent;
    return [r, parseFloat(r.getAttribute("data-s")), r.getAttribute("data-k"), sc, tc, st, tt,
            fold(st), fold(tt), r.hidden ? 0 : 1, 0];
  }
  function splice(at, remove, newRows) {  // rows[at .. at+remove) replaced by newRows
    var cols = newRows.map(readRow);
    for (var c = 0; c < COLS.length; c++) {
      COLS[c].splice.apply(COLS[c], [at, remove].concat(cols.map(function (x) { return x[c]; })));
    }
    n = rows.length;
    for (var i = at; i < n; i++) {  // the numbers after an edit shift
      var num = rows[i].children[0];
      if (num.textContent !== String(i + 1)) num.textContent = String(i + 1);
    }
  }
  splice(0, 0, Array.prototype.slice.call(tbody.children));

  var slider = document.getElementById("minscore");
  var sliderOut = document.getElementById("minscore-val");
  var lowOnly = document.getElementById("lowonly"), kindSel = document.getElementById("kind");
  var q = document.getElementById("q"), count = document.getElementById("count");
  var none = document.getElementById("none"), clear = document.getElementById("clear");
  var fmt = function (x) { return x.toLocaleString("en-US"); };

  function esc(s) {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function reEsc(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }
  function marks(text, folded, re) {  // matches found in the folded text, shown in the original
    var out = "", last = 0, m;
    re.lastIndex = 0;
    while ((m = re.exec(folded)) !== null) {
      var a = m.index, b = a + m[0].length;
      out += esc(text.slice(last, a)) + "<mark>" + esc(text.slice(a, b)) + "</mark>";
      last = b;
    }
    return out + esc(text.slice(last));
  }

  function apply() {
    var min = parseFloat(slider.value), onlyLow = lowOnly.checked, k = kindSel.value;
    var query = fold(q.value.trim());
    var test = null, all = null;
    if (query) {
      test = new RegExp(reEsc(query), "i");
      all = new RegExp(reEsc(query), "gi");
    }
    sliderOut.textContent = min.toFixed(2);
    var visible = 0;
    for (var i = 0; i < n; i++) {
      var s = score[i];
      var ok = !(s < min - 1e-9) && (!onlyLow || s < LOW) && (!k || kind[i] === k);
      var m = 0;
      if (ok && test) {
        m = (test.test(srcFold[i]) ? 1 : 0) | (test.test(tgtFold[i]) ? 2 : 0);
        ok = m !== 0;
      }
      if (m || marked[i]) {  // only cells whose highlight changes are touched
        if (m & 1) srcCell[i].innerHTML = marks(srcText[i], srcFold[i], all);
        else if (marked[i] & 1) srcCell[i].textContent = srcText[i];
        if (m & 2) tgtCell[i].innerHTML = marks(tgtText[i], tgtFold[i], all);
        else if (marked[i] & 2) tgtCell[i].textContent = tgtText[i];
        marked[i] = m;
      }
      if (ok !== (shown[i] === 1)) { rows[i].hidden = !ok; shown[i] = ok ? 1 : 0; }
      if (ok) visible++;
    }
    count.textContent = fmt(visible) + " of " + fmt(n) + " beads shown";
    none.hidden = visible !== 0;
    return visible;
  }
  function reset() {
    slider.value = "0"; lowOnly.checked = false; kindSel.value = ""; q.value = ""; apply();
  }

  var pending = 0;
  function schedule() {  // coalesce bursts of input events into one pass per frame
    if (!pending) pending = requestAnimationFrame(function () { pending = 0; apply(); });
  }
  slider.addEventListener("input", schedule);
  lowOnly.addEventListener("change", apply);
  kindSel.addEventListener("change", apply);
  q.addEventListener("input", schedule);
  clear.addEventListener("click", reset);
  // a click on a bead type in the summary filters the table by that type
  Array.prototype.forEach.call(document.querySelectorAll("#kinds tbody tr"), function (tr) {
    tr.title = "show only these beads";
    tr.addEventListener("click", function () {
      kindSel.value = tr.getAttribute("data-k"); apply();
      document.getElementById("controls").scrollIntoView();
    });
  });
  // the table header sticks just below the controls, whatever their height
  var controls = document.getElementById("controls");
  function fitHeader() {
    document.documentElement.style.setProperty("--ctl-h", controls.offsetHeight + "px");
  }
  window.addEventListener("resize", fitHeader);
  document.addEventListener("keydown", function (e) {
    if (e.key === "/" && document.activeElement !== q) { e.preventDefault(); q.focus(); }
  });

  // -- rows drawn from the model (the same markup as the rows written by Python) ----------
  function list(a, m) {
    var out = [];
    for (var x = a; x < a + m; x++) out.push(x + 1);
    return out.join(",") || "\u2013";
  }
  function cell(side, a, m) {
    var lang = ' lang="' + LANG[side] + '"';
    if (!m) return '<span role="cell" class="e"' + lang + '></span>';
    return '<span role="cell"' + lang + '>' + esc(SENT[side].slice(a, a + m).join(JOIN[side])) +
      "</span>";
  }
  function scoreClass(sc) {
    return sc !== sc ? "cx" : "c" + Math.round(Math.min(1, Math.max(0, sc)) * 10);
  }
  function rowHtml(k) {
    var b = beads[k], kd = b.ns + "-" + b.nt, sc = b.score;
    var cls = "r " + scoreClass(sc);
    if (sc < LOW) cls += " low";
    if (!b.ns || !b.nt) cls += " null";
    if (b.origin !== "aligner" || b.wrong) cls += " ed";
    if (b.wrong) cls += " wrong";
    var label = b.wrong ? "wrong" : b.origin !== "aligner" ? b.origin : sc.toFixed(2);
    return '<div class="' + cls + '" role="row" data-s="' + sc.toFixed(4) + '" data-k="' + kd +
      '"><span role="cell" class="n" title="source ' + list(b.s0, b.ns) + " / target " +
      list(b.t0, b.nt) + '">' + (k + 1) + '</span><span role="cell" class="k">' + kd +
      '</span><span role="cell" class="s">' + label + "</span>" + cell(0, b.s0, b.ns) +
      cell(1, b.t0, b.nt) + "</div>";
  }
  function node(k) {
    var t = document.createElement("template");
    t.innerHTML = rowHtml(k);
    return t.content.firstChild;
  }

  // -- review: select a bead, merge, split, mark wrong, undo, download ---------------------
  var info = document.getElementById("sel-info"), editsOut = document.getElementById("edits");
  var btn = {};
  ["merge-prev", "merge-next", "split", "wrong", "undo", "download"].forEach(function (id) {
    btn[id] = document.getElementById(id);
  });
  var splitter = document.getElementById("splitter");
  var splitSrc = document.getElementById("split-src"), splitTgt = document.getElementById("split-tgt");

  function nEdits() {
    var c = 0;
    for (var k = 0; k < beads.length; k++) {
      if (beads[k].origin !== "aligner" || beads[k].wrong) c++;
    }
    return c;
  }
  function select(k) {
    if (selected >= 0 && selected < n) rows[selected].classList.remove("sel");
    selected = k;
    if (k >= 0) rows[k].classList.add("sel");
    var b = k >= 0 ? beads[k] : null;
    info.textContent = b ? "bead " + (k + 1) + " (" + b.ns + "-" + b.nt + ")" :
      "click a bead to review it";
    btn["merge-prev"].disabled = !b || k === 0;
    btn["merge-next"].disabled = !b || k + 1 >= shownN;
    btn.split.disabled = !b || b.ns + b.nt < 2;
    btn.wrong.disabled = !b || !b.ns || !b.nt;
    btn.wrong.textContent = b && b.wrong ? "not wrong" : "mark wrong";
    btn.undo.disabled = history.length === 0;
    var e = nEdits();
    editsOut.textContent = e ? e + " edited bead" + (e > 1 ? "s" : "") : "no edit";
    if (k < 0 || !b || b.ns + b.nt < 2) splitter.hidden = true;
    fitHeader();
  }
  function replace(at, remove, parts) {  // beads[at .. at+remove) become parts; rows follow
    var old = rows.slice(at, at + remove), fresh = [];
    beads.splice.apply(beads, [at, remove].concat(parts));
    shownN += parts.length - remove;
    if (selected >= 0 && selected < n) rows[selected].classList.remove("sel");
    if (highlighted >= 0 && highlighted < n) rows[highlighted].classList.remove("hl");
    selected = highlighted = -1;
    for (var p = 0; p < parts.length; p++) {
      fresh.push(tbody.insertBefore(node(at + p), old[0] || null));
    }
    old.forEach(function (r) { tbody.removeChild(r); });
    splice(at, remove, fresh);
    apply();
  }
  function edit(at, remove, parts) {
    history.push({at: at, beads: beads.slice(at, at + remove), count: parts.length,
                  selected: selected});
    replace(at, remove, parts);
    select(at);
  }
  function bead(s0, ns, t0, nt, origin) {
    return {s0: s0, ns: ns, t0: t0, nt: nt, score: 1, origin: origin, wrong: false};
  }
  function merge(k) {  // beads k and k + 1
    var a = beads[k], b = beads[k + 1];
    edit(k, 2, [bead(a.s0, a.ns + b.ns, a.t0, a.nt + b.nt, "merge")]);
  }
  function split(k, p, r) {  // the first p source and r target sentences, then the rest
    var b = beads[k];
    if (p < 0 || r < 0 || p > b.ns || r > b.nt || p + r === 0 || p + r === b.ns + b.nt) {
      return false;
    }
    edit(k, 1, [bead(b.s0, p, b.t0, r, "split"),
                bead(b.s0 + p, b.ns - p, b.t0 + r, b.nt - r, "split")]);
    return true;
  }
  function toggleWrong(k) {
    var b = beads[k], c = {};
    for (var key in b) c[key] = b[key];
    c.wrong = !b.wrong;
    edit(k, 1, [c]);
  }
  function undo() {  // the last edit's beads back in its place
    if (!history.length) return;
    var h = history.pop();
    replace(h.at, h.count, h.beads);
    select(h.selected < n ? h.selected : -1);
  }
  function options(sel, side, a, m, first) {
    var html = "";
    for (var x = 0; x <= m; x++) {
      var last = x ? SENT[side][a + x - 1] : "";
      var label = x + " sentence" + (x === 1 ? "" : "s") +
        (x ? " (up to \u201c" + (last.length > 40 ? last.slice(0, 39) + "\u2026" : last) + "\u201d)" : "");
      html += '<option value="' + x + '"' + (x === first ? " selected" : "") + ">" + esc(label) +
        "</option>";
    }
    sel.innerHTML = html;
    sel.lang = LANG[side];
  }
  function openSplitter(k) {
    var b = beads[k];
    var p = Math.ceil(b.ns / 2), r = Math.ceil(b.nt / 2);
    if (p + r === b.ns + b.nt) { if (r > 0) r--; else p--; }  // e.g. 1-1 -> 1-0 and 0-1
    options(splitSrc, 0, b.s0, b.ns, p);
    options(splitTgt, 1, b.t0, b.nt, r);
    document.getElementById("split-what").textContent = "split bead " + (k + 1) + " (" +
      b.ns + "-" + b.nt + "): its first part takes";
    splitter.hidden = false;
    fitHeader();
  }
  tbody.addEventListener("click", function (e) {
    var sel = window.getSelection && window.getSelection();
    if (sel && !sel.isCollapsed) return;  // selecting text to copy it is not a click on a bead
    var r = e.target.closest(".r");
    if (r) select(rows.indexOf(r));
  });
  btn["merge-prev"].addEventListener("click", function () { if (selected > 0) merge(selected - 1); });
  btn["merge-next"].addEventListener("click", function () {
    if (selected >= 0 && selected + 1 < shownN) merge(selected);
  });
  btn.split.addEventListener("click", function () { if (selected >= 0) openSplitter(selected); });
  document.getElementById("split-ok").addEventListener("click", function () {
    if (selected >= 0 && split(selected, parseInt(splitSrc.value, 10), parseInt(splitTgt.value, 10))) {
      splitter.hidden = true; fitHeader();
    } else {
      document.getElementById("split-what").textContent = "each part needs a sentence: choose again";
    }
  });
  document.getElementById("split-cancel").addEventListener("click", function () {
    splitter.hidden = true; fitHeader();
  });
  btn.wrong.addEventListener("click", function () { if (selected >= 0) toggleWrong(selected); });
  btn.undo.addEventListener("click", undo);

  function corrections() {  // the corrections file (paralign.corpus.corrections)
    var out = {};
    for (var key in D.header) out[key] = D.header[key];
    out.created = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    out.beads = beads.map(function (b) {
      var s = [], t = [];
      for (var x = 0; x < b.ns; x++) s.push(b.s0 + x);
      for (x = 0; x < b.nt; x++) t.push(b.t0 + x);
      return {src: s, tgt: t, score: b.score === b.score ? b.score : null,
              origin: b.wrong ? "wrong" : b.origin};
    });
    return out;
  }
  btn.download.addEventListener("click", function () {
    var blob = new Blob([JSON.stringify(corrections(), null, 1) + "\n"],
                        {type: "application/json"});
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = D.download;
    document.body.appendChild(a);
    a.click();
    document.body.removeChild(a);
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  });
  if (!D.header) {
    btn.download.disabled = true;
    btn.download.title = "these beads do not cover the texts: no corrections file";
  }

  // -- the heatmap links to the table: a click on a cell shows its bead -------------------
  var heat = document.getElementById("heat");
  function owners() {  // for each source and target sentence, the bead holding it
    var so = new Int32Array(SENT[0].length), to = new Int32Array(SENT[1].length);
    for (var k = 0; k < beads.length; k++) {
      var b = beads[k];
      for (var x = 0; x < b.ns; x++) so[b.s0 + x] = k;
      for (x = 0; x < b.nt; x++) to[b.t0 + x] = k;
    }
    return [so, to];
  }
  function cellAt(ev) {  // (source i, target j) under the pointer, or null off the matrix
    var box = heat.getAttribute("data-box").split(" ").map(Number);
    var lim = heat.getAttribute("data-lim").split(" ").map(Number);
    var rect = heat.getBoundingClientRect();
    var fx = ((ev.clientX - rect.left) / rect.width - box[0]) / box[2];
    var fy = ((ev.clientY - rect.top) / rect.height - box[1]) / box[3];
    if (fx < 0 || fx > 1 || fy < 0 || fy > 1) return null;
    var j = Math.round(lim[0] + fx * (lim[1] - lim[0]));
    var i = Math.round(lim[2] + fy * (lim[3] - lim[2]));
    if (i < 0 || j < 0 || i >= SENT[0].length || j >= SENT[1].length) return null;
    return [i, j];
  }
  function show(k) {  // scroll to bead k and highlight it
    var note = document.getElementById("heat-note") || {};
    if (k < 0 || k >= n) {
      note.textContent = "bead " + (k + 1) + " is not in the table (max_beads)";
      return false;
    }
    note.textContent = "";
    if (rows[k].hidden) reset();
    if (highlighted >= 0 && highlighted < n) rows[highlighted].classList.remove("hl");
    highlighted = k;
    rows[k].classList.add("hl");
    select(k);
    rows[k].scrollIntoView({block: "center"});
    return true;
  }
  if (heat) {
    heat.addEventListener("click", function (ev) {
      var c = cellAt(ev);
      if (!c) return;
      var k = owners()[0][c[0]];  // the bead of the row's source sentence
      show(k);
    });
    heat.addEventListener("mousemove", function (ev) {
      var c = cellAt(ev);
      heat.title = c ? "source " + (c[0] + 1) + " \u00d7 target " + (c[1] + 1) +
        ": click to see its bead" : "";
    });
  }

  fitHeader();
  window.paralignReport = {
    apply: apply,
    visible: function () { var c = 0; for (var i = 0; i < n; i++) c += shown[i]; return c; },
    check: function () {  // the row arrays agree with the table (for the tests)
      var live = tbody.children;
      if (live.length !== n || n !== shownN) return false;
      for (var i = 0; i < n; i++) {
        var x = readRow(live[i]);
        if (live[i] !== rows[i] || x[1] !== score[i] && score[i] === score[i] ||
            x[2] !== kind[i] || x[5] !== srcText[i] || x[6] !== tgtText[i] ||
            rows[i].children[0].textContent !== String(i + 1)) return false;
      }
      return true;
    },
    get total() { return n; },
    beads: function () { return beads; },
    corrections: corrections,
    rowHtml: rowHtml,
    select: select,
    show: show,
    fold: fold
  };
  apply();
})();
"""


def _esc(x: Any) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def _score_class(score: float) -> str:
    if score != score:
        return "cx"
    return f"c{round(min(1.0, max(0.0, score)) * 10)}"


def _score_css() -> str:
    from .viz import score_color

    rules = [f"#beads .c{k}{{background:{score_color(k / 10, lightness=90)}}}" for k in range(11)]
    rules.append("#beads .cx{background:#eee}")
    return "\n".join(rules)


def _heatmap_png(al: Alignment, sim: Any, heatmap: bool | None, encoder: Any
                 ) -> tuple[str, str, str]:
    """(base64 PNG or "", note explaining a missing heatmap, the matrix's place in the
    picture as HTML attributes, for the page to tell which cell a click falls on)."""
    if heatmap is False:
        return "", "", ""
    ns, nt = len(al.src), len(al.tgt)
    if ns == 0 or nt == 0:
        return "", "no heatmap: one side is empty", ""
    if sim is None and heatmap is None and max(ns, nt) > HEATMAP_MAX_SENTENCES:
        return "", (f"no heatmap: {ns:,} × {nt:,} sentences is larger than "
                    f"{HEATMAP_MAX_SENTENCES:,} (pass sim= or heatmap=True)"), ""
    from . import viz

    try:
        fig = viz.heatmap(al, sim=sim, encoder=encoder)
        png = viz.figure_png(fig, dpi=100)
        geometry = _matrix_geometry(fig)
    except Exception as exc:  # noqa: BLE001 - the report stays useful without the figure
        if heatmap:
            raise
        return "", f"no heatmap: {type(exc).__name__}: {exc}", ""
    return base64.b64encode(png).decode("ascii"), "", geometry


def _matrix_geometry(fig: Any) -> str:
    """``data-box`` (left, top, width, height of the matrix's axes as fractions of the whole
    picture, top-left origin) and ``data-lim`` (the column coordinates at its left and right
    edges, the row coordinates at its top and bottom; cells are centred on whole numbers).

    Read after the figure was drawn (saved), when the constrained layout has placed the axes;
    fractions of the picture hold at whatever size the browser shows it.
    """
    ax = fig.axes[0]  # the matrix; the colour bar's axes come after it
    box = ax.get_position()
    x0, x1 = ax.get_xlim()
    y_bottom, y_top = ax.get_ylim()
    return (f'data-box="{box.x0:.5f} {1 - box.y1:.5f} {box.width:.5f} {box.height:.5f}" '
            f'data-lim="{x0:.3f} {x1:.3f} {y_top:.3f} {y_bottom:.3f}"')


def _fold_table(texts: list[str]) -> dict[str, str]:
    """Character -> its Simplified form, for the Han characters of ``texts`` and for the
    Traditional forms of their Simplified ones (so that a query typed in either script
    folds onto the document's), one BMP character to one (so that offsets carry over).

    Character-level OpenCC ``t2s``, the conversion of the corpus's concordance
    (:mod:`paralign.corpus.concordance`): the report finds what ``paralign search`` finds.
    """
    from .text.han import HAN
    from .text.normalize import char_converter_s2t, to_simplified

    chars = sorted({c for t in texts for c in HAN.findall(t) if ord(c) < 0x10000})
    if not chars:
        return {}

    def convert(cs: list[str], fn: Any) -> list[str]:
        out = fn("\n".join(cs)).split("\n")  # one character a line: no phrase applies
        return out if len(out) == len(cs) else [fn(c) for c in cs]

    def one(c: str) -> bool:
        return len(c) == 1 and ord(c) < 0x10000

    table = {c: v for c, v in zip(chars, convert(chars, lambda t: to_simplified(t, "t2s")))
             if v != c and one(v)}
    trad = convert(chars, char_converter_s2t().convert)
    extra = sorted({t for c, t in zip(chars, trad) if t != c and one(t) and t not in table})
    if extra:
        table.update((t, v) for t, v in zip(extra, convert(extra, lambda x: to_simplified(
            x, "t2s"))) if v != t and one(v))
    return table


def _review_data(al: Alignment, beads: list[Any], shown: int) -> dict[str, Any]:
    """What the page's review needs: every bead (by sentence ranges), the sentences, the
    joiners and language tags of the two sides, the search's fold table and the header of
    the corrections file (None when the beads do not cover the texts)."""
    from .corpus.corrections import Corrections
    from .errors import FormatError

    compact = []
    s = t = 0
    for b in beads:
        s0 = b.src[0] if b.src else s
        t0 = b.tgt[0] if b.tgt else t
        sc = float(b.score)
        compact.append([s0, len(b.src), t0, len(b.tgt), None if sc != sc else round(sc, 4),
                        getattr(b, "origin", "aligner")])
        s, t = s0 + len(b.src), t0 + len(b.tgt)
    try:
        header: dict[str, Any] | None = Corrections.from_alignment(al).to_dict()
        header.pop("beads")  # type: ignore[union-attr]
    except FormatError as exc:
        log.info("no review for this report: %s", exc)
        header = None
    src_texts, tgt_texts = al.src.texts, al.tgt.texts
    zh = [x for d, x in ((al.src, src_texts), (al.tgt, tgt_texts)) if d.lang == "zh"]
    stem = os.path.basename(al.src.source) if getattr(al.src, "source", None) else "alignment"
    stem = stem.split(".")[0] or "alignment"
    return {"header": header, "beads": compact, "shown": shown,
            "sentences": [src_texts, tgt_texts],
            "joiner": [al.src.joiner, al.tgt.joiner],
            "lang": [getattr(al.src, "tag", "und"), getattr(al.tgt, "tag", "und")],
            "fold": _fold_table([x for side in zh for x in side]),
            "download": f"{stem}.corrections.json"}


def _script_json(data: Any) -> str:
    """JSON safe inside a ``<script>`` element (no ``</script>``, no ``<!--``)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def render_report(al: Alignment, path: str | os.PathLike[str] | None = None, *, sim: Any = None,
                  title: str | None = None, max_beads: int | None = None, encoder: Any = None,
                  heatmap: bool | None = None, low: float = LOW_CONFIDENCE) -> str:
    """Render a self-contained HTML report of ``al``; write it to ``path`` when given.

    Args:
        al: the alignment.
        path: file to write (UTF-8); the HTML is returned either way.
        sim: precomputed source x target similarity matrix for the heatmap; by default it
            is computed with ``encoder`` (see :func:`paralign.viz.similarity_matrix`).
        title: page title (default: from the documents' sources).
        max_beads: show only the first ``max_beads`` beads in the table (counts and
            statistics still cover all of them).
        encoder: encoder name or object for the heatmap when ``sim`` is not given.
        heatmap: ``False`` leaves the heatmap out, ``True`` requires it (errors propagate),
            ``None`` draws it when it is affordable and notes why not otherwise.
        low: score below which a bead is flagged as low-confidence.
    """
    if path is not None:  # refuse a bad output before the work, not after
        from .files import check_output

        parent = os.path.dirname(os.fspath(path))
        if parent and not os.path.lexists(parent):
            os.makedirs(parent, exist_ok=True)
        check_output(path, _inputs_of(al))
    beads = list(al.beads)
    n = len(beads)
    shown = beads if max_beads is None else beads[: max(0, int(max_beads))]
    src_tag = getattr(al.src, "tag", "und")
    tgt_tag = getattr(al.tgt, "tag", "und")
    if title is None:
        s_name = os.path.basename(al.src.source) if getattr(al.src, "source", None) else src_tag
        t_name = os.path.basename(al.tgt.source) if getattr(al.tgt, "source", None) else tgt_tag
        title = f"Alignment {s_name}" if s_name == t_name else f"Alignment {s_name} ↔ {t_name}"
    kinds = al.kinds()
    scores = [float(b.score) for b in beads]
    finite = [s for s in scores if s == s]
    n_low = sum(1 for s in finite if s < low)
    mean = sum(finite) / len(finite) if finite else float("nan")
    med = sorted(finite)[len(finite) // 2] if finite else float("nan")
    par = getattr(al, "parallelism", float("nan"))
    png, heat_note, heat_geometry = _heatmap_png(al, sim, heatmap, encoder)
    from .alignment.confidence import PARALLELISM_WARN, TOO_SHORT
    try:
        from . import __version__ as version
    except Exception:  # noqa: BLE001
        version = "?"

    out: list[str] = []
    w = out.append
    w("<!DOCTYPE html>")
    w('<html lang="en"><head><meta charset="utf-8">')
    w('<meta name="viewport" content="width=device-width, initial-scale=1">')
    w('<meta name="generator" content="paralign">')
    w(f"<title>{_esc(title)}</title>")
    w(f"<style>{_CSS}\n{_score_css()}</style></head><body>")
    w(f"<header><h1>{_esc(title)}</h1>")
    w(f'<p class="meta"><b>{_esc(src_tag)}</b> → <b>{_esc(tgt_tag)}</b> · '
      f"<b>{n:,}</b> beads · {len(al.src):,} × {len(al.tgt):,} sentences"
      + ("" if par != par else f" · parallelism <b>{float(par):.2f}</b>") + "</p>")
    if getattr(al, "signature", ""):
        w(f'<code class="sig" title="signature of the run">{_esc(al.signature)}</code>')
    w("</header>")
    verdict = (getattr(al, "stats", None) or {}).get("parallel")
    if verdict == "no":
        score = "" if par != par else f": parallelism {float(par):.2f}, under {PARALLELISM_WARN:g}"
        w(f'<div class="banner" id="not-parallel" role="alert"><b>These two texts do not look '
          f"like translations of each other</b>{score}, and the beads' confidence is low too "
          "(translations measured score higher, unrelated pairs near 0). The beads below are "
          "unlikely to be right: check that the files are the pair you meant.</div>")
    elif verdict == TOO_SHORT:
        w(f'<div class="banner short" id="too-short" role="note">These texts are {TOO_SHORT} '
          "whether they are translations of each other: too few sentences.</div>")

    # summary: bead types and scores
    w('<section id="summary"><h2>Summary</h2><div class="cards">')
    w('<table class="kinds" id="kinds"><thead><tr><th>bead type</th><th>count</th><th>%</th>'
      "</tr></thead><tbody>")
    for k, v in kinds.items():
        w(f'<tr data-k="{_esc(k)}"><td>{_esc(k)}</td><td>{v:,}</td>'
          f"<td>{100 * v / max(1, n):.1f}</td></tr>")
    w("</tbody></table>")
    w('<div class="scorebox">')
    if finite:
        w(f"<div>mean score <b>{mean:.3f}</b>, median <b>{med:.3f}</b></div>")
    w(f'<div>low confidence (&lt; {low:g}): <b id="nlow">{n_low:,}</b> beads</div>')
    nulls = sum(1 for b in beads if b.is_null)
    w(f"<div>null beads (1-0, 0-1): <b>{nulls:,}</b></div>")
    for key in ("length_ratio", "seconds", "encoder"):
        if key in (getattr(al, "stats", None) or {}):
            val = al.stats[key]
            val = f"{val:.3g}" if isinstance(val, float) else val
            w(f"<div>{_esc(key.replace('_', ' '))}: <b>{_esc(val)}</b></div>")
    w("</div></div></section>")

    # heatmap
    if png:
        w('<section id="heatmap"><details class="heat" open><summary>Similarity heatmap '
          "with the alignment path</summary>")
        w(f'<img id="heat" {heat_geometry} alt="similarity heatmap of {len(al.src)} source x '
          f'{len(al.tgt)} target sentences with the alignment path" '
          f'src="data:image/png;base64,{png}">')
        w('<p class="note">a click on a cell shows the bead of its source sentence in the '
          'table <span id="heat-note"></span></p>')
        w("</details></section>")
    elif heat_note:
        w(f'<p class="note" id="heatmap-note">{_esc(heat_note)}</p>')

    # controls + table
    w('<h2>Aligned sentences</h2><div id="controls">')
    w('<label>min confidence <input type="range" id="minscore" min="0" max="1" step="0.05" '
      'value="0"><output id="minscore-val">0.00</output></label>')
    w(f'<label><input type="checkbox" id="lowonly"> only low confidence (&lt; {low:g})</label>')
    w('<label>type <select id="kind"><option value="">all</option>'
      + "".join(f'<option value="{_esc(k)}">{_esc(k)} ({v:,})</option>' for k, v in kinds.items())
      + "</select></label>")
    w('<label>search <input type="search" id="q" placeholder="中文 or English  (press /)" '
      'autocomplete="off"></label>')
    w('<button type="button" id="clear">reset</button>')
    w(f'<span id="count">{len(shown):,} of {len(shown):,} beads shown</span>')
    w('<div id="review" role="group" aria-label="review the beads">'
      '<span id="sel-info">click a bead to review it</span>'
      '<button type="button" id="merge-prev" disabled title="merge with the bead above">'
      "merge ↑</button>"
      '<button type="button" id="merge-next" disabled title="merge with the bead below">'
      "merge ↓</button>"
      '<button type="button" id="split" disabled title="split into two beads">split…</button>'
      '<button type="button" id="wrong" disabled title="its two sides are not translations '
      'of each other">mark wrong</button>'
      '<button type="button" id="undo" disabled>undo</button>'
      '<button type="button" id="download" title="the corrected alignment, for paralign '
      'apply">download corrections</button><span id="edits">no edit</span></div>')
    w('<div id="splitter" hidden><span id="split-what"></span>'
      f'<label>{_esc(src_tag)} <select id="split-src"></select></label>'
      f'<label>{_esc(tgt_tag)} <select id="split-tgt"></select></label>'
      '<button type="button" id="split-ok">split</button>'
      '<button type="button" id="split-cancel">cancel</button></div>')
    w("</div>")
    if len(shown) < n:
        w(f'<p class="note" id="truncated">showing the first {len(shown):,} of {n:,} beads '
          "(max_beads)</p>")
    w('<div id="beads" role="table" aria-label="aligned sentences">'
      '<div class="r hd" role="row"><span role="columnheader">#</span>'
      '<span role="columnheader">type</span><span role="columnheader">score</span>'
      f'<span role="columnheader">{_esc(src_tag)}</span>'
      f'<span role="columnheader">{_esc(tgt_tag)}</span></div><div id="rows" role="rowgroup">')
    s_lang, t_lang = _esc(src_tag), _esc(tgt_tag)
    for i, b in enumerate(shown):
        sc = float(b.score)
        cls = "r " + _score_class(sc)
        if sc < low:
            cls += " low"
        if b.is_null:
            cls += " null"
        origin = getattr(b, "origin", "aligner")
        label = f"{sc:.2f}"
        if origin != "aligner":  # a reviewer's edit (a report of a corrected alignment)
            cls += " ed"
            label = _esc(origin)
        src_td = (f'<span role="cell" lang="{s_lang}">{_esc(b.src_text)}</span>' if b.src
                  else f'<span role="cell" class="e" lang="{s_lang}"></span>')
        tgt_td = (f'<span role="cell" lang="{t_lang}">{_esc(b.tgt_text)}</span>' if b.tgt
                  else f'<span role="cell" class="e" lang="{t_lang}"></span>')
        srange = ",".join(str(x + 1) for x in b.src) or "–"
        trange = ",".join(str(x + 1) for x in b.tgt) or "–"
        w(f'<div class="{cls}" role="row" data-s="{sc:.4f}" data-k="{_esc(b.kind)}">'
          f'<span role="cell" class="n" title="source {srange} / target {trange}">{i + 1}</span>'
          f'<span role="cell" class="k">{_esc(b.kind)}</span>'
          f'<span role="cell" class="s">{label}</span>{src_td}{tgt_td}</div>')
    w("</div></div>")
    w('<p id="none" hidden>No bead matches these filters.</p>')
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    w(f"<footer>paralign {_esc(version)} · {stamp} · self-contained report: no network "
      "needed</footer>")
    w('<script type="application/json" id="review-data">'
      f"{_script_json(_review_data(al, beads, len(shown)))}</script>")
    w(f"<script>{_JS.replace('__LOW__', json.dumps(float(low)))}</script>")
    w("</body></html>")
    page = "\n".join(out)
    if path is not None:
        # atomically, like every other output: a full disk keeps the old report whole
        from .corpus.atomic import atomic_write

        with atomic_write(path, inputs=_inputs_of(al)) as fh:
            fh.write(page)
    return page


def _inputs_of(al: Alignment) -> tuple[object, ...]:
    """The files an alignment was read from: a report must never overwrite them."""
    return (getattr(al.src, "source", None), getattr(al.tgt, "source", None))
