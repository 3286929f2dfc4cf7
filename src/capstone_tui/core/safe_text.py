"""Untrusted text made safe to show: control characters become visible escapes.

Text from files (a candidate's name, a dataset card, a GPU name) and from users reaches a
terminal, a browser terminal, a Markdown file and an SVG. A raw ESC (0x1b) there can retitle the
terminal, hide lines or forge output; C1 controls (0x80-0x9f, CSI = 0x9b) do the same on some
terminals; bidi overrides make text read differently from what it is. `safe_text` turns each
such character into a visible `\\xNN` / `\\uNNNN` escape, so the reader sees that it was there.

The result holds only printable characters (plus newline and tab with `multiline=True`), and
applying it twice changes nothing more (a parsed candidate writes back and reads to itself).
"""

from __future__ import annotations

# Bidi embedding/override/isolate controls and marks (Unicode TR9), the Arabic letter mark and
# the zero-width/invisible formatting characters most used to disguise text.
BIDI_AND_INVISIBLE = frozenset(
    "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff"
)
LINE_SEPARATORS = frozenset("\u2028\u2029\x85")
_SPACE_IN_LABELS = frozenset("\t\n\r\v\f")


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _unsafe(ch: str) -> bool:
    code = ord(ch)
    return (code < 0x20 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF  # lone surrogates cannot be encoded
            or ch in BIDI_AND_INVISIBLE or ch in LINE_SEPARATORS)


def safe_text(text: str, *, multiline: bool = False) -> str:
    """`text` with every control character shown as an escape, safe for any face.

    Single-line labels (`multiline=False`): tab, newline, CR, VT and FF become one space;
    every other C0 control, DEL, C1 control (ESC, CSI...), bidi override and invisible
    formatting character becomes `\\xNN` or `\\uNNNN`. With `multiline=True`, newline and tab
    are kept as they are (CR is escaped: it can overwrite a line on a terminal).
    """
    if text.isprintable() and not any(ch in BIDI_AND_INVISIBLE for ch in text):
        return text  # the common case: nothing to do
    out: list[str] = []
    for ch in text:
        if multiline and ch in "\n\t":
            out.append(ch)
        elif not multiline and ch in _SPACE_IN_LABELS:
            out.append(" ")
        elif _unsafe(ch):
            out.append(_escape(ch))
        else:
            out.append(ch)
    return "".join(out)
