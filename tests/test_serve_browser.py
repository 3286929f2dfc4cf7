"""`capstone-tui serve` in a real headless Chromium: the page (opened with the token, as the
URL `serve` prints) loads the dashboard, `S` changes the shown p*, and `e` makes the browser
download the snapshot JSON (the download is only reachable with the cookie the page set).

Chromium is the Debian package (/usr/bin/chromium), driven by the `playwright` package (no
`playwright install`). Under CI=true a missing Chromium or playwright FAILS the test; elsewhere
it skips. The browser may only reach the loopback server: every other request is aborted.
The terminal's text is read from xterm.js's own buffer: an init script catches the Terminal
object when textual-serve's page assigns it (`this.terminal = new Terminal(...)`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from capstone_tui.core.scaling import best_p
from support.serve_process import TOKEN, free_port, start_serve, stop, token_file, wait_listening

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "dedupe-4tb-crawl.toml"
BAR = re.compile(r"s=(?P<s>[0-9.e-]+)(?: \([^)]*\))? c=(?P<c>[0-9.e-]+)(?: \([^)]*\))? pmax=(?P<pmax>\d+)"
                 r".*?datacenter p\*=(?P<p>\d+)")  # the verdict bar's second line (labels in brackets optional)
CATCH_TERMINAL = """
window.__terminals = [];
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true, enumerable: true});
    window.__terminals.push(value);
  },
});
"""
READ_SCREEN = """() => {
  const term = window.__terminals && window.__terminals[0];
  if (!term) return "";
  const buffer = term.buffer.active, rows = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
}"""


def _need(what: str, ok: bool) -> None:
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing under CI=true (scripts/test.sh installs it)")
    pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="module")
def playwright_api() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need("the playwright package", False)
    _need(CHROMIUM, os.access(CHROMIUM, os.X_OK))
    return sync_playwright


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[tuple[int, Path, Path]]:
    # A candidate under a path full of shell syntax: textual-serve hands the command to /bin/sh,
    # so this only loads if serve quoted it, and the $(touch) must never run.
    folder = tmp_path / "a dir; $(touch PWNED) 'q'"
    folder.mkdir()
    candidate = folder / "cand 1.toml"
    shutil.copy(EXAMPLE, candidate)
    exports = tmp_path / "verdicts"
    port = free_port()
    proc = start_serve([str(candidate), "--port", str(port), "--machine", "dgx-h100",
                        "--export-dir", str(exports), "--token-file", str(token_file(tmp_path))], tmp_path)
    wait_listening(proc, port)
    try:
        yield port, exports, tmp_path
    finally:
        stop(proc)
    assert not list(tmp_path.rglob("PWNED")), "the candidate path was run by the shell"


def _bar(page: Any, timeout_s: float = 30, differs_from: tuple[Any, ...] | None = None) -> tuple[float, float, int, int]:
    """(s, c, pmax, p*) as the verdict bar shows them; waits for the bar (or for a change)."""
    deadline = time.monotonic() + timeout_s
    screen = ""
    while time.monotonic() < deadline:
        screen = page.evaluate(READ_SCREEN)
        match = BAR.search(screen)
        if match:
            shown = (float(match["s"]), float(match["c"]), int(match["pmax"]), int(match["p"]))
            if differs_from is None or shown != differs_from:
                return shown
        page.wait_for_timeout(200)
    raise AssertionError(f"no verdict bar{' change' if differs_from else ''} on screen:\n{screen}")


def test_browser_loads_tunes_and_downloads_the_snapshot(playwright_api: Any, server: tuple[int, Path, Path]):
    port, exports, tmp_path = server
    origin = f"127.0.0.1:{port}"
    with playwright_api() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
            context.route("**/*", lambda route: route.continue_() if origin in route.request.url.split("/")[2]
                          else route.abort())  # loopback only: the page also links Google Fonts
            context.add_init_script(CATCH_TERMINAL)
            downloads: list[Any] = []
            context.on("page", lambda page: page.on("download", lambda d: downloads.append(d)))
            page = context.new_page()
            page.goto(f"http://{origin}/?token={TOKEN}")
            s0, c0, pmax0, p0 = _bar(page)
            screen = page.evaluate(READ_SCREEN)
            assert "capstone-tui" in screen and "Dedupe a 4 TB" in screen, screen  # the quoted candidate loaded
            assert p0 == best_p(s0, c0, pmax0)[0]

            page.locator(".textual-terminal").click()
            shown = (s0, c0, pmax0, p0)
            for _ in range(25):  # raise s until the datacenter p* moves
                page.keyboard.press("S")
                shown = _bar(page, differs_from=shown)
                if shown[3] != p0:
                    break
            s1, c1, pmax1, p1 = shown
            assert s1 > s0 and (c1, pmax1) == (c0, pmax0)
            assert p1 != p0 and p1 == best_p(s1, c1, pmax1)[0]

            page.keyboard.press("e")
            deadline = time.monotonic() + 30
            while not downloads and time.monotonic() < deadline:
                page.wait_for_timeout(200)
            assert downloads, "pressing e started no browser download"
            download = downloads[0]
            saved = tmp_path / "downloaded.json"
            download.save_as(saved)
        finally:
            browser.close()
    snapshot = json.loads(saved.read_text(encoding="utf-8"))
    assert download.suggested_filename.endswith(".json")
    assert {"schema_version", "created", "tool_version", "candidate", "assessment"} <= set(snapshot)
    assert snapshot["candidate"]["scaling"]["s"] == pytest.approx(s1)
    assert snapshot["assessment"]["justification"]["p_star"] == p1
    written = exports / download.suggested_filename
    assert written.is_file() and json.loads(written.read_text(encoding="utf-8")) == snapshot


def test_non_loopback_host_warns_on_one_line(tmp_path: Path):
    port = free_port()
    proc = start_serve(["--host", "0.0.0.0", "--port", str(port)], tmp_path)
    try:
        wait_listening(proc, port)
    finally:
        _out, err = stop(proc)
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "0.0.0.0" in warnings[0] and "not loopback" in warnings[0], err
    # It says what a reader of the URL can do, and no longer claims the session is harmless.
    assert "drive the dashboard" in warnings[0] and "no file access" in warnings[0], err
    assert "no shell" not in warnings[0]


@pytest.mark.parametrize("flags, field", [
    (["--port", "0"], "--port"), (["--port", "65536"], "--port"), (["--port", "http"], "--port"),
    (["--host", "a b"], "--host"), (["--theme", "no-such-theme"], "--theme"),
    (["/no/such/candidate.toml"], "CANDIDATE.toml"),
    (["--max-sessions", "0"], "--max-sessions"), (["--max-sessions", "65"], "--max-sessions"),
    (["--token-file", "/no/such/token"], "--token-file"), (["--token-file", "short.token"], "--token-file"),
    (["--token-file", "shared.token"], "--token-file"), (["--files", "/no/such/folder"], "--files"),
])
def test_bad_serve_flags_exit_2_naming_the_flag(tmp_path: Path, flags: list[str], field: str):
    (tmp_path / "short.token").write_text("too-short\n", encoding="utf-8")
    (tmp_path / "short.token").chmod(0o600)
    (tmp_path / "shared.token").write_text("a-long-enough-token-but-world-readable\n", encoding="utf-8")
    (tmp_path / "shared.token").chmod(0o644)
    proc = subprocess.run([sys.executable, "-m", "capstone_tui", "serve", *flags], capture_output=True, text=True,
                          cwd=tmp_path, timeout=30, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and field in proc.stderr and "Traceback" not in proc.stderr
    assert "too-short" not in proc.stderr and "world-readable" not in proc.stderr  # a token is never echoed
