"""Runs the `pgbouncer` probe over the admin console (psycopg, autocommit, simple protocol)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.probes._ops import fmt_number, plural
from gonogo_tui.core.probes.base import Observation, ProbeContext
from gonogo_tui.core.probes.pgbouncer import PgBouncerProbe

CONSOLE_DB = "pgbouncer"
"""The admin console's pseudo-database."""


@dataclass(frozen=True)
class PoolUse:
    """One pool's load."""

    database: str
    user: str
    in_use: int
    """`sv_active`: server connections linked to a client."""
    capacity: int
    """`pool_size` (plus `reserve_pool` when asked)."""
    waiting: int
    """`cl_waiting`: clients queued for a server connection."""

    @property
    def percent(self) -> float:
        """Utilization in percent."""
        return 100.0 * self.in_use / self.capacity if self.capacity else 0.0


async def run_pgbouncer_probe(spec: PgBouncerProbe, ctx: ProbeContext) -> Observation:
    """Read the console and compare the busiest pool.

    Raises:
        ProbeError: the console is unusable or reports no matching pool.
    """
    pools, databases, config = await _read_console(spec, ctx)
    configured = {str(row.get("name")) for row in databases}
    unknown = [name for name in spec.databases if name not in configured and "*" not in configured]
    if unknown:
        raise ProbeError(f"pgBouncer has no database {', '.join(unknown)}")
    uses = pool_uses(spec, pools, databases, config)
    if not uses:
        # Pools appear with their first client: none yet is no load to judge, not 0 %.
        which = f" for {', '.join(spec.databases)}" if spec.databases else ""
        return Observation(
            False,
            "no pools",
            f"no data: SHOW POOLS lists no pool{which}: no client has connected yet",
            measured=False,
        )
    busiest = max(uses, key=lambda use: use.percent)
    waiting = sum(use.waiting for use in uses)
    value = f"{fmt_number(busiest.percent)}% max ({busiest.database}/{busiest.user})"
    problems = []
    if spec.max_utilization is not None and not spec.max_utilization.holds(busiest.percent):
        problems.append(
            f"pool {busiest.database}/{busiest.user} at {fmt_number(busiest.percent)}% "
            f"({busiest.in_use}/{busiest.capacity} server connections active), "
            f"expected {spec.max_utilization}%"
        )
    if spec.max_waiting_clients is not None and waiting > spec.max_waiting_clients:
        problems.append(
            f"{plural(waiting, 'client')} waiting for a server connection, "
            f"expected <= {spec.max_waiting_clients}"
        )
    if waiting:
        value += f", {waiting} waiting"
    detail = "; ".join(problems) or (
        f"{plural(len(uses), 'pool')}; busiest {busiest.database}/{busiest.user} "
        f"{busiest.in_use}/{busiest.capacity} active"
    )
    output = "database\tuser\tsv_active\tcapacity\tutilization\tcl_waiting\n" + "\n".join(
        f"{u.database}\t{u.user}\t{u.in_use}\t{u.capacity}\t{fmt_number(u.percent)}%\t{u.waiting}"
        for u in sorted(uses, key=lambda use: (use.database, use.user))
    )
    return Observation(ok=not problems, value=value, detail=detail, output=output)


def pool_uses(
    spec: PgBouncerProbe,
    pools: list[dict[str, Any]],
    databases: list[dict[str, Any]],
    config: dict[str, str],
) -> list[PoolUse]:
    """Each selected pool's load, from the rows of SHOW POOLS, SHOW DATABASES and SHOW CONFIG.

    Raises:
        ProbeError: a row lacks the columns this probe reads.
    """
    sizes = {str(row.get("name")): row for row in databases}
    default_size = _int(config.get("default_pool_size", "0"), "default_pool_size")
    default_reserve = _int(config.get("reserve_pool_size", "0"), "reserve_pool_size")
    uses = []
    for row in pools:
        database = str(row.get("database"))
        if database == CONSOLE_DB or (spec.databases and database not in spec.databases):
            continue
        db_row = sizes.get(database)
        size = _int(db_row.get("pool_size"), "pool_size") if db_row else default_size
        reserve = _int(db_row.get("reserve_pool"), "reserve_pool") if db_row else default_reserve
        capacity = size + (reserve if spec.include_reserve else 0)
        uses.append(
            PoolUse(
                database=database,
                user=str(row.get("user")),
                in_use=_int(row.get("sv_active"), "sv_active"),
                capacity=capacity,
                waiting=_int(row.get("cl_waiting"), "cl_waiting"),
            )
        )
    return uses


async def _read_console(
    spec: PgBouncerProbe, ctx: ProbeContext
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, str]]:
    import psycopg
    from psycopg.conninfo import make_conninfo
    from psycopg.rows import dict_row

    conninfo = make_conninfo(
        spec.dsn, dbname=CONSOLE_DB, connect_timeout=max(1, round(spec.connect_timeout))
    )
    # The console speaks only the simple query protocol and rejects BEGIN: autocommit,
    # no prepared statements, and a client-side-binding cursor.
    connection = await psycopg.AsyncConnection.connect(
        conninfo,
        autocommit=True,
        prepare_threshold=None,
        cursor_factory=psycopg.AsyncClientCursor,
    )
    try:
        async with connection.cursor(row_factory=dict_row) as cursor:
            await cursor.execute("SHOW POOLS")
            pools = await cursor.fetchall()
            await cursor.execute("SHOW DATABASES")
            databases = await cursor.fetchall()
            await cursor.execute("SHOW CONFIG")
            config = {str(row["key"]): str(row["value"]) for row in await cursor.fetchall()}
    finally:
        await connection.close()
    return pools, databases, config


def _int(raw: object, column: str) -> int:
    if raw is None:
        return 0
    try:
        return int(str(raw))
    except ValueError:
        raise ProbeError(f"pgBouncer column {column} = {str(raw)[:20]!r} is not a number") from None


__all__ = ["PoolUse", "pool_uses", "run_pgbouncer_probe"]
