"""JMESPath queries for the `http` probe's JSON checks (`json: [{query: ...}]`).

A query picks a list item by a key (`features[?key=='FEATURE_OUTBOX'].canToggle | [0]`),
which a fixed `path` with `[N]` cannot once the list is reordered. The library is
`jmespath` (the AWS CLI's), never a hand-written evaluator. JMESPath answers `null` when
nothing matches; that is reported as missing, with the top-level keys the document has.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from gonogo_tui.core.errors import ProbeError

if TYPE_CHECKING:
    from jmespath.parser import ParsedResult

NOTHING = object()
"""What a query that matched nothing (JMESPath `null`) returns."""


@lru_cache(maxsize=256)
def compile_query(query: str) -> ParsedResult:
    """Parse a JMESPath expression once.

    Raises:
        ValueError: the expression is not JMESPath (the message says where).
    """
    # Imported here: a checklist without queries never pays for the parser (~30 ms).
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        return jmespath.compile(query)
    except JMESPathError as exc:
        raise ValueError(f"{query!r} is not a JMESPath query: {_one_line(exc)}") from None


def run_query(query: str, document: Any) -> Any:
    """The query's result on the document, or `NOTHING` when it matched nothing.

    Raises:
        ProbeError: the query could not be applied (a function given the wrong type).
    """
    from jmespath.exceptions import JMESPathError

    try:
        found = compile_query(query).search(document)
    except JMESPathError as exc:
        raise ProbeError(f"JSON query {query}: {_one_line(exc)}") from None
    return NOTHING if found is None else found


def top_level_keys(document: Any, limit: int = 12) -> str:
    """What the document has at its top level, for a query that matched nothing."""
    if isinstance(document, dict):
        keys = [str(key) for key in document]
        shown = ", ".join(keys[:limit]) + (f", … ({len(keys)} keys)" if len(keys) > limit else "")
        return f"top-level keys: {shown or 'none'}"
    if isinstance(document, list):
        return f"the document is a list of {len(document)} item(s)"
    return f"the document is a {type(document).__name__}, not an object"


def where_path_stops(
    document: Any, parts: tuple[str | int, ...], clip: Callable[[str, int], str]
) -> str:
    """For a path that matched nothing: the deepest part that matched and what it holds
    (its keys, the closest to the missing one first), e.g. `data has keys: flag, count`.

    `clip` shortens each key (redacted, then cut), since a key is the target's text.
    """
    current, walked = document, ""
    for part in parts:
        where = walked or "the document"
        if isinstance(part, int):
            if not isinstance(current, list):
                return f"{where} is {_kind(current)}, not a list"
            if not -len(current) <= part < len(current):
                return f"{where} is a list of {len(current)} item(s)"
            walked = f"{walked}[{part}]"
        else:
            if not isinstance(current, dict):
                return f"{where} is {_kind(current)}, not an object"
            if part not in current:
                keys = [str(key) for key in current]
                ordered = sorted(
                    keys, key=lambda key: -difflib.SequenceMatcher(None, part, key).ratio()
                )
                shown = ", ".join(clip(key, 40) for key in ordered[:8])
                more = f", … ({len(keys)} keys)" if len(keys) > 8 else ""
                return f"{where} has keys: {shown}{more}" if keys else f"{where} is an empty object"
            walked = f"{walked}.{part}" if walked else part
        current = current[part]
    return ""


def lookup(document: Any, parts: tuple[str | int, ...]) -> Any:
    """The value at a simple path (`data.flags[0].enabled`), or `NOTHING`."""
    current = document
    for part in parts:
        if isinstance(part, int):
            if not isinstance(current, list) or not -len(current) <= part < len(current):
                return NOTHING
        elif not isinstance(current, dict) or part not in current:
            return NOTHING
        current = current[part]
    return current


def closest_key(document: Any, parts: tuple[str | int, ...]) -> tuple[str, str | None] | None:
    """For a path that stops at a missing key: that key and the closest key the object there
    has (None when it has none); None when the path stops elsewhere (a list, a scalar)."""
    current = document
    for part in parts:
        if isinstance(part, int):
            if not isinstance(current, list) or not -len(current) <= part < len(current):
                return None
        elif not isinstance(current, dict):
            return None
        elif part not in current:
            keys = [str(key) for key in current]
            ordered = sorted(
                keys, key=lambda key: -difflib.SequenceMatcher(None, part, key).ratio()
            )
            return part, ordered[0] if ordered else None
        current = current[part]
    return None


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    return {bool: "a boolean", str: "a string", int: "a number", float: "a number"}.get(
        type(value), f"a {type(value).__name__}"
    )


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


__all__ = [
    "NOTHING",
    "closest_key",
    "compile_query",
    "lookup",
    "run_query",
    "top_level_keys",
    "where_path_stops",
]
