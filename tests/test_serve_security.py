"""`capstone-tui serve` only its owner can drive: the real server on loopback, driven with an
aiohttp client as an attacker would (no browser). Each attack from issue 15 is refused:
no token, a wrong token, a websocket from a foreign Origin, a fifth session past the cap, and a
save outside the `--files` folder (or through a symbolic link planted in it). A positive control
next to each refusal shows the same request succeeds with the token, so the refusal is real.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Iterator

import aiohttp
import pytest

from support.serve_process import TOKEN, free_port, start_serve, stop, token_file, wait_listening

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "dedupe-4tb-crawl.toml"
COOKIE = "capstone_tui_token_{port}"
READY = b"capstone-tui"  # the header's title in the dashboard's first frames
URL_LINE = re.compile(r"open (http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9_-]+))")


class Served:
    def __init__(self, proc: subprocess.Popen[bytes], port: int, folder: Path) -> None:
        self.proc, self.port, self.folder = proc, port, folder
        self.base = f"http://127.0.0.1:{port}"

    def ws_url(self, token: str | None = TOKEN) -> str:
        query = f"?token={token}&width=100&height=30" if token is not None else "?width=100&height=30"
        return f"{self.base}/ws{query}"


def _serve(tmp_path: Path, *extra: str) -> Served:
    port = free_port()
    proc = start_serve([str(EXAMPLE), "--port", str(port), "--token-file", str(token_file(tmp_path)),
                        "--export-dir", str(tmp_path / "verdicts"), *extra], tmp_path)
    wait_listening(proc, port)
    return Served(proc, port, tmp_path)


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[Served]:
    server = _serve(tmp_path)
    try:
        yield server
    finally:
        stop(server.proc)


def _client() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))  # keep cookies of 127.0.0.1


async def _status(session: aiohttp.ClientSession, url: str, **kw: object) -> int:
    async with session.get(url, allow_redirects=False, **kw) as response:
        await response.read()
        return response.status


async def _ws_refused(session: aiohttp.ClientSession, url: str, **kw: object) -> int:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        async with session.ws_connect(url, **kw):
            pass
    return refused.value.status


async def _read_until(ws: aiohttp.ClientWebSocketResponse, marker: bytes, timeout: float = 60) -> bytes:
    got = b""
    async with asyncio.timeout(timeout):
        while marker not in got:
            message = await ws.receive()
            if message.type == aiohttp.WSMsgType.BINARY:
                got += message.data
            elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                raise AssertionError(f"websocket closed before {marker!r}: {got[-400:]!r}")
    return got


def test_printed_url_holds_a_fresh_token_that_opens_the_page(tmp_path: Path):
    port = free_port()
    proc = start_serve(["--port", str(port)], tmp_path)
    try:
        wait_listening(proc, port)
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        match = URL_LINE.search(line)
        assert match and int(match[2]) == port, line
        token = match[3]
        assert len(token) >= 40 and token != TOKEN  # secrets.token_urlsafe(32): 43 characters

        async def check() -> None:
            async with _client() as session:
                assert await _status(session, f"http://127.0.0.1:{port}/") == 401
                async with session.get(match[1]) as response:
                    page = await response.text()
                    assert response.status == 200
                    cookie = response.cookies[COOKIE.format(port=port)]
                    assert cookie.value == token and cookie["httponly"] and cookie["samesite"] == "Strict"
                    assert f'ws://127.0.0.1:{port}/ws' in page and "0.0.0.0" not in page
        asyncio.run(check())
    finally:
        out, err = stop(proc)
    assert (line + out + err).count(token) == 1  # printed once, never logged (requests carried it)


async def test_no_token_is_401_and_a_wrong_token_403_everywhere(served: Served):
    paths = ["/", "/static/js/textual.js", "/download/anything", "/ws"]
    async with _client() as session:
        for path in paths:
            assert await _status(session, served.base + path) == 401, path
            assert await _status(session, served.base + path + "?token=wrong-token-0123456789") == 403, path
            bad_cookie = {COOKIE.format(port=served.port): "wrong-token-0123456789"}
            assert await _status(session, served.base + path, cookies=bad_cookie) == 403, path
        assert await _ws_refused(session, served.ws_url(None)) == 401
        assert await _ws_refused(session, served.ws_url("wrong-token-0123456789")) == 403
        assert await _ws_refused(session, served.ws_url(TOKEN[:-1])) == 403  # one character short
        # Positive control: the token opens the page and its assets.
        async with session.get(served.base + f"/?token={TOKEN}") as page:
            assert page.status == 200
            assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Referrer-Policy"] == "no-referrer"
        assert await _status(session, served.base + "/static/js/textual.js") == 200  # the page's cookie
        async with session.get(served.base + "/download/no-such-key") as download:
            assert download.status == 404  # past the door; a delivered SVG could never run script:
            assert download.headers["Content-Security-Policy"].startswith("sandbox")


async def test_websocket_from_a_foreign_origin_is_refused(served: Served):
    async with _client() as session:
        for origin in ("http://evil.example", f"http://127.0.0.1:{served.port + 1}", "null"):
            status = await _ws_refused(session, served.ws_url(), headers={"Origin": origin})
            assert status == 403, origin
        # The cookie alone (what a foreign page's browser would send) does not help either.
        cookie = f"{COOKIE.format(port=served.port)}={TOKEN}"
        status = await _ws_refused(session, served.ws_url(None),
                                   headers={"Origin": "http://evil.example", "Cookie": cookie})
        assert status == 403
        # Positive control: the served origin, with the page's cookie, starts a dashboard.
        async with session.ws_connect(served.ws_url(None), headers={"Origin": served.base, "Cookie": cookie}) as ws:
            await _read_until(ws, READY)


async def test_the_fifth_session_is_told_why_and_refused(served: Served):
    async with _client() as session:
        open_ws = [await session.ws_connect(served.ws_url()) for _ in range(4)]
        try:
            fifth = await session.ws_connect(served.ws_url())
            message = await fifth.receive(timeout=30)
            assert message.type == aiohttp.WSMsgType.BINARY and b"--max-sessions 4" in message.data
            closing = await fifth.receive(timeout=30)
            assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == aiohttp.WSCloseCode.TRY_AGAIN_LATER
            assert "4 sessions are open" in closing.extra
            await fifth.close()
            await _read_until(open_ws[0], READY)  # the four admitted ones are real dashboards
        finally:
            for ws in open_ws:
                await ws.close()
        # Closing them frees the slots (each dashboard process is stopped first).
        deadline = time.monotonic() + 60
        while True:
            ws = await session.ws_connect(served.ws_url())
            message = await ws.receive(timeout=60)
            refused = message.type == aiohttp.WSMsgType.BINARY and b"--max-sessions" in message.data
            if not refused and message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
                await ws.close()
                break
            await ws.close()
            assert time.monotonic() < deadline, "no slot came free after closing the sessions"
            await asyncio.sleep(1)


async def _save_as(ws: aiohttp.ClientWebSocketResponse, path: str) -> None:
    """ctrl+s, clear the prompt (ctrl+u), type the path, Enter: as a browser's keys would."""
    for data in ("\x13", "\x15", path, "\r"):
        await ws.send_json(["stdin", data])
        await asyncio.sleep(0.8)


@pytest.mark.parametrize("files", [False, True])
async def test_saving_outside_the_files_folder_is_refused(tmp_path: Path, files: bool):
    folder = tmp_path / "shared"
    folder.mkdir()
    outside = tmp_path / "victim.rc"
    outside.write_text("original\n", encoding="utf-8")
    (folder / "planted.toml").symlink_to(outside)
    server = _serve(tmp_path, *(["--files", str(folder)] if files else []))
    try:
        async with _client() as session:
            async with session.ws_connect(server.ws_url()) as ws:
                await _read_until(ws, READY)
                await asyncio.sleep(1.5)
                for target in (str(outside), "../victim.rc", "planted.toml", str(tmp_path / "new.toml")):
                    await _save_as(ws, target)
                    await ws.send_json(["stdin", "\x1b"])  # dismiss any prompt left open
                    await asyncio.sleep(0.5)
                await _save_as(ws, "inside.toml")  # the positive control
                deadline = time.monotonic() + 20
                while files and not (folder / "inside.toml").exists() and time.monotonic() < deadline:
                    await asyncio.sleep(0.3)
    finally:
        stop(server.proc)
    assert outside.read_text(encoding="utf-8") == "original\n" and (folder / "planted.toml").is_symlink()
    assert not (tmp_path / "new.toml").exists() and not (tmp_path / "victim.toml").exists()
    if files:
        assert "Dedupe a 4 TB" in (folder / "inside.toml").read_text(encoding="utf-8")
    else:
        assert not (folder / "inside.toml").exists() and not (tmp_path / "inside.toml").exists()


# --- the confinement rule itself (probes/confine.py), on a real folder with real links ---------


def test_confine_accepts_files_inside_and_refuses_every_way_out(tmp_path: Path):
    from capstone_tui.core.errors import ValidationError
    from capstone_tui.probes.confine import FileAccess, confine

    root = tmp_path / "shared"
    (root / "sub").mkdir(parents=True)
    (root / "a.toml").write_text("x", encoding="utf-8")
    (tmp_path / "secret").write_text("token", encoding="utf-8")
    (root / "link.toml").symlink_to(tmp_path / "secret")
    (root / "dirlink").symlink_to(tmp_path)
    (root / "sub" / "loop").symlink_to(root / "sub")
    os.mkfifo(root / "pipe")

    assert confine("a.toml", root) == root / "a.toml"
    assert confine(str(root / "a.toml"), root) == root / "a.toml"
    assert confine("sub/new.toml", root) == root / "sub" / "new.toml"  # a new file in a real folder
    assert confine("./sub/./new.toml", root) == root / "sub" / "new.toml"
    refused = ["", "../secret", "sub/../../secret", str(tmp_path / "secret"), "/etc/passwd", "link.toml",
               "dirlink/secret", "sub/loop/x.toml", "pipe", "sub", ".", "nofolder/x.toml", "a\x00.toml"]
    for text in refused:
        with pytest.raises(ValidationError) as err:
            confine(text, root)
        assert err.value.field == "path" and "token" not in err.value.message, text  # never the contents
    off = FileAccess.served(None)
    with pytest.raises(ValidationError, match="off in this served session"):
        off.check("a.toml")
    inside = FileAccess.served(str(tmp_path / "shared" / "sub" / ".."))  # resolved once, at start
    assert inside.root == root.resolve() and inside.check("a.toml") == root / "a.toml"
    assert FileAccess().check("anything.toml").name == "anything.toml"  # a local session: unconfined
    with pytest.raises(ValidationError, match="--files"):
        FileAccess.served(str(tmp_path / "missing"))


def test_the_sizer_reads_local_data_only_where_files_may_be_opened(tmp_path: Path):
    from capstone_tui.core.errors import ValidationError
    from capstone_tui.probes.confine import FileAccess

    root = tmp_path / "shared"
    (root / "data").mkdir(parents=True)
    (tmp_path / "private").mkdir()
    off, inside = FileAccess.served(None), FileAccess.served(str(root))
    assert off.dataset("org/name") == "org/name" and inside.dataset("org/name") == "org/name"  # Hub ids
    assert inside.dataset("data") == str(root / "data") and inside.dataset(str(root / "data")) == str(root / "data")
    for access, text in ((off, str(tmp_path / "private")), (off, "./x"), (inside, str(tmp_path / "private")),
                         (inside, "../private"), (inside, "~/private")):
        with pytest.raises(ValidationError):
            access.dataset(text)
    assert FileAccess().dataset(str(tmp_path / "private")) == str(tmp_path / "private")  # local: as given


async def test_a_wildcard_bind_serves_a_page_pointing_where_the_browser_came_from(tmp_path: Path):
    server = _serve(tmp_path, "--host", "0.0.0.0")
    try:
        async with _client() as session:
            for host in (f"127.0.0.1:{server.port}", f"login-node.example:{server.port}"):
                async with session.get(f"{server.base}/?token={TOKEN}", headers={"Host": host}) as response:
                    page = await response.text()
                assert f'data-session-websocket-url="ws://{host}/ws"' in page and "0.0.0.0" not in page, host
            # A Host header that is not an address falls back to the bind address, never into the page raw.
            async with session.get(f"{server.base}/?token={TOKEN}", headers={"Host": 'x"><script>'}) as response:
                page = await response.text()
            assert response.status == 200 and 'x"><script>' not in page and "ws://0.0.0.0" not in page
    finally:
        stop(server.proc)
