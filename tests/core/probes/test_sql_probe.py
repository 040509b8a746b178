"""The `sql` probe against a throwaway PostgreSQL: rows, columns, timeouts, refusals, secrets."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.probes.base import Observation, ProbeContext
from gonogo_tui.core.probes.sql import SqlProbe
from tests.core.probes.local_servers import LocalPostgres


def _probe(**fields: Any) -> SqlProbe:
    return SqlProbe.model_validate({"kind": "sql", **fields})


async def _run(timeout: float = 10.0, **fields: Any) -> Observation:
    """Run like the engine does: inside `asyncio.timeout` of the probe's deadline."""
    async with asyncio.timeout(timeout):
        return await _probe(**fields).run(ProbeContext(root=Path("."), timeout=timeout))


async def test_row_count(probe_pg: LocalPostgres) -> None:
    query = "SELECT n FROM generate_series(1, 3) AS n"
    three = await _run(dsn=probe_pg.dsn(), query=query, rows=">= 3")
    assert three.ok
    assert three.value == "3 rows"
    assert three.output == "n\n1\n2\n3\n(3 rows)"
    none_expected = await _run(dsn=probe_pg.dsn(), query=query, rows="== 0")
    assert not none_expected.ok
    assert none_expected.detail == "3 rows (expected rows == 0)"
    empty = await _run(dsn=probe_pg.dsn(), query="SELECT 1 WHERE false", rows="== 0")
    assert empty.ok
    assert empty.value == "0 rows"


async def test_column_compared_in_the_first_row(probe_pg: LocalPostgres) -> None:
    query = "SELECT 'ok' AS status, 42 AS lag_seconds, now() AS checked_at"
    by_name = await _run(
        dsn=probe_pg.dsn(), query=query, value={"column": "lag_seconds", "compare": "< 60"}
    )
    assert by_name.ok
    assert by_name.value == "42"
    by_index = await _run(dsn=probe_pg.dsn(), query=query, value={"column": 0, "compare": "== ok"})
    assert by_index.ok
    too_high = await _run(
        dsn=probe_pg.dsn(), query=query, value={"column": "lag_seconds", "compare": "< 30"}
    )
    assert not too_high.ok
    assert too_high.detail == "lag_seconds = 42 (expected < 30)"
    assert too_high.output.startswith("status\tlag_seconds\tchecked_at\nok\t42\t")


async def test_column_compared_in_all_rows(probe_pg: LocalPostgres) -> None:
    query = "SELECT n AS replica, n * 2 AS lag FROM generate_series(1, 5) AS n"
    within = await _run(
        dsn=probe_pg.dsn(), query=query, value={"column": "lag", "compare": "<= 10", "rows": "all"}
    )
    assert within.ok
    beyond = await _run(
        dsn=probe_pg.dsn(), query=query, value={"column": "lag", "compare": "< 9", "rows": "all"}
    )
    assert not beyond.ok
    assert beyond.detail == "row 5: lag = 10 (expected < 9)"


async def test_null_and_missing_rows_fail(probe_pg: LocalPostgres) -> None:
    null = await _run(dsn=probe_pg.dsn(), query="SELECT NULL::int AS lag", value={"compare": "< 5"})
    assert not null.ok
    assert null.value == "NULL"
    no_row = await _run(
        dsn=probe_pg.dsn(), query="SELECT 1 AS x WHERE false", value={"compare": "== 1"}
    )
    assert not no_row.ok
    assert no_row.value == "no rows"
    # No data is never a pass: `rows: all` over no rows held vacuously.
    assert not no_row.measured
    assert no_row.detail == "no data: the query returned no rows to read x from"
    vacuous = await _run(
        dsn=probe_pg.dsn(),
        query="SELECT 1 AS lag WHERE false",
        value={"column": "lag", "compare": "< 5", "rows": "all"},
    )
    assert (vacuous.ok, vacuous.measured, vacuous.value) == (False, False, "no rows")


async def test_unknown_column_and_text_numbers_are_errors(probe_pg: LocalPostgres) -> None:
    with pytest.raises(ProbeError, match="no column 'lag'"):
        await _run(
            dsn=probe_pg.dsn(), query="SELECT 1 AS x", value={"column": "lag", "compare": "< 5"}
        )
    with pytest.raises(ProbeError, match="is not a number"):
        await _run(dsn=probe_pg.dsn(), query="SELECT 'n/a' AS x", value={"compare": "< 5"})


async def test_sql_error_is_an_error(probe_pg: LocalPostgres) -> None:
    with pytest.raises(ProbeError, match='query failed: relation "backup_status" does not exist'):
        await _run(dsn=probe_pg.dsn(), query="SELECT * FROM backup_status")


async def test_statement_timeout_stops_the_query_on_the_server(probe_pg: LocalPostgres) -> None:
    started = time.monotonic()
    with pytest.raises(ProbeError, match="statement_timeout 200ms"):
        await _run(dsn=probe_pg.dsn(), query="SELECT pg_sleep(10)", statement_timeout="200ms")
    assert time.monotonic() - started < 2


async def test_statement_timeout_never_exceeds_the_deadline(probe_pg: LocalPostgres) -> None:
    probe = _probe(dsn=probe_pg.dsn(), query="SELECT pg_sleep(10)", statement_timeout="1h")
    started = time.monotonic()
    # No outer deadline here: only the server-side timeout, capped at ctx.timeout, stops it.
    with pytest.raises(ProbeError, match="statement_timeout 300ms"):
        await probe.run(ProbeContext(root=Path("."), timeout=0.3))
    assert time.monotonic() - started < 2


async def test_cancelled_query_leaves_nothing_running(probe_pg: LocalPostgres) -> None:
    marker = "gonogo_cancel_marker"
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            await _probe(dsn=probe_pg.dsn(), query=f"SELECT pg_sleep(10) AS {marker}").run(
                ProbeContext(root=Path("."), timeout=30)
            )
    deadline = time.monotonic() + 5
    async with await psycopg.AsyncConnection.connect(probe_pg.dsn(), autocommit=True) as conn:
        while True:
            cursor = await conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE %s AND state = 'active'"
                " AND pid <> pg_backend_pid()",
                (f"%{marker}%",),
            )
            row = await cursor.fetchone()
            assert row is not None
            if row[0] == 0:
                break
            assert time.monotonic() < deadline, "the cancelled query is still running"
            await asyncio.sleep(0.02)


async def test_refused_port_is_an_error(probe_pg: LocalPostgres, closed_port: int) -> None:
    with pytest.raises(ProbeError, match="cannot connect: .*[Cc]onnection refused"):
        await _run(dsn=probe_pg.dsn(port=closed_port), query="SELECT 1")


async def test_password_never_appears(probe_pg: LocalPostgres, closed_port: int) -> None:
    password = probe_pg.password
    observation = await _run(
        dsn=probe_pg.dsn(),
        query="SELECT current_user, 1 AS ok",
        value={"column": "ok", "compare": "== 1"},
    )
    assert observation.ok
    assert password not in f"{observation.value}\n{observation.detail}\n{observation.output}"

    failing_dsns = {
        "refused": probe_pg.dsn(port=closed_port),
        "wrong password": probe_pg.dsn(password="wrong-" + password),
        "bad option": f"host=127.0.0.1 port={probe_pg.port} password={password} bogus=1",
        "unparseable": f"host=127.0.0.1 password={password} port",
    }
    for case, dsn in failing_dsns.items():
        with pytest.raises(ProbeError) as error:
            await _run(dsn=dsn, query="SELECT 1")
        assert password not in str(error.value), case
    wrong = await _catch(probe_pg.dsn(password="wrong-" + password))
    assert "password authentication failed" in wrong


async def _catch(dsn: str) -> str:
    try:
        await _run(dsn=dsn, query="SELECT 1")
    except ProbeError as error:
        return str(error)
    raise AssertionError("the probe did not fail")


async def test_several_columns_must_all_hold_and_each_is_named(probe_pg: LocalPostgres) -> None:
    """`values`: age and status and kind of one row, no CASE expression (issue 21)."""
    query = "SELECT 42 AS age_s, 'done' AS status, 'full' AS kind"
    checks = [
        {"column": "age_s", "compare": "< 600"},
        {"column": "status", "compare": "== done"},
        {"column": "kind", "compare": "== full"},
    ]
    passing = await _run(dsn=probe_pg.dsn(), query=query, values=checks)
    assert passing.ok, passing.detail
    assert passing.detail == "age_s = 42; status = done; kind = full; 1 row"
    assert passing.value == "42, done, full"
    assert _probe(dsn="x", query=query, values=checks).expectation() == (
        "age_s < 600, status == done, kind == full"
    )

    failing = await _run(
        dsn=probe_pg.dsn(),
        query="SELECT 42 AS age_s, 'failed' AS status, 'full' AS kind",
        values=checks,
    )
    assert not failing.ok
    assert failing.value == "failed"
    assert failing.detail == "status = failed (expected == done); age_s = 42; kind = full"

    with_value = await _run(
        dsn=probe_pg.dsn(),
        query=query,
        value={"column": "age_s", "compare": "> 100"},
        values=[{"column": "status", "compare": "== done"}],
    )
    assert not with_value.ok
    assert with_value.detail == "age_s = 42 (expected > 100); status = done"
