"""JMESPath queries for the `http` probe's JSON checks (`json: [{query: ...}]`).

A query picks a list item by a key (`features[?key=='FEATURE_OUTBOX'].canToggle | [0]`),
which a fixed `path` with `[N]` cannot once the list is reordered. The library is
`jmespath` (the AWS CLI's), never a hand-written evaluator. JMESPath answers `null` when
nothing matches; that is reported as missing, with the top-level keys the document has.
"""

from __future__ import annotations

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


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


__all__ = ["NOTHING", "compile_query", "run_query", "top_level_keys"]
