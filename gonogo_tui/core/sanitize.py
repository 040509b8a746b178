"""Make untrusted text (probe output, server answers) safe to show and store."""

from __future__ import annotations

import re

_INVISIBLE = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]"
)
"""Invisible format characters (Unicode category Cf) and the line and paragraph
separators: bidirectional overrides, embeddings, isolates and marks (U+202E shows the
rest of a line backwards), zero-width spaces and joiners, tag characters."""
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def neutralise_invisible(text: str) -> str:
    """Replace bidirectional controls and other invisible format characters with visible
    escapes (U+202E becomes the six characters `\\u202e`), leaving the rest unchanged.

    This is the one rule for every text shown to people (table, JUnit, reports, the
    screen): what a person reads is what the text holds, in its stored order.
    """
    if text.isascii():
        return text
    return _INVISIBLE.sub(lambda match: _escape(match.group(0)), text)


def json_escape_invisible(document_text: str) -> str:
    """JSON text with those characters written as JSON escapes (`\\u202e`): still valid
    JSON that parses to the same values, but inert for a person reading it raw."""
    if document_text.isascii():
        return document_text
    return _INVISIBLE.sub(lambda match: _json_escape(match.group(0)), document_text)


def _json_escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def printable(text: str, *, keep_newlines: bool = True) -> str:
    """Replace control characters and escape sequences with visible `\\xNN` escapes.

    Newlines (and tabs) survive when `keep_newlines` is true; everything else below
    U+0020, DEL, C1 controls and lone surrogates becomes a literal escape, so neither a
    terminal nor a markup parser can act on it; invisible format characters are
    escaped by `neutralise_invisible`.
    """
    text = neutralise_invisible(text)
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


__all__ = ["json_escape_invisible", "neutralise_invisible", "printable", "strip_ansi"]
