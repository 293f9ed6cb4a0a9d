"""A learner's setup: a notebook opened in a running JupyterLab (the pinned "lab" extra, with
jupyterlab-myst) runs every cell without an error, and its exercises render as boxes, not raw text.

Headless Chromium (Debian's, as in test_published_book.py) drives JupyterLab through Playwright.
The notebook is a copy in a temporary folder with its outputs cleared, so the repository is not
modified and every output checked comes from this run.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from tests._book import ROOT

pytestmark = pytest.mark.browser

NOTEBOOK = ROOT / "book" / "first-look" / "first-look.ipynb"
JUPYTER = Path(sys.executable).with_name("jupyter")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: Generous limits for a busy machine; on 2 idle cores the whole module takes well under a minute.
START_TIMEOUT_S = 120
RUN_TIMEOUT_S = 180


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; under CI the JupyterLab browser test must run")
    pytest.skip(reason)


def _chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a free local port with a token, serving a copy of the notebook.

    Yields (base URL, token, the notebook's path relative to the server's root).
    """
    for module in ("jupyterlab", "jupyterlab_myst"):
        if importlib.util.find_spec(module) is None:
            _missing(f"{module} is not installed (pip install -e '.[lab]')")
    root = tmp_path_factory.mktemp("lab")
    work = root / "notebooks"
    work.mkdir()
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, work / NOTEBOOK.name)
    # Keep the learner's own JupyterLab state out of it, and render every cell (no windowing),
    # so that the page holds all the cells, not only those on screen.
    settings = root / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    # Only what the test needs on the server side: no language server, terminals or nbgrader (it starts faster).
    (root / "config").mkdir()
    (root / "config" / "jupyter_server_config.json").write_text(json.dumps({"ServerApp": {"jpserver_extensions": {
        name: False for name in ("jupyter_lsp", "jupyter_server_terminals", "notebook",
                                 "nbgrader.server_extensions.assignment_list", "nbgrader.server_extensions.course_list",
                                 "nbgrader.server_extensions.formgrader",
                                 "nbgrader.server_extensions.validate_assignment")}}}))
    env = dict(os.environ, PYTHONHASHSEED="0",
               JUPYTER_CONFIG_DIR=str(root / "config"), JUPYTER_RUNTIME_DIR=str(root / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(root / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(root / "workspaces"))
    port, token = _free_port(), secrets.token_hex(16)
    log = open(root / "lab.log", "w")
    server = subprocess.Popen(
        [str(JUPYTER), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
         f"--ServerApp.root_dir={work}", f"--IdentityProvider.token={token}",
         "--ServerApp.allow_root=True", "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
         "jupyterlab.NeverCheckForUpdate"],
        cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("JupyterLab did not start:\n" + (root / "lab.log").read_text()[-3000:])
            time.sleep(0.5)
        yield base, token, NOTEBOOK.name
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture(scope="module")
def page(lab):
    executable = _chromium()
    if executable is None:
        _missing("Chromium is not installed (apt-get install -y --no-install-recommends chromium)")
    from playwright.sync_api import sync_playwright

    base, token, name = lab
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(START_TIMEOUT_S * 1000)
        page.goto(f"{base}/lab/tree/{name}?token={token}")
        page.wait_for_function(
            "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
            " return !!(w && w.context && w.context.isReady && w.sessionContext && w.sessionContext.session"
            " && w.sessionContext.session.kernel && w.sessionContext.session.kernel.status === 'idle'); }")
        yield page
        browser.close()


RUN_ALL = """async () => {
  const panel = window.jupyterapp.shell.currentWidget;
  await window.jupyterapp.commands.execute('notebook:run-all-cells');
  return panel.content.model.cells.length;
}"""

#: Per code cell: its execution count and the types (and error names) of its outputs.
CELL_STATE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = [];
  const model = panel.content.model.cells;
  for (let i = 0; i < model.length; i++) {
    const cell = model.get(i);
    if (cell.type !== 'code') continue;
    const outputs = cell.outputs.toJSON().map(o => o.output_type === 'error' ? `error ${o.ename}: ${o.evalue}` : o.output_type);
    cells.push({index: i, count: cell.executionCount, outputs: outputs});
  }
  return {kernel: panel.sessionContext.session.kernel.status, cells: cells};
}"""


@pytest.fixture(scope="module")
def ran(page):
    """Run all cells and wait until every code cell has run and the kernel is idle."""
    page.evaluate(RUN_ALL)
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while True:
        state = page.evaluate(CELL_STATE)
        done = state["kernel"] == "idle" and all(c["count"] is not None for c in state["cells"])
        errors = [c for c in state["cells"] if any(o.startswith("error") for o in c["outputs"])]
        if done or errors or time.monotonic() > deadline:
            return state
        time.sleep(0.5)


def test_every_cell_runs_without_an_error_in_jupyterlab(ran):
    errors = [f"cell {c['index']}: {o}" for c in ran["cells"] for o in c["outputs"] if o.startswith("error")]
    assert errors == []
    not_run = [c["index"] for c in ran["cells"] if c["count"] is None]
    assert not_run == [], f"cells that never ran within {RUN_TIMEOUT_S} s: {not_run}"
    assert len(ran["cells"]) >= 10


def test_no_cell_shows_a_traceback_on_the_page(page, ran):
    assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'] .ansi-red-fg,"
                        " .jp-RenderedText[data-mime-type='application/vnd.jupyter.error']").count() == 0


def test_exercises_render_as_boxes_not_raw_text(page, ran):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    labels = [line.split(":label:", 1)[1].strip() for cell in nb.cells if cell.cell_type == "markdown"
              and cell.source.startswith("```{exercise}") for line in cell.source.splitlines()
              if line.startswith(":label:")]
    assert len(labels) >= 3, "the notebook should have exercises"
    rendered = "\n".join(page.locator(".jp-MarkdownCell .myst").all_inner_texts())
    for directive in ("{exercise}", "{solution-start}", "{solution-end}", ":label:"):
        assert directive not in rendered, f"{directive} shows as raw text"
    for label in labels:
        box = page.locator(f".jp-MarkdownCell aside.myst-exercise#{label}")
        assert box.count() == 1, f"exercise {label} is not rendered as a box"
        assert box.locator(".myst-exercise-title").inner_text().startswith("Exercise")
        assert box.locator(".myst-exercise-body").inner_text().strip()
