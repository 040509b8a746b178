"""Runs a `sql` probe: one PostgreSQL query with connect and server-side statement timeouts.

The statement timeout is set on the server (`SET statement_timeout`) and never exceeds the
probe's deadline, so a query the engine gives up on is also stopped by the server. A NULL
where a number is compared, or a first row that does not exist, is measured (FAIL); a
value that is not a number, or a column that does not exist, cannot be measured (ERROR).
The DSN and its password are scrubbed from every message.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.probes.base import Observation, ProbeContext, cap_text, one_line
from gonogo_tui.core.probes.pg_found import columns_lacking, describe_missing
from gonogo_tui.core.probes.sql import ColumnCheck, SqlProbe
from gonogo_tui.core.probes.transient import failure
from gonogo_tui.core.redaction import secrets_in_text
from gonogo_tui.core.types import format_duration

OUTPUT_ROWS = 50
"""Rows rendered into the observation's output."""
DETAIL_CHARS = 300
"""Characters of a detail that names what the database has instead."""
_LIBPQ_SPLIT = re.compile(r"[\s=@:/?&'\"\\]+")


async def run_sql_probe(spec: SqlProbe, ctx: ProbeContext) -> Observation:
    """Connect, set the statement timeout, run the query and check its rows.

    Args:
        spec: The probe as written in the checklist.
        ctx: The deadline, which bounds the connect and statement timeouts.

    Returns:
        The observation: the row count, or the compared value.

    Raises:
        ProbeError: the connection or the query failed (refused, authentication,
            statement timeout, SQL error), or the checked column does not exist or
            holds no number.
    """
    import psycopg

    scrub = ctx.redactor.merged(_dsn_secrets(spec.dsn, ctx.redactor.secrets))
    connect_timeout = max(1, math.ceil(min(spec.connect_timeout, ctx.timeout)))
    statement_seconds = min(spec.statement_timeout or ctx.timeout, ctx.timeout)
    statement_ms = max(1, round(statement_seconds * 1000))

    try:
        conn = await psycopg.AsyncConnection.connect(
            spec.dsn, connect_timeout=connect_timeout, autocommit=True
        )
    except psycopg.Error as exc:
        raise failure(one_line(scrub(f"cannot connect: {_first_line(exc)}")), exc) from None
    try:
        async with conn.cursor() as cursor:
            await cursor.execute(f"SET statement_timeout = {statement_ms}")
            await cursor.execute(spec.query)
            row_count = max(cursor.rowcount, 0)
            columns = [column.name for column in cursor.description or ()]
            if not columns:
                rows: list[tuple[Any, ...]] = []
            elif any(check.rows == "all" for check in spec.column_checks):
                rows = await cursor.fetchall()
            else:
                rows = await cursor.fetchmany(OUTPUT_ROWS)
    except psycopg.errors.QueryCanceled as exc:
        limit = format_duration(statement_seconds)
        message = f"query cancelled after statement_timeout {limit}: {_first_line(exc)}"
        raise failure(one_line(scrub(message)), exc) from None
    except psycopg.Error as exc:
        message = f"query failed: {_first_line(exc)}"
        found = None
        if isinstance(exc, _undefined()):
            found = await describe_missing(conn, spec.query, _first_line(exc))
        if found is None:  # a serialization failure or a dropped connection may pass next time
            raise failure(one_line(scrub(message)), exc) from None
        # Redacted, then cut: the detail names the closest, the output has the full lists.
        short = scrub.excerpt(found.short, DETAIL_CHARS - min(len(message), DETAIL_CHARS // 2))
        suggestion = found.suggestion("query")
        raise ProbeError(
            one_line(scrub(f"{message}; {short}"), DETAIL_CHARS + 40),
            output=cap_text(scrub(found.full)),
            suggestions=(replace(suggestion, why=scrub.excerpt(suggestion.why, 300)),),
        ) from None
    finally:
        await conn.close()

    output = cap_text(scrub(_render(columns, rows, row_count)))
    try:
        observation = _evaluate(spec, columns, rows, row_count, output, scrub.excerpt)
    except ProbeError as exc:
        raise ProbeError(
            scrub.excerpt(str(exc), 500),
            output=scrub(exc.output),
            suggestions=tuple(replace(s, why=scrub.excerpt(s.why, 300)) for s in exc.suggestions),
        ) from None
    return Observation(
        ok=observation.ok,
        value=scrub(observation.value),
        detail=scrub(observation.detail),
        output=output,
        measured=observation.measured,
    )


def _evaluate(
    spec: SqlProbe,
    columns: list[str],
    rows: Sequence[Sequence[Any]],
    row_count: int,
    output: str,
    clip: Callable[[str, int], str],
) -> Observation:
    count_text = f"{row_count} row{'s' * (row_count != 1)}"
    if spec.rows is not None:
        if not spec.rows.holds(row_count):
            return Observation(
                ok=False,
                value=count_text,
                detail=f"{count_text} (expected rows {spec.rows})",
                output=output,
            )
    checks = spec.column_checks
    if not checks:
        return Observation(ok=True, value=count_text, detail=count_text, output=output)
    fields = _check_fields(spec)
    if not rows:
        # A value to check and no row to read it from: no data, never a pass (`rows: all`
        # over no rows held vacuously) and not a measured failure either. A column the
        # query does not return says so first: that is what the checklist must change.
        for check, field in zip(checks, fields, strict=True):
            _column_index(check, columns, field)
        return Observation(
            ok=False,
            value="no rows",
            detail=(
                "no data: the query returned no rows to read "
                f"{_checked_names(checks, columns)} from"
            ),
            output=output,
            measured=False,
        )
    if len(checks) == 1:
        ok, value, detail = _column_result(checks[0], fields[0], columns, rows, count_text, clip)
        return Observation(ok=ok, value=value, detail=detail, output=output)
    # Several columns: every one is measured and named, the unmet ones first.
    results = [
        _column_result(check, field, columns, rows, count_text, clip)
        for check, field in zip(checks, fields, strict=True)
    ]
    unmet = [result for result in results if not result[0]]
    if unmet:
        named = [detail for _, _, detail in unmet]
        named += [detail.split("; ")[0] for ok, _, detail in results if ok]
        return Observation(
            ok=False,
            value=", ".join(value for _, value, _ in unmet),
            detail=one_line("; ".join(named)),
            output=output,
        )
    named = [detail.split("; ")[0] for _, _, detail in results]
    values = [value for _, value, _ in results]
    return Observation(
        ok=True,
        value=", ".join(values),
        detail=one_line("; ".join([*named, count_text])),
        output=output,
    )


def _check_fields(spec: SqlProbe) -> list[str]:
    """The probe field naming each column check's column, in `column_checks` order."""
    fields = ["value.column"] if spec.value is not None else []
    return fields + [f"values[{index}].column" for index in range(len(spec.values))]


def _checked_names(checks: Sequence[ColumnCheck], columns: list[str]) -> str:
    def name(column: str | int) -> str:
        if isinstance(column, int) and 0 <= column < len(columns):
            return columns[column]
        return str(column)

    return ", ".join(name(check.column) for check in checks)


def _column_result(
    check: ColumnCheck,
    field: str,
    columns: list[str],
    rows: Sequence[Sequence[Any]],
    count_text: str,
    clip: Callable[[str, int], str],
) -> tuple[bool, str, str]:
    """One column check: whether it holds, its value, and its detail (`name = value; N rows`)."""
    index = _column_index(check, columns, field)
    name = columns[index]
    checked_rows = rows if check.rows == "all" else rows[:1]
    if not checked_rows and check.rows == "first":
        return False, "no rows", f"no row to read {name} from"
    for number, row in enumerate(checked_rows, start=1):
        cell = row[index]
        shown = clip(_cell_text(cell), 60)
        if not _cell_holds(check, cell, name, clip):
            where = f"row {number}: " if check.rows == "all" else ""
            return False, shown, one_line(f"{where}{name} = {shown} (expected {check.compare})")
    if check.rows == "all":
        return True, count_text, f"{name} {check.compare} in all {count_text}"
    shown = clip(_cell_text(checked_rows[0][index]), 60)
    return True, shown, one_line(f"{name} = {shown}; {count_text}")


def _column_index(check: ColumnCheck, columns: list[str], field: str) -> int:
    if not columns:
        raise ProbeError("the query returned no columns")
    if isinstance(check.column, int):
        if not 0 <= check.column < len(columns):
            raise ProbeError(
                f"no column {check.column}: the query returned {len(columns)} column(s)"
            )
        return check.column
    if check.column in columns:
        return columns.index(check.column)
    folded = [index for index, name in enumerate(columns) if name.lower() == check.column.lower()]
    if len(folded) == 1:
        return folded[0]
    found = columns_lacking(check.column, columns)
    raise ProbeError(
        f"no column {check.column!r}; {found.short}",
        output=found.full,
        suggestions=(found.suggestion(field),),
    )


def _cell_holds(check: ColumnCheck, cell: Any, name: str, clip: Callable[[str, int], str]) -> bool:
    target = check.compare.target
    if isinstance(target, float):
        if cell is None:
            return False
        if isinstance(cell, datetime | date | time | bytes | list | dict):
            raise ProbeError(f"{name} = {clip(_cell_text(cell), 60)} is not a number")
        try:
            return check.compare.holds(cell)
        except ValueError:
            shown = clip(repr(_cell_text(cell)), 60)
            raise ProbeError(f"{name} = {shown} is not a number") from None
    return check.compare.holds(_cell_text(cell))


def _cell_text(cell: Any) -> str:
    if cell is None:
        return "NULL"
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, datetime | date | time):
        return cell.isoformat()
    if isinstance(cell, bytes | bytearray | memoryview):
        return "\\x" + bytes(cell[:32]).hex() + ("…" if len(cell) > 32 else "")
    return str(cell)


def _render(columns: list[str], rows: Sequence[Sequence[Any]], row_count: int) -> str:
    if not columns:
        return f"({row_count} rows affected)"
    lines = ["\t".join(_plain(name) for name in columns)]
    lines.extend("\t".join(_plain(_cell_text(cell)) for cell in row) for row in rows[:OUTPUT_ROWS])
    if row_count > OUTPUT_ROWS:
        lines.append(f"… {row_count - OUTPUT_ROWS} more rows")
    lines.append(f"({row_count} row{'s' * (row_count != 1)})")
    return "\n".join(lines)


def _plain(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _undefined() -> tuple[type[Exception], ...]:
    import psycopg

    return (
        psycopg.errors.UndefinedColumn,
        psycopg.errors.UndefinedTable,
        psycopg.errors.UndefinedFunction,
    )


def _first_line(exc: Exception) -> str:
    """psycopg's message without its hint and caret lines, and without the generic prefix."""
    lines = str(exc).strip().splitlines()
    first = lines[0] if lines else type(exc).__name__
    return first.removeprefix("connection failed: ")


def _dsn_secrets(dsn: str, known: Iterable[str]) -> set[str]:
    """The DSN, its password, and the pieces libpq may quote of each secret in it.

    libpq splits a conninfo at spaces, `=`, `@`, `:`, `/`, `?` and `&` before it sees a
    password, so its errors can quote a fragment (`missing "=" after "defghi"`, `could
    not translate host name "ss0rd@127.0.0.1"`) that the whole secret does not match.
    """
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    found = {dsn} | secrets_in_text(dsn)
    try:
        password = conninfo_to_dict(dsn).get("password")
    except psycopg.Error:
        password = None  # libpq cannot parse it; connect will say why
    if password:
        found.add(str(password))
    for secret in [*known, *found]:
        if secret in dsn and secret != dsn:
            found.update(_LIBPQ_SPLIT.split(secret))
    return found


__all__ = ["OUTPUT_ROWS", "run_sql_probe"]
