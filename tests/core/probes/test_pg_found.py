"""`sql` and `pg_health` against a database shaped differently from the checklist: the detail
names what is there (columns with types, closest tables and functions), the output has it all.
"""

from __future__ import annotations

import pytest

from gonogo_tui.core.probes.base import ProbeResult, Status
from gonogo_tui.core.probes.pg_found import closest_first, missing_object, named_in
from tests.core.probes.ops.helpers import arun_engine, context, spec
from tests.servers import PostgresServer

FOREIGN_DATABASE = "found_foreign_shape"
"""A database in another team's shape: its own backup_status columns, its own alert function."""

FOREIGN_SQL = """
CREATE TABLE IF NOT EXISTS backup_status (
    finished_at timestamptz, status text, kind text, size_bytes bigint
);
CREATE TABLE IF NOT EXISTS deploy_log (id serial, finished timestamptz);
CREATE OR REPLACE FUNCTION backup_alerts(max_age interval)
RETURNS TABLE (level text, message text)
LANGUAGE sql STABLE AS $$ SELECT 'CRITICAL'::text, 'old'::text WHERE false $$;
"""


@pytest.fixture(scope="module")
def foreign_db(postgres: PostgresServer) -> str:
    postgres.create_database(FOREIGN_DATABASE)
    postgres.execute(FOREIGN_SQL.encode(), dbname=FOREIGN_DATABASE)
    return postgres.dsn(FOREIGN_DATABASE)


async def _run(**fields: object) -> ProbeResult:
    return await arun_engine(spec(**fields), context())


async def test_sql_undefined_column_names_the_columns_with_types(foreign_db: str) -> None:
    result = await _run(
        kind="sql",
        dsn=foreign_db,
        query="SELECT now() - max(last_backup_at) AS age FROM backup_status",
        value={"column": "age", "compare": "< 100"},
    )
    assert result.status is Status.ERROR
    assert result.detail == (
        'query failed: column "last_backup_at" does not exist; backup_status has: '
        "finished_at (timestamptz), status (text), size_bytes (bigint), kind (text)"
    )
    assert "backup_status has:\n  finished_at (timestamptz)\n" in result.output


async def test_sql_undefined_table_names_the_closest_tables(foreign_db: str) -> None:
    result = await _run(kind="sql", dsn=foreign_db, query="SELECT * FROM backup_statuses")
    assert result.status is Status.ERROR
    assert result.detail.startswith(
        'query failed: relation "backup_statuses" does not exist; closest tables: '
        "backup_status, deploy_log"
    )
    assert "tables and views in the schema search path, closest first:" in result.output


async def test_sql_undefined_function_names_the_closest_functions(foreign_db: str) -> None:
    result = await _run(kind="sql", dsn=foreign_db, query="SELECT * FROM check_backup_alerts()")
    assert result.status is Status.ERROR
    assert "function check_backup_alerts() does not exist" in result.detail
    assert "closest functions: backup_alerts(max_age interval)" in result.detail
    assert "backup_alerts(max_age interval)" in result.output


async def test_sql_expected_column_the_rows_lack_names_the_columns_they_have(
    foreign_db: str,
) -> None:
    result = await _run(
        kind="sql",
        dsn=foreign_db,
        query="SELECT finished_at, status, kind FROM backup_status",
        values=[{"column": "finish_time", "compare": "> 0"}],
    )
    assert result.status is Status.ERROR
    assert result.detail == "no column 'finish_time'; the rows have: finished_at, kind, status"
    assert result.output == "columns the rows have, closest first:\n  finished_at\n  kind\n  status"


async def test_pg_health_backup_alerts_names_the_functions_and_columns(foreign_db: str) -> None:
    missing = await _run(kind="pg_health", check="backup_alerts", dsn=foreign_db)
    assert missing.status is Status.ERROR
    assert "check_backup_alerts() does not exist" in missing.detail
    assert "closest functions: backup_alerts(max_age interval)" in missing.detail
    assert "backup_alerts(max_age interval)" in missing.output
    wrong_column = await _run(
        kind="pg_health",
        check="backup_alerts",
        dsn=foreign_db,
        query="SELECT 'CRITICAL' AS level, 'old' AS message",
        severity_column="severity",
    )
    assert wrong_column.status is Status.ERROR
    assert wrong_column.detail == (
        "backup alerts: the query has no column 'severity'; the rows have: level, message"
    )


async def test_secrets_in_what_was_found_are_redacted(foreign_db: str) -> None:
    secret = "s3cr3t_column_name_xyz"
    result = await arun_engine(
        spec(kind="sql", dsn=foreign_db, query=f'SELECT 1 AS "{secret}"',
             value={"column": "lag", "compare": "< 5"}),
        context(),
        secrets=(secret,),
    )  # fmt: skip
    assert result.status is Status.ERROR
    assert "the rows have:" in result.detail
    assert secret not in result.detail
    assert secret not in result.output


def test_helpers() -> None:
    assert missing_object("column b.last_backup_at does not exist") == ("column", "last_backup_at")
    assert missing_object("function check_backup_alerts() does not exist") == (
        "function",
        "check_backup_alerts",
    )
    assert missing_object("syntax error at or near") is None
    assert named_in('SELECT x FROM ops.backup_status b JOIN "Runs" r') == [
        "select", "x", "from", "ops", "ops.backup_status", "backup_status", "b", "join", "Runs",
        "r",
    ]  # fmt: skip
    assert closest_first("last_backup_at", ["status", "finished_at", "backup_at"])[0] == (
        "backup_at"
    )


async def test_what_was_found_comes_back_as_suggestions_for_doctor(foreign_db: str) -> None:
    from gonogo_tui.core.errors import ProbeError

    with pytest.raises(ProbeError) as raised:
        await spec(
            kind="sql",
            dsn=foreign_db,
            query="SELECT max(last_backup_at) FROM backup_status",
        ).run(context())
    assert [(s.field, s.found, s.suggested) for s in raised.value.suggestions] == [
        ("query", "last_backup_at", "finished_at")
    ]
    with pytest.raises(ProbeError) as raised:
        await spec(kind="pg_health", check="backup_alerts", dsn=foreign_db).run(context())
    assert [(s.field, s.found, s.suggested) for s in raised.value.suggestions] == [
        ("query", "check_backup_alerts", "backup_alerts")
    ]
    with pytest.raises(ProbeError) as raised:
        await spec(
            kind="pg_health",
            check="backup_alerts",
            dsn=foreign_db,
            query="SELECT 'CRITICAL' AS level, 'old' AS message",
            severity_column="severity",
        ).run(context())
    [suggestion] = raised.value.suggestions
    assert (suggestion.field, suggestion.found) == ("severity_column", "severity")
    assert suggestion.suggested in ("level", "message")
