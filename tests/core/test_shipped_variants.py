"""The shipped checklist accepts the common variants of what the hand-run checklist leaves
open (checklists/README.md documents each), against real files, a real HTTP server and a
real PostgreSQL; a broken variant does not pass."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gonogo_tui.core.checklist import Checklist, load_checklist
from gonogo_tui.core.engine import ProbeRunner
from gonogo_tui.core.probes.base import ProbeResult, Status
from tests.servers import HttpTestServer, PostgresServer

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "checklists" / "spark-trading.yaml"
SIGNOFF = "docs/VALIDATION_SIGNOFF_CHECKLIST.md"
SUMMARY = "FINAL_VALIDATION_RESILIENCE_SUMMARY.txt"
RUNBOOK = "scripts/runbook-db-restore.md"
ONCALL = ".github/ONCALL_SCHEDULE.md"
NOW = datetime.now(UTC)
TODAY = NOW.date().isoformat()


def _run(
    criterion_id: str,
    root: Path,
    env: dict[str, str] | None = None,
    now: datetime = NOW,
) -> ProbeResult:
    checklist = load_checklist(SHIPPED, environ=env or {})
    return asyncio.run(_run_in(checklist, criterion_id, root, now))


async def _run_in(
    checklist: Checklist, criterion_id: str, root: Path, now: datetime
) -> ProbeResult:
    runner = ProbeRunner.for_checklist(checklist, root=root, now=lambda: now, retry_backoff=0)
    try:
        return await runner.run(checklist.criterion(criterion_id))
    finally:
        await runner.aclose()


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# Sign-off ------------------------------------------------------------------------------

HEADING_SIGNOFF = f"""# Validation sign-off

Scope: release 4.2.

## Sign-off

- CTO: Dana Ito, {TODAY}
- DevOps Lead: Sam Berg, {TODAY}
- Product Owner: Lee Moss, {TODAY}

## Notes

Nothing open.
"""


@pytest.mark.parametrize(
    ("text", "passes"),
    [
        (f"Sign-off: {TODAY} by Dana Ito (CTO), Sam Berg (DevOps Lead)\n", True),
        (HEADING_SIGNOFF, True),
        (HEADING_SIGNOFF.replace("## Sign-off", "### SIGN OFF"), True),
        # Placeholders under the heading, and a date under another heading, are no sign-off.
        ("## Sign-off\n\n- CTO: ________ Date: ____-__-__\n", False),
        (f"## Sign-off\n\n- CTO: ____\n\n## Log\n\n{TODAY} deployed to staging\n", False),
        (f"Signed off: {TODAY} by Dana Ito (CTO)\n", False),
    ],
)
def test_signoff_line_or_heading_with_dated_lines(tmp_path: Path, text: str, passes: bool) -> None:
    _write(tmp_path, SUMMARY, "Status: APPROVED FOR PRODUCTION\n")
    _write(tmp_path, SIGNOFF, text)
    result = _run("artifacts-signoff", tmp_path)
    assert (result.status is Status.PASS) is passes, result.detail


@pytest.mark.parametrize(
    ("text", "age_days", "passes"),
    [
        (HEADING_SIGNOFF, 0, True),
        (HEADING_SIGNOFF, 9, False),  # the first date under the heading is too old
        (f"Sign-off: {TODAY} by Dana Ito\n", 0, True),
        ("## Sign-off\n\n- CTO: ____\n", 0, False),
    ],
)
def test_signoff_date_from_the_line_or_under_the_heading(
    tmp_path: Path, text: str, age_days: int, passes: bool
) -> None:
    _write(tmp_path, SIGNOFF, text)
    result = _run("artifacts-signoff-date", tmp_path, now=NOW + timedelta(days=age_days))
    assert (result.status is Status.PASS) is passes, result.detail


# Runbook -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("marker", "passes"),
    [
        ("Reviewed: 2026-11-20 by Ana Ruiz", True),
        ("Reviewed-by: Ana Ruiz <ana@example.com>", True),
        ("Last reviewed: 2026-11-20", True),
        ("**Last reviewed:** 2026-11-20", True),
        ("- Last reviewed on 2026-11-20 by Ana", True),
        ("Reviewed: soon", False),
        ("Reviewed-by: ____", False),
        ("Last reviewed: never", False),
        ("Review due: 2026-11-20", False),
    ],
)
def test_runbook_review_marker_in_its_usual_forms(
    tmp_path: Path, marker: str, passes: bool
) -> None:
    _write(tmp_path, RUNBOOK, f"# Database restore (PITR)\n\n1. Stop writers.\n\n{marker}\n")
    result = _run("rollback-runbook", tmp_path)
    assert (result.status is Status.PASS) is passes, result.detail


# On-call -------------------------------------------------------------------------------

WEEK_START = (NOW - timedelta(days=2)).date().isoformat()


@pytest.mark.parametrize(
    ("text", "status"),
    [
        (  # Role/Name with From/To columns
            "| Role | Name | From | To |\n|---|---|---|---|\n"
            f"| Primary | Kim Osei | {WEEK_START} | {(NOW + timedelta(days=3)).date()} |\n"
            f"| Secondary | Jo Laine | {WEEK_START} | {(NOW + timedelta(days=3)).date()} |\n",
            Status.PASS,
        ),
        (  # Role/Name without dates under a "Week of" heading
            f"# On-call\n\n## Week of {WEEK_START}\n\n| Role | Name | Contact |\n|---|---|---|\n"
            "| Primary | Kim Osei | @kim |\n| Secondary | Jo Laine | @jo |\n",
            Status.PASS,
        ),
        (  # a week heading with its own end date, a column per role
            f"**Week of {WEEK_START} to {(NOW + timedelta(days=1)).date()}**\n\n"
            "| Primary | Secondary |\n|---|---|\n| Kim Osei | Jo Laine |\n",
            Status.PASS,
        ),
        (  # last week's table only: nobody covers now
            f"## Week of {(NOW - timedelta(days=9)).date()}\n\n| Role | Name |\n|---|---|\n"
            "| Primary | Kim Osei |\n| Secondary | Jo Laine |\n",
            Status.FAIL,
        ),
        (  # no dates anywhere: cannot tell which week it is
            "| Role | Name |\n|---|---|\n| Primary | Kim Osei |\n| Secondary | Jo Laine |\n",
            Status.ERROR,
        ),
    ],
)
def test_oncall_role_name_table_dated_by_columns_or_week_heading(
    tmp_path: Path, text: str, status: Status
) -> None:
    _write(tmp_path, ONCALL, text)
    for criterion_id in ("team-oncall-primary", "team-oncall-secondary"):
        result = _run(criterion_id, tmp_path)
        assert result.status is status, (criterion_id, result.detail)


# Metrics -------------------------------------------------------------------------------

TEAM_METRICS = """\
# TYPE error_rate gauge
error_rate 0.004
# TYPE pg_pool_active gauge
pg_pool_active{pool="main"} 30
# TYPE pg_pool_max gauge
pg_pool_max{pool="main"} 100
# TYPE ws_feed_lag_seconds gauge
ws_feed_lag_seconds{feed="prices"} 2
# TYPE process_cpu_ratio gauge
process_cpu_ratio 0.35
# TYPE container_memory_ratio gauge
container_memory_ratio 0.52
"""
TEAM_NAMES = {
    "DB_CONNECTIONS_IN_USE_METRIC": "pg_pool_active",
    "DB_CONNECTIONS_CAPACITY_METRIC": "pg_pool_max",
    "WS_STALENESS_METRIC": "ws_feed_lag_seconds",
    "CPU_METRIC": "process_cpu_ratio",
    "MEMORY_METRIC": "container_memory_ratio",
}
METRIC_CRITERIA = [
    "baseline-error-rate",
    "baseline-db-connections",
    "baseline-ws-staleness",
    "baseline-cpu-memory",
]


@pytest.fixture
def team_api(http_server: HttpTestServer) -> Iterator[HttpTestServer]:
    http_server.route("GET", "/api/public/metrics.prom", body=TEAM_METRICS)
    yield http_server


def test_metric_names_the_seed_does_not_give_are_variables(
    team_api: HttpTestServer, tmp_path: Path
) -> None:
    env = {"API_URL": team_api.url, **TEAM_NAMES}
    for criterion_id in METRIC_CRITERIA:
        result = _run(criterion_id, tmp_path, env)
        assert result.status is Status.PASS, (criterion_id, result.detail)
    cpu_memory = _run("baseline-cpu-memory", tmp_path, env)
    assert "52%" in cpu_memory.value  # memory, the worse of the two series


def test_defaults_do_not_fit_a_team_with_other_names(
    team_api: HttpTestServer, tmp_path: Path
) -> None:
    env = {"API_URL": team_api.url}
    assert _run("baseline-error-rate", tmp_path, env).status is Status.PASS  # the seed's name
    for criterion_id in METRIC_CRITERIA[1:]:
        result = _run(criterion_id, tmp_path, env)
        assert result.status is Status.ERROR, (criterion_id, result.detail)


def test_cpu_or_memory_over_the_limit_fails(http_server: HttpTestServer, tmp_path: Path) -> None:
    http_server.route(
        "GET",
        "/api/public/metrics.prom",
        body=TEAM_METRICS.replace("container_memory_ratio 0.52", "container_memory_ratio 0.81"),
    )
    result = _run("baseline-cpu-memory", tmp_path, {"API_URL": http_server.url, **TEAM_NAMES})
    assert result.status is Status.FAIL and "81%" in result.detail


# PostgreSQL ----------------------------------------------------------------------------

VARIANT_DB = "gonogo_variants"


@pytest.fixture(scope="module")
def team_db(postgres: PostgresServer) -> Iterator[PostgresServer]:
    """A team's own shapes: a backup log instead of the one-row view, and an alerts
    function with its own columns."""
    postgres.create_database(VARIANT_DB)
    postgres.execute(
        "DROP TABLE IF EXISTS backups; DROP FUNCTION IF EXISTS check_backup_alerts();"
        "CREATE TABLE backups (kind text, status text, finished_at timestamptz);"
        "CREATE TABLE IF NOT EXISTS open_alerts (level text, check_name text, message text);"
        "TRUNCATE open_alerts;"
        "CREATE FUNCTION check_backup_alerts()"
        " RETURNS TABLE (level text, check_name text, message text, since timestamptz)"
        " LANGUAGE sql AS 'SELECT level, check_name, message, now() FROM open_alerts'",
        dbname=VARIANT_DB,
    )
    yield postgres


def _db_env(server: PostgresServer, **names: str) -> dict[str, str]:
    return {"DATABASE_URL": server.dsn(VARIANT_DB), **names}


def _alerts(server: PostgresServer, *rows: tuple[str, str, str]) -> None:
    server.execute("TRUNCATE open_alerts", dbname=VARIANT_DB)
    for row in rows:
        server.execute("INSERT INTO open_alerts VALUES (%s, %s, %s)", row, dbname=VARIANT_DB)


def test_backup_alerts_are_read_whatever_columns_the_function_returns(
    team_db: PostgresServer, tmp_path: Path
) -> None:
    env = _db_env(team_db)
    _alerts(team_db, ("INFO", "size_history", "no sample older than 24h"))
    passed = _run("db-backup-alerts", tmp_path, env)
    assert passed.status is Status.PASS, passed.detail
    _alerts(team_db, ("INFO", "size_history", "x"), ("warning", "backup_stale", "30h old"))
    failed = _run("db-backup-alerts", tmp_path, env)
    assert failed.status is Status.FAIL
    assert "warning: backup_stale - 30h old" in failed.detail


def test_backup_alerts_without_a_severity_like_column_say_what_the_rows_have(
    team_db: PostgresServer, tmp_path: Path
) -> None:
    team_db.execute(
        "CREATE OR REPLACE VIEW odd_alerts AS SELECT 'backup_stale'::text AS check_name,"
        " 'thirty hours'::text AS message",
        dbname=VARIANT_DB,
    )
    checklist = load_checklist(SHIPPED, environ=_db_env(team_db))
    criterion = checklist.criterion("db-backup-alerts")
    assert criterion.probe is not None
    odd = criterion.model_copy(
        update={"probe": criterion.probe.model_copy(update={"query": "SELECT * FROM odd_alerts"})}
    )
    runner = ProbeRunner.for_checklist(checklist, root=tmp_path, retry_backoff=0)
    result = asyncio.run(runner.run(odd))
    assert result.status is Status.ERROR and result.attempts == 1
    assert "no severity-like column; the rows have: message, check_name" in result.detail


def test_backup_age_from_a_backup_log_named_by_variables(
    team_db: PostgresServer, tmp_path: Path
) -> None:
    good_base = "CASE WHEN status = 'success' AND kind = 'base' THEN finished_at END"
    env = _db_env(
        team_db,
        BACKUP_STATUS_RELATION="backups",
        LAST_BACKUP_COLUMN=good_base,
        LAST_PITR_TEST_COLUMN="CASE WHEN kind = 'pitr' THEN finished_at END",
    )
    team_db.execute(
        "TRUNCATE backups; INSERT INTO backups VALUES"
        " ('base', 'success', now() - interval '30 hours'),"
        " ('base', 'success', now() - interval '2 hours'),"
        " ('base', 'failed', now() - interval '1 hour'),"
        " ('pitr', 'success', now() - interval '3 days')",
        dbname=VARIANT_DB,
    )
    assert _run("rollback-db-backup", tmp_path, env).status is Status.PASS
    assert _run("rollback-pitr-tested", tmp_path, env).status is Status.PASS
    team_db.execute(
        "DELETE FROM backups WHERE finished_at > now() - interval '24 hours'", dbname=VARIANT_DB
    )
    stale = _run("rollback-db-backup", tmp_path, env)
    assert stale.status is Status.FAIL and stale.value.startswith("30"), stale.value


def test_backup_columns_left_at_the_defaults_say_what_the_table_has(
    team_db: PostgresServer, tmp_path: Path
) -> None:
    result = _run(
        "rollback-db-backup", tmp_path, _db_env(team_db, BACKUP_STATUS_RELATION="backups")
    )
    assert result.status is Status.ERROR and result.attempts == 1
    assert "last_backup_at" in result.detail and "finished_at" in result.detail
