"""The command line: `capstone-tui [CANDIDATE.toml] [options]` starts the dashboard;
`capstone-tui COMMAND ...` runs one headless command (each lives in `commands/<name>.py`).

Exit codes: 0 success, 2 bad input (one line on stderr naming the field and the accepted
range), 1 anything else. No traceback is ever printed unless CAPSTONE_DEBUG=1.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import NoReturn, Sequence

from capstone_tui import __version__
from capstone_tui.core.defaults import EXPORT_DIR_DEFAULT, REFRESH_DEFAULT_S
from capstone_tui.core.errors import ValidationError
from capstone_tui.core.scaling import GEO_FACTOR

PROG = "capstone-tui"

# name -> one-line help; the module `capstone_tui.commands.<name>` is imported only when run.
COMMANDS: dict[str, str] = {
    "table": "print the seed's Output 41.1.1, exactly",
    "verdict": "the justification test for one (s, c)",
    "curve": f"S(p) and E(p) for p = 1..pmax on the fast and the {GEO_FACTOR:g}c geo link",
    "fit": "fit s and c (and the USL) from measured runs in a CSV",
    "probe": "measure your command at several worker counts and fit s and c",
    "assess": "all four ceilings, the route and both gates for a candidate",
    "size": "size a Hugging Face dataset or a local folder without downloading it",
    "inventory": "this node's hardware (and the Slurm cluster, where it answers)",
    "export": "write a verdict snapshot (JSON + Markdown) for a candidate, headless",
    "compare": "candidates side by side: first ceiling cleared, axis, p*, S(p*), E(p*), knee, decision",
    "serve": "serve the dashboard to a browser (textual-serve), on 127.0.0.1 by default",
    "plan": "read a model (folder, HF cache, Hub), count it, and plan its GPUs and #SBATCH lines",
    "when": "queue wait (Slurm's own estimate), run time, finish and cost per worker count",
}


class Parser(argparse.ArgumentParser):
    """argparse that reports bad usage on one line and exits 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def _dashboard_parser() -> Parser:
    parser = Parser(
        prog=PROG,
        description="Does this problem need more than one machine, and does distributing it pay?",
        epilog="commands: " + "; ".join(f"{name}: {text}" for name, text in COMMANDS.items())
        + f". Run '{PROG} COMMAND --help' for one command.",
    )
    parser.add_argument("candidate", nargs="?", help="a candidate TOML file (see examples/)")
    parser.add_argument("more", nargs="*", metavar="MORE.toml",
                        help="more candidate files: the dashboard opens with them side by side (key v)")
    parser.add_argument("--machine", metavar="ID", help="reference machine: this-node, slurm:<partition> or a preset id")
    parser.add_argument("--theme", metavar="NAME", help="colour theme (built-in, or from ~/.config/capstone-tui/themes/)")
    parser.add_argument("--export-dir", metavar="DIR", default=EXPORT_DIR_DEFAULT,
                        help=f"where 'e' writes verdict snapshots [./{EXPORT_DIR_DEFAULT}]")
    parser.add_argument("--refresh", metavar="SECONDS", type=float, default=REFRESH_DEFAULT_S,
                        help=f"inventory refresh interval in seconds [{REFRESH_DEFAULT_S:g}]")
    parser.add_argument("--runs", metavar="RUNS.csv", help="measured runs (p,time or p,throughput) to fit and overlay")
    parser.add_argument("--low-color", action="store_true", help="16-colour theme for slow or basic terminals")
    parser.add_argument("--online", action="store_true",
                        help="the dataset sizer asks the Hub on Enter (as `size --online`; ctrl+l does it once)")
    # Set by `serve` for each browser session (hidden): file open/save confined to one folder, or off.
    parser.add_argument("--files-root", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("--no-files", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    return parser


def _run_dashboard(argv: Sequence[str]) -> int:
    args = _dashboard_parser().parse_args(argv)
    from capstone_tui.tui.launch import launch, prepare  # Textual is imported only inside launch
    from capstone_tui.tui.terminal_check import NEEDS_TERMINAL, has_terminal

    prepared = prepare(args)  # bad input: the same one line as `assess`, with or without a terminal
    if not has_terminal():
        print(f"{PROG}: {NEEDS_TERMINAL}", file=sys.stderr)
        return 2
    return launch(args, prepared)


def _run_command(name: str, argv: Sequence[str]) -> int:
    module = importlib.import_module(f"capstone_tui.commands.{name}")
    parser = Parser(prog=f"{PROG} {name}", description=COMMANDS[name])
    module.register(parser)
    args = parser.parse_args(argv)
    return int(module.run(args))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in COMMANDS:
            return _run_command(argv[0], argv[1:])
        return _run_dashboard(argv)
    except ValidationError as err:
        print(f"{PROG}: {err.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as err:  # the last line of defence: one line, never a traceback
        if os.environ.get("CAPSTONE_DEBUG") == "1":
            raise
        text = " ".join(str(err).split()) or type(err).__name__
        print(f"{PROG}: error: {text}", file=sys.stderr)
        return 1
