"""The `oncall` probe: the on-call schedule names a primary and a secondary on duty now."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator

from gonogo_tui.core.probes.base import StrictModel
from gonogo_tui.core.probes.reads_files import ReadsFiles
from gonogo_tui.core.probes.window import TimeZoneName
from gonogo_tui.core.types import Duration, format_duration


class OnCallColumns(StrictModel):
    """The header of each markdown column, where the schedule names it in its own words
    (`| Rota | Engineer | Starts |`): matched whole, case-insensitive. A column left out is
    found by its usual names."""

    start: str | None = Field(
        default=None,
        min_length=1,
        description="Header of the start column (usually Start, From, or a header with a"
        " start word such as 'Week starting').",
    )
    end: str | None = Field(
        default=None,
        min_length=1,
        description="Header of the end column (usually End, To, Until).",
    )
    role: str | None = Field(
        default=None,
        min_length=1,
        description="Header of the column naming each row's role (usually Role), e.g. Rota.",
    )
    name: str | None = Field(
        default=None,
        min_length=1,
        description="Header of the column naming each row's person (usually Name, Who,"
        " Person, Engineer, On-call).",
    )


class OnCallProbe(ReadsFiles):
    """Reads an on-call schedule and finds the shift covering the run's clock.

    Markdown: the first table whose header has a start column (`Start`/`From`), an end
    column (`End`/`To`/`Until`) and either one column per role (`Primary`, `Secondary`;
    one shift per row) or `Role` and `Name` columns (one person in one role per row).
    YAML: `{timezone: ..., shifts: [{start, end, primary, secondary}]}`.
    Times are `YYYY-MM-DD HH:MM` (or ISO 8601 with an offset) in the schedule's time zone
    (a `Timezone: Europe/Istanbul` line in markdown, `timezone:` in YAML, else the probe's
    `timezone`). A start is inclusive and an end exclusive; a date alone as the end
    covers that whole day. Where rows overlap, the last one naming a role wins, so
    overrides go at the bottom. Empty cells and `-`, `TBD`, `TBA`, `?`, `n/a` name nobody.
    Without an end column (or `end` in no YAML shift), a rotation: each shift runs until
    the next row's start (`| Week starting | Primary | Secondary |`).
    """

    kind: Literal["oncall"] = "oncall"
    start_tier: ClassVar[int] = 2
    path: str
    """The schedule, e.g. `.github/ONCALL_SCHEDULE.md` (or a `.yaml`)."""
    format: Literal["auto", "markdown", "yaml"] = "auto"
    """`auto` picks YAML for `.yaml`/`.yml` files, markdown otherwise."""
    timezone: TimeZoneName = "UTC"
    """Zone of times without an offset, unless the schedule names its own."""
    roles: list[str] = Field(default_factory=lambda: ["primary", "secondary"], min_length=1)
    """Roles that must each name someone on duty now (column names, case-insensitive)."""
    columns: OnCallColumns = Field(
        default_factory=OnCallColumns,
        description="Markdown header names of the start, end, role and name columns, when"
        " the schedule's own differ from the usual ones, e.g. {role: Rota, name: Engineer};"
        " a column named here is found by that header only (whole, case-insensitive).",
    )
    distinct: bool = True
    """The roles must name different people."""
    covered_for: Duration = 0.0
    """The shift must last at least this long from now (the deployment and its watch)."""

    @field_validator("roles")
    @classmethod
    def _lower_roles(cls, roles: list[str]) -> list[str]:
        lowered = [role.strip().lower() for role in roles]
        if "" in lowered:
            raise ValueError("a role name is empty")
        repeated = sorted({role for role in lowered if lowered.count(role) > 1})
        if repeated:
            # `distinct` could never fail between a role and itself.
            raise ValueError(f"role {repeated[0]!r} is listed twice (roles are case-insensitive)")
        return lowered

    def source(self) -> str:
        return self.path

    def expectation(self) -> str:
        cover = f" for {format_duration(self.covered_for)}" if self.covered_for else ""
        people = "distinct " if self.distinct and len(self.roles) > 1 else ""
        return f"{people}{' and '.join(self.roles)} on duty now{cover}"
