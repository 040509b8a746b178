"""Make untrusted text (probe output, server answers) safe to show and store."""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def printable(text: str, *, keep_newlines: bool = True) -> str:
    """Replace control characters and escape sequences with visible `\\xNN` escapes.

    Newlines (and tabs) survive when `keep_newlines` is true; everything else below
    U+0020, DEL, C1 controls and lone surrogates becomes a literal escape, so neither a
    terminal nor a markup parser can act on it.
    """
    out = []
    for ch in text:
        code = ord(ch)
        if ch in "\n\t" and keep_newlines:
            out.append(ch)
        elif code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0 or 0xD800 <= code < 0xE000:
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def strip_ansi(text: str) -> str:
    """Remove ANSI/OSC escape sequences (for measuring what a person would read)."""
    return _ANSI.sub("", text)


__all__ = ["printable", "strip_ansi"]
