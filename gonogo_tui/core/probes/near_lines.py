"""The lines of a file that come closest to a regex that matched none of them.

`no match for /^Sign-off:/` sends the user to open the file; naming the line that nearly
matches (`line 7: 'Signed off by: Alice, 2026-11-20'`) shows at once how their document
says it. Lines are ranked by how many of the pattern's words (runs of three or more
letters, case folded, a stem counts) they hold, then by edit distance to the pattern's
literal text. Only the closest line is quoted, as an excerpt (redacted, then cut:
`confined.excerpt`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable

MAX_SCANNED = 20_000
"""Lines looked at; a longer file is ranked on its first lines only."""
_WORD = re.compile(r"[A-Za-z]{3,}")


def near_lines(text: str, pattern: str, limit: int = 5) -> list[tuple[int, str]]:
    """Up to `limit` (line number, line) pairs holding at least one of the pattern's words,
    the closest first; [] when the pattern has no word or no line holds one."""
    words = {word.lower() for word in _WORD.findall(_literal(pattern))}
    if not words:
        return []
    literal = _literal(pattern).lower()
    scored: list[tuple[float, int, str]] = []
    for number, line in enumerate(text.splitlines()[:MAX_SCANNED], start=1):
        low = line.lower()
        held = sum(1 for word in words if word in low or word[:4] in _stems(low))
        if not held:
            continue
        ratio = difflib.SequenceMatcher(None, literal, low.strip()[:200]).ratio()
        scored.append((held + ratio, number, line))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [(number, line) for _, number, line in scored[:limit]]


def describe_near(text: str, pattern: str, quote: Callable[[str], str]) -> tuple[str, str]:
    """A clause for the detail quoting the closest line by `quote` (redacted, then cut:
    `closest line 7: '...'`), and for the output the numbers of the closest lines (the
    output describes a file, never quotes it); ('', '') when no line is near."""
    found = near_lines(text, pattern)
    if not found:
        return "", ""
    number, line = found[0]
    numbers = ", ".join(str(n) for n, _ in found)
    return f"closest line {number}: {quote(line)}", f"lines closest to /{pattern}/: {numbers}"


def _literal(pattern: str) -> str:
    """The pattern without escapes and character classes (`\\s`, `\\d`, `[...]`)."""
    return re.sub(r"\\[A-Za-z]|\[[^\]]*\]|\{[^}]*\}", " ", pattern)


def _stems(text: str) -> set[str]:
    return {word[:4] for word in _WORD.findall(text)}


__all__ = ["describe_near", "near_lines"]
