"""Text for a terminal: what the scanned input says is shown, never obeyed.

Resource addresses (for_each keys), Kubernetes names, file names, rule
descriptions, messages and error texts all come from the scanned input, which
may be hostile. Every such string is escaped the way Python's `repr` escapes a
rule description in a finding message: characters that are not printable
become `\\n`, `\\x1b`, `\\x9b`, `\\u202e`…, so no escape sequence (ESC, CSI,
OSC-8 hyperlinks), bell, C1 control or bidirectional override reaches the
terminal, and no newline can forge a line. JSON and SARIF escape by their
own format and keep the exact strings.
"""

from __future__ import annotations

import re
from typing import Final

_NAMED: Final = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Candidates for escaping: anything but printable ASCII (and, in JSON, the layout's newlines).
# Each match is then tested with `str.isprintable`, so printable non-ASCII text stays as it is.
_NOT_ASCII_TEXT: Final = re.compile(r"[^ -~]+")
_NOT_ASCII_JSON: Final = re.compile(r"[^\n -~]+")


def printable(text: str) -> str:
    """`text` with every character that is not printable escaped; printable text is unchanged."""
    if text.isprintable():
        return text
    return _NOT_ASCII_TEXT.sub(lambda m: "".join(ch if ch.isprintable() else _escape(ch) for ch in m.group()), text)


def _escape(ch: str) -> str:
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def inert_json(text: str) -> str:
    """JSON text with every character that is not printable (other than the layout's newlines) written
    as a `\\u` escape: the same JSON value, exact when parsed, and inert if printed to a terminal.

    `json.dumps` already escapes C0 controls; this covers DEL, C1 controls and format characters such
    as bidi overrides, which can only occur inside strings.
    """
    return _NOT_ASCII_JSON.sub(lambda m: "".join(ch if ch.isprintable() else _json_escape(ch) for ch in m.group()),
                               text)


def _json_escape(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # a UTF-16 surrogate pair, as JSON writes characters beyond the BMP
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
