"""Fixtures of the operations probe tests, built on the shared servers of tests/servers.py."""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.servers import PostgresServer, PrometheusServer

BROKEN_RULES = """\
groups:
  - name: ops-broken
    rules:
      - alert: Healthy
        expr: vector(1) < 0
      - alert: BrokenAtEvaluation
        # Parses fine; at evaluation both series end up with the same (empty) label set.
        expr: >-
          label_replace(vector(1) or label_replace(vector(2), "a", "b", "", ""), "a", "", "", "")
          > 0
"""


@pytest.fixture(scope="session")
def broken_prometheus() -> Iterator[PrometheusServer]:
    """Prometheus with one healthy rule and one whose query errors at every evaluation."""
    with PrometheusServer(BROKEN_RULES) as server:
        server.wait_for_rules(2, timeout=15)
        yield server


@dataclass
class ArchivingPostgres:
    """A cluster whose archive_command fails while `fail_marker` exists."""

    server: PostgresServer
    fail_marker: Path

    def archiver(self) -> dict[str, Any]:
        return self.server.archiver_status()


@pytest.fixture(scope="session")
def archiving_postgres() -> Iterator[ArchivingPostgres]:
    """PostgreSQL archiving WAL with `cp` into a temp folder, switchable to failing."""
    folder = Path(tempfile.mkdtemp(prefix="gonogo-ops-archive-", dir="/tmp"))
    (folder / "archive").mkdir()
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        for path in (folder, folder / "archive"):
            os.chown(path, account.pw_uid, account.pw_gid)
    marker = folder / "fail"
    command = f"test ! -e {marker} && cp %p {folder / 'archive'}/%f"
    try:
        with PostgresServer(archive_command=command) as server:
            yield ArchivingPostgres(server, marker)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def unarchived_postgres() -> Iterator[PostgresServer]:
    """PostgreSQL with archive_mode off."""
    with PostgresServer(settings={"archive_mode": "off"}) as server:
        yield server


HEALTH_DATABASE = "ops_health"
"""Database on the shared `postgres` used by the pg_health tests."""

BACKUP_CONTRACT_SQL = """
CREATE TABLE IF NOT EXISTS backup_alert_rows (severity text, check_name text, message text);
CREATE OR REPLACE FUNCTION check_backup_alerts()
RETURNS TABLE (severity text, check_name text, message text)
LANGUAGE sql STABLE AS $$ SELECT severity, check_name, message FROM backup_alert_rows $$;
"""


@pytest.fixture(scope="session")
def health_db(postgres: PostgresServer) -> str:
    """`ops_health` on the shared cluster, with a `check_backup_alerts()` fed by a table."""
    postgres.create_database(HEALTH_DATABASE)
    with psycopg.connect(postgres.dsn(HEALTH_DATABASE), autocommit=True) as connection:
        connection.execute(BACKUP_CONTRACT_SQL)
    return postgres.dsn(HEALTH_DATABASE)
