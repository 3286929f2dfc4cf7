"""`capstone-tui serve [CANDIDATE.toml] [--host 127.0.0.1] [--port 8000] ...`: the dashboard
in a browser, through textual-serve.

textual-serve starts one dashboard process per browser session, from a command line that it
hands to `/bin/sh` (`asyncio.create_subprocess_shell` in textual-serve 1.1.3). That line is
built here from a list with `shlex.join`, so a candidate path or machine id with spaces or
shell characters stays one argument and is never interpreted by the shell.

It binds to 127.0.0.1 by default. Any other address prints a warning: whoever can reach it
gets a live dashboard of this node (no shell, but the node's inventory and the candidate).
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import sys
from pathlib import Path

from capstone_tui.core.candidate import parse_candidate
from capstone_tui.core.errors import ValidationError, as_int

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
PORT_RANGE = "must be an integer TCP port in [1, 65535]"
HOST_ACCEPTED = "must be an IP address or a host name (no spaces or URL parts)"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("candidate", nargs="?", metavar="CANDIDATE.toml", help="a candidate file (see examples/)")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on [{DEFAULT_HOST}]; anything but loopback prints a warning")
    parser.add_argument("--port", default=str(DEFAULT_PORT), help=f"TCP port, 1..65535 [{DEFAULT_PORT}]")
    parser.add_argument("--machine", metavar="ID", help="reference machine: this-node, slurm:<partition> or a preset id")
    parser.add_argument("--theme", metavar="NAME", help="colour theme (from themes/)")
    parser.add_argument("--export-dir", metavar="DIR",
                        help="where 'e' writes verdict snapshots on this node [./capstone-verdicts]")
    parser.add_argument("--public-url", metavar="URL",
                        help="the URL browsers use to reach the server, when it differs from http://HOST:PORT")


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


def dashboard_command(args: argparse.Namespace, python: str = sys.executable) -> str:
    """The shell-quoted command line textual-serve runs for each browser session."""
    argv = [python, "-m", "capstone_tui"]
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
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        reason = getattr(err, "strerror", None) or str(err)
        raise ValidationError("CANDIDATE.toml", "must be a readable candidate file", path, detail=reason) from None
    parse_candidate(text, source=path)


def _check_theme(name: str) -> None:
    from capstone_tui.tui.themes import check_theme_name, load_themes, themes_dir  # Textual: ~0.3 s

    check_theme_name(name, load_themes(themes_dir()))


def run(args: argparse.Namespace) -> int:
    port = check_port(args.port)
    host = check_host(args.host)
    if args.candidate:
        _check_candidate(args.candidate)
    if args.theme:
        _check_theme(args.theme)
    if not is_loopback(host):
        print(f"capstone-tui serve: warning: listening on {host}, not loopback: anyone who can reach "
              f"{public_url(host, port)} gets a live dashboard of this node (no shell, but its inventory "
              "and your candidate)", file=sys.stderr)
    from textual_serve.server import Server  # aiohttp + jinja2: ~0.2 s, only when serving

    server = Server(dashboard_command(args), host=host, port=port, title="capstone-tui",
                    public_url=args.public_url or public_url(host, port))
    server.serve()
    return 0
