"""Demo scenarios: which parts of the environment are out of bounds, and what the review gives."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

HEALTHY_LATENCY = (0.06, 0.17, 0.42, 0.71, 0.955, 0.993, 0.999, 0.9997, 1.0, 1.0, 1.0)
"""Cumulative share of API requests per latency bucket (`LATENCY_BUCKETS`): p95 ~ 99 ms."""
DEGRADED_LATENCY = (0.02, 0.06, 0.18, 0.39, 0.62, 0.81, 0.93, 0.985, 0.998, 1.0, 1.0)
"""The same under load: p95 ~ 680 ms."""
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Upper bounds (seconds) of the API's `http_request_duration_seconds` buckets, +Inf aside."""


class Scenario(enum.StrEnum):
    """What `gonogo demo --scenario` sets up."""

    GREEN = "green"
    """Every system within bounds: GO once the manual criteria are ticked."""
    REVIEW = "review"
    """One section out of bounds (the security headers): REVIEW, CTO approval required."""
    RED = "red"
    """Several sections out of bounds: NO-GO."""


@dataclass(frozen=True)
class Conditions:
    """The knobs of the demo environment that a scenario turns."""

    hsts_max_age: int = 31_536_000
    """`Strict-Transport-Security: max-age=...` of the web app (the seed wants >= 15552000)."""
    backup_age_hours: float = 2.0
    """Age of the last successful base backup (the seed wants < 24 h)."""
    pitr_test_age_days: float = 2.0
    """Age of the last successful PITR restore drill (the seed wants <= 7 days)."""
    failing_workflow: str | None = None
    """A workflow whose latest run on main failed; None: every run is green."""
    coverage_lines_pct: float = 96.48
    """Line coverage in the coverage summary (the seed wants >= 95)."""
    latency_profile: tuple[float, ...] = HEALTHY_LATENCY
    """Cumulative shares per `LATENCY_BUCKETS` bound for the API latency histogram."""
    error_ratio: float = 0.0006
    """Share of API requests answered 5xx (the seed wants < 1%)."""
    cpu_ratio: float = 0.38
    memory_ratio: float = 0.52
    csp_nonce: bool = True
    """Whether the web app's CSP allows scripts by a nonce (else by 'unsafe-inline')."""
    untoggleable_flag: str | None = None
    """A feature flag the flag service lists as `toggleable: false`."""
    pending_deploy: bool = False
    """Whether a run of the deployment workflow is in progress on main."""
    grafana_panels: int = 10
    """Panels of the risk dashboard (the seed wants 10)."""
    postgres_source_down: bool = False
    """Whether Grafana's PostgreSQL data source fails (its health check, or a query)."""
    firing_alert: bool = False
    """Whether Prometheus carries a seventh alerting rule that fires."""
    busy_pool_clients: int = 0
    """Clients holding a server connection of pgBouncer's pool (of 5) for the whole run."""
    size_growth_pct_per_day: float = 1.2
    """Database growth over the last day (the seed wants < 10%/day)."""
    signoff_age_days: float = 1.0
    """Age of the latest sign-off (the seed wants <= 7 days)."""
    approved: bool = True
    """Whether the validation summary says APPROVED FOR PRODUCTION."""
    pacts_age_hours: float = 3.0
    chaos_tests_age_hours: float = 5.0
    failed_tests: int = 0
    """Failed test cases in reports/junit.xml."""
    critical_test_skipped: bool = False
    """Whether a `[critical]` test case is skipped in reports/junit.xml."""
    runbook_reviewed: bool = True
    """Whether the restore runbook carries its review marker."""
    secondary_on_call: bool = True
    """Whether the on-call schedule names a secondary."""
    package_present: bool = True
    """Whether VALIDATION_AND_RESILIENCE_PACKAGE.md exists."""
    no_go_sections: tuple[str, ...] = ()
    """Sections of the shipped checklist this scenario takes out of bounds."""
    story: str = "every system within bounds"
    """One line telling the audience what to expect."""


SCENARIOS: dict[Scenario, Conditions] = {
    Scenario.GREEN: Conditions(
        story="every system within bounds: GO once the manual criteria are ticked",
    ),
    Scenario.REVIEW: Conditions(
        hsts_max_age=86_400,
        no_go_sections=("security-headers",),
        story="the web app's HSTS max-age is one day: one section NO-GO, REVIEW (CTO approval)",
    ),
    Scenario.RED: Conditions(
        hsts_max_age=86_400,
        backup_age_hours=30.0,
        failing_workflow="headers-smoke.yml",
        coverage_lines_pct=91.2,
        latency_profile=DEGRADED_LATENCY,
        error_ratio=0.024,
        cpu_ratio=0.83,
        no_go_sections=(
            "ci",
            "tests",
            "rollback",
            "security-headers",
            "database",
            "baseline-metrics",
        ),
        story="short HSTS, a 30 h old backup, a failed CI run, 91% coverage, slow API: NO-GO",
    ),
}
"""The conditions of each scenario."""


Live = Conditions | Callable[[], Conditions]
"""Conditions, or what returns the current ones (faults switched while the demo runs)."""


def current(conditions: Live) -> Conditions:
    """The conditions in force now."""
    return conditions if isinstance(conditions, Conditions) else conditions()


__all__ = [
    "DEGRADED_LATENCY",
    "HEALTHY_LATENCY",
    "LATENCY_BUCKETS",
    "SCENARIOS",
    "Conditions",
    "Live",
    "Scenario",
    "current",
]
