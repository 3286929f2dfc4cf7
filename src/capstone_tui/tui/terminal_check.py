"""Whether the dashboard has a terminal to draw on (no Textual import: the CLI asks first).

Without a TTY on stdin and stdout (`capstone-tui x.toml </dev/null | head`, `ssh host
capstone-tui` without `-t`) Textual would wait for keys that never come and, once the pipe
closes, spin; the CLI exits 2 at once with `NEEDS_TERMINAL` instead. A driver chosen through
TEXTUAL_DRIVER (textual-serve's web driver, over pipes) brings its own I/O and is let through.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from typing import Any, Mapping, TextIO

NEEDS_TERMINAL = "needs a terminal; use `ssh -t`, or a headless command such as `assess`"


def _is_tty(stream: TextIO | None) -> bool:
    try:
        return stream is not None and os.isatty(stream.fileno())
    except (AttributeError, OSError, ValueError):  # closed, or replaced by an object without a fd
        return False


def has_terminal(env: Mapping[str, str] | None = None, stdin: TextIO | None = None,
                 stdout: TextIO | None = None) -> bool:
    """True when the dashboard can run here: a TTY on stdin and stdout, or a chosen driver."""
    env = os.environ if env is None else env
    if env.get("TEXTUAL_DRIVER"):
        return True
    return _is_tty(stdin or sys.stdin) and _is_tty(stdout or sys.stdout)


def exit_cleanly_on_signals(app: Any) -> None:
    """SIGTERM and SIGHUP end the App through `App.exit`, so Textual restores the terminal
    (main screen, mouse reporting off, cursor shown) as on `q`; Python's default would kill
    the process with the terminal still in the alternate screen. Exit status 128 + signal."""
    if getattr(app, "is_headless", True):
        return  # Pilot and snapshots: no terminal to restore, and the test loop is not ours
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGHUP):
        try:
            loop.add_signal_handler(sig, lambda code=128 + sig: app.exit(return_code=code))
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no such signal
            pass
