"""A self-contained HTML report of one alignment (``Alignment.to_html``, ``paralign report``).

The page needs no network: CSS and JavaScript are inline and the similarity heatmap is an
embedded base64 PNG. It shows the signature, the bead-type counts, the score summary, the
heatmap and the aligned table, with a confidence filter (slider, "low only", bead type) and a
search box that filters rows in both languages and highlights the matches.

Filtering is one pass over precomputed arrays that only flips ``hidden`` on rows whose state
changes and rewrites the cells of matching rows, so a 5,000-bead report filters in a few tens
of milliseconds.
"""

from __future__ import annotations

import base64
import html
import json
import os
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .viz import LOW_CONFIDENCE

if TYPE_CHECKING:  # pragma: no cover
    from .alignment.bead import Alignment

__all__ = ["render_report"]

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
"""

_JS = r"""
(function () {
  "use strict";
  var LOW = %(low)s;
  var tbody = document.getElementById("rows");
  var rows = Array.prototype.slice.call(tbody.children);
  var n = rows.length;
  var score = new Float64Array(n), shown = new Uint8Array(n), marked = new Uint8Array(n);
  var kind = new Array(n), srcCell = new Array(n), tgtCell = new Array(n);
  var srcText = new Array(n), tgtText = new Array(n);
  for (var i = 0; i < n; i++) {
    var r = rows[i];
    score[i] = parseFloat(r.getAttribute("data-s"));
    kind[i] = r.getAttribute("data-k");
    srcCell[i] = r.children[3]; tgtCell[i] = r.children[4];
    srcText[i] = srcCell[i].textContent; tgtText[i] = tgtCell[i].textContent;
    shown[i] = 1;
  }
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
  function marks(text, re) {
    var parts = text.split(re), out = "";
    for (var j = 0; j < parts.length; j++) {
      out += (j %% 2) ? "<mark>" + esc(parts[j]) + "</mark>" : esc(parts[j]);
    }
    return out;
  }

  function apply() {
    var min = parseFloat(slider.value), onlyLow = lowOnly.checked, k = kindSel.value;
    var query = q.value.trim();
    var test = null, split = null;
    if (query) {
      test = new RegExp(reEsc(query), "i");
      split = new RegExp("(" + reEsc(query) + ")", "gi");
    }
    sliderOut.textContent = min.toFixed(2);
    var visible = 0;
    for (var i = 0; i < n; i++) {
      var s = score[i];
      var ok = !(s < min - 1e-9) && (!onlyLow || s < LOW) && (!k || kind[i] === k);
      var m = 0;
      if (ok && test) {
        m = (test.test(srcText[i]) ? 1 : 0) | (test.test(tgtText[i]) ? 2 : 0);
        ok = m !== 0;
      }
      if (m || marked[i]) {  // only cells whose highlight changes are touched
        if (m & 1) srcCell[i].innerHTML = marks(srcText[i], split);
        else if (marked[i] & 1) srcCell[i].textContent = srcText[i];
        if (m & 2) tgtCell[i].innerHTML = marks(tgtText[i], split);
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

  var pending = 0;
  function schedule() {  // coalesce bursts of input events into one pass per frame
    if (!pending) pending = requestAnimationFrame(function () { pending = 0; apply(); });
  }
  slider.addEventListener("input", schedule);
  lowOnly.addEventListener("change", apply);
  kindSel.addEventListener("change", apply);
  q.addEventListener("input", schedule);
  clear.addEventListener("click", function () {
    slider.value = "0"; lowOnly.checked = false; kindSel.value = ""; q.value = ""; apply();
  });
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
  fitHeader();
  document.addEventListener("keydown", function (e) {
    if (e.key === "/" && document.activeElement !== q) { e.preventDefault(); q.focus(); }
  });
  window.paralignReport = {
    apply: apply,
    visible: function () { var c = 0; for (var i = 0; i < n; i++) c += shown[i]; return c; },
    total: n
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


def _heatmap_png(al: Alignment, sim: Any, heatmap: bool | None, encoder: Any) -> tuple[str, str]:
    """(base64 PNG or "", note explaining a missing heatmap)."""
    if heatmap is False:
        return "", ""
    ns, nt = len(al.src), len(al.tgt)
    if ns == 0 or nt == 0:
        return "", "no heatmap: one side is empty"
    if sim is None and heatmap is None and max(ns, nt) > HEATMAP_MAX_SENTENCES:
        return "", (f"no heatmap: {ns:,} × {nt:,} sentences is larger than "
                    f"{HEATMAP_MAX_SENTENCES:,} (pass sim= or heatmap=True)")
    from . import viz

    try:
        fig = viz.heatmap(al, sim=sim, encoder=encoder)
        png = viz.figure_png(fig, dpi=100)
    except Exception as exc:  # noqa: BLE001 - the report stays useful without the figure
        if heatmap:
            raise
        return "", f"no heatmap: {type(exc).__name__}: {exc}"
    return base64.b64encode(png).decode("ascii"), ""


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
    png, heat_note = _heatmap_png(al, sim, heatmap, encoder)
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
        w(f'<img alt="similarity heatmap of {len(al.src)} source x {len(al.tgt)} target '
          f'sentences with the alignment path" src="data:image/png;base64,{png}">')
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
        src_td = (f'<span role="cell" lang="{s_lang}">{_esc(b.src_text)}</span>' if b.src
                  else f'<span role="cell" class="e" lang="{s_lang}"></span>')
        tgt_td = (f'<span role="cell" lang="{t_lang}">{_esc(b.tgt_text)}</span>' if b.tgt
                  else f'<span role="cell" class="e" lang="{t_lang}"></span>')
        srange = ",".join(str(x + 1) for x in b.src) or "–"
        trange = ",".join(str(x + 1) for x in b.tgt) or "–"
        w(f'<div class="{cls}" role="row" data-s="{sc:.4f}" data-k="{_esc(b.kind)}">'
          f'<span role="cell" class="n" title="source {srange} / target {trange}">{i + 1}</span>'
          f'<span role="cell" class="k">{_esc(b.kind)}</span>'
          f'<span role="cell" class="s">{sc:.2f}</span>{src_td}{tgt_td}</div>')
    w("</div></div>")
    w('<p id="none" hidden>No bead matches these filters.</p>')
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    w(f"<footer>paralign {_esc(version)} · {stamp} · self-contained report: no network "
      "needed</footer>")
    w(f"<script>{_JS % {'low': json.dumps(float(low))}}</script>")
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
