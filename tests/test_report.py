"""paralign.report: the self-contained HTML report, checked as text and in headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from paralign.alignment.bead import Alignment
from paralign.report import render_report
from alignment_samples import BEADS, EN_BASE, ZH, block_sim, build_alignment

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"

EN = EN_BASE + ["A <script>alert('x')</script> translator's note & more."]


def make_alignment(zh=ZH, en=EN, beads=BEADS) -> Alignment:
    return build_alignment(zh, en, beads, signature="paralign 0.1.0|enc:test|max:4x4")


def big_alignment(n: int) -> Alignment:
    """n beads of every common type, scores spread over [0, 1)."""
    kinds = [(1, 1)] * 6 + [(1, 2), (2, 1), (1, 0), (0, 1)]
    zh, en, beads = [], [], []
    for k in range(n):
        a, b = kinds[k % len(kinds)]
        s = tuple(range(len(zh), len(zh) + a))
        t = tuple(range(len(en), len(en) + b))
        zh += [f"第{k}個句子講述外交與貿易。" + ("平壤" if k % 7 == 0 else "")] * a
        en += [f"Sentence {k} is about diplomacy and trade." + (" Pyongyang" if k % 7 == 0
                                                                   else "")] * b
        beads.append((s, t, (k * 37 % 100) / 100))
    return make_alignment(zh, en, beads)


# -- the page as text ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def page_html() -> str:
    al = make_alignment()
    return render_report(al, sim=block_sim(al), title="Seed <abstract>")


@pytest.mark.parametrize("needle", [
    "<!DOCTYPE html>", '<meta charset="utf-8">',
    "<title>Seed &lt;abstract&gt;</title>",
    "paralign 0.1.0|enc:test|max:4x4",             # the signature
    'data:image/png;base64,',                      # heatmap embedded
    '<tr data-k="1-2"><td>1-2</td><td>1</td>',     # bead-type counts
    'id="minscore"', 'id="q"', 'id="kind"', 'id="lowonly"',  # filter + search controls
    "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;",    # texts escaped
    'class="r c2 low null"',                        # 1-0 bead, score 0.2, flagged
    "蘇聯於一九九0年和南韓建交。", 'lang="zh-Hant"',
])
def test_report_contains(page_html, needle):
    assert needle in page_html


def test_report_is_self_contained(page_html):
    assert "<script>alert" not in page_html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page_html)
    assert "<link" not in page_html
    assert not re.search(r"<script[^>]+src=", page_html)
    assert "@import" not in page_html and "url(" not in page_html


def test_report_rows_and_scores(page_html):
    rows = re.findall(r'<div class="r ([^"]+)" role="row" data-s="([0-9.]+)" '
                      r'data-k="([0-9-]+)">', page_html)
    assert [(float(s), k) for _, s, k in rows] == [(sc, f"{len(a)}-{len(b)}")
                                                   for a, b, sc in BEADS]
    assert sum("low" in c.split() for c, _, _ in rows) == 2


def test_report_written_to_path(tmp_path):
    out = tmp_path / "sub" / "report.html"
    al = make_alignment()
    text = al.to_html(out, sim=block_sim(al))
    assert out.read_text(encoding="utf-8") == text


@pytest.mark.parametrize("kwargs, present, absent", [
    ({"heatmap": False}, [], ["data:image/png", 'id="heatmap-note"']),
    ({"max_beads": 2}, ["showing the first 2 of 6 beads"], []),
    ({"encoder": "__no_such_encoder__"}, ['id="heatmap-note"', "no heatmap"],
     ["data:image/png"]),
])
def test_report_options(kwargs, present, absent):
    html = render_report(make_alignment(), **kwargs)
    for s in present:
        assert s in html
    for s in absent:
        assert s not in html
    if "max_beads" in kwargs:
        assert html.count('class="n"') == kwargs["max_beads"]


def test_report_heatmap_true_propagates_errors():
    with pytest.raises(Exception):
        render_report(make_alignment(), encoder="__no_such_encoder__", heatmap=True)


def test_report_big_document_skips_costly_heatmap():
    html = render_report(big_alignment(2500))
    assert html.count('class="n"') == 2500
    assert "no heatmap" in html and "larger than" in html


# -- in a real browser -----------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or (
    "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser_page():
    """A fresh headless Debian Chromium driven by playwright (no downloaded browser)."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing in CI: .ci/run must apt-get install chromium")
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    with tempfile.TemporaryDirectory(prefix="paralign-chromium-") as profile, \
            sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROME_ARGS,
            viewport={"width": 1280, "height": 900})
        try:
            yield ctx
        finally:
            ctx.close()


def open_report(ctx, path: Path):
    """Open the page, recording console errors, page errors and any network request."""
    page = ctx.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: problems.append(f"request: {r.url}")
            if not r.url.startswith(("file:", "data:")) else None)
    t0 = time.perf_counter()
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function("window.paralignReport !== undefined")
    return page, problems, time.perf_counter() - t0


VISIBLE = "document.querySelectorAll('#rows > .r:not([hidden])').length"


def visible(page) -> int:
    return page.evaluate(VISIBLE)


def settle(page) -> None:
    """Wait for the frame in which coalesced input events are applied, and the highlights."""
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def set_slider(page, value: float) -> None:
    page.eval_on_selector("#minscore", """(el, v) => { el.value = v;
        el.dispatchEvent(new Event('input', {bubbles: true})); }""", str(value))
    settle(page)


# (action, argument, expected visible rows of BEADS, expected <mark> count)
INTERACTIONS = [
    ("slider", 0.6, 3, 0),               # 0.93, 0.80, 0.90
    ("slider", 0.0, 6, 0),
    ("lowonly", True, 2, 0),             # 0.20, 0.10
    ("lowonly", False, 6, 0),
    ("kind", "1-1", 3, 0),
    ("kind", "", 6, 0),
    ("search", "平壤", 2, 2),            # zh side, both rows highlighted
    ("search", "PYONGYANG", 1, 1),       # en side, case-insensitive
    ("search", "soviet", 2, 2),
    ("search", "<script>", 1, 1),        # searched as text, not markup
    ("search", "no such words", 0, 0),
    ("search", "", 6, 0),
]


@pytest.mark.browser
def test_report_in_browser(browser_page, tmp_path):
    al = make_alignment()
    path = tmp_path / "report.html"
    render_report(al, path, sim=block_sim(al), title="Seed abstract (test)")
    page, problems, _ = open_report(browser_page, path)
    assert page.inner_text("#count") == "6 of 6 beads shown"
    assert visible(page) == 6
    assert page.evaluate("document.querySelector('#heatmap img').naturalWidth") > 200
    for action, arg, n_rows, n_marks in INTERACTIONS:
        if action == "slider":
            set_slider(page, arg)
        elif action == "lowonly":
            page.set_checked("#lowonly", arg)
        elif action == "kind":
            page.select_option("#kind", arg)
        else:
            page.fill("#q", arg)
            settle(page)
        assert visible(page) == n_rows, (action, arg)
        assert page.inner_text("#count") == f"{n_rows} of 6 beads shown", (action, arg)
        assert page.locator("#rows mark").count() == n_marks, (action, arg)
        assert page.is_visible("#none") == (n_rows == 0)
    # combined: search + filter; then the reset button clears everything
    page.fill("#q", "平壤")
    set_slider(page, 0.5)
    assert visible(page) == 1
    marked = page.inner_html("#rows > .r:not([hidden]) > :nth-child(4)")
    assert marked == "但並未放棄對<mark>平壤</mark>的支持。"
    page.click("#clear")
    assert visible(page) == 6 and page.locator("#rows mark").count() == 0
    assert page.input_value("#q") == ""
    page.click('#kinds tr[data-k="1-2"]')  # a bead type in the summary filters by it
    assert visible(page) == 1 and page.input_value("#kind") == "1-2"
    page.click("#clear")
    # the picture a person would see: search for 平壤 and keep the flagged rows
    page.fill("#q", "平壤")
    settle(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    page.close()
    assert problems == []


@pytest.mark.browser
def test_big_report_filters_fast(browser_page, tmp_path):
    n = 5000
    al = big_alignment(n)
    path = tmp_path / "big.html"
    t0 = time.perf_counter()
    render_report(al, path, heatmap=False)
    render_s = time.perf_counter() - t0
    page, problems, load_s = open_report(browser_page, path)
    assert visible(page) == n
    expected_06 = sum(b.score >= 0.6 - 1e-9 for b in al.beads)
    n_trade = sum("trade" in b.tgt_text for b in al.beads)  # 1-0 beads have no English
    timings: dict[str, float] = {"render_s": render_s, "load_s": load_s}

    def timed(label: str, js: str) -> int:
        """Run an interaction and wait until the next frame is painted; return visible rows."""
        t = page.evaluate("""async (js) => {
            const t0 = performance.now();
            (new Function(js))();
            document.body.offsetHeight;  // force style + layout
            await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
            return performance.now() - t0; }""", js)
        timings[label] = t / 1000
        return visible(page)

    assert timed("slider_0.6_s", "const s = document.getElementById('minscore'); "
                 "s.value = '0.6'; s.dispatchEvent(new Event('input'));") == expected_06
    assert timed("search_zh_s", "const q = document.getElementById('q'); q.value = '平壤'; "
                 "q.dispatchEvent(new Event('input'));") == sum(
        1 for b in al.beads if b.score >= 0.6 - 1e-9 and "平壤" in b.src_text)
    assert timed("search_en_common_s", "document.getElementById('minscore').value = '0'; "
                 "const q = document.getElementById('q'); q.value = 'trade'; "
                 "q.dispatchEvent(new Event('input'));") == n_trade
    assert page.locator("#rows mark").count() == sum(b.tgt_text.count("trade")
                                                     for b in al.beads)  # every occurrence
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-big-search.png"))  # the viewport only
    assert timed("reset_s", "document.getElementById('clear').click();") == n
    page.close()
    (ARTIFACTS / "report-timings.json").write_text(json.dumps(timings, indent=2))
    print("big report timings:", json.dumps(timings))
    assert problems == []
    assert load_s < 10, timings
    for key, secs in timings.items():
        if key.endswith("_s") and key not in ("render_s", "load_s"):
            assert secs < 2.0, timings


# -- command line ----------------------------------------------------------------------------
def test_cli_report(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "exodus.html"
    bible = ROOT / "corpora" / "bible"
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    run = subprocess.run([sys.executable, "-m", "paralign", "report",
                          str(bible / "exodus-20.zh.txt"), str(bible / "exodus-20.en.txt"),
                          "-o", str(out)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'id="rows"' in page
    assert "耶和华" in page and "LORD" in page
