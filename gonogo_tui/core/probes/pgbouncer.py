"""The `pgbouncer` probe: pool utilization from pgBouncer's admin console (SHOW POOLS)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gonogo_tui.core.probes.base import ProbeSpec
from gonogo_tui.core.types import Compare, PositiveDuration


class PgBouncerProbe(ProbeSpec):
    """Reads SHOW POOLS, SHOW DATABASES and SHOW CONFIG and compares pool utilization.

    Utilization of a pool (one database/user pair) = server connections in use / pool size,
    in percent. "In use" is `sv_active`: server connections linked to a client right now.
    Idle (`sv_idle`), just-released (`sv_used`), testing and logging-in connections are
    free capacity, not load. The pool size is the database's `pool_size` from SHOW DATABASES
    (pgBouncer fills in `default_pool_size` there), or `default_pool_size` from SHOW CONFIG
    for pools without a database row. The maximum over the selected pools is compared.
    """

    kind: Literal["pgbouncer"] = "pgbouncer"
    dsn: str
    """Connection to pgBouncer, e.g. `${PGBOUNCER_URL}`; its database name is replaced by
    the admin console's (`pgbouncer`), so the application's pgBouncer URL works as it is,
    provided its user is in `admin_users` or `stats_users`. The password is redacted."""
    databases: list[str] = Field(default_factory=list)
    """Pools of these databases only; default: every pool except the console's own."""
    max_utilization: Compare | None = None
    """The expectation for the busiest pool, in percent, e.g. `< 80`."""
    include_reserve: bool = False
    """Count `reserve_pool` connections as capacity too (default: `pool_size` alone)."""
    max_waiting_clients: int | None = Field(default=None, ge=0)
    """At most this many clients waiting for a server connection (`cl_waiting`), summed."""
    connect_timeout: PositiveDuration = 5.0
    """Seconds to wait for the connection."""

    def source(self) -> str:
        scope = ", ".join(self.databases) if self.databases else "all pools"
        return f"pgbouncer SHOW POOLS ({scope})"

    def expectation(self) -> str:
        parts = []
        if self.max_utilization is not None:
            parts.append(f"max pool utilization {self.max_utilization}%")
        if self.max_waiting_clients is not None:
            parts.append(f"waiting clients <= {self.max_waiting_clients}")
        return ", ".join(parts) or "console answers"
