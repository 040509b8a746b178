"""What a `file` probe found when its pattern matched nothing, and the pattern that fits.

A `contains` pattern: the closest line (`near_lines`) and, built from it, a pattern that
matches it (`pattern_fit`). A `date_regex`: the lines holding a value its capture group
reads (a date), the closest first, and a pattern matching the closest one's label with
the same capture group, so `max_age` reads the same date format as before. A proposal is
made only when it matches the file, captures a date that parses, survives redaction
unchanged, and one line stands out (the only dated line, or the only one sharing a word
with the pattern); otherwise the lines are listed and nothing is proposed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from gonogo_tui.core.findings import Suggestion
from gonogo_tui.core.probes.confined import Stop, excerpt
from gonogo_tui.core.probes.near_lines import near_lines
from gonogo_tui.core.probes.pattern_fit import ISO_DATE, first_group, fit_pattern, value_lines


def contains_suggestion(
    text: str, index: int, pattern: str, redact: Callable[[str], str], why: str
) -> Suggestion | None:
    """The `contains[index]` pattern that matches the line closest to `pattern`; None when
    no line is near or no pattern can be built from it without copying its content."""
    near = near_lines(text, pattern, limit=2)
    if not near:
        return None
    _, line = near[0]
    wants_date = r"\d{4}" in pattern and re.search(ISO_DATE, line) is not None
    proposal = fit_pattern(
        line, text, ISO_DATE if wants_date else None, capture=False, check=lambda _: True
    )
    if proposal is None or redact(proposal) != proposal:
        return None
    return Suggestion(f"contains[{index}]", pattern, proposal, why)


def dated_lines(
    text: str,
    pattern: str,
    redact: Callable[[str], str],
    parses: Callable[[str], bool],
    why: Callable[[str], str],
) -> tuple[str, str, tuple[Suggestion, ...]]:
    """For a `date_regex` that matched nothing: a clause naming the closest line holding a
    value its capture group reads, the listing of such lines for the output, and the
    `date_regex` that reads the closest one (when one stands out).

    Args:
        text: The file's text.
        pattern: The `date_regex`.
        redact: The redactor (a line is quoted redacted, then cut).
        parses: Whether a captured value is a date the probe reads (`date_format`).
        why: The detail, given the clause (the suggestion's `why`).
    """
    value = first_group(pattern) or ISO_DATE
    lines = value_lines(text, value, limit=50)
    if not lines:
        return "", "", ()
    close = {number for number, _ in near_lines(text, pattern, limit=50)}
    ranked = sorted(lines, key=lambda item: (item[0] not in close, item[0]))
    shown = "; ".join(f"line {n}: {excerpt(line, redact)}" for n, line in ranked[:2])
    more = f" (and {len(ranked) - 2} more)" if len(ranked) > 2 else ""
    clause = f"lines with a value like /{value}/: {shown}{more}"
    listing = f"lines with a value like /{value}/: " + ", ".join(str(n) for n, _ in ranked)
    stands_out = len(lines) == 1 or (ranked[0][0] in close and ranked[1][0] not in close)
    if not stands_out:
        return clause, listing, ()
    proposal = fit_pattern(ranked[0][1], text, value, capture=True, check=parses)
    if proposal is None or redact(proposal) != proposal:
        return clause, listing, ()
    return clause, listing, (Suggestion("date_regex", pattern, proposal, why(clause)),)


MAX_FILES = 200
"""Files of a folder listed for a `newest_in` that matched none of them."""


def folder_files(folder: Path, recursive: bool, stop: Stop) -> list[str]:
    """The regular files of a folder (and its sub-folders when `recursive`), relative to
    it, sorted, at most `MAX_FILES`; no symbolic link is followed."""
    names: list[str] = []
    for current, folders, files in os.walk(folder):
        stop.check()
        base = os.path.relpath(current, folder)
        for name in files:
            if os.path.isfile(os.path.join(current, name)):
                names.append(name if base == "." else f"{base}/{name}")
        if not recursive or len(names) >= MAX_FILES:
            break
        folders.sort()
    return sorted(names)[:MAX_FILES]


def glob_suggestion(
    names: list[str], glob: str, why: str, redact: Callable[[str], str]
) -> tuple[str, tuple[Suggestion, ...]]:
    """A clause naming the folder's files, and the `newest_in.glob` that matches them: for
    a `*<suffix>` glob (`*.test.ts`), the one compound suffix every file of the same
    extension has (`*.spec.ts`); nothing when they differ or none has that extension."""
    if not names:
        return "the folder holds no file", ()
    shown = ", ".join(names[:5]) + (f" (and {len(names) - 5} more)" if len(names) > 5 else "")
    clause = redact(f"the folder holds: {shown}")
    if not glob.startswith("*") or any(char in glob[1:] for char in "*?[/"):
        return clause, ()
    extension = os.path.splitext(glob)[1]
    same = [os.path.basename(name) for name in names if name.endswith(extension) and extension]
    suffixes = {name[name.index(".") :] for name in same if name.index(".") > 0}
    if len(suffixes) != 1 or len(same) != sum(1 for name in same if name.index(".") > 0):
        return clause, ()
    fitted = "*" + suffixes.pop()
    if fitted == glob or redact(fitted) != fitted:
        return clause, ()
    return clause, (Suggestion("newest_in.glob", glob, fitted, f"{why[:-1]}; {clause})"),)


__all__ = [
    "contains_suggestion",
    "dated_lines",
    "folder_files",
    "glob_suggestion",
]
