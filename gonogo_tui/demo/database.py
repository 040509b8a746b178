"""The demo's trading database: the contract objects, a backup history, a probe role."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from gonogo_tui.demo.flavours import Shape
from gonogo_tui.demo.scenarios import Conditions
from gonogo_tui.demo.services import PostgresServer, wait_until

DATABASE = "spark_trading"
"""The database the seed's `$DATABASE_URL` names."""
PROBE_ROLE = "gonogo"
"""The role the checklist's probes log in as (the contract's "probe's role")."""


def flavoured_sql(contract_sql: str, shape: Shape) -> str:
    """The contract DDL in the flavour's names: the `backup_status` columns, the growth
    column and the columns of `check_backup_alerts()` (the same objects and meaning)."""
    renames = [*shape.backup_columns, ("size_growth_pct_per_day", shape.growth_column)]
    text = contract_sql
    for old, new in renames:
        text = re.sub(rf"\b{re.escape(old)}\b", new, text)
    severity, alert, detail = shape.alert_columns
    return text.replace(
        "RETURNS TABLE (severity text, alert text, detail text)",
        f"RETURNS TABLE ({severity} text, {alert} text, {detail} text)",
    )


def prepare_database(
    server: PostgresServer,
    contract_sql: str,
    conditions: Conditions,
    password: str,
    shape: Shape | None = None,
) -> str:
    """Creates the trading database with the contract objects and fresh history rows.

    Args:
        server: The running cluster.
        contract_sql: The contract DDL (`checklists/contract/spark_trading.sql`).
        conditions: The scenario: how old the last backup and PITR drill are.
        password: The probe role's password (the cluster trusts local connections, so it
            is not checked; it is in the DSN so that redaction has something to hide).

    Returns:
        The DSN of the probe role on the trading database.
    """
    server.create_database(DATABASE)
    with psycopg.connect(server.dsn(DATABASE), autocommit=True, connect_timeout=5) as conn:
        conn.execute(flavoured_sql(contract_sql, shape or Shape()).encode())
        _insert_history(conn, conditions)
        _create_probe_role(conn, password)
    server.switch_wal()
    return f"postgresql://{PROBE_ROLE}:{password}@{server.host}:{server.port}/{DATABASE}"


def reset_history(server: PostgresServer, conditions: Conditions) -> None:
    """Replaces the backup, PITR drill and size history rows by those of `conditions`."""
    with psycopg.connect(server.dsn(DATABASE), autocommit=True, connect_timeout=5) as conn:
        with conn.transaction():
            conn.execute("DELETE FROM backup_runs; DELETE FROM pitr_tests")
            conn.execute("DELETE FROM db_size_history")
            _insert_history(conn, conditions)


def _insert_history(conn: psycopg.Connection[Any], conditions: Conditions) -> None:
    hour, day = "interval '1 hour'", "interval '1 day'"
    conn.execute(
        "INSERT INTO backup_runs (kind, started_at, finished_at, status, size_bytes, location) "
        f"SELECT 'base', now() - (h + 1) * {hour}, now() - h * {hour}, 'success', 52428800,"
        " 's3://spark-backups/base/' || to_char(now() - h * " + hour + ", 'YYYYMMDD-HH24MI')"
        " FROM (VALUES (%s::float8 + 24), (%s::float8)) AS ages(h)",
        [conditions.backup_age_hours, conditions.backup_age_hours],
    )
    conn.execute(
        "INSERT INTO pitr_tests (started_at, finished_at, target_time, status, restored_to) "
        f"SELECT now() - d * {day} - {hour}, now() - d * {day}, now() - (d + 1) * {day},"
        " 'success', 'staging-restore' FROM (VALUES (%s::float8)) AS ages(d)",
        [conditions.pitr_test_age_days],
    )
    conn.execute(
        "INSERT INTO db_size_history (recorded_at, size_bytes) "
        "SELECT now() - interval '25 hours',"
        " round(pg_database_size(current_database()) / (1 + %s * 25 / 24.0))",
        [conditions.size_growth_pct_per_day / 100],
    )
    conn.execute("SELECT record_db_size()")


def _create_probe_role(conn: psycopg.Connection[Any], password: str) -> None:
    role = sql.Identifier(PROBE_ROLE)
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [PROBE_ROLE]).fetchone()
    if exists is None:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(role, sql.Literal(password))
        )
    conn.execute(sql.SQL("GRANT SELECT ON backup_status, backup_dashboard TO {}").format(role))
    conn.execute(sql.SQL("GRANT EXECUTE ON FUNCTION check_backup_alerts() TO {}").format(role))
    conn.execute(sql.SQL("GRANT pg_monitor TO {}").format(role))


def wait_for_archived_wal(server: PostgresServer, timeout: float = 10.0) -> None:
    """Waits until the archiver has archived a segment (`db-wal-archiving` needs one)."""
    wait_until(
        lambda: server.archiver_status()["archived_count"] > 0,
        timeout,
        0.05,
        ignore=(psycopg.Error,),
        message="a WAL segment archived",
    )


def read_contract_sql(path: Path) -> str:
    """The contract DDL's text."""
    return path.read_text(encoding="utf-8")


__all__ = [
    "DATABASE",
    "PROBE_ROLE",
    "prepare_database",
    "flavoured_sql",
    "read_contract_sql",
    "reset_history",
    "wait_for_archived_wal",
]
