"""Notebook views of alignments and corpora: HTML tables and matplotlib figures.

Nothing heavy is imported here at module level: matplotlib, numpy, pandas and the encoders
are imported by the functions that need them, so ``import paralign.viz`` stays cheap and
``import paralign`` never touches matplotlib.

HTML (for Jupyter's ``_repr_html_``):

- :func:`alignment_html` -- an :class:`~paralign.alignment.bead.Alignment` as a two-column table
  of beads, coloured by confidence, with the bead type, low-confidence beads flagged and
  long tables truncated ("showing 200 of 5,000 beads").
- :func:`corpus_html` -- a :class:`~paralign.corpus.ParallelCorpus` summary and a sample.
- :func:`alignment_dataframe` -- the beads as a pandas DataFrame.

Figures (each returns a :class:`matplotlib.figure.Figure`; CJK labels render with a bundled
or system CJK font, see :func:`cjk_font_families`):

- :func:`heatmap` -- source x target sentence similarity with the chosen path and beads.
- :func:`length_ratio_plot` -- target/source length ratio along the document.
- :func:`score_histogram` -- distribution of bead confidences.
- :func:`bead_type_chart` -- counts of bead types (1-1, 1-2, 0-1 ...).
"""

from __future__ import annotations

import html
import itertools
import os
import sys
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .alignment.bead import Alignment, Bead
    from .corpus.store import CorpusStats, ParallelCorpus

__all__ = [
    "LOW_CONFIDENCE",
    "score_color",
    "alignment_html",
    "alignment_dataframe",
    "corpus_html",
    "similarity_matrix",
    "heatmap",
    "length_ratio_plot",
    "score_histogram",
    "bead_type_chart",
    "cjk_font_families",
    "use_cjk_fonts",
    "figure_png",
]

#: Beads scoring below this are flagged as low-confidence in tables and reports.
LOW_CONFIDENCE = 0.5
#: Rows shown by default before an HTML table is truncated.
MAX_ROWS = 200

# Font families tried, in order, for Chinese text (the first one installed wins).
_CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans SC", "Noto Sans TC",
    "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
    "Noto Sans CJK JP", "Noto Serif CJK SC", "Microsoft YaHei", "PingFang SC",
    "Hiragino Sans GB", "Heiti SC", "SimHei", "Arial Unicode MS",
)
_LATIN_FAMILY = "DejaVu Sans"


# ---------------------------------------------------------------------------------------
# colours
# ---------------------------------------------------------------------------------------
def score_color(score: float, *, lightness: int = 88) -> str:
    """A CSS colour for a confidence in [0, 1]: red (0) through amber to green (1)."""
    try:
        s = float(score)
    except (TypeError, ValueError):
        s = float("nan")
    if s != s:  # NaN: unknown confidence
        return f"hsl(0, 0%, {lightness}%)"
    s = min(1.0, max(0.0, s))
    return f"hsl({round(120 * s)}, 70%, {lightness}%)"


def _fmt_int(n: int) -> str:
    return f"{n:,}"


def _esc(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _span(indices: Sequence[int]) -> str:
    """``3`` or ``3-5`` (1-based, as a reader counts) for a run of sentence indices."""
    if not indices:
        return "–"
    a, b = indices[0] + 1, indices[-1] + 1
    return str(a) if a == b else f"{a}–{b}"


# ---------------------------------------------------------------------------------------
# HTML tables
# ---------------------------------------------------------------------------------------
_TABLE_CSS = """
<style>
.paralign-view{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC",
 "PingFang SC","Microsoft YaHei",sans-serif;font-size:13px;line-height:1.45;max-width:100%}
.paralign-view .pa-head{margin:0 0 6px 0;color:inherit}
.paralign-view .pa-head b{font-weight:600}
.paralign-view .pa-kinds span{display:inline-block;margin:0 4px 2px 0;padding:0 6px;
 border-radius:8px;background:#e8eaf0;color:#222;font-size:12px}
.paralign-view .pa-sig{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:11px;
 color:#667;word-break:break-all}
.paralign-view table{border-collapse:collapse;width:100%;table-layout:fixed}
.paralign-view th{background:#f3f4f7;color:#222;text-align:left;padding:4px 6px;
 border-bottom:2px solid #ccd}
.paralign-view td{padding:4px 6px;border-bottom:1px solid #dde;vertical-align:top;
 color:#111;text-align:left;white-space:pre-wrap;word-wrap:break-word}
.paralign-view td.pa-n,.paralign-view td.pa-k,.paralign-view td.pa-s{white-space:nowrap;
 font-variant-numeric:tabular-nums;color:#333}
.paralign-view tr.pa-low td.pa-s{font-weight:700;color:#a00}
.paralign-view tr.pa-low td.pa-n{border-left:4px solid #d33}
.paralign-view tr.pa-null td.pa-empty{color:#999;font-style:italic}
.paralign-view .pa-more td{text-align:center;color:#555;background:#fafafa;font-style:italic}
</style>
"""


def _bead_row(i: int, b: Bead, low: float) -> str:
    score = float(b.score)
    classes = []
    flag = ""
    if score < low:
        classes.append("pa-low")
        flag = ' <span title="low confidence">⚠</span>'
    if b.is_null:
        classes.append("pa-null")
    bg = score_color(score)
    src = _esc(b.src_text) if b.src else "∅"
    tgt = _esc(b.tgt_text) if b.tgt else "∅"
    src_cls = "pa-src" if b.src else "pa-src pa-empty"
    tgt_cls = "pa-tgt" if b.tgt else "pa-tgt pa-empty"
    cls = f' class="{" ".join(classes)}"' if classes else ""
    return (
        f'<tr{cls} style="background:{bg}">'
        f'<td class="pa-n" title="source {_span(b.src)} / target {_span(b.tgt)}">{i + 1}</td>'
        f'<td class="pa-k">{_esc(b.kind)}</td>'
        f'<td class="pa-s">{score:.2f}{flag}</td>'
        f'<td class="{src_cls}">{src}</td><td class="{tgt_cls}">{tgt}</td></tr>'
    )


def alignment_html(al: Alignment, *, max_rows: int | None = MAX_ROWS,
                   low: float = LOW_CONFIDENCE) -> str:
    """The alignment as an HTML table for Jupyter (``Alignment._repr_html_``).

    Rows are coloured by confidence (red = unsure, green = sure); beads under ``low`` are
    flagged with ⚠ and a red margin. Only the first ``max_rows`` beads are shown (``None``:
    all), followed by a line such as "showing 200 of 5,000 beads". All texts are escaped.
    """
    beads = list(al.beads)
    n = len(beads)
    shown = beads if max_rows is None else beads[: max(0, int(max_rows))]
    kinds = al.kinds() if hasattr(al, "kinds") else _count_kinds(b.kind for b in beads)
    n_low = sum(1 for b in beads if float(b.score) < low)
    src_tag = _esc(getattr(al.src, "tag", "source"))
    tgt_tag = _esc(getattr(al.tgt, "tag", "target"))
    par = getattr(al, "parallelism", float("nan"))
    par_txt = "" if par != par else f" · parallelism <b>{float(par):.2f}</b>"
    mean = sum(float(b.score) for b in beads) / n if n else float("nan")
    mean_txt = "" if mean != mean else f" · mean score <b>{mean:.2f}</b>"
    kinds_html = "".join(f"<span>{_esc(k)}: {_fmt_int(v)}</span>" for k, v in kinds.items())
    sig = getattr(al, "signature", "")
    parts = [
        _TABLE_CSS,
        '<div class="paralign-view paralign-alignment">',
        f'<div class="pa-head"><b>Alignment</b> {src_tag} → {tgt_tag}: '
        f"<b>{_fmt_int(n)}</b> beads, {_fmt_int(len(al.src))} × {_fmt_int(len(al.tgt))} "
        f"sentences{mean_txt}{par_txt} · <b>{_fmt_int(n_low)}</b> below {low:g}</div>",
        f'<div class="pa-head pa-kinds">{kinds_html}</div>',
    ]
    if sig:
        parts.append(f'<div class="pa-head pa-sig">{_esc(sig)}</div>')
    parts.append(
        '<table><colgroup><col style="width:3.5em"><col style="width:3.5em">'
        '<col style="width:4.5em"><col><col></colgroup>'
        f"<thead><tr><th>#</th><th>type</th><th>score</th><th>{src_tag}</th>"
        f"<th>{tgt_tag}</th></tr></thead><tbody>"
    )
    parts.extend(_bead_row(i, b, low) for i, b in enumerate(shown))
    if len(shown) < n:
        parts.append(f'<tr class="pa-more"><td colspan="5">showing {_fmt_int(len(shown))} '
                     f"of {_fmt_int(n)} beads</td></tr>")
    parts.append("</tbody></table></div>")
    return "\n".join(parts)


def alignment_dataframe(al: Alignment) -> Any:
    """The beads as a pandas DataFrame, one row per bead.

    Columns: ``src`` and ``tgt`` (tuples of sentence indices), ``kind``, ``score``,
    ``src_text``, ``tgt_text``, ``is_null``.
    """
    import pandas as pd

    rows = [
        {"src": b.src, "tgt": b.tgt, "kind": b.kind, "score": float(b.score),
         "src_text": b.src_text, "tgt_text": b.tgt_text, "is_null": b.is_null}
        for b in al.beads
    ]
    cols = ["src", "tgt", "kind", "score", "src_text", "tgt_text", "is_null"]
    return pd.DataFrame(rows, columns=cols)


def _count_kinds(kinds: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for k in kinds:
        counts[k] = counts.get(k, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


# -- corpus ---------------------------------------------------------------------------------
def corpus_html(corpus: ParallelCorpus, *, max_rows: int = 50,
                low: float = LOW_CONFIDENCE) -> str:
    """A ParallelCorpus for Jupyter (``ParallelCorpus._repr_html_``): its statistics and the
    first ``max_rows`` beads (null beads included), coloured by confidence.

    When the statistics cannot be read (the database is locked by a writer, a disk error)
    the beads are still shown, without the figures.
    """
    import sqlite3

    from .errors import ParalignError

    try:
        stats: CorpusStats | None = corpus.stats()
    except (ParalignError, sqlite3.Error):
        stats = None
    rows = list(itertools.islice(corpus.pairs(skip_null=False), max_rows + 1))
    more = len(rows) > max_rows
    rows = rows[:max_rows]
    head = ["<b>ParallelCorpus</b>"]
    if corpus.path:
        head.append(f'<span class="pa-sig">{_esc(corpus.path)}</span>')
    stat_items = []
    kinds_html = ""
    if stats is not None:
        head.append(f"<b>{_fmt_int(stats.docs)}</b> documents")
        head.append(f"<b>{_fmt_int(stats.beads)}</b> beads")
        for k, v in (("pairs", stats.pairs), ("src_chars", stats.src_chars),
                     ("tgt_chars", stats.tgt_chars), ("score_mean", f"{stats.score_mean:.3g}")):
            stat_items.append(f"<span>{_esc(k)}: {_esc(v)}</span>")
        kinds_html = "".join(f"<span>{_esc(k)}: {_fmt_int(v)}</span>"
                             for k, v in stats.kinds.items())
    parts = [_TABLE_CSS, '<div class="paralign-view paralign-corpus">',
             f'<div class="pa-head">{" · ".join(head)}</div>']
    if stat_items:
        parts.append(f'<div class="pa-head pa-kinds">{"".join(stat_items)}</div>')
    if kinds_html:
        parts.append(f'<div class="pa-head pa-kinds">{kinds_html}</div>')
    src_h = _esc(rows[0].src_lang if rows else "source")
    tgt_h = _esc(rows[0].tgt_lang if rows else "target")
    parts.append('<table><colgroup><col style="width:3.5em"><col style="width:9em">'
                 '<col style="width:3.5em"><col style="width:4.5em"><col><col></colgroup>'
                 '<thead><tr><th>#</th><th>document</th><th>type</th>'
                 f"<th>score</th><th>{src_h}</th><th>{tgt_h}</th></tr></thead><tbody>")
    for i, p in enumerate(rows):
        sc = p.score if p.score == p.score else None  # NaN: no score shown
        low_row = sc is not None and sc < low
        bg = score_color(sc if sc is not None else float("nan"))
        cls = ' class="pa-low"' if low_row else ""
        score_txt = "" if sc is None else f"{sc:.2f}" + (" ⚠" if low_row else "")
        parts.append(f'<tr{cls} style="background:{bg}"><td class="pa-n">{i + 1}</td>'
                     f'<td class="pa-k">{_esc(p.doc_id)}</td><td class="pa-k">{_esc(p.kind)}</td>'
                     f'<td class="pa-s">{score_txt}</td><td>{_esc(p.src)}</td>'
                     f'<td>{_esc(p.tgt)}</td></tr>')
    total = stats.beads if stats is not None else None
    if not rows:
        parts.append('<tr class="pa-more"><td colspan="6">empty corpus</td></tr>')
    elif more or (total is not None and total > len(rows)):
        of = f" of {_fmt_int(total)}" if total is not None else ""
        parts.append(f'<tr class="pa-more"><td colspan="6">showing {_fmt_int(len(rows))}'
                     f"{of} beads</td></tr>")
    parts.append("</tbody></table></div>")
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------
# matplotlib set-up
# ---------------------------------------------------------------------------------------
def _mpl() -> Any:
    """Import matplotlib, choosing Agg when nothing else was chosen and there is no display."""
    import matplotlib

    if ("matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND")
            and sys.platform.startswith("linux")
            and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))):
        matplotlib.use("Agg")
    return matplotlib


def _bundled_font_files() -> list[str]:
    """CJK font files shipped with paralign or with an installed font package."""
    files: list[str] = []
    here = os.path.join(os.path.dirname(__file__), "data")
    if os.path.isdir(here):
        files += [os.path.join(here, f) for f in sorted(os.listdir(here))
                  if f.lower().endswith((".ttf", ".otf", ".ttc", ".otc"))]
    try:  # pip install noto-cjk-sans-otc (the [notebook] extra): Noto Sans CJK, OFL
        import noto_cjk_sans_otc

        files.append(str(noto_cjk_sans_otc.FONT_PATH))
    except Exception:  # noqa: BLE001 - optional
        pass
    try:  # mplfonts ships Noto Sans CJK SC too
        import mplfonts

        p = os.path.join(os.path.dirname(mplfonts.__file__), "fonts", "NotoSansCJKsc-Regular.otf")
        if os.path.exists(p):
            files.append(p)
    except Exception:  # noqa: BLE001 - optional
        pass
    return [f for f in files if os.path.exists(f)]


@lru_cache(maxsize=1)
def cjk_font_families() -> tuple[str, ...]:
    """Font families for figure text: a Latin face, then one with Chinese glyphs.

    Registers the CJK fonts that come with paralign's ``[notebook]`` extra
    (``noto-cjk-sans-otc``) or with ``paralign/data``, then picks the first installed family
    of a list of well-known CJK fonts (Noto Sans CJK, Source Han Sans, WenQuanYi...).
    matplotlib falls back glyph by glyph along the returned list. Without any CJK font the
    result is just the Latin family (and Chinese would render as boxes).
    """
    _mpl()
    from matplotlib import font_manager as fm

    known = {f.name for f in fm.fontManager.ttflist}
    for path in _bundled_font_files():
        if not any(f.fname == path for f in fm.fontManager.ttflist):
            try:
                fm.fontManager.addfont(path)
            except Exception:  # noqa: BLE001 - a broken font file is skipped
                continue
    known = {f.name for f in fm.fontManager.ttflist}
    cjk = next((name for name in _CJK_FAMILIES if name in known), None)
    if cjk is None:  # any family whose name says CJK / Chinese
        cjk = next((n for n in sorted(known)
                    if any(w in n for w in ("CJK", "Hei", "Song", "Ming", "Kai", "Han Sans"))),
                   None)
    latin = _LATIN_FAMILY if _LATIN_FAMILY in known else "sans-serif"
    return (latin, cjk) if cjk else (latin,)


def use_cjk_fonts() -> tuple[str, ...]:
    """Make matplotlib's default font fall back to the CJK font, for your own figures too.

    paralign's figures do not need this (they set their fonts themselves); call it once
    before plotting Chinese with plain matplotlib. Changes ``rcParams["font.family"]``.
    """
    import matplotlib

    fams = cjk_font_families()
    matplotlib.rcParams["font.family"] = list(fams)
    return fams


def _apply_fonts(fig: Figure) -> None:
    """Give every text of ``fig`` the Latin+CJK family list (glyph fallback)."""
    from matplotlib.text import Text

    fams = list(cjk_font_families())
    for t in fig.findobj(Text):
        t.set_fontfamily(fams)


def _new_figure(figsize: tuple[float, float], ax: Axes | None = None) -> tuple[Figure, Axes]:
    """A figure not managed by pyplot (no global state, no double display in Jupyter)."""
    _mpl()
    if ax is not None:
        return ax.figure, ax
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    _register_ipython_display()
    return fig, fig.add_subplot()


def _register_ipython_display() -> None:
    """Let IPython show a pyplot-free Figure returned by a cell as a PNG."""
    ipy = sys.modules.get("IPython")
    if ipy is None:
        return
    try:
        shell = ipy.get_ipython()
        if shell is None:
            return
        from matplotlib.figure import Figure

        fmt = shell.display_formatter.formatters["image/png"]
        try:
            fmt.lookup_by_type(Figure)
        except KeyError:
            fmt.for_type(Figure, lambda f: figure_png(f, dpi=100))
    except Exception:  # noqa: BLE001 - a display nicety only
        pass


def figure_png(fig: Figure, *, dpi: int = 110) -> bytes:
    """The figure as PNG bytes."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _short(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


# ---------------------------------------------------------------------------------------
# figures
# ---------------------------------------------------------------------------------------
def _encoder_name(al: Alignment) -> str:
    stats = getattr(al, "stats", None) or {}
    name = stats.get("encoder")
    if isinstance(name, str) and name:
        return name
    for part in str(getattr(al, "signature", "")).split("|"):
        if part.startswith("enc:") and len(part) > 4:
            return part[4:]
    try:
        from .config import AlignConfig

        return AlignConfig().encoder
    except Exception:  # noqa: BLE001
        return "use-m3"


def similarity_matrix(al: Alignment, *, sim: Any = None, encoder: Any = None) -> np.ndarray:
    """Cosine similarity of every source sentence with every target sentence.

    ``sim`` (a precomputed matrix of shape ``(len(al.src), len(al.tgt))``) is checked and
    returned as is. Otherwise the sentences' matching views are embedded with ``encoder``:
    an object with ``encode(list[str])`` or a name for :func:`paralign.embed.get_encoder`
    (default: the encoder named in ``al.stats["encoder"]`` or the signature).
    """
    import numpy as np

    shape = (len(al.src), len(al.tgt))
    if sim is not None:
        m = np.asarray(sim, dtype=np.float32)
        if m.shape != shape:
            raise ValueError(f"sim has shape {m.shape}, expected {shape} "
                             "(source sentences x target sentences)")
        return m
    if encoder is None or isinstance(encoder, str):
        from .embed import get_encoder

        encoder = get_encoder(encoder or _encoder_name(al))
    if 0 in shape:
        return np.zeros(shape, dtype=np.float32)
    a = np.asarray(encoder.encode(list(al.src.norms)), dtype=np.float32)
    b = np.asarray(encoder.encode(list(al.tgt.norms)), dtype=np.float32)
    return a @ b.T


def _bead_path(beads: Sequence[Bead]) -> tuple[list[float], list[float]]:
    """The alignment path through the (target x, source y) grid, in cell-edge coordinates."""
    xs, ys = [0.0], [0.0]
    x = y = 0
    for b in beads:
        x += len(b.tgt)
        y += len(b.src)
        xs.append(x)
        ys.append(y)
    return [v - 0.5 for v in xs], [v - 0.5 for v in ys]


def heatmap(al: Alignment, sim: Any = None, encoder: Any = None, ax: Axes | None = None, *,
            max_labels: int = 40, label_chars: int = 14, show_beads: bool = True,
            cmap: str = "viridis") -> Figure:
    """Source x target similarity with the alignment path and the beads drawn on it.

    Rows are source sentences, columns target sentences. Each bead is outlined by a
    rectangle coloured by its score (red = unsure), the path through the bead corners is
    drawn in white, and null beads (1-0, 0-1) are marked with a cross. Up to ``max_labels``
    sentences per axis are labelled with the start of their text (Chinese included),
    otherwise with their numbers.
    """
    import numpy as np

    m = similarity_matrix(al, sim=sim, encoder=encoder)
    ns, nt = m.shape
    size = (min(14.0, max(6.5, 4.0 + 0.3 * nt)), min(12.0, max(5.0, 3.0 + 0.25 * ns)))
    fig, ax = _new_figure(size, ax)
    from matplotlib import colormaps
    from matplotlib.patches import Rectangle

    vmin = float(np.nanmin(m)) if m.size else 0.0
    vmax = float(np.nanmax(m)) if m.size else 1.0
    im = ax.imshow(m if m.size else np.zeros((1, 1)), cmap=cmap, aspect="auto",
                   interpolation="nearest", origin="upper",
                   vmin=min(vmin, vmax - 1e-6), vmax=vmax)
    fig.colorbar(im, ax=ax, shrink=0.8, label="cosine similarity")
    beads = list(al.beads)
    if show_beads and beads:
        xs, ys = _bead_path(beads)
        ax.plot(xs, ys, color="white", lw=1.2, alpha=0.9, zorder=3)
        score_cmap = colormaps["RdYlGn"]
        from matplotlib import patheffects

        outline = [patheffects.withStroke(linewidth=3.4, foreground="0.15")]
        big = len(beads) > 400
        for k, b in enumerate(beads):
            x0 = xs[k]
            y0 = ys[k]
            col = score_cmap(min(1.0, max(0.0, float(b.score))))
            if b.is_null:  # a step along one axis of the path: mark it red
                ax.plot([x0, xs[k + 1]], [y0, ys[k + 1]], color="red", lw=3 if not big else 1.5,
                        solid_capstyle="butt", clip_on=False, zorder=5)
            elif not big:
                ax.add_patch(Rectangle((x0, y0), len(b.tgt), len(b.src), fill=False,
                                       edgecolor=col, lw=2.0, zorder=4, path_effects=outline))
    src_tag = getattr(al.src, "tag", "source")
    tgt_tag = getattr(al.tgt, "tag", "target")
    if 0 < ns <= max_labels:
        ax.set_yticks(range(ns))
        ax.set_yticklabels([f"{i + 1} {_short(t, label_chars)}" for i, t in
                            enumerate(al.src.texts)], fontsize=8)
    if 0 < nt <= max_labels:
        ax.set_xticks(range(nt))
        ax.set_xticklabels([f"{j + 1} {_short(t, label_chars + 8)}" for j, t in
                            enumerate(al.tgt.texts)], fontsize=8, rotation=45, ha="right",
                           rotation_mode="anchor")
    ax.set_ylabel(f"source sentences ({src_tag})")
    ax.set_xlabel(f"target sentences ({tgt_tag})")
    ax.set_title(f"{src_tag} × {tgt_tag}: {len(beads)} beads on the similarity matrix")
    _apply_fonts(fig)
    return fig


def _text_len(text: str) -> int:
    return len("".join(str(text).split()))


def length_ratio_plot(al: Alignment, ax: Axes | None = None, *,
                      low: float = LOW_CONFIDENCE) -> Figure:
    """Length ratio (target characters / source characters) of each bead along the document.

    Points are coloured by score; the median of confident beads is drawn as a line, so that
    a drift (a skipped or repeated passage) shows as a run of points away from it. Null
    beads are marked at the bottom.
    """
    import numpy as np

    beads = list(al.beads)
    fig, ax = _new_figure((9.0, 3.6), ax)
    xs, ratios, scores, nulls = [], [], [], []
    for k, b in enumerate(beads):
        if b.is_null:
            nulls.append(k + 1)
            continue
        s, t = _text_len(b.src_text), _text_len(b.tgt_text)
        if s == 0 or t == 0:
            continue
        xs.append(k + 1)
        ratios.append(t / s)
        scores.append(float(b.score))
    src_tag = getattr(al.src, "tag", "source")
    tgt_tag = getattr(al.tgt, "tag", "target")
    if ratios:
        r = np.asarray(ratios)
        sc = ax.scatter(xs, r, c=scores, cmap="RdYlGn", vmin=0, vmax=1, s=18,
                        edgecolors="0.3", linewidths=0.3, zorder=3)
        ax.plot(xs, r, color="0.6", lw=0.6, zorder=2)
        good = r[np.asarray(scores) >= low]
        med = float(np.median(good if good.size else r))
        ax.axhline(med, color="tab:blue", ls="--", lw=1, label=f"median {med:.2f}")
        ax.set_ylim(0, max(float(r.max()), med) * 1.15)
        fig.colorbar(sc, ax=ax, label="score", shrink=0.9)
    if nulls:
        ax.plot(nulls, [0] * len(nulls), "x", color="red", clip_on=False, zorder=4,
                label="null bead (1-0 / 0-1)")
    if ratios or nulls:
        ax.legend(loc="upper right", fontsize=8)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("bead #")
    ax.set_ylabel(f"length ratio {tgt_tag}/{src_tag} (chars)")
    ax.set_title("Length ratio along the document")
    _apply_fonts(fig)
    return fig


def _scores_of(obj: Alignment | ParallelCorpus | Iterable[Any]) -> list[float]:
    """Bead scores of an alignment, a corpus (NaN scores left out), several alignments, or
    plain numbers."""
    if hasattr(obj, "beads"):
        return [float(b.score) for b in obj.beads]
    if hasattr(obj, "pairs"):
        return [p.score for p in obj.pairs(skip_null=False) if p.score == p.score]
    out: list[float] = []
    for x in obj:
        out += _scores_of(x) if hasattr(x, "beads") else [float(x)]
    return out


def _kinds_of(obj: Alignment | ParallelCorpus | Iterable[Alignment]) -> dict[str, int]:
    """Bead counts per type, most frequent first."""
    if hasattr(obj, "beads"):
        return _count_kinds(b.kind for b in obj.beads)
    if hasattr(obj, "pairs"):
        return dict(sorted(obj.stats().kinds.items(), key=lambda kv: (-kv[1], kv[0])))
    counts: dict[str, int] = {}
    for x in obj:
        for k, v in _kinds_of(x).items():
            counts[k] = counts.get(k, 0) + v
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def score_histogram(al_or_corpus: Any, ax: Axes | None = None, *, bins: int = 20,
                    low: float = LOW_CONFIDENCE) -> Figure:
    """Histogram of bead confidences of an Alignment, a ParallelCorpus or several alignments.

    Bars under the low-confidence threshold are red.
    """
    import numpy as np

    scores = np.asarray(_scores_of(al_or_corpus), dtype=float)
    scores = scores[np.isfinite(scores)]
    fig, ax = _new_figure((6.4, 3.6), ax)
    edges = np.linspace(0.0, 1.0, bins + 1)
    counts, _ = np.histogram(np.clip(scores, 0, 1), bins=edges)
    centers = (edges[:-1] + edges[1:]) / 2
    colors = ["tab:red" if c < low else "tab:green" for c in centers]
    ax.bar(centers, counts, width=edges[1] - edges[0], color=colors, edgecolor="white")
    ax.axvline(low, color="0.3", ls="--", lw=1, label=f"low confidence < {low:g}")
    n_low = int((scores < low).sum())
    ax.set_xlim(0, 1)
    ax.set_xlabel("score")
    ax.set_ylabel("beads")
    ax.set_title(f"Bead scores: {len(scores):,} beads, {n_low:,} below {low:g}")
    ax.legend(loc="upper left", fontsize=8)
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _apply_fonts(fig)
    return fig


def bead_type_chart(al_or_corpus: Any, ax: Axes | None = None, *, top: int = 12) -> Figure:
    """Horizontal bar chart of bead types (1-1, 1-2, 2-1, 0-1 ...), most frequent on top."""
    kinds = _kinds_of(al_or_corpus)
    items = list(kinds.items())
    if len(items) > top:
        rest = sum(v for _, v in items[top - 1:])
        items = items[: top - 1] + [("other", rest)]
    fig, ax = _new_figure((6.4, 0.8 + 0.38 * max(1, len(items))), ax)
    names = [k for k, _ in items][::-1]
    vals = [v for _, v in items][::-1]
    colors = ["tab:red" if ("0" in k.split("-")) else "tab:blue" for k in names]
    bars = ax.barh(names, vals, color=colors)
    total = sum(vals) or 1
    for bar, v in zip(bars, vals):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2,
                f" {v:,} ({100 * v / total:.0f}%)", va="center", fontsize=8)
    ax.set_xlim(0, max(vals, default=1) * 1.25)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("beads")
    ax.set_title("Bead types (source-target sentences)")
    _apply_fonts(fig)
    return fig
