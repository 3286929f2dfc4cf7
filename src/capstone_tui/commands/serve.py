"""`capstone-tui serve [CANDIDATE.toml] [--host 127.0.0.1] [--port 8000] ...`: the dashboard
in a browser, through textual-serve.

textual-serve starts one dashboard process per browser session, from a command line that it
hands to `/bin/sh` (`asyncio.create_subprocess_shell` in textual-serve 1.1.3). That line is
built here from a list with `shlex.join`, so a candidate path or machine id with spaces or
shell characters stays one argument and is never interpreted by the shell.

Only its owner can drive it: each run makes a random token (or reads one with `--token-file`)
and prints it once, in the URL to open; the page, its assets, downloads and the websocket all
refuse requests without it, websockets from a foreign Origin are refused, and at most
`--max-sessions` dashboards run at once (`serve_guard.py`). In a served session opening and
saving files is off unless `--files DIR` confines both to one folder (`probes/confine.py`).

It binds to 127.0.0.1 by default. Any other address prints a warning saying what a holder of
the URL can do there; the traffic is plain HTTP, so the token crosses that network in clear.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
import secrets
import shlex
import socket
import sys
from pathlib import Path

from capstone_tui.core.defaults import EXPORT_DIR_DEFAULT
from capstone_tui.core.errors import ValidationError, as_int

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
PORT_RANGE = "must be an integer TCP port in [1, 65535]"
HOST_ACCEPTED = "must be an IP address or a host name (no spaces or URL parts)"
DEFAULT_MAX_SESSIONS = 4
SESSIONS_LIMIT = 64
SESSIONS_RANGE = f"must be an integer number of concurrent browser sessions in [1, {SESSIONS_LIMIT}]"
TOKEN_ACCEPTED = "must hold one token of 16-256 URL-safe characters (A-Z a-z 0-9 . _ ~ -)"
TOKEN_FILE_MAX_BYTES = 4096
_TOKEN = re.compile(r"^[A-Za-z0-9._~-]{16,256}$")


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("candidate", nargs="?", metavar="CANDIDATE.toml", help="a candidate file (see examples/)")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on [{DEFAULT_HOST}]; anything but loopback prints a warning")
    parser.add_argument("--port", default=str(DEFAULT_PORT), help=f"TCP port, 1..65535 [{DEFAULT_PORT}]")
    parser.add_argument("--machine", metavar="ID", help="reference machine: this-node, slurm:<partition> or a preset id")
    parser.add_argument("--theme", metavar="NAME", help="colour theme (built-in, or from ~/.config/capstone-tui/themes/)")
    parser.add_argument("--export-dir", metavar="DIR",
                        help=f"where 'e' writes verdict snapshots on this node [./{EXPORT_DIR_DEFAULT}]")
    parser.add_argument("--public-url", metavar="URL",
                        help="the URL browsers use to reach the server, when it differs from http://HOST:PORT")
    parser.add_argument("--token-file", metavar="PATH",
                        help="read the access token from this file instead of making a random one")
    parser.add_argument("--max-sessions", default=str(DEFAULT_MAX_SESSIONS), metavar="N",
                        help=f"most browser sessions (dashboards) at once, 1..{SESSIONS_LIMIT} [{DEFAULT_MAX_SESSIONS}]")
    parser.add_argument("--files", metavar="DIR",
                        help="let browser sessions open and save candidate files, only inside DIR [off]")


def check_port(value: object) -> int:
    """A TCP port from the user (port 0 is refused: the page must know the real port)."""
    port = as_int("--port", value, PORT_RANGE)
    if not 1 <= port <= 65535:
        raise ValidationError("--port", PORT_RANGE, value)
    return port


def check_host(value: str) -> str:
    """An address or host name to bind to, without brackets, scheme, port or spaces."""
    host = value.strip()
    if not host or any(ch.isspace() or ch in "/[]@?#" for ch in host) or not host.isprintable():
        raise ValidationError("--host", HOST_ACCEPTED, value)
    return host


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and the name localhost."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def public_url(host: str, port: int) -> str:
    """http://HOST:PORT, with IPv6 addresses in brackets."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def check_max_sessions(value: object) -> int:
    sessions = as_int("--max-sessions", value, SESSIONS_RANGE)
    if not 1 <= sessions <= SESSIONS_LIMIT:
        raise ValidationError("--max-sessions", SESSIONS_RANGE, value)
    return sessions


def read_token(path: str | None) -> str:
    """The token from --token-file (surrounding whitespace ignored), else a fresh random one."""
    if not path:
        return secrets.token_urlsafe(32)
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_mode & 0o077:  # as ssh treats a private key
                raise ValidationError("--token-file", "must be readable by you alone (chmod 600)", path)
            raw = handle.read(TOKEN_FILE_MAX_BYTES + 1)
    except OSError as err:
        raise ValidationError("--token-file", TOKEN_ACCEPTED, path, detail=err.strerror or "") from None
    token = raw.decode("ascii", errors="replace").strip()
    if len(raw) > TOKEN_FILE_MAX_BYTES or not _TOKEN.match(token):
        raise ValidationError("--token-file", TOKEN_ACCEPTED, path)  # never echo the file's contents
    return token


def check_files(path: str | None) -> str | None:
    """--files: an existing folder, resolved once here (the dashboards get the real path)."""
    if not path:
        return None
    from capstone_tui.probes.confine import FileAccess

    root = FileAccess.served(path).root
    return str(root) if root is not None else None


def shown_url(host: str, port: int) -> str:
    """The URL to print: a wildcard address is shown as this node's host name."""
    wildcard = host in ("0.0.0.0", "::")
    return public_url(socket.gethostname() if wildcard else host, port)


def dashboard_command(args: argparse.Namespace, python: str = sys.executable) -> str:
    """The shell-quoted command line textual-serve runs for each browser session."""
    argv = [python, "-m", "capstone_tui"]
    files = getattr(args, "files", None)
    argv += ["--files-root", files] if files else ["--no-files"]
    if args.candidate:
        argv.append(str(Path(args.candidate).resolve()))
    if args.machine:
        argv += ["--machine", args.machine]
    if args.theme:
        argv += ["--theme", args.theme]
    if args.export_dir:
        argv += ["--export-dir", str(Path(args.export_dir).resolve())]
    return shlex.join(argv)


def _check_candidate(path: str) -> None:
    """Fail before serving, not once per browser session, when the candidate is bad."""
    from capstone_tui.session import open_candidate

    open_candidate(path, live=False, size=False)


def _check_theme(name: str) -> None:
    from capstone_tui.tui.themes import check_theme_name, load_themes, themes_dir  # Textual: ~0.3 s

    check_theme_name(name, load_themes(themes_dir()))


def run(args: argparse.Namespace) -> int:
    port = check_port(args.port)
    host = check_host(args.host)
    max_sessions = check_max_sessions(args.max_sessions)
    token = read_token(args.token_file)
    args.files = check_files(args.files)
    if args.candidate:
        _check_candidate(args.candidate)
    if args.theme:
        _check_theme(args.theme)
    if not is_loopback(host):
        files = (f"read and overwrite candidate files in {args.files}" if args.files
                 else "no file access (no --files)")
        print(f"capstone-tui serve: warning: listening on {host}, not loopback: anyone who reads the URL "
              f"below (with its token) can drive the dashboard as you: {files}, write verdict exports, "
              "see this node's inventory; plain HTTP, so the token crosses the network in clear "
              "(prefer loopback and `ssh -L`)", file=sys.stderr)
    from capstone_tui.serve_guard import GuardedServer  # aiohttp + jinja2: ~0.2 s, only when serving

    def announce(url: str) -> None:
        print(f"capstone-tui serve: open {url}\n  (the token in it is the password: anyone with this "
              f"URL can drive the dashboard; at most {max_sessions} sessions; Ctrl+C stops)", flush=True)

    server = GuardedServer(dashboard_command(args), host=host, port=port, token=token, max_sessions=max_sessions,
                           public_url=args.public_url, url=shown_url(host, port), announce=announce)
    server.serve()
    return 0
