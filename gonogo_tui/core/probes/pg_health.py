"""The `pg_health` probe: WAL archiving, long-running queries, size growth and backup alerts."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from gonogo_tui.core.probes.base import ProbeSpec
from gonogo_tui.core.types import Compare, Duration, PositiveDuration, format_duration


class PgHealthProbe(ProbeSpec):
    """One PostgreSQL health check, chosen by `check`.

    - `wal_archiving`: `archive_mode` is on and pg_stat_archiver shows no failure since the
      last successful archive (`last_failed_time` after `last_archived_time`), and (unless
      `require_archived` is false) some segment was archived; optionally the last archive is
      at most `max_archive_age` old.
    - `long_running_queries`: sessions in pg_stat_activity that are not idle and whose
      current query (or, idle in a transaction, whose transaction) is older than
      `max_duration`; at most `max_count` of them. Sessions the role may not see (shown as
      `<insufficient privilege>`) make it an ERROR: grant `pg_monitor`.
    - `size_growth`: `pg_database_size` against the size this probe recorded in an earlier
      run's evidence, as percent per day; the first run records the size and passes.
    - `backup_alerts`: rows of `query` (default `SELECT * FROM check_backup_alerts()`) whose
      `severity_column` is one of `fail_severities`.
    """

    kind: Literal["pg_health"] = "pg_health"
    dsn: str
    """libpq connection string or URL, usually `${DATABASE_URL}`; its password is redacted."""
    check: Literal["wal_archiving", "long_running_queries", "size_growth", "backup_alerts"]
    connect_timeout: PositiveDuration = 5.0
    """Seconds to wait for the connection."""
    statement_timeout: Duration | None = None
    """Server-side limit for each query; default: the probe's timeout."""

    require_archived: bool = True
    """`wal_archiving`: a segment must have been archived since the statistics were reset
    (an archiver that never succeeded is not shown to be active)."""
    max_archive_age: Duration | None = None
    """`wal_archiving`: the last successful archive is at most this old (catches a stalled
    archiver on a busy database); default: not checked."""

    max_duration: Duration = 300.0
    """`long_running_queries`: a non-idle query running longer than this counts (default 5m)."""
    max_count: int = Field(default=0, ge=0)
    """`long_running_queries`: how many such queries are tolerated."""
    all_databases: bool = False
    """`long_running_queries`: look at every database of the cluster, not only the DSN's."""

    max_growth: Compare | None = None
    """`size_growth`: growth in percent per day, e.g. `< 10`."""
    min_baseline_age: Duration = 3600.0
    """`size_growth`: ignore recorded sizes younger than this (a short interval would
    magnify noise when scaled to a day); default 1h."""

    query: str = "SELECT * FROM check_backup_alerts()"
    """`backup_alerts`: the query listing alerts."""
    severity_column: str | None = None
    """`backup_alerts`: the column holding each alert's level; by default the first
    severity-like column the rows have (`severity`, `level`, `priority`, `status`, ...: see
    `pg_health_run.SEVERITY_NAMES`), so the query's other columns may be anything."""
    fail_severities: list[str] = Field(default_factory=lambda: ["CRITICAL", "WARNING"])
    """`backup_alerts`: levels that fail the check (compared case-insensitively)."""

    @field_validator("query")
    @classmethod
    def _query_not_empty(cls, query: str) -> str:
        if not query.strip():
            raise ValueError("the query is empty (it would list no alerts, so it would pass)")
        return query

    @model_validator(mode="after")
    def _fits_check(self) -> PgHealthProbe:
        if self.check == "size_growth" and self.max_growth is None:
            raise ValueError("check 'size_growth' needs 'max_growth', e.g. '< 10' (percent/day)")
        if self.check != "size_growth" and self.max_growth is not None:
            raise ValueError("'max_growth' belongs to check 'size_growth'")
        if self.check != "wal_archiving" and (
            self.max_archive_age is not None or not self.require_archived
        ):
            raise ValueError(
                "'max_archive_age' and 'require_archived' belong to check 'wal_archiving'"
            )
        if self.severity_column is not None and not re.fullmatch(
            r"[A-Za-z_][A-Za-z0-9_]*", self.severity_column
        ):
            raise ValueError("'severity_column' must be a plain column name")
        return self

    def source(self) -> str:
        if self.check == "wal_archiving":
            return "pg_stat_archiver"
        if self.check == "long_running_queries":
            return "pg_stat_activity"
        if self.check == "size_growth":
            return "pg_database_size(current_database())"
        return " ".join(self.query.split())

    def expectation(self) -> str:
        if self.check == "wal_archiving":
            extra = (
                f", last archive <= {format_duration(self.max_archive_age)} old"
                if self.max_archive_age is not None
                else ""
            )
            return f"archiving on, no failure since last archive{extra}"
        if self.check == "long_running_queries":
            limit = "none" if self.max_count == 0 else f"<= {self.max_count}"
            return f"{limit} non-idle > {format_duration(self.max_duration)}"
        if self.check == "size_growth":
            return f"growth {self.max_growth}%/day"
        return "no " + "/".join(self.fail_severities) + " alerts"
