"""Demo flavours: the same healthy facts served in the contract's shapes, or in another team's.

`Flavour.CONTRACT` builds every system in the shapes `checklists/README.md` describes (the
shipped checklist fits it as written). `Flavour.FOREIGN` is the stack a team would build on
its own from the hand-run checklist: the same services, files and database objects, in its
own column and metric names, file layouts and server quirks. All of its differences are
here, in `Shape` (what the demo's services read) and `DIFFERENCES` (what each one is, which
criteria it meets, and what their details must name), so that tests and docs list them from
one place.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal


class Flavour(enum.StrEnum):
    """What `gonogo demo --flavour` sets up."""

    CONTRACT = "contract"
    """The shapes of the shipped checklist's target contract."""
    FOREIGN = "foreign"
    """Another team's shapes for the same facts."""


@dataclass(frozen=True)
class Shape:
    """The names and layouts the demo's systems use; the defaults are the contract's."""

    backup_columns: tuple[tuple[str, str], ...] = ()
    """`backup_status` columns renamed (contract name, this flavour's name)."""
    growth_column: str = "size_growth_pct_per_day"
    """`backup_dashboard`'s size growth column."""
    alert_columns: tuple[str, str, str] = ("severity", "alert", "detail")
    """The columns `check_backup_alerts()` returns."""
    latency_histogram: str = "http_request_duration_seconds"
    route_label: str = "route"
    error_gauge: str = "error_rate"
    connections_in_use: str = "database_connections_in_use"
    connections_capacity: str = "database_connections_capacity"
    connections_idle: str = "database_connections_idle"
    staleness_gauge: str = "websocket_staleness_seconds"
    staleness_label: str = "channel"
    utilization_gauge: str = "resource_utilization_ratio"
    csp_nonce_bytes: int = 18
    """Random bytes of the CSP nonce (base64url: 18 bytes are 24 characters)."""
    signoff_layout: Literal["line", "heading"] = "line"
    """`Sign-off: DATE by ...` lines, or a Sign-off heading followed by dated lines."""
    oncall_layout: Literal["from_to", "week_of"] = "from_to"
    """A Role/Name table with From/To columns, or one under a `Week of DATE` heading."""
    runbook_marker: Literal["reviewed", "last_reviewed"] = "reviewed"
    """`Reviewed: DATE by Name`, or `Last reviewed: DATE`."""
    coverage_format: Literal["istanbul", "coverage.py"] = "istanbul"
    """The JSON at coverage/coverage-summary.json."""
    datasource_uids: tuple[str, str] = ("spark-prometheus", "spark-postgres")
    """Grafana's Prometheus and PostgreSQL data source uids."""
    datasource_health: bool = True
    """Whether Grafana answers `GET /api/datasources/uid/{uid}/health` (else 404: the probe
    asks a trivial query through `POST /api/ds/query` instead)."""
    github_filters: bool = True
    """Whether the GitHub API applies `branch`, `status` and the workflow of the route."""
    run_numbers: bool = True
    """Whether runs carry `run_number` (an Enterprise proxy may strip it)."""
    feature_branch_runs: bool = False
    """Whether a feature branch also has newer runs (one failed, one in progress)."""

    def column(self, contract_name: str) -> str:
        """This flavour's name of a `backup_status` column."""
        return dict(self.backup_columns).get(contract_name, contract_name)


FOREIGN_BACKUP_COLUMNS = (
    ("last_backup_at", "base_backup_completed_at"),
    ("last_backup_size_bytes", "base_backup_bytes"),
    ("last_backup_location", "base_backup_location"),
    ("last_backup_run_status", "base_backup_outcome"),
    ("last_pitr_test_at", "pitr_drill_completed_at"),
    ("last_pitr_target_time", "pitr_drill_target"),
    ("last_pitr_run_status", "pitr_drill_outcome"),
)

SHAPES: dict[Flavour, Shape] = {
    Flavour.CONTRACT: Shape(),
    Flavour.FOREIGN: Shape(
        backup_columns=FOREIGN_BACKUP_COLUMNS,
        growth_column="growth_pct_per_day",
        alert_columns=("level", "code", "message"),
        latency_histogram="http_server_requests_seconds",
        route_label="uri",
        error_gauge="api_errors_ratio",
        connections_in_use="db_pool_active_connections",
        connections_capacity="db_pool_max_connections",
        connections_idle="db_pool_idle_connections",
        staleness_gauge="websocket_feed_staleness_seconds",
        staleness_label="feed",
        utilization_gauge="api_resource_usage_ratio",
        csp_nonce_bytes=12,
        signoff_layout="heading",
        oncall_layout="week_of",
        runbook_marker="last_reviewed",
        coverage_format="coverage.py",
        datasource_uids=("prom-main", "pg-backups"),
        datasource_health=False,
        github_filters=False,
        run_numbers=False,
        feature_branch_runs=True,
    ),
}
"""The shapes of each flavour."""


@dataclass(frozen=True)
class Difference:
    """One way the foreign flavour differs from the contract."""

    what: str
    contract: str
    foreign: str
    criteria: tuple[str, ...]
    """The shipped checklist's criteria that read it."""
    fit: Literal["variant", "doctor", "none"]
    """`variant`: the shipped checklist accepts both (PASS as shipped); `doctor`: not PASS as
    shipped, `gonogo doctor` prints the edit that fits it; `none`: not PASS as shipped and
    no edit fits it yet."""
    found: tuple[str, ...] = ()
    """What the detail of each criterion not passing as shipped must name (what was found)."""


DIFFERENCES: tuple[Difference, ...] = (
    Difference(
        "backup_status columns",
        "last_backup_at, last_pitr_test_at, ...",
        "base_backup_completed_at, pitr_drill_completed_at, ...",
        ("rollback-db-backup", "rollback-pitr-tested"),
        "doctor",
        ("base_backup_completed_at", "pitr_drill_completed_at"),
    ),
    Difference(
        "backup_dashboard size growth column",
        "size_growth_pct_per_day",
        "growth_pct_per_day",
        ("db-size-growth",),
        "doctor",
        ("growth_pct_per_day",),
    ),
    Difference(
        "check_backup_alerts() columns",
        "severity, alert, detail",
        "level, code, message",
        ("db-backup-alerts",),
        "variant",
    ),
    Difference(
        "API latency histogram",
        "http_request_duration_seconds{route}",
        "http_server_requests_seconds{uri}",
        ("baseline-p95-latency",),
        "doctor",
        ("http_server_requests_seconds",),
    ),
    Difference(
        "API error-rate gauge",
        "error_rate",
        "api_errors_ratio",
        ("baseline-error-rate",),
        "doctor",
        ("api_errors_ratio",),
    ),
    Difference(
        "database connection gauges",
        "database_connections_in_use / _capacity / _idle",
        "db_pool_active_connections / db_pool_max_connections / db_pool_idle_connections",
        ("baseline-db-connections",),
        "doctor",
        ("db_pool_active_connections",),
    ),
    Difference(
        "WebSocket staleness gauge",
        "websocket_staleness_seconds{channel}",
        "websocket_feed_staleness_seconds{feed}",
        ("baseline-ws-staleness",),
        "doctor",
        ("websocket_feed_staleness_seconds",),
    ),
    Difference(
        "CPU and memory gauge",
        "resource_utilization_ratio{resource}",
        "api_resource_usage_ratio{resource}",
        ("baseline-cpu-memory",),
        "doctor",
        ("api_resource_usage_ratio",),
    ),
    Difference(
        "CSP nonce",
        "24 characters",
        "16 characters (the shortest the checklist accepts)",
        ("headers-csp",),
        "variant",
    ),
    Difference(
        "sign-off layout",
        "`Sign-off: DATE by Name (Role), ...`",
        "a `## Sign-off` heading followed by `- Role: Name, DATE` lines",
        ("artifacts-signoff", "artifacts-signoff-date"),
        "variant",
    ),
    Difference(
        "on-call layout",
        "Role/Name/Contact/From/To table",
        "Role/Name/Contact table under `## Week of DATE`",
        ("team-oncall-primary", "team-oncall-secondary"),
        "variant",
    ),
    Difference(
        "runbook review marker",
        "`Reviewed: DATE by Name`",
        "`Last reviewed: DATE`",
        ("rollback-runbook",),
        "variant",
    ),
    Difference(
        "coverage summary",
        "istanbul json-summary",
        "coverage.py JSON (`totals.percent_covered`)",
        ("tests-coverage",),
        "variant",
    ),
    Difference(
        "Grafana data source uids",
        "spark-prometheus, spark-postgres",
        "prom-main, pg-backups",
        ("monitoring-panels",),
        "doctor",
        ("prom-main", "pg-backups"),
    ),
    Difference(
        "Grafana data source health route",
        "`GET /api/datasources/uid/{uid}/health`",
        "404 (no such route); `POST /api/ds/query` answers",
        ("monitoring-panels",),
        "variant",
    ),
    Difference(
        "GitHub run listings",
        "filtered by branch, status and the route's workflow",
        "unfiltered: every run of every workflow and branch",
        ("ci-contract-chaos", "ci-headers-smoke", "ci-database-drift", "ci-test-workflow",
         "ci-no-pending-failed", "team-no-conflicts"),
        "variant",
    ),
    Difference(
        "GitHub runs on a feature branch",
        "none",
        "a newer failed run and a newer running one on feature/fx-limits",
        ("ci-contract-chaos", "ci-headers-smoke", "ci-no-pending-failed"),
        "variant",
    ),
    Difference(
        "GitHub run numbers",
        "`run_number` on every run",
        "no `run_number` (shown as the run id)",
        ("ci-no-pending-failed",),
        "variant",
    ),
)  # fmt: skip
"""Every difference of `Flavour.FOREIGN` from the contract."""


__all__ = ["DIFFERENCES", "SHAPES", "Difference", "Flavour", "Shape"]
