"""The `pg_health` checks against real clusters: pg_stat_archiver, pg_stat_activity, sizes."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pydantic import ValidationError

from gonogo_tui.core.probes.base import ProbeResult, Status, iso_utc
from gonogo_tui.core.probes.pg_health_run import size_artifact_name
from tests.core.probes.ops.conftest import HEALTH_DATABASE, ArchivingPostgres
from tests.core.probes.ops.helpers import T0, arun_engine, context, respec, run_engine, spec
from tests.servers import PostgresServer, wait_until


async def poll(
    check: Callable[[], Awaitable[ProbeResult]],
    until: Callable[[ProbeResult], bool],
    timeout: float = 15.0,
) -> ProbeResult:
    """Run the probe until `until` holds, or fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if until(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"never reached: last result {result}")
        await asyncio.sleep(0.05)


def wal_probe(dsn: str, **fields: Any) -> Any:
    return spec(kind="pg_health", check="wal_archiving", dsn=dsn, **fields)


def newer(row: dict[str, Any], later: str, earlier: str) -> bool:
    return row[later] is not None and (row[earlier] is None or row[later] > row[earlier])


async def test_wal_archiving_fails_then_recovers(archiving_postgres: ArchivingPostgres) -> None:
    server = archiving_postgres.server
    probe = wal_probe(server.dsn())

    server.switch_wal()
    wait_until(lambda: archiving_postgres.archiver()["archived_count"] >= 1, 15)
    healthy = await arun_engine(probe, context())
    assert healthy.status is Status.PASS
    assert healthy.value.startswith("ok, last ")

    archiving_postgres.fail_marker.touch()
    try:
        server.switch_wal()
        wait_until(
            lambda: newer(archiving_postgres.archiver(), "last_failed_time", "last_archived_time"),
            15,
        )
        failing = await arun_engine(probe, context())
        assert failing.status is Status.FAIL
        assert failing.value.startswith("failing (")
        assert failing.detail.startswith("archiving 0000000100000000000000")
        assert "; last success " in failing.detail
    finally:
        archiving_postgres.fail_marker.unlink()

    server.switch_wal()  # wakes the archiver, which retries the failed segment first
    wait_until(
        lambda: newer(archiving_postgres.archiver(), "last_archived_time", "last_failed_time"), 15
    )
    recovered = await arun_engine(probe, context())
    assert recovered.status is Status.PASS
    assert "was followed by a success" in recovered.detail

    # The archiver may still be finishing the second pending segment: poll, don't assume.
    impatient = wal_probe(server.dsn(), max_archive_age=0.05)
    stalled = await poll(
        lambda: arun_engine(impatient, context()), lambda r: r.status is Status.FAIL
    )
    assert stalled.value.startswith("stalled, last ")
    fresh = await arun_engine(wal_probe(server.dsn(), max_archive_age="1h"), context())
    assert fresh.status is Status.PASS


async def test_nothing_archived_since_reset(archiving_postgres: ArchivingPostgres) -> None:
    server = archiving_postgres.server
    server.execute("SELECT pg_stat_reset_shared('archiver')")
    wait_until(lambda: archiving_postgres.archiver()["last_archived_time"] is None, 5)
    strict = await arun_engine(wal_probe(server.dsn()), context())
    assert (strict.status, strict.value) == (Status.FAIL, "nothing archived")
    lenient = await arun_engine(wal_probe(server.dsn(), require_archived=False), context())
    assert (lenient.status, lenient.value) == (Status.PASS, "ok, nothing archived yet")
    server.switch_wal()
    wait_until(lambda: archiving_postgres.archiver()["archived_count"] >= 1, 15)
    assert (await arun_engine(wal_probe(server.dsn()), context())).status is Status.PASS


async def test_wal_archiving_off_fails(unarchived_postgres: PostgresServer) -> None:
    result = await arun_engine(wal_probe(unarchived_postgres.dsn()), context())
    assert (result.status, result.value) == (Status.FAIL, "archiving off")
    assert result.detail == "archive_mode is off: WAL is not archived"


@pytest.fixture
async def sleeper(health_db: str) -> AsyncIterator[int]:
    """A session in `ops_health` running `pg_sleep(60)`; cancelled after the test."""
    connection = await psycopg.AsyncConnection.connect(
        health_db, autocommit=True, application_name="gonogo-sleeper"
    )
    pid = connection.info.backend_pid
    await connection.execute("SET statement_timeout = '60s'")
    task = asyncio.create_task(connection.execute("SELECT pg_sleep(60)"))
    try:
        yield pid
    finally:
        async with await psycopg.AsyncConnection.connect(health_db, autocommit=True) as admin:
            await admin.execute("SELECT pg_cancel_backend(%s)", [pid])
        await asyncio.gather(task, return_exceptions=True)
        await connection.close()


async def test_long_running_query_is_caught(health_db: str, sleeper: int) -> None:
    probe = spec(kind="pg_health", check="long_running_queries", dsn=health_db, max_duration=0.3)
    assert probe.expectation() == "none non-idle > 300ms"
    result = await poll(lambda: arun_engine(probe, context()), lambda r: r.status is Status.FAIL)
    assert result.value == "1 over 300ms"
    assert result.detail.startswith(f"1 query over 300ms: pid {sleeper} (gonogo-sleeper, active, ")
    assert "SELECT pg_sleep(60)" in result.output

    patient = spec(kind="pg_health", check="long_running_queries", dsn=health_db)
    calm = await arun_engine(patient, context())
    assert (calm.status, calm.value) == (Status.PASS, "0 over 5m")
    tolerant = spec(
        kind="pg_health", check="long_running_queries", dsn=health_db, max_duration=0.3,
        max_count=1,
    )  # fmt: skip
    assert (await arun_engine(tolerant, context())).status is Status.PASS


async def test_other_databases_only_when_asked(
    postgres: PostgresServer, health_db: str, sleeper: int
) -> None:
    here = spec(
        kind="pg_health", check="long_running_queries", dsn=postgres.dsn(), max_duration=0.3
    )
    everywhere = spec(
        kind="pg_health", check="long_running_queries", dsn=postgres.dsn(), max_duration=0.3,
        all_databases=True,
    )  # fmt: skip
    caught = await poll(
        lambda: arun_engine(everywhere, context()), lambda r: r.status is Status.FAIL
    )
    assert f"pid {sleeper}" in caught.detail
    assert (await arun_engine(here, context())).status is Status.PASS


async def test_hidden_sessions_are_an_error_not_a_pass(
    postgres: PostgresServer, health_db: str, sleeper: int
) -> None:
    postgres.execute(
        "DO $$ BEGIN CREATE ROLE gonogo_plain LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; "
        "END $$"
    )
    plain_dsn = postgres.dsn(HEALTH_DATABASE, user="gonogo_plain")
    probe = spec(kind="pg_health", check="long_running_queries", dsn=plain_dsn)
    result = await arun_engine(probe, context())
    assert result.status is Status.ERROR
    assert result.detail.endswith(
        "of other roles hidden from this role (<insufficient privilege>): GRANT pg_monitor to it"
    )
    postgres.execute("GRANT pg_monitor TO gonogo_plain")
    try:
        seeing = respec(probe, max_duration=0.3)
        granted = await poll(
            lambda: arun_engine(seeing, context()), lambda r: r.status is Status.FAIL
        )
        assert f"pid {sleeper}" in granted.detail
    finally:
        postgres.execute("REVOKE pg_monitor FROM gonogo_plain")


async def test_idle_in_transaction_counts(health_db: str) -> None:
    async with await psycopg.AsyncConnection.connect(
        health_db, application_name="gonogo-idle-tx"
    ) as connection:
        await connection.execute("SELECT 1")  # opens a transaction and leaves it open
        probe = spec(
            kind="pg_health", check="long_running_queries", dsn=health_db, max_duration=0.3
        )
        result = await poll(
            lambda: arun_engine(probe, context()), lambda r: r.status is Status.FAIL
        )
        assert "(gonogo-idle-tx, idle in transaction, " in result.detail
        await connection.rollback()


async def _set_alerts(dsn: str, *rows: tuple[str, str, str]) -> None:
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as connection:
        await connection.execute("DELETE FROM backup_alert_rows")
        for row in rows:
            await connection.execute("INSERT INTO backup_alert_rows VALUES (%s, %s, %s)", row)


async def test_backup_alerts(health_db: str, postgres: PostgresServer) -> None:
    probe = spec(kind="pg_health", check="backup_alerts", dsn=health_db)
    assert probe.expectation() == "no CRITICAL/WARNING alerts"
    try:
        await _set_alerts(health_db)
        clean = await arun_engine(probe, context())
        assert (clean.status, clean.value, clean.detail) == (
            Status.PASS, "0 alerts", "no CRITICAL/WARNING alerts",
        )  # fmt: skip
        await _set_alerts(health_db, ("INFO", "wal_lag", "2 segments behind"))
        info = await arun_engine(probe, context())
        assert info.status is Status.PASS
        assert info.detail == "no CRITICAL/WARNING alerts (1 below CRITICAL/WARNING)"
        await _set_alerts(
            health_db,
            ("critical", "backup_age", "last full backup 30h ago"),
            ("WARNING", "pitr_test", "PITR restore test 8 days ago"),
            ("INFO", "wal_lag", "2 segments behind"),
        )
        alerting = await arun_engine(probe, context())
        assert alerting.status is Status.FAIL
        assert alerting.value == "2 alerts (1 CRITICAL, 1 WARNING)"
        assert alerting.detail == (
            "critical: backup_age - last full backup 30h ago; "
            "WARNING: pitr_test - PITR restore test 8 days ago"
        )
    finally:
        await _set_alerts(health_db)
    missing = spec(kind="pg_health", check="backup_alerts", dsn=postgres.dsn())
    result = await arun_engine(missing, context())
    assert result.status is Status.ERROR
    assert "check_backup_alerts() does not exist" in result.detail
    assert "target contract" in result.detail
    wrong_column = spec(
        kind="pg_health", check="backup_alerts", dsn=health_db,
        query="SELECT 'CRITICAL' AS level", severity_column="severity",
    )  # fmt: skip
    assert "no column 'severity'" in (await arun_engine(wrong_column, context())).detail


def _size_probe(dsn: str, limit: str = "< 10") -> Any:
    return spec(kind="pg_health", check="size_growth", dsn=dsn, max_growth=limit)


def _earlier(record: str, *, factor: float, age: timedelta, server: str | None = None) -> str:
    data = json.loads(record)
    data["bytes"] = int(data["bytes"] / factor)
    data["measured_at"] = iso_utc(T0 - age)
    if server is not None:
        data["server"] = server
    return json.dumps(data)


def test_size_growth_walk_of_a_huge_evidence_folder_stops_with_the_deadline(
    health_db: str,
) -> None:
    """Looking for earlier sizes walks the evidence folder in a thread; a folder as big as
    `/usr` (seconds to walk) ends with the probe's 1 s deadline, thread included (the
    `asyncio.run` in `run_engine` waits for it)."""
    started = time.monotonic()
    ctx = context(evidence_dir=Path("/usr"))
    result = run_engine(_size_probe(health_db), ctx, timeout=1.0)
    took = time.monotonic() - started
    assert result.status is Status.ERROR and "timed out after 1s" in result.detail, result
    assert took < 2.5, f"the probe held its caller {took:.2f}s"


async def test_size_growth_first_run_records_a_baseline(health_db: str, tmp_path: Path) -> None:
    """No data is never a pass: a first run has no earlier size to judge growth by, so it
    is ERROR (it PASSed as "baseline recorded"), and keeps its size for the next run."""
    result = await arun_engine(_size_probe(health_db), context(evidence_dir=tmp_path))
    assert result.status is Status.ERROR
    assert result.attempts == 1  # asking again would find no baseline either
    assert result.value.startswith("no baseline yet (")
    assert result.detail.startswith("no data: no earlier size in evidence to compare with; ")
    name = size_artifact_name(HEALTH_DATABASE)
    assert name == "db_size_ops_health.json"
    record = json.loads(result.artifacts[name])
    assert record["database"] == HEALTH_DATABASE
    assert record["measured_at"] == "2026-11-26T10:00:00.000Z"
    assert record["bytes"] > 1_000_000
    no_folder = await arun_engine(_size_probe(health_db), context())
    assert no_folder.detail.startswith("no data: no evidence folder to compare with;")


async def test_size_growth_against_earlier_evidence(health_db: str, tmp_path: Path) -> None:
    first = await arun_engine(_size_probe(health_db), context(evidence_dir=tmp_path))
    name = size_artifact_name(HEALTH_DATABASE)
    current = first.artifacts[name]

    # An earlier run's artifact saved as a file: 20% smaller a day ago.
    (tmp_path / "2026-11-25").mkdir()
    (tmp_path / "2026-11-25" / name).write_text(
        _earlier(current, factor=1.2, age=timedelta(days=1))
    )
    grown = await arun_engine(_size_probe(health_db), context(evidence_dir=tmp_path))
    assert grown.status is Status.FAIL
    assert grown.value == "+20%/day"
    assert grown.detail.startswith("+20%/day is not < 10: ")
    assert grown.detail.endswith(" since 24h ago")

    # An older record inside a decision record JSON (results carry artifacts): 4% in 47h
    # is about 2%/day; the newest record old enough wins.
    record = {
        "decision": "GO",
        "results": [{"criterion_id": "db-size", "artifacts": {name: _earlier(
            current, factor=1.04, age=timedelta(days=2) - timedelta(hours=1))}}],
    }  # fmt: skip
    (tmp_path / "go_decision_20261124_110000.json").write_text(json.dumps(record))
    steady = await arun_engine(_size_probe(health_db), context(evidence_dir=tmp_path))
    assert steady.value == "+20%/day"  # the file from a day ago is still the newest
    (tmp_path / "2026-11-25" / name).unlink()
    steady = await arun_engine(_size_probe(health_db), context(evidence_dir=tmp_path))
    assert (steady.status, steady.value) == (Status.PASS, "+2.04%/day")  # 4% over 47h


async def test_size_growth_young_and_foreign_baselines(health_db: str, tmp_path: Path) -> None:
    first = await arun_engine(_size_probe(health_db), context(evidence_dir=tmp_path))
    name = size_artifact_name(HEALTH_DATABASE)
    current = first.artifacts[name]
    path = tmp_path / name
    path.write_text(_earlier(current, factor=1.01, age=timedelta(minutes=10)))
    young = await arun_engine(_size_probe(health_db), context(evidence_dir=tmp_path))
    assert (young.status, young.value) == (Status.PASS, "+1% so far")
    assert young.detail.startswith("only a 10m old baseline")
    path.write_text(_earlier(current, factor=2, age=timedelta(minutes=10)))
    doubled = await arun_engine(_size_probe(health_db), context(evidence_dir=tmp_path))
    assert doubled.status is Status.FAIL
    assert doubled.detail.startswith("grew +100% already")
    path.write_text(_earlier(current, factor=2, age=timedelta(days=1), server="10.0.0.9:5432"))
    foreign = await arun_engine(_size_probe(health_db), context(evidence_dir=tmp_path))
    assert (foreign.status, foreign.value[:15]) == (Status.ERROR, "no baseline yet")


@pytest.mark.parametrize(
    "fields",
    [
        {"check": "size_growth"},
        {"check": "wal_archiving", "max_growth": "< 10"},
        {"check": "long_running_queries", "max_archive_age": "1h"},
        {"check": "backup_alerts", "severity_column": "level; DROP TABLE x"},
        {"check": "vacuum"},
    ],
)
def test_spec_validation(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        spec(kind="pg_health", dsn="postgresql://x@127.0.0.1/db", **fields)
