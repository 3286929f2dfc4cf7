"""Untrusted text is text: a candidate whose name holds terminal escapes (OSC retitle, CSI,
C1, bidi override) and `<script>` goes through `assess` (text and --json), `export` (.md) and
the dashboard (header, SVG screenshot) without one ESC byte reaching a face, and without a raw
`<script>` tag in the faces a browser or Markdown renderer reads as HTML (.md, SVG)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from capstone_tui.core.candidate import dump_candidate, parse_candidate
from capstone_tui.core.safe_text import BIDI_AND_INVISIBLE, safe_text
from support.app_factory import make_app

# OSC 0 retitles the terminal; CSI 2J clears it; 0x9b is CSI as one C1 byte; U+202E reverses text.
EVIL = "Evil \x1b]0;PWNED\x07 \x1b[2J \x9b31m \u202etxt.exe <script>alert(1)</script> \x7f end"
CANDIDATE = f"""name = {json.dumps(EVIL)}

[scaling]
s = 0.05
c = 0.002
pmax = 64

[data]
bytes = 4e12

[machine]
reference = "dgx-h100"
"""
FORBIDDEN = ("\x1b", "\x07", "\x9b", "\x7f", "\u202e")


def _unsafe_in(text: str) -> list[str]:
    return [ch for ch in FORBIDDEN if ch in text]


def test_safe_text_escapes_each_kind_of_control_character():
    assert safe_text("plain name, café, 中文") == "plain name, café, 中文"
    assert safe_text("a\x1b]0;t\x07b") == "a\\x1b]0;t\\x07b"
    assert safe_text("\x9b\x85\x7f\x00") == "\\x9b\\x85\\x7f\\x00"
    assert safe_text("\u202eabc\u2066\u200b") == "\\u202eabc\\u2066\\u200b"
    assert safe_text("one\ttwo\nthree\r") == "one two three "  # a label stays on one line
    assert safe_text("one\ttwo\nthree\r", multiline=True) == "one\ttwo\nthree\\x0d"  # CR overwrites lines


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.booleans())
def test_safe_text_output_is_printable_and_stable(text: str, multiline: bool):
    out = safe_text(text, multiline=multiline)
    allowed = "\n\t" if multiline else ""
    for ch in out:
        code = ord(ch)
        assert ch in allowed or not (code < 0x20 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF), repr(out)
        assert ch not in BIDI_AND_INVISIBLE and ch not in "\u2028\u2029", repr(out)
    assert safe_text(out, multiline=multiline) == out


def test_candidate_strings_are_cleaned_at_parse_time_and_round_trip():
    candidate = parse_candidate(CANDIDATE)
    assert not _unsafe_in(candidate.name)
    assert "\\x1b]0;PWNED\\x07" in candidate.name and "<script>" in candidate.name  # shown, not obeyed
    assert parse_candidate(dump_candidate(candidate)) == candidate


def _cli(tmp_path: Path, *args: str) -> bytes:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "100"}
    proc = subprocess.run([sys.executable, "-m", "capstone_tui", *args], capture_output=True, cwd=tmp_path,
                          env=env, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert b"\x1b" not in proc.stderr
    return proc.stdout


def test_assess_text_and_json_carry_no_escape_bytes(tmp_path: Path):
    path = tmp_path / "evil.toml"
    path.write_text(CANDIDATE, encoding="utf-8")
    text = _cli(tmp_path, "assess", str(path))
    assert b"\x1b" not in text and b"\x07" not in text and b"\xc2\x9b" not in text and b"\xe2\x80\xae" not in text
    assert "Candidate: Evil \\x1b]0;PWNED\\x07" in text.decode("utf-8")
    raw = _cli(tmp_path, "assess", str(path), "--json")
    assert b"\x1b" not in raw and b"\xe2\x80\xae" not in raw
    json.loads(raw)  # still valid JSON; strings are data there, never markup


def test_markdown_export_shows_html_and_escapes_as_text(tmp_path: Path):
    path = tmp_path / "evil.toml"
    path.write_text(CANDIDATE, encoding="utf-8")
    written = _cli(tmp_path, "export", str(path), "--out", str(tmp_path / "out")).decode().split()
    md_path = next(Path(p) for p in written if p.endswith(".md"))
    md = md_path.read_text(encoding="utf-8")
    assert not _unsafe_in(md) and "<script" not in md.lower() and "</script" not in md.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md  # the heading shows the text
    # The re-check TOML block still reads back to the same candidate name.
    block = md.split("```toml\n", 1)[1].split("```", 1)[0]
    assert tomllib.loads(block)["name"] == parse_candidate(CANDIDATE).name
    snapshot = json.loads(next(Path(p) for p in written if p.endswith(".json")).read_text(encoding="utf-8"))
    assert not _unsafe_in(snapshot["candidate"]["name"])


async def test_dashboard_header_and_svg_show_the_name_as_text(tmp_path: Path):
    app = make_app(tmp_path, candidate=parse_candidate(CANDIDATE))
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        assert not _unsafe_in(app.sub_title) and "PWNED" in app.sub_title
        svg = app.export_screenshot(title=f"capstone-tui: {app.model.candidate.name}")
    assert not _unsafe_in(svg) and "<script" not in svg.lower()
    assert "PWNED" in svg  # the name is on screen, as text
