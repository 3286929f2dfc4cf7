"""`capstone-tui size NAME_OR_PATH [--config C] [--json] [--online]`: the dataset sizer.

Offline by default (answers in well under 2 s); `--online` allows the Hub after a short TCP
probe, with a hard deadline. Bad or unreachable datasets exit 2 with one line on stderr.
"""

from __future__ import annotations

import argparse
import sys

from capstone_tui.commands._common import emit_json
from capstone_tui.core.errors import ValidationError, as_float
from capstone_tui.core.safe_text import safe_text


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dataset", metavar="NAME_OR_PATH",
                        help="a Hugging Face dataset id (org/name) or a local folder or file")
    parser.add_argument("--config", metavar="C", help="only this config (default: every config)")
    parser.add_argument("--json", action="store_true", help="print the SPEC JSON (name, configs, warnings)")
    parser.add_argument("--online", action="store_true",
                        help="allow asking the Hub (after a 1.5 s TCP probe) when not cached locally")
    parser.add_argument("--deadline", metavar="SECONDS", default="5",
                        help="most seconds to spend, Hub included [5]; accepted range 0.5..60")


def run(args: argparse.Namespace) -> int:
    deadline = as_float("--deadline", args.deadline, "must be a number of seconds in [0.5, 60]")
    if not 0.5 <= deadline <= 60:
        raise ValidationError("--deadline", "must be a number of seconds in [0.5, 60]", args.deadline)
    from capstone_tui.core.datasize import report_lines
    from capstone_tui.probes.datasets import size_dataset  # pyarrow loads lazily inside

    result = size_dataset(args.dataset, args.config, online=args.online, deadline_s=deadline)
    if args.json:
        emit_json(result.to_json())
    else:
        # dataset, config and file names come from folders and cards: shown as text, never escapes
        sys.stdout.write(safe_text("\n".join(report_lines(result)), multiline=True) + "\n")
    return 0
