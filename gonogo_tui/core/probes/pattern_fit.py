"""A regex that matches the line a document (or a command's output) writes in its own words.

When a `contains`, `date_regex`, `stdout` or `extract.regex` pattern matches nothing, the
line that nearly matches shows how the target says it (`Approved by: Dana on
2026-12-06` where the checklist looks for `Sign-off: 2026-12-06`). `fit_pattern` builds
the pattern `gonogo doctor` proposes from that line: the line's label (its text up to the
first `:` before the value, else its first words), then the value as the criterion's own
capture group reads it (`(\\d{4}-\\d{2}-\\d{2})`), so the age or number is taken as before
and `max_age` / the comparison stay as written. The people, the free text and the
value itself are never copied into the pattern. Every proposal is checked against the
text before it is made.
"""

from __future__ import annotations

import re
from collections.abc import Callable

ISO_DATE = r"\d{4}-\d{2}-\d{2}"
NUMBER = r"-?\d+(?:\.\d+)?"
_MARKUP = re.compile(r"^[\s>*_#|-]*")
_LABEL_WORDS = 3
"""Words of a label without a colon that the pattern keeps at most: the first word and
the lowercase ones after it (`Approved by`, never the `Dana` of `Approved by Dana`)."""


def first_group(pattern: str) -> str | None:
    """The text inside the pattern's first capturing group (`\\d{4}-\\d{2}-\\d{2}` of
    `^Sign-off: (\\d{4}-\\d{2}-\\d{2})`); None when it has none."""
    index, depth, start, in_class = 0, 0, -1, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern[index + 1 : index + 2] == "]":
                index += 1
        elif char == "(":
            if start < 0 and pattern[index + 1 : index + 2] != "?":
                start, depth = index + 1, 0
            elif start >= 0:
                depth += 1
        elif char == ")" and start >= 0:
            if depth == 0:
                return pattern[start:index]
            depth -= 1
        index += 1
    return None


def value_lines(text: str, value: str, limit: int = 5) -> list[tuple[int, str]]:
    """The (line number, line) pairs holding a match of the `value` regex (a date, a
    number), at most `limit`; [] when `value` does not compile."""
    try:
        compiled = re.compile(value, re.IGNORECASE)
    except re.error:
        return []
    found: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines()[:20_000], start=1):
        if compiled.search(line):
            found.append((number, line))
            if len(found) >= limit:
                break
    return found


def fit_pattern(
    line: str, text: str, value: str | None, *, capture: bool, check: Callable[[str], bool]
) -> str | None:
    """A pattern matching `line` by its label and, when `value` is given, its value (a
    capture group when `capture`); None when the line has no label before the value, or
    when the pattern would not match `text`, or `check(captured)` says its value is not
    one the probe can read.

    Args:
        line: The line the target writes (`Approved by: Dana Reyes on 2026-12-06`).
        text: The whole text the pattern is searched in (the proposal must match it).
        value: The regex of the value the criterion reads (its capture group, or a date
            when the original pattern asks for one); None: the label is enough.
        capture: Put the value in a capture group (a `date_regex`, an `extract.regex`).
        check: Whether the text the proposal captures (or matches) is usable.
    """
    lead = _MARKUP.match(line)
    body = line[lead.end() if lead else 0 :]
    at = len(body)
    if value is not None:
        found = re.search(value, body, re.IGNORECASE)
        if found is None:
            return None
        at = found.start()
    label = _label(body[:at])
    if not label:
        return None
    words = [re.escape(word) for word in label.split()]
    head = r"(?mi)^[ \t>*_#|-]*" + r"[ \t]+".join(words)
    if value is None:
        proposal = head + r"[ \t*_]*[^_\s]"
    else:
        part = f"({value})" if capture else f"(?:{value})"
        proposal = head + r"[^\n]*?" + part
    try:
        match = re.search(proposal, text)
    except re.error:
        return None
    if match is None:
        return None
    return proposal if check(match.group(1) if capture else match.group(0)) else None


def _label(before: str) -> str:
    """The line's label: its text up to the first `:` (kept), else its first word and the
    lowercase words after it (a capitalised word there is most likely a name)."""
    if ":" in before:
        label = before[: before.index(":") + 1]
        return label.strip(" \t*_") if label.strip(" \t*_:") else ""
    words = re.findall(r"[A-Za-z][\w-]*", before)
    kept = words[:1]
    for word in words[1:_LABEL_WORDS]:
        if not word.islower():
            break
        kept.append(word)
    return " ".join(kept)


__all__ = ["ISO_DATE", "NUMBER", "first_group", "fit_pattern", "value_lines"]
