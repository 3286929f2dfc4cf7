"""textual-serve's Server with a lock on the door: a per-run token, an Origin check on the
websocket, a cap on concurrent sessions, and a page that points the browser back at the
address it came from.

Whoever drives a served dashboard can type into it, so the page, its assets, downloads and the
websocket all need the token: as `?token=...` (the URL `serve` prints once), or as the cookie
the page sets on first load (HttpOnly, SameSite=Strict, named per port). A missing token is 401,
a wrong one 403, a websocket upgrade whose `Origin` is not the served origin 403 (a web page in
the owner's browser cannot reach in). The token is compared in constant time and never logged.
Beyond `max_sessions` live dashboards the next websocket is told why and closed (1013).

Imported only by `commands/serve.py` when serving (aiohttp + jinja2: ~0.2 s).
"""

from __future__ import annotations

import hmac
import logging
import re
from typing import Any, Awaitable, Callable
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import WSCloseCode, web
from textual_serve.server import Server, to_int

TOKEN_PARAM = "token"
MAX_TERMINAL_CELLS = 1000  # width or height a browser may ask for (larger ones are refused)
_HOST_HEADER = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")
_SECURITY_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _refusal(status: int, reason: str) -> web.Response:
    return web.Response(status=status, text=f"capstone-tui serve: {reason}\n", content_type="text/plain")


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, lower-cased (the form browsers send in `Origin`)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class GuardedServer(Server):
    """A textual-serve Server that only the holder of `token` can use."""

    def __init__(self, command: str, *, host: str, port: int, token: str, max_sessions: int,
                 public_url: str | None, url: str, title: str = "capstone-tui",
                 announce: Callable[[str], None] = print) -> None:
        super().__init__(command, host=host, port=port, title=title, public_url=public_url or url)
        self.token = token
        self.max_sessions = max_sessions
        self.sessions = 0
        self.fixed_url = public_url  # --public-url: the page uses it; otherwise the Host header
        self.cookie_name = f"capstone_tui_token_{port}"  # cookies ignore ports: one name per server
        self.announce = announce

    # --- the door ----------------------------------------------------------------------------

    def _token_ok(self, given: str) -> bool:
        return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), self.token.encode("utf-8"))

    def allowed_origins(self, request: web.Request) -> set[str]:
        origins = {f"{request.scheme}://{request.host}".lower()}
        if self.fixed_url:
            origins.add(origin_of(self.fixed_url))
        return origins

    @web.middleware
    async def guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Token (query or cookie), then Origin and size for websockets, then the handler."""
        query_token = request.query.get(TOKEN_PARAM)
        cookie_token = request.cookies.get(self.cookie_name)
        if query_token is None and cookie_token is None:
            return _refusal(401, "this server needs the token: open the URL that `capstone-tui serve` printed")
        if not self._token_ok(query_token if query_token is not None else cookie_token or ""):
            return _refusal(403, "wrong token")
        if request.path == "/ws":
            origin = request.headers.get("Origin")
            if origin is not None and origin.lower() not in self.allowed_origins(request):
                return _refusal(403, f"websocket from a foreign origin ({origin[:80]!r}) refused")
            for key in ("width", "height"):
                if not 1 <= to_int(request.query.get(key, "80"), 0) <= MAX_TERMINAL_CELLS:
                    return _refusal(400, f"{key} must be an integer in [1, {MAX_TERMINAL_CELLS}]")
        response = await handler(request)
        if query_token is not None and request.path == "/" and not response.prepared:
            response.set_cookie(self.cookie_name, self.token, httponly=True, samesite="Strict", path="/",
                                secure=request.scheme == "https")
        return response

    async def _headers(self, request: web.Request, response: web.StreamResponse) -> None:
        """Every response: no framing, no referrer, no caching; downloads cannot run script."""
        for key, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        if request.path.startswith("/download/"):
            response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'; style-src 'unsafe-inline'"
        else:
            response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self.guard)
        app.on_response_prepare.append(self._headers)
        return app

    # --- sessions ----------------------------------------------------------------------------

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        if self.sessions >= self.max_sessions:
            reason = (f"{self.sessions} sessions are open, the most this server allows (--max-sessions "
                      f"{self.max_sessions}); close one and reload")
            websocket = web.WebSocketResponse()
            await websocket.prepare(request)
            await websocket.send_bytes(f"\r\ncapstone-tui serve: {reason}.\r\n".encode())  # shown by the page
            await websocket.close(code=WSCloseCode.TRY_AGAIN_LATER, message=reason.encode()[:120])
            return websocket
        self.sessions += 1
        try:
            return await super().handle_websocket(request)
        finally:
            self.sessions -= 1

    # --- the page ----------------------------------------------------------------------------

    def base_url(self, request: web.Request) -> str:
        """--public-url, else the address the browser used (its Host header), never 0.0.0.0."""
        if self.fixed_url:
            return self.fixed_url.rstrip("/")
        if _HOST_HEADER.match(request.host or ""):
            return f"{request.scheme}://{request.host}"
        return self.public_url.rstrip("/")

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        base = self.base_url(request)
        websocket = ("wss:" if base.startswith("https:") else "ws:") + base.split(":", 1)[1]
        return {
            "font_size": min(64, max(6, to_int(request.query.get("fontsize", "16"), 16))),
            "app_websocket_url": f"{websocket}{request.app.router['websocket'].url_for()}",
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {"name": self.title},
        }

    # --- start-up ----------------------------------------------------------------------------

    def initialize_logging(self) -> None:
        super().initialize_logging()
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # request lines carry the token

    async def on_startup(self, app: web.Application) -> None:
        self.announce(f"{self.public_url.rstrip('/')}/?{TOKEN_PARAM}={self.token}")
