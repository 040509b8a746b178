"""Runs the `pg_health` checks with psycopg's async API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.probes._ops import age_text, fmt_number, plural
from gonogo_tui.core.probes.base import Observation, ProbeContext, iso_utc, one_line, parse_iso
from gonogo_tui.core.probes.confined import Confinement, Stop, glob_paths, in_thread
from gonogo_tui.core.probes.pg_found import columns_lacking, describe_missing
from gonogo_tui.core.probes.pg_health import PgHealthProbe
from gonogo_tui.core.redaction import Redactor
from gonogo_tui.core.types import format_duration

if TYPE_CHECKING:
    import psycopg

MAX_EVIDENCE_FILE_BYTES = 32 * 1024 * 1024
"""Evidence files larger than this are not searched for earlier sizes."""


async def run_pg_health_probe(spec: PgHealthProbe, ctx: ProbeContext) -> Observation:
    """Connect, run the chosen check, close.

    Raises:
        ProbeError: a contract object is missing or an answer is unusable.
    """
    import psycopg
    from psycopg.rows import dict_row

    connection = await psycopg.AsyncConnection.connect(
        spec.dsn,
        connect_timeout=max(1, round(spec.connect_timeout)),
        autocommit=True,
        row_factory=dict_row,
    )
    try:
        limit_ms = round(1000 * (spec.statement_timeout or ctx.timeout))
        await connection.execute(
            "SELECT set_config('statement_timeout', %s, false)", [f"{limit_ms}ms"]
        )
        if spec.check == "wal_archiving":
            return await _wal_archiving(spec, ctx, connection)
        if spec.check == "long_running_queries":
            return await _long_running(spec, connection)
        if spec.check == "size_growth":
            return await _size_growth(spec, ctx, connection)
        return await _backup_alerts(spec, connection, ctx.redactor)
    finally:
        await connection.close()


async def _fetch(
    connection: psycopg.AsyncConnection[dict[str, Any]],
    query: str,
    params: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    cursor = await connection.execute(query, params)
    return await cursor.fetchall() if cursor.description is not None else []


_ARCHIVER_SQL = """
SELECT current_setting('archive_mode') AS archive_mode,
       archived_count, last_archived_wal, last_archived_time,
       failed_count, last_failed_wal, last_failed_time, now() AS now
FROM pg_stat_archiver
"""


async def _wal_archiving(
    spec: PgHealthProbe, ctx: ProbeContext, connection: psycopg.AsyncConnection[dict[str, Any]]
) -> Observation:
    rows = await _fetch(connection, _ARCHIVER_SQL)
    if not rows:
        raise ProbeError("pg_stat_archiver returned no row")
    row = rows[0]
    output = json.dumps(row, default=str, indent=1)
    now: datetime = row["now"]
    archived: datetime | None = row["last_archived_time"]
    failed: datetime | None = row["last_failed_time"]
    if row["archive_mode"] == "off":
        return Observation(
            False, "archiving off", "archive_mode is off: WAL is not archived", output
        )
    if failed is not None and (archived is None or failed > archived):
        since = "" if archived is None else f"; last success {age_text(now, archived)}"
        return Observation(
            False,
            f"failing ({row['failed_count']} failures)",
            f"archiving {row['last_failed_wal']} failed {age_text(now, failed)}{since}",
            output,
        )
    if archived is None:
        if spec.require_archived:
            return Observation(
                False,
                "nothing archived",
                "archive_mode is on but no WAL segment has been archived since the statistics "
                "were reset",
                output,
            )
        return Observation(True, "ok, nothing archived yet", "no archive attempt failed", output)
    if spec.max_archive_age is not None and now - archived > timedelta(
        seconds=spec.max_archive_age
    ):
        return Observation(
            False,
            f"stalled, last {age_text(now, archived)}",
            f"last WAL archived {age_text(now, archived)} ({row['last_archived_wal']}), "
            f"expected within {format_duration(spec.max_archive_age)}",
            output,
        )
    note = f"{row['archived_count']} archived, last {age_text(now, archived)}"
    if failed is not None:
        note += f"; last failure {age_text(now, failed)} was followed by a success"
    return Observation(True, f"ok, last {age_text(now, archived)}", note, output)


_HIDDEN_SQL = """
SELECT count(*) AS sessions FROM pg_stat_activity
WHERE query = '<insufficient privilege>' AND pid <> pg_backend_pid()
  AND (%(all)s OR datname = current_database())
"""

_ACTIVITY_SQL = """
SELECT pid, usename, datname, state, application_name,
       EXTRACT(EPOCH FROM now() - started)::float8 AS seconds,
       left(query, 300) AS query
FROM (
  SELECT *, CASE WHEN state = 'active' THEN query_start ELSE xact_start END AS started
  FROM pg_stat_activity
  WHERE state IS NOT NULL AND state NOT IN ('idle', 'disabled')
    AND backend_type = 'client backend' AND pid <> pg_backend_pid()
    AND (%(all)s OR datname = current_database())
) AS sessions
WHERE now() - started > make_interval(secs => %(limit)s)
ORDER BY seconds DESC
"""


async def _long_running(
    spec: PgHealthProbe, connection: psycopg.AsyncConnection[dict[str, Any]]
) -> Observation:
    hidden = await _fetch(connection, _HIDDEN_SQL, {"all": spec.all_databases})
    if hidden and hidden[0]["sessions"]:
        raise ProbeError(
            f"{plural(int(hidden[0]['sessions']), 'session')} of other roles hidden from this "
            "role (<insufficient privilege>): GRANT pg_monitor to it"
        )
    rows = await _fetch(
        connection, _ACTIVITY_SQL, {"all": spec.all_databases, "limit": spec.max_duration}
    )
    output = "\n".join(
        f"pid {r['pid']} {r['usename']}@{r['datname']} {r['state']} "
        f"{format_duration(r['seconds'])}: {one_line(r['query'] or '', 300)}"
        for r in rows
    )
    over = f"over {format_duration(spec.max_duration)}"
    if len(rows) <= spec.max_count:
        return Observation(
            True, f"{len(rows)} {over}", f"{plural(len(rows), 'query', 'queries')} {over}", output
        )
    shown = ", ".join(
        f"pid {r['pid']} ({r['application_name'] or r['usename']}, {r['state']}, "
        f"{format_duration(r['seconds'])})"
        for r in rows[:3]
    )
    more = f" and {len(rows) - 3} more" if len(rows) > 3 else ""
    return Observation(
        False,
        f"{len(rows)} {over}",
        f"{plural(len(rows), 'query', 'queries')} {over}: {shown}{more}",
        output,
    )


@dataclass(frozen=True)
class SizeRecord:
    """A database size measured at some time, as kept in evidence."""

    server: str
    database: str
    bytes: int
    measured_at: datetime

    def to_json(self) -> str:
        """The artifact text."""
        return json.dumps(
            {
                "server": self.server,
                "database": self.database,
                "bytes": self.bytes,
                "measured_at": iso_utc(self.measured_at),
            },
            indent=1,
            sort_keys=True,
        )


def size_artifact_name(database: str) -> str:
    """The evidence name of a database's size record."""
    safe = "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in database)
    return f"db_size_{safe}.json"


async def _size_growth(
    spec: PgHealthProbe, ctx: ProbeContext, connection: psycopg.AsyncConnection[dict[str, Any]]
) -> Observation:
    assert spec.max_growth is not None
    rows = await _fetch(
        connection,
        "SELECT current_database() AS db, pg_database_size(current_database()) AS bytes,"
        " coalesce(inet_server_addr()::text, 'local') || ':' || current_setting('port') AS server",
    )
    row = rows[0]
    now = ctx.now()
    current = SizeRecord(str(row["server"]), str(row["db"]), int(row["bytes"]), now)
    name = size_artifact_name(current.database)
    artifacts = {name: current.to_json()}
    evidence_dir = ctx.evidence_dir
    earlier = await in_thread(
        ctx, lambda stop: find_size_records(evidence_dir, name, current, stop=stop)
    )
    earlier = [r for r in earlier if r.measured_at < now and r.bytes > 0]
    old_enough = [
        r for r in earlier if (now - r.measured_at).total_seconds() >= spec.min_baseline_age
    ]
    size = human_bytes(current.bytes)
    if old_enough:
        baseline = max(old_enough, key=lambda r: r.measured_at)
        days = (now - baseline.measured_at).total_seconds() / 86400
        growth = (current.bytes - baseline.bytes) / baseline.bytes * 100 / days
        ok = spec.max_growth.holds(growth)
        text = (
            f"{human_bytes(baseline.bytes)} -> {size} since {age_text(now, baseline.measured_at)}"
        )
        detail = text if ok else f"{_signed(growth)}%/day is not {spec.max_growth}: {text}"
        return Observation(ok, f"{_signed(growth)}%/day", detail, baseline.to_json(), artifacts)
    if earlier:
        # Too recent to scale to a day; the growth so far is a lower bound for today's.
        baseline = max(earlier, key=lambda r: r.measured_at)
        growth = (current.bytes - baseline.bytes) / baseline.bytes * 100
        held = spec.max_growth.holds(growth)
        text = (
            f"only a {format_duration((now - baseline.measured_at).total_seconds())} old "
            f"baseline ({human_bytes(baseline.bytes)} -> {size}, {_signed(growth)}%)"
        )
        value = f"{_signed(growth)}% so far"
        if not held:
            return Observation(
                False, value, f"grew {_signed(growth)}% already: {text}", "", artifacts
            )
        return Observation(True, value, text, baseline.to_json(), artifacts)
    where = "no evidence folder" if ctx.evidence_dir is None else "no earlier size in evidence"
    # Growth needs two sizes: a first run has no data to judge, so it is never a pass.
    return Observation(
        False,
        f"no baseline yet ({size})",
        f"no data: {where} to compare with; {size} recorded as {name}, the baseline for "
        "the next run (`check --record` or a finalized review keeps it)",
        "",
        artifacts,
        measured=False,
    )


def find_size_records(
    evidence_dir: Path | None, name: str, current: SizeRecord, *, stop: Stop | None = None
) -> list[SizeRecord]:
    """Earlier size records of the same server and database in an evidence folder.

    Looks at files named `name` anywhere below the folder and at JSON records (up to two
    levels deep) whose results carry an artifact of that name. The walk checks `stop` at
    every entry, so a probe's deadline bounds it however big the folder is.
    """
    if evidence_dir is None or not evidence_dir.is_dir():
        return []
    stop = stop or Stop()
    # The evidence folder is the operator's (--evidence-dir), not the checklist's: where its
    # links may lead is the evidence code's concern, not a probe root's.
    anywhere = Confinement(evidence_dir, True, str(evidence_dir))
    found: list[SizeRecord] = []
    texts: list[str] = []
    start = str(evidence_dir)
    for named in glob_paths(start, ["**", name], anywhere, stop, hidden=True):
        texts.extend(_small_text(Path(named)))
    for pattern in (["*.json"], ["*", "*.json"]):
        for match in glob_paths(start, pattern, anywhere, stop, hidden=True):
            path = Path(match)
            if path.name == name:
                continue
            for text in _small_text(path):
                if name not in text:
                    continue
                try:
                    texts.extend(_artifacts_named(json.loads(text), name))
                except (json.JSONDecodeError, RecursionError):
                    continue
    for text in texts:
        record = _parse_record(text)
        if record and record.database == current.database and record.server == current.server:
            found.append(record)
    return found


def _small_text(path: Path) -> list[str]:
    try:
        if not path.is_file() or path.stat().st_size > MAX_EVIDENCE_FILE_BYTES:
            return []
        return [path.read_text(encoding="utf-8")]
    except (OSError, UnicodeDecodeError):
        return []


def _artifacts_named(document: Any, name: str) -> Iterator[str]:
    if isinstance(document, dict):
        artifacts = document.get("artifacts")
        if isinstance(artifacts, dict) and isinstance(artifacts.get(name), str):
            yield artifacts[name]
        for value in document.values():
            yield from _artifacts_named(value, name)
    elif isinstance(document, list):
        for item in document:
            yield from _artifacts_named(item, name)


def _parse_record(text: str) -> SizeRecord | None:
    try:
        data = json.loads(text)
        return SizeRecord(
            server=str(data["server"]),
            database=str(data["database"]),
            bytes=int(data["bytes"]),
            measured_at=parse_iso(str(data["measured_at"])),
        )
    except (json.JSONDecodeError, KeyError, TypeError, ValueError):
        return None


def human_bytes(count: float) -> str:
    """`8.2 MB`, `1.4 GB` (powers of 1024)."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(count) < 1024 or unit == "TB":
            return f"{fmt_number(count)} {unit}" if unit != "B" else f"{int(count)} B"
        count /= 1024
    return f"{count} TB"


def _signed(value: float) -> str:
    return ("+" if value >= 0 else "") + fmt_number(value)


async def _backup_alerts(
    spec: PgHealthProbe, connection: psycopg.AsyncConnection[dict[str, Any]], redact: Redactor
) -> Observation:
    import psycopg

    try:
        rows = await _fetch(connection, spec.query)
    except (
        psycopg.errors.UndefinedFunction,
        psycopg.errors.UndefinedTable,
        psycopg.errors.UndefinedColumn,
    ) as exc:
        said = redact.excerpt(str(exc).strip().splitlines()[0], 120)
        found = await describe_missing(connection, spec.query, said)
        has = f"; {redact.excerpt(found.short, 240)}" if found is not None else ""
        raise ProbeError(
            f"backup alerts: {said}{has} (see the checklist's target contract)",
            output=redact(found.full) if found is not None else "",
            suggestions=(found.suggestion("query"),) if found is not None else (),
        ) from None
    levels = {level.upper() for level in spec.fail_severities}
    column = spec.severity_column or (_severity_like(rows, levels) if rows else "severity")
    if rows and column not in rows[0]:
        lacking = columns_lacking(column, rows[0])
        which = f"no column {column!r}" if spec.severity_column else "no severity-like column"
        raise ProbeError(
            f"backup alerts: the query has {which}; {redact.excerpt(lacking.short, 240)}",
            output=redact(lacking.full),
            suggestions=(lacking.suggestion("severity_column"),),
        )
    failing = [r for r in rows if str(r[column] or "").upper() in levels]
    output = "\n".join(json.dumps(r, default=str, sort_keys=True) for r in rows)
    counts: dict[str, int] = {}
    for row in failing:
        level = str(row[column]).upper()
        counts[level] = counts.get(level, 0) + 1
    if not failing:
        others = f" ({len(rows)} below {'/'.join(sorted(levels))})" if rows else ""
        return Observation(
            True, "0 alerts", f"no {'/'.join(sorted(levels))} alerts{others}", output
        )
    summary = ", ".join(f"{n} {level}" for level, n in sorted(counts.items()))
    shown = "; ".join(_describe_alert(row, column) for row in failing[:3])
    more = f"; and {len(failing) - 3} more" if len(failing) > 3 else ""
    return Observation(
        False, f"{plural(len(failing), 'alert')} ({summary})", f"{shown}{more}", output
    )


SEVERITY_NAMES = ("severity", "level", "alert_level", "severity_level", "priority", "status")
"""Column names that hold an alert's level, in order of preference (any case)."""
_KNOWN_LEVELS = {"CRITICAL", "WARNING", "WARN", "ERROR", "INFO", "NOTICE", "OK", "DEBUG"}


def _severity_like(rows: list[dict[str, Any]], levels: set[str]) -> str:
    """The column of `rows` that holds each alert's level: a name in `SEVERITY_NAMES` (or
    one containing `sever` or `level`), else the first column where a row says a level;
    `severity` (reported missing) when none does."""
    columns = list(rows[0])
    by_name = {name.lower(): name for name in columns}
    for wanted in SEVERITY_NAMES:
        if wanted in by_name:
            return by_name[wanted]
    for name in columns:
        if "sever" in name.lower() or "level" in name.lower():
            return name
    for name in columns:
        if any(str(row[name] or "").upper() in levels | _KNOWN_LEVELS for row in rows):
            return name
    return "severity"


def _describe_alert(row: dict[str, Any], severity_column: str) -> str:
    rest = [
        str(value) for key, value in row.items() if key != severity_column and value is not None
    ]
    return one_line(f"{row[severity_column]}: {' - '.join(rest)}", 160)


__all__ = [
    "SizeRecord",
    "find_size_records",
    "human_bytes",
    "run_pg_health_probe",
    "size_artifact_name",
]
