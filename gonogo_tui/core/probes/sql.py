"""The `sql` probe: a PostgreSQL query through psycopg's async API, its rows checked."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from gonogo_tui.core.probes.base import ProbeSpec, StrictModel
from gonogo_tui.core.types import Compare, Duration, PositiveDuration


class ColumnCheck(StrictModel):
    """A column of the result compared, in the first row or in every row."""

    column: str | int = 0
    """Column name, or 0-based index."""
    compare: Compare
    rows: Literal["first", "all"] = "first"
    """Check the first row only, or every row (an empty result then passes)."""


class SqlProbe(ProbeSpec):
    """Runs one query with a connect timeout and a server-side statement timeout."""

    kind: Literal["sql"] = "sql"
    dsn: str
    """libpq connection string or URL, usually `${DATABASE_URL}`; its password is redacted."""
    query: str
    """One statement."""
    connect_timeout: PositiveDuration = 5.0
    """Seconds to wait for the connection."""
    statement_timeout: Duration | None = None
    """Server-side limit for the query; default: the probe's timeout."""
    rows: Compare | None = None
    """Expected row count, e.g. `== 0` (no rows) or `>= 1`."""
    value: ColumnCheck | None = None
    """A column compared."""
    values: list[ColumnCheck] = Field(
        default_factory=list,
        description="Several columns compared, e.g. [{column: age_s, compare: '< 600'},"
        " {column: status, compare: '== done'}]: all must hold; the detail names each"
        " column with its measured value. Checked after 'value' when both are given.",
    )

    @property
    def column_checks(self) -> list[ColumnCheck]:
        """`value` then `values`: every column check, in the order they run."""
        return ([self.value] if self.value is not None else []) + list(self.values)

    @field_validator("query")
    @classmethod
    def _not_empty(cls, query: str) -> str:
        if not query.strip():
            raise ValueError("the query is empty (an empty query runs nothing, so it would pass)")
        return query

    def source(self) -> str:
        return " ".join(self.query.split())

    def expectation(self) -> str:
        parts = []
        if self.rows is not None:
            parts.append(f"rows {self.rows}")
        parts.extend(f"{check.column} {check.compare}" for check in self.column_checks)
        return ", ".join(parts) or "query succeeds"
