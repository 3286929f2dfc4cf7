"""A loopback stand-in for the Hub, for the sizer tests (never the real network).

`HubStub` serves dataset cards (`/datasets/<repo>/resolve/<rev>/README.md`, HEAD and GET, as
`hf_hub_download` asks) and `/api/datasets/<repo>` (`cardData`, as `HfApi.dataset_info`
asks); unknown repos get 404 with `X-Error-Code: RepoNotFound`. `silent_endpoint()` accepts
TCP connections and never answers (the case that hangs `datasets` for minutes).
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator, Self

COMMIT = "a" * 40


class QuietHandler(BaseHTTPRequestHandler):
    """A handler that logs nothing, answers HEAD and GET through `route`, and counts bytes sent."""

    def log_message(self, *args: Any) -> None:
        pass

    def reply(self, status: int, body: bytes, headers: dict[str, str], send_body: bool) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)
            self.sent_bytes(len(body))

    def sent_bytes(self, n: int) -> None:
        pass

    def route(self, send_body: bool) -> None:
        raise NotImplementedError

    def do_HEAD(self) -> None:
        self.route(False)

    def do_GET(self) -> None:
        self.route(True)


class LoopbackServer:
    """An HTTP server on 127.0.0.1 (a free port) for the life of a `with` block."""

    def serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


class HubStub(LoopbackServer):
    def __init__(self, cards: dict[str, str], card_data: dict[str, dict[str, Any]] | None = None) -> None:
        self.cards = cards  # repo -> README text
        self.card_data = card_data or {}  # repo -> cardData for the API
        self.requests: list[str] = []
        stub = self

        class Handler(QuietHandler):
            def route(self, send_body: bool) -> None:
                stub.requests.append(f"{self.command} {self.path}")
                path = self.path.split("?")[0]
                readme = re.match(r"^/datasets/(.+?)/resolve/[^/]+/README\.md$", path)
                api = re.match(r"^/api/datasets/(.+)$", path)
                missing = {"X-Error-Code": "RepoNotFound", "Content-Type": "application/json"}
                if readme and readme.group(1) in stub.cards:
                    body = stub.cards[readme.group(1)].encode()
                    etag = hashlib.sha256(body).hexdigest()
                    self.reply(200, body, {"X-Repo-Commit": COMMIT, "ETag": f'"{etag}"',
                                            "Content-Type": "text/plain"}, send_body)
                elif api and api.group(1) in stub.card_data:
                    repo = api.group(1)
                    body = json.dumps({"id": repo, "_id": "x", "sha": COMMIT, "private": False,
                                       "cardData": stub.card_data[repo]}).encode()
                    self.reply(200, body, {"Content-Type": "application/json"}, send_body)
                else:
                    self.reply(404, b'{"error": "Repository not found"}', missing, send_body)

        self.serve(Handler)


@contextmanager
def silent_endpoint() -> Iterator[str]:
    """An endpoint whose port completes the TCP handshake and then never says a word."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)  # never accepted: connections wait in the backlog, reads time out
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


def closed_endpoint() -> str:
    """An endpoint where nothing listens (connection refused at once)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"
