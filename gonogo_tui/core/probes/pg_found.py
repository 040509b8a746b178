"""What a PostgreSQL database has, when a query names a column, table or function it has not.

A detail that says only `column "last_backup_at" does not exist` sends the user off to
`psql` to learn what gonogo wanted; this module asks the catalog instead, and names the
columns (with types) of the relations the query names, the closest first, or the closest
tables or functions in the schema search path. `Found.short` goes in the one-line detail,
`Found.full` in the result's output (the detail pane, JSON).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gonogo_tui.core.findings import Suggestion, closest_first
from gonogo_tui.core.probes.base import one_line

if TYPE_CHECKING:
    import psycopg

SHORT_NAMES = 5
"""Names the one-line detail quotes per list; the output has them all."""
FULL_NAMES = 200
"""Names the output lists per list."""

_MISSING = re.compile(
    r'(?P<what>column|relation|function)\s+"?(?P<name>[^"\s(]+)"?(?P<args>\([^)]*\))?'
    r"\s+does not exist"
)
_IDENTIFIER = re.compile(r'"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*)')
_SHORT_TYPES = {
    "timestamp with time zone": "timestamptz",
    "timestamp without time zone": "timestamp",
    "time with time zone": "timetz",
    "time without time zone": "time",
    "character varying": "varchar",
    "double precision": "float8",
    "boolean": "bool",
}

_COLUMNS_SQL = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
  AND ((n.nspname = ANY (current_schemas(false)) AND c.relname = ANY (%(names)s))
       OR n.nspname || '.' || c.relname = ANY (%(names)s))
ORDER BY c.relname, a.attnum
"""
_RELATIONS_SQL = """
SELECT c.relname
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f') AND n.nspname = ANY (current_schemas(false))
ORDER BY 1
LIMIT 5000
"""
_FUNCTIONS_SQL = """
SELECT p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = ANY (current_schemas(false))
ORDER BY 1, 2
LIMIT 5000
"""


@dataclass(frozen=True)
class Found:
    """What the database has instead: a short clause for the detail, the full list for output,
    and the name the database lacks with the closest it has (for `gonogo doctor`)."""

    short: str
    full: str
    missing: str = ""
    """The column, table or function name the database lacks."""
    closest: str | None = None
    """The closest bare name it has (no types, no arguments), if any."""

    def suggestion(self, field: str) -> Suggestion:
        """The mismatch as data: replace `missing` by `closest` in the probe's `field`."""
        return Suggestion(field, self.missing, self.closest, one_line(self.short, 300))


def columns_lacking(wanted: str, columns: Iterable[str]) -> Found:
    """The columns rows have, when an expectation names `wanted` which they lack."""
    ordered = closest_first(wanted, columns)
    more = f" (+{len(ordered) - 10} more)" if len(ordered) > 10 else ""
    return Found(
        f"the rows have: {', '.join(ordered[:10])}{more}",
        _listing("columns the rows have, closest first", ordered),
        wanted,
        ordered[0] if ordered else None,
    )


def missing_object(message: str) -> tuple[str, str] | None:
    """(`column`|`relation`|`function`, the bare name) from a PostgreSQL error message."""
    match = _MISSING.search(message)
    if match is None:
        return None
    return match.group("what"), match.group("name").rsplit(".", 1)[-1]


def named_in(query: str) -> list[str]:
    """Every identifier the query spells (and `schema.name` pairs), lower-cased unless quoted:
    the candidates for the relations it reads."""
    names: list[str] = []
    previous_end = -1
    previous = ""
    for match in _IDENTIFIER.finditer(query):
        quoted, bare = match.group(1), match.group(2)
        name = quoted.replace('""', '"') if quoted is not None else bare.lower()
        if previous and query[previous_end : match.start()].strip() == ".":
            names.append(f"{previous}.{name}")
        names.append(name)
        previous, previous_end = name, match.end()
    return list(dict.fromkeys(names))


async def describe_missing(
    connection: psycopg.AsyncConnection[Any], query: str, message: str
) -> Found | None:
    """What the database has, for a query that failed with `message` (undefined column,
    table or function); None when the message names none, or the catalog cannot be read.
    The connection must be in autocommit mode (a failed statement leaves no transaction).
    """
    import psycopg

    missing = missing_object(message)
    if missing is None:
        return None
    what, name = missing
    try:
        async with connection.cursor(row_factory=psycopg.rows.tuple_row) as cursor:
            await cursor.execute(_COLUMNS_SQL, {"names": named_in(query)})
            columns = [(str(r[0]), str(r[1]), str(r[2])) for r in await cursor.fetchall()]
            if what == "relation":
                await cursor.execute(_RELATIONS_SQL)
                relations = [str(row[0]) for row in await cursor.fetchall()]
                return _closest_found(
                    name, relations, columns, what="tables and views", short="tables"
                )
            if what == "function":
                await cursor.execute(_FUNCTIONS_SQL)
                functions = [f"{row[0]}({row[1]})" for row in await cursor.fetchall()]
                return _closest_found(name, functions, columns, what="functions", short="functions")
    except psycopg.Error:
        return None  # the original error is the one to report
    return _column_found(name, columns)


def _by_relation(columns: Sequence[tuple[str, str, str]]) -> dict[str, list[str]]:
    relations: dict[str, list[str]] = {}
    for relation, column, kind in columns:
        relations.setdefault(relation, []).append(f"{column} ({_SHORT_TYPES.get(kind, kind)})")
    return relations


def _column_found(name: str, columns: Sequence[tuple[str, str, str]]) -> Found | None:
    relations = _by_relation(columns)
    if not relations:
        return None
    short: list[str] = []
    full: list[str] = []
    bare = closest_first(name, [column for _, column, _ in columns])
    for relation, described in relations.items():
        ordered = closest_first(name, described)
        short.append(f"{relation} has: {', '.join(ordered[:SHORT_NAMES])}")
        if len(ordered) > SHORT_NAMES:
            short[-1] += f" (+{len(ordered) - SHORT_NAMES} more)"
        full.append(_listing(f"{relation} has", ordered))
    return Found("; ".join(short), "\n".join(full), name, bare[0] if bare else None)


def _closest_found(
    name: str,
    candidates: Sequence[str],
    columns: Sequence[tuple[str, str, str]],
    *,
    what: str,
    short: str,
) -> Found:
    """The `candidates` closest to `name` (tables or functions of the search path), with
    the columns of the relations the query names in the full list."""
    if not candidates:
        return Found(
            f"no {what} in the schema search path",
            f"no {what} in the schema search path (current_schemas)",
            name,
        )
    ordered = closest_first(name, candidates)
    full = [_listing(f"{what} in the schema search path, closest first", ordered)]
    full += [_listing(f"{r} has", cols) for r, cols in _by_relation(columns).items()]
    closest = re.split(r"[\s(]", ordered[0], maxsplit=1)[0]
    return Found(
        f"closest {short}: {', '.join(ordered[:SHORT_NAMES])}", "\n".join(full), name, closest
    )


def _listing(title: str, names: Sequence[str]) -> str:
    lines = [f"{title}:"] + [f"  {name}" for name in names[:FULL_NAMES]]
    if len(names) > FULL_NAMES:
        lines.append(f"  … {len(names) - FULL_NAMES} more")
    return "\n".join(lines)


__all__ = [
    "Found",
    "closest_first",
    "columns_lacking",
    "describe_missing",
    "missing_object",
    "named_in",
]
