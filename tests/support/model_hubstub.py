"""A loopback stand-in for the Hub's model files, for `plan --online` (never the real network).

`ModelHubStub({"org/name": {"config.json": b"...", "model.safetensors": b"..."}})` answers
HEAD and GET on `/<repo>/resolve/<rev>/<file>` as `hf_hub_download` and
`HfApi.get_safetensors_metadata` ask, with `Range: bytes=a-b` answered by 206 (so only the
header bytes travel); a missing file is 404 `EntryNotFound`, a missing repo 404 `RepoNotFound`.
`requests` records what was asked, with the byte ranges, so a test can prove no weights moved.
"""

from __future__ import annotations

import hashlib
import re

from support.hubstub import LoopbackServer, QuietHandler

COMMIT = "b" * 40


class ModelHubStub(LoopbackServer):
    def __init__(self, repos: dict[str, dict[str, bytes]]) -> None:
        self.repos = repos
        self.requests: list[str] = []
        self.bytes_sent = 0
        stub = self

        class Handler(QuietHandler):
            def sent_bytes(self, n: int) -> None:
                stub.bytes_sent += n

            def route(self, send_body: bool) -> None:
                rng = self.headers.get("Range") or self.headers.get("range") or ""
                stub.requests.append(f"{self.command} {self.path} {rng}".strip())
                found = re.match(r"^/(.+?)/resolve/[^/]+/(.+)$", self.path.split("?")[0])
                if not found or found.group(1) not in stub.repos:
                    self.reply(404, b'{"error": "Repository not found"}',
                               {"X-Error-Code": "RepoNotFound", "Content-Type": "application/json"}, send_body)
                    return
                files = stub.repos[found.group(1)]
                if found.group(2) not in files:
                    self.reply(404, b'{"error": "Entry not found"}',
                               {"X-Error-Code": "EntryNotFound", "Content-Type": "application/json"}, send_body)
                    return
                body = files[found.group(2)]
                headers = {"X-Repo-Commit": COMMIT, "ETag": f'"{hashlib.sha256(body).hexdigest()}"',
                           "Content-Type": "application/octet-stream", "Accept-Ranges": "bytes"}
                span = re.match(r"bytes=(\d+)-(\d*)", rng)
                if span and self.command == "GET":
                    start = int(span.group(1))
                    end = min(len(body) - 1, int(span.group(2)) if span.group(2) else len(body) - 1)
                    headers["Content-Range"] = f"bytes {start}-{end}/{len(body)}"
                    self.reply(206, body[start:end + 1], headers, send_body)
                    return
                self.reply(200, body, headers, send_body)

        self.serve(Handler)
