"""The published artifact: the book builds with zero warnings, every page works in a real browser
(headless Chromium driven by Playwright), and the student edition shows no solution text."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

from cnnbook.student import make_student_edition
from tests._book import ROOT, book_notebooks, build_book, html_text, solution_probes, toc_documents

# Everything in this module shares the two builds; `--dist loadfile` keeps it on one worker.
pytestmark = pytest.mark.book

HTML = ROOT / "_build" / "html"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: Console errors we accept, as substrings. Keep empty unless a third-party bug forces an entry.
KNOWN_CONSOLE_ERRORS: tuple[str, ...] = ()


@pytest.fixture(scope="module")
def book_build():
    return build_book(ROOT)


@pytest.fixture(scope="module")
def student_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("student") / "edition"
    make_student_edition(ROOT, out)
    code, warnings, log = build_book(out)
    return out, code, warnings, log


def test_book_builds_with_zero_warnings(book_build):
    code, warnings, log = book_build
    assert code == 0, log[-3000:]
    assert warnings == [], "\n".join(warnings)


def test_every_toc_page_was_built(book_build):
    missing = [d for d in toc_documents() if not (HTML / f"{d}.html").is_file()]
    assert missing == []


def test_every_notebook_in_book_is_in_the_toc():
    docs = set(toc_documents())
    orphans = [str(p.relative_to(ROOT)) for p in book_notebooks() if str(p.relative_to(ROOT).with_suffix("")) not in docs]
    assert orphans == []


def _chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="module")
def site(book_build):
    """Serve the built HTML on a local port."""
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    if executable is None:
        reason = "Chromium is not installed (apt-get install -y --no-install-recommends chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; under CI the browser tests must run")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def tab(browser):
    """One tab that visits every page in turn. A new tab per page would start a fresh renderer and parse
    MathJax and the theme's scripts again, which doubled the time these tests took."""
    context = browser.new_context()
    yield context.new_page()
    context.close()


_fetched: dict[str, tuple[int, str]] = {}


def _fetch(url: str) -> tuple[int, str]:
    if url not in _fetched:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                _fetched[url] = (response.status, response.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as err:
            _fetched[url] = (err.code, "")
    return _fetched[url]


@pytest.mark.browser
@pytest.mark.parametrize("doc", toc_documents())
def test_page_works_in_a_real_browser(doc, site, tab):
    page = tab
    errors: list[str] = []
    listeners = {"console": lambda msg: errors.append(msg.text) if msg.type == "error" else None,
                 "pageerror": lambda exc: errors.append(str(exc)),
                 "requestfailed": lambda req: errors.append(f"request failed: {req.url}")}
    for event, listener in listeners.items():
        page.on(event, listener)
    try:
        response = page.goto(site + doc + ".html", wait_until="load")
        assert response is not None and response.ok, f"{doc}: HTTP {response and response.status}"
        # math: MathJax is served locally and must typeset every formula
        if page.evaluate("() => !!document.querySelector('script[src*=\"mathjax\"]')"):
            page.wait_for_function("() => window.MathJax && window.MathJax.startup && window.MathJax.startup.promise",
                                   timeout=20000)
            page.evaluate("() => window.MathJax.startup.promise")
        raw = page.evaluate("""() => {
            const root = (document.querySelector('main') || document.body).cloneNode(true);
            root.querySelectorAll('pre, code, script, style, mjx-container, .highlight, textarea').forEach(e => e.remove());
            return root.innerText; }""")
        assert "\\(" not in raw and "\\[" not in raw, f"{doc}: untypeset TeX on the page"
        untypeset = page.evaluate("() => document.querySelectorAll('.math:not(:has(mjx-container))').length")
        assert untypeset == 0, f"{doc}: {untypeset} math elements were not typeset"
        # images
        broken = page.evaluate("() => Array.from(document.images)"
                               ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
        assert broken == [], f"{doc}: images failed to load: {broken}"
        # internal links
        hrefs = page.evaluate("() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
        bad = []
        for href in set(hrefs):
            if not href.startswith(site):
                continue
            target, _, fragment = href.partition("#")
            status, body = _fetch(target)
            if status != 200:
                bad.append(f"{href} (HTTP {status})")
            elif fragment and f'id="{urllib.parse.unquote(fragment)}"' not in body:
                bad.append(f"{href} (no element with id {fragment!r})")
        assert bad == [], f"{doc}: broken internal links: {bad}"
        page.wait_for_timeout(200)
        unexpected = [e for e in errors if not any(known in e for known in KNOWN_CONSOLE_ERRORS)]
        assert unexpected == [], f"{doc}: console errors: {unexpected}"
    finally:
        page.goto("about:blank")  # leave the page here, so that nothing it does later lands in the next test
        for event, listener in listeners.items():
            page.remove_listener(event, listener)


def test_student_edition_builds_with_hide_solutions(student_build):
    out, code, warnings, log = student_build
    config = yaml.safe_load((out / "_config.yml").read_text())
    assert config["sphinx"]["config"]["hide_solutions"] is True
    assert code == 0, log[-3000:]
    assert warnings == [], "\n".join(warnings)


@pytest.mark.parametrize("notebook", [str(p.relative_to(ROOT)) for p in book_notebooks()])
def test_student_html_shows_no_solution_text(notebook, book_build, student_build):
    out = student_build[0]
    page = Path(notebook).with_suffix(".html")
    teacher_text = html_text(HTML / page)
    student_text = html_text(out / "_build" / "html" / page)
    solutions = solution_probes(ROOT / notebook)
    assert solutions, f"{notebook} has no exercise solutions"
    for label, probes in solutions:
        visible = [p for p in probes if p in teacher_text]
        assert visible, f"{notebook}: solution {label} has no text the test can look for in the instructor HTML"
        leaked = [p for p in visible if p in student_text]
        assert leaked == [], f"{notebook}: solution {label} leaks into the student HTML: {leaked[:3]}"
