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

from gonogo_tui.core.findings import Suggestion
from gonogo_tui.core.probes.confined import excerpt
from gonogo_tui.core.probes.near_lines import near_lines

ISO_DATE = r"\d{4}-\d{2}-\d{2}"
NUMBER = r"-?\d+(?:\.\d+)?"
_WORD = re.compile(r"[A-Za-z]{3,}")
NEGATIONS = frozenset({"not", "no", "never", "without", "pending", "unsigned", "rejected"})
"""Words that turn a line holding the pattern's words into its opposite."""
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
    line: str,
    text: str,
    value: str | None,
    *,
    capture: bool,
    check: Callable[[str], bool],
    words: set[str] = frozenset(),  # type: ignore[assignment]
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
        words: Stems of words the proposal must ask for too, as the line writes them,
            where the label does not hold them (`APPROVED` of `Status: APPROVED`).
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
    head = r"(?mi)^[ \t>*_#|-]*" + r"[ \t]+".join(re.escape(word) for word in label.split())
    in_label = {word.lower()[:4] for word in _WORD.findall(label)}
    where = body.find(label)
    after = body[where + len(label) : at] if where >= 0 else body[:at]
    asked = False
    for word in _WORD.findall(after):
        stem = word.lower()[:4]
        if stem in words and stem not in in_label:
            # A word the pattern asks for, written after the label: asked for too.
            head += r"[^\n]*?" + re.escape(word)
            in_label.add(stem)
            asked = True
    if value is None:
        proposal = head if asked else head + r"[ \t*_]*[^_\s]"
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


def says_the_same(pattern: str, line: str) -> set[str] | None:
    """The stems (first four letters) of the words of one of the pattern's alternatives
    when `line` holds them all, so a pattern fitted to the line, asking for those words,
    asks no less than the one it replaces (`Last review:` for `last reviewed:` does,
    `Tests: 12 passed` for `Tests: \\d+ passed, 0 failed` does not); None otherwise."""
    literal = re.sub(r"\\[A-Za-z]|\[[^\]]*\]|\{[^}]*\}|\(\?[a-zA-Z]+\)", " ", pattern)
    said = {word.lower() for word in re.findall(r"[A-Za-z]+", line)}
    if (said & NEGATIONS) - {word.lower() for word in re.findall(r"[A-Za-z]+", literal)}:
        return None  # `Status: not yet APPROVED` holds the words and says the opposite
    held = {word.lower()[:4] for word in _WORD.findall(line)}
    for alternative in literal.split("|"):
        words = {word.lower()[:4] for word in _WORD.findall(alternative)}
        if words and words <= held:
            return words
    return None


_HEADING = re.compile(r"^#{1,6}[ \t]+(.*?)[ \t#]*$")


def _under_heading(
    text: str, numbers: list[int], value: str, parses: Callable[[str], bool]
) -> str | None:
    """A pattern reading the first value under the markdown heading every line of
    `numbers` sits under (the nearest heading above each); None when they sit under
    different headings (or none), or there are too many to tell."""
    if len(numbers) >= 50:
        return None
    lines = text.splitlines()
    headings = set()
    for number in numbers:
        above = next((i for i in range(number - 2, -1, -1) if _HEADING.match(lines[i])), None)
        headings.add(above)
    if len(headings) != 1 or None in headings:
        return None
    (index,) = headings
    assert index is not None
    if lines[index].startswith("# "):
        return None  # the document's title: every line is under it, no section stands out
    match = _HEADING.match(lines[index])
    words = _WORD.findall(match.group(1)) if match else []
    if not words:
        return None
    title = r"[^\n]*?".join(re.escape(word) for word in words)
    proposal = rf"(?mi)^#+[ \t]*{title}\b.*\n(?:(?!#).*\n)*?[^#\n]*?({value})"
    found = re.search(proposal, text)
    if found is None or not parses(found.group(1)):
        return None
    return proposal


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


def line_suggestion(
    text: str, field: str, pattern: str, redact: Callable[[str], str], why: str
) -> Suggestion | None:
    """The pattern for `field` (`contains[1]`, `stdout[0]`) that matches the line closest to
    `pattern`; None when no line is near or no pattern can be built from it without
    copying its content (a date is kept when the pattern asks for one)."""
    near = near_lines(text, pattern, limit=2)
    if not near:
        return None
    _, line = near[0]
    words = says_the_same(pattern, line)
    if words is None:
        return None  # `Status: REJECTED` for `^Status: APPROVED`: a pattern would weaken it
    wants_date = r"\d{4}" in pattern and re.search(ISO_DATE, line) is not None
    proposal = fit_pattern(
        line,
        text,
        ISO_DATE if wants_date else None,
        capture=False,
        check=lambda _: True,
        words=words,
    )
    if proposal is None or redact(proposal) != proposal:
        return None
    return Suggestion(field, pattern, proposal, why)


def valued_lines(
    text: str,
    field: str,
    pattern: str,
    redact: Callable[[str], str],
    parses: Callable[[str], bool],
    why: Callable[[str], str],
    default: str = ISO_DATE,
) -> tuple[str, str, tuple[Suggestion, ...]]:
    """For a capturing pattern that matched nothing (`date_regex`, `extract.regex`): a
    clause naming the closest lines holding a value its capture group reads, the listing
    of such lines for the output, and the pattern for `field` that reads the closest one
    with the same capture group, when one stands out (the only such line, or the only one
    sharing a word with the pattern).

    Args:
        text: The text searched (a file, a command's output).
        field: The probe field (`date_regex`, `extract.regex`).
        pattern: The pattern as written.
        redact: The redactor (a line is quoted redacted, then cut).
        parses: Whether a captured value is a date the probe reads (`date_format`).
        why: The detail, given the clause (the suggestion's `why`).
        default: The value's regex when the pattern has no capture group.
    """
    value = first_group(pattern) or default
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
    if stands_out:
        proposal = fit_pattern(ranked[0][1], text, value, capture=True, check=parses)
    else:
        # Several (an approvals table): the first under the one heading they all sit under,
        # as the shipped sign-off reads the first date under a Sign-off heading.
        proposal = _under_heading(text, [n for n, _ in lines], value, parses)
    if proposal is None or redact(proposal) != proposal:
        return clause, listing, ()
    return clause, listing, (Suggestion(field, pattern, proposal, why(clause)),)


__all__ = [
    "ISO_DATE",
    "NUMBER",
    "first_group",
    "fit_pattern",
    "line_suggestion",
    "says_the_same",
    "value_lines",
    "valued_lines",
]
