"""The shipped checklist against its target contract: the examples in `checklists/README.md`
pass its regexes, commands and JSON paths, and near misses fail them."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from gonogo_tui.core.checklist import Checklist, load_checklist
from gonogo_tui.core.probes import (
    CommandProbe,
    CoverageProbe,
    FileProbe,
    GithubRunsProbe,
    GrafanaDashboardProbe,
    HttpProbe,
    JunitProbe,
    MetricsProbe,
    OnCallProbe,
    PgBouncerProbe,
    PgHealthProbe,
    PrometheusProbe,
    SqlProbe,
    WindowProbe,
)
from gonogo_tui.core.probes.base import Observation, ProbeContext
from gonogo_tui.core.probes.metrics_parse import Exposition
from gonogo_tui.core.probes.metrics_run import measure, measure_several, parse_samples
from tests.readme_examples import readme_example

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "checklists" / "spark-trading.yaml"
README = REPO / "checklists" / "README.md"
CONTRACT_SQL = REPO / "checklists" / "contract" / "spark_trading.sql"

SUMMARY = "FINAL_VALIDATION_RESILIENCE_SUMMARY.txt"
PACKAGE = "VALIDATION_AND_RESILIENCE_PACKAGE.md"
SIGNOFF = "docs/VALIDATION_SIGNOFF_CHECKLIST.md"


@pytest.fixture(scope="module")
def shipped() -> Checklist:
    return load_checklist(SHIPPED, environ={})


@pytest.fixture(scope="module")
def readme() -> str:
    return README.read_text(encoding="utf-8")


P = TypeVar("P")


def _probe(checklist: Checklist, criterion_id: str, kind: type[P]) -> P:
    probe = checklist.criterion(criterion_id).probe
    assert isinstance(probe, kind), f"{criterion_id} is not a {kind.__name__}"
    return probe


def _contains_all(probe: FileProbe, text: str) -> bool:
    return all(re.search(pattern, text, re.M) for pattern in probe.contains)


def _run(probe: CommandProbe, cwd: Path) -> subprocess.CompletedProcess[str]:
    argv = ["/bin/sh", "-c", probe.command] if isinstance(probe.command, str) else probe.command
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=10, check=False)


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# Artifacts ---------------------------------------------------------------------------


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    _write(tmp_path, SUMMARY, "Resilience validation\nStatus: APPROVED FOR PRODUCTION\n")
    _write(tmp_path, PACKAGE, "# Package\n")
    _write(tmp_path, SIGNOFF, "# Sign-off\n\n" + readme_example("### The sign-off line", "text"))
    return tmp_path


def test_artifacts_files_command_needs_all_three_files(shipped: Checklist, artifacts: Path) -> None:
    probe = _probe(shipped, "artifacts-files", CommandProbe)
    assert _run(probe, artifacts).returncode == probe.exit_code
    (artifacts / PACKAGE).unlink()
    missing = _run(probe, artifacts)
    assert missing.returncode != probe.exit_code
    assert PACKAGE in missing.stderr


def test_artifacts_signoff_command_passes_the_documented_files(
    shipped: Checklist, artifacts: Path
) -> None:
    probe = _probe(shipped, "artifacts-signoff", CommandProbe)
    assert probe.shell
    result = _run(probe, artifacts)
    assert result.returncode == probe.exit_code, result.stderr


@pytest.mark.parametrize(
    ("relative", "text", "complaint"),
    [
        (SUMMARY, "Status: PENDING APPROVAL\n", "no APPROVED FOR PRODUCTION"),
        (SIGNOFF, "Sign-off: ____________\n", "no completed Sign-off line"),
        (SIGNOFF, "Sign-off: 2026-11-24 by ____\n", "no completed Sign-off line"),
        (SIGNOFF, "Signed off: 2026-11-24 by Dana Ito (CTO)\n", "no completed Sign-off line"),
    ],
)
def test_artifacts_signoff_command_fails_an_incomplete_signoff(
    shipped: Checklist, artifacts: Path, relative: str, text: str, complaint: str
) -> None:
    _write(artifacts, relative, text)
    result = _run(_probe(shipped, "artifacts-signoff", CommandProbe), artifacts)
    assert result.returncode == 1
    assert complaint in result.stderr


def test_signoff_date_regex_reads_the_first_signoff_date(shipped: Checklist) -> None:
    probe = _probe(shipped, "artifacts-signoff-date", FileProbe)
    assert probe.date_regex is not None and probe.date_format is not None
    assert probe.max_age == 7 * 86400
    text = readme_example("### The sign-off line", "text")
    text += "Sign-off: 2025-01-01 by Old Approver (CTO)\n"
    match = re.search(probe.date_regex, "# Sign-off\n\n" + text)
    assert match is not None and match.group(1) == "2026-11-24"
    assert datetime.strptime(match.group(1), probe.date_format).day == 24
    assert re.search(probe.date_regex, "Sign-off: ____\n") is None


# Tests and coverage -------------------------------------------------------------------


def _observe(probe: Any, root: Path, now: datetime | None = None) -> Observation:
    """Run a file-reading probe of the shipped checklist against files under `root`."""
    clock = now or datetime.now(UTC)
    return asyncio.run(probe.run(ProbeContext(root=root, now=lambda: clock)))


def test_coverage_reads_total_lines_of_the_summary_json(shipped: Checklist, tmp_path: Path) -> None:
    probe = _probe(shipped, "tests-coverage", CoverageProbe)
    assert probe.path == "coverage/coverage-summary.json" and probe.max_age == 24 * 3600
    summary = readme_example("### The coverage summary", "json")
    _write(tmp_path, "coverage/coverage-summary.json", summary)
    documented = _observe(probe, tmp_path)
    assert (documented.ok, documented.value) == (True, "96.5%")  # 4940 of 5120 lines
    _write(
        tmp_path,
        "coverage/coverage-summary.json",
        summary.replace('"covered": 4940', '"covered": 4860'),
    )
    low = _observe(probe, tmp_path)
    assert (low.ok, low.value) == (False, "94.9%")


def test_coverage_fails_without_the_summary_file(shipped: Checklist, tmp_path: Path) -> None:
    missing = _observe(_probe(shipped, "tests-coverage", CoverageProbe), tmp_path)
    assert (missing.ok, missing.value) == (False, "no report")


def test_junit_probes_pass_the_documented_report_and_catch_failures(
    shipped: Checklist, tmp_path: Path
) -> None:
    report = readme_example("### The JUnit report", "xml")
    all_pass = _probe(shipped, "tests-all-pass", JunitProbe)
    no_skipped = _probe(shipped, "tests-no-skipped-critical", JunitProbe)
    assert all_pass.max_age == no_skipped.max_age == 24 * 3600

    def observe(probe: JunitProbe, text: str) -> Observation:
        _write(tmp_path, "reports/junit.xml", text)
        return _observe(probe, tmp_path)

    assert observe(all_pass, report).ok and observe(no_skipped, report).ok
    failing = report.replace(
        'name="[critical] rejects a duplicate order" time="0.01"/>',
        'name="[critical] rejects a duplicate order" time="0.01">\n'
        '      <failure message="expected 409"/>\n    </testcase>',
    )
    assert failing != report
    assert not observe(all_pass, failing).ok
    assert observe(no_skipped, failing).ok  # failures are tests-all-pass's business
    skipped_critical = report.replace(
        'name="[critical] rejects a duplicate order" time="0.01"/>',
        'name="[critical] rejects a duplicate order" time="0">\n      <skipped/>\n    </testcase>',
    )
    assert skipped_critical != report
    assert not observe(no_skipped, skipped_critical).ok
    assert observe(all_pass, skipped_critical).ok
    assert not observe(all_pass, '<testsuites tests="0"/>').ok


def test_freshness_criteria_follow_the_seed(shipped: Checklist) -> None:
    pacts = _probe(shipped, "tests-contract-fresh", FileProbe)
    chaos = _probe(shipped, "tests-chaos-fresh", FileProbe)
    assert pacts.newest_in is not None and pacts.newest_in.dir == "pacts"
    assert chaos.newest_in is not None and chaos.newest_in.dir == "tests/chaos"
    assert chaos.newest_in.glob == "*.test.ts"
    assert pacts.max_age == chaos.max_age == 24 * 3600


# Rollback and team -------------------------------------------------------------------


def test_runbook_regexes(shipped: Checklist) -> None:
    probe = _probe(shipped, "rollback-runbook", FileProbe)
    reviewed = readme_example("### The restore runbook", "text")
    runbook = "# Database restore (PITR)\n\n1. Stop writers.\n\n" + reviewed
    assert _contains_all(probe, runbook)
    assert not _contains_all(probe, "# Database restore\n\nReviewed: soon\n")
    assert not _contains_all(probe, "# Rollback notes\n\n" + reviewed)


def test_oncall_probes_read_the_documented_schedule(shipped: Checklist, tmp_path: Path) -> None:
    schedule = readme_example("### The on-call schedule", "markdown")
    primary = _probe(shipped, "team-oncall-primary", OnCallProbe)
    secondary = _probe(shipped, "team-oncall-secondary", OnCallProbe)
    during = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # inside the example's From/To

    def observe(probe: OnCallProbe, text: str, now: datetime = during) -> Observation:
        _write(tmp_path, ".github/ONCALL_SCHEDULE.md", text)
        return _observe(probe, tmp_path, now)

    assert observe(primary, schedule).value == "primary Kim Osei"
    assert observe(secondary, schedule).value == "secondary Jo Laine"
    no_primary = schedule.replace("| Primary   | Kim Osei   |", "| Primary   |            |")
    assert no_primary != schedule
    assert not observe(primary, no_primary).ok and observe(secondary, no_primary).ok
    assert not observe(secondary, schedule.replace("Secondary", "Shadow")).ok
    after = datetime(2026, 12, 1, tzinfo=UTC)
    assert not observe(primary, schedule, after).ok


# HTTP --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criterion_id", "value", "passes"),
    [
        ("headers-csp", "default-src 'self'; script-src 'self' 'nonce-r4nd0mB4se64Value=='", True),
        ("headers-csp", "default-src 'self'; script-src 'self' 'unsafe-inline'", False),
        ("headers-csp", "script-src 'self'; style-src 'nonce-r4nd0mB4se64Value=='", False),
        ("headers-csp", "script-src 'nonce-short'", False),
        ("headers-coep", "require-corp", True),
        ("headers-coep", "credentialless", False),
        ("headers-coop", "same-origin", True),
        ("headers-coop", 'same-origin; report-to="coop"', True),
        ("headers-coop", "same-origin-allow-popups", False),
    ],
)
def test_header_regexes(shipped: Checklist, criterion_id: str, value: str, passes: bool) -> None:
    probe = _probe(shipped, criterion_id, HttpProbe)
    ((_, pattern),) = probe.header_matches.items()
    assert (re.search(pattern, value) is not None) == passes


@pytest.mark.parametrize(
    ("value", "passes"),
    [
        ("max-age=31536000; includeSubDomains; preload", True),
        ("max-age=15552000", True),
        ('max-age="63072000"', True),
        ("max-age=86400; includeSubDomains", False),
    ],
)
def test_hsts_number(shipped: Checklist, value: str, passes: bool) -> None:
    (check,) = _probe(shipped, "headers-hsts", HttpProbe).header_numbers
    assert check.header == "Strict-Transport-Security"
    match = re.search(check.regex, value)
    assert match is not None
    assert check.compare.holds(match.group(1)) == passes


def test_csp_report_probe_matches_the_seed(shipped: Checklist) -> None:
    probe = _probe(shipped, "headers-csp-report", HttpProbe)
    assert (probe.method, probe.status) == ("POST", 204)
    assert probe.headers["Content-Type"] == "application/csp-report"
    assert probe.body is not None and "csp-report" in json.loads(probe.body)


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _at(document: Any, path: str) -> Any:
    """Follow a simple path such as `data.result[0].value[1]` (KeyError/IndexError if absent)."""
    for key, index in _PATH_PART.findall(path):
        document = document[int(index)] if index else document[key]
    return document


def _json_checks_pass(probe: HttpProbe, document: Any) -> bool:
    for check in probe.json_fields:
        try:
            found = _at(document, check.path)
        except (KeyError, IndexError, TypeError):
            if check.exists:
                return False
            continue
        if not check.exists:
            return False
        if check.equals is not None and found != check.equals:
            return False
        if check.compare is not None and not check.compare.holds(found):
            return False
    return True


FLAG_CRITERIA = {
    "flags-outbox": "FEATURE_OUTBOX",
    "flags-bist": "FEATURE_BIST",
    "flags-paper-trading": "FEATURE_PAPER_TRADING",
    "flags-execution": "FEATURE_EXECUTION",
}


@pytest.mark.parametrize(("criterion_id", "flag"), sorted(FLAG_CRITERIA.items()))
def test_flag_probes_pass_the_documented_shape(
    shipped: Checklist, criterion_id: str, flag: str
) -> None:
    document = json.loads(readme_example("### Feature flags", "json"))
    probe = _probe(shipped, criterion_id, HttpProbe)
    assert probe.url == "http://localhost:4001/api/features/status"
    assert _json_checks_pass(probe, document)
    document["flags"][flag]["toggleable"] = False
    assert not _json_checks_pass(probe, document)
    document["flags"][flag]["toggleable"] = "true"
    assert not _json_checks_pass(probe, document)
    del document["flags"][flag]
    assert not _json_checks_pass(probe, document)


def test_flags_latency_is_100ms(shipped: Checklist) -> None:
    assert _probe(shipped, "flags-latency", HttpProbe).max_ms == 100


def test_github_probes_check_workflows_recent_runs_and_deployments(shipped: Checklist) -> None:
    workflows = {
        "ci-contract-chaos": "contract-chaos-tests.yml",
        "ci-headers-smoke": "headers-smoke.yml",
        "ci-database-drift": "database-drift-check.yml",
        "ci-test-workflow": "test-workflow.yml",
    }
    for criterion_id, workflow in workflows.items():
        probe = _probe(shipped, criterion_id, GithubRunsProbe)
        assert probe.workflows == [workflow] and probe.branch == "main"
        assert probe.max_age == 24 * 3600 and probe.recent is None
        assert probe.api_url == "https://api.github.com"
        assert probe.repository == "spark-trading/spark-trading"
    recent = _probe(shipped, "ci-no-pending-failed", GithubRunsProbe)
    assert recent.workflows == [] and recent.branch == "main"
    assert recent.recent is not None and recent.recent.count == 5
    assert recent.recent.forbid == ["pending", "failed"]
    conflicts = _probe(shipped, "team-no-conflicts", GithubRunsProbe)
    assert conflicts.recent is not None and conflicts.recent.workflows == ["deploy.yml"]
    assert conflicts.recent.forbid == ["pending"] and conflicts.branch is None


def test_prometheus_probes_count_rules_and_firing_alerts(shipped: Checklist) -> None:
    rules = _probe(shipped, "monitoring-alert-rules", PrometheusProbe)
    assert rules.url == "http://localhost:9090" and str(rules.alert_rules) == ">= 5"
    assert rules.unhealthy_rules == "fail"
    firing = _probe(shipped, "monitoring-no-firing", PrometheusProbe)
    assert firing.max_firing == 0 and not firing.include_pending


def test_grafana_probes_need_the_dashboard_and_ten_panels(shipped: Checklist) -> None:
    dashboard = _probe(shipped, "monitoring-dashboard", GrafanaDashboardProbe)
    panels = _probe(shipped, "monitoring-panels", GrafanaDashboardProbe)
    assert dashboard.uid == panels.uid == "risk-idempotency-pitr"
    assert dashboard.url == panels.url == "http://localhost:3001"
    assert str(panels.panels) == ">= 10" and panels.datasources_healthy


def test_baseline_metrics_pass_the_documented_text(shipped: Checklist) -> None:
    text = readme_example("### Metrics text", "text")
    samples = parse_samples(text)
    expected = {
        "baseline-p95-latency": ("p95", 128.125),  # 0.1 + 0.15 * 90/480 s, in ms
        "baseline-error-rate": ("error_rate", 0.5),
        "baseline-db-connections": ("database_connections_in_use/capacity", 42.0),
        "baseline-ws-staleness": ("websocket_staleness_seconds", 1.5),
    }
    for criterion_id, (label, value) in expected.items():
        probe = _probe(shipped, criterion_id, MetricsProbe)
        assert probe.url == "http://localhost:4001/api/public/metrics.prom"
        measured, _, _ = measure(probe, samples)
        assert probe.label == label
        assert measured * probe.scale == pytest.approx(value), criterion_id
        assert probe.compare.holds(measured * probe.scale)
    # CPU and memory are two series, each compared on its own: the worst is named.
    cpu_memory = _probe(shipped, "baseline-cpu-memory", MetricsProbe)
    assert cpu_memory.gauges == [
        'resource_utilization_ratio{resource="cpu"}',
        'resource_utilization_ratio{resource="memory"}',
    ]
    ok, value, _, _ = measure_several(cpu_memory, Exposition(samples))
    assert ok and value == 'resource_utilization_ratio{resource="memory"} 58%', value
    artifacts = {
        c.id: c.probe.artifact for _, c in shipped.criteria() if isinstance(c.probe, MetricsProbe)
    }
    assert [cid for cid, name in artifacts.items() if name] == ["baseline-p95-latency"]
    assert artifacts["baseline-p95-latency"] == "baseline_metrics.txt"


def test_database_health_probes(shipped: Checklist) -> None:
    alerts = _probe(shipped, "db-backup-alerts", PgHealthProbe)
    assert alerts.check == "backup_alerts" and alerts.fail_severities == ["CRITICAL", "WARNING"]
    assert _probe(shipped, "db-wal-archiving", PgHealthProbe).require_archived
    long_queries = _probe(shipped, "db-long-queries", PgHealthProbe)
    assert long_queries.check == "long_running_queries" and long_queries.max_duration == 300
    pool = _probe(shipped, "db-pgbouncer-pool", PgBouncerProbe)
    assert pool.dsn == "postgresql://localhost:6432/pgbouncer"
    assert str(pool.max_utilization) == "< 80"


def test_deploy_window_defaults(shipped: Checklist) -> None:
    window = _probe(shipped, "team-deploy-window", WindowProbe)
    assert window.timezone == "Europe/Istanbul" and window.min_remaining == 3600
    (weekly,) = window.allowed
    assert weekly.days == [0, 1, 2, 3]
    assert (weekly.start.hour, weekly.end.hour, weekly.end.minute) == (19, 23, 30)


# Database and documentation ------------------------------------------------------------


def test_sql_probes_read_only_objects_the_contract_creates(shipped: Checklist) -> None:
    ddl = CONTRACT_SQL.read_text(encoding="utf-8")
    queries = {c.id: c.probe.query for _, c in shipped.criteria() if isinstance(c.probe, SqlProbe)}
    assert set(queries) == {"rollback-pitr-tested", "rollback-db-backup", "db-size-growth"}
    queries["db-backup-alerts"] = _probe(shipped, "db-backup-alerts", PgHealthProbe).query
    reads = {
        "backup_status": ["last_pitr_test_at", "last_backup_at"],
        "backup_dashboard": ["size_growth_pct_per_day"],
        "check_backup_alerts()": ["severity"],
    }
    for name, columns in reads.items():
        assert any(name in query for query in queries.values())
        created = name.removesuffix("()")
        assert re.search(rf"CREATE OR REPLACE (VIEW|FUNCTION) {re.escape(created)}\b", ddl)
        for column in columns:
            assert re.search(rf"\b{column}\b", ddl), column
    assert all(c.probe.dsn == "postgresql://localhost:5432/spark_trading" for c in _sql(shipped))


def _sql(checklist: Checklist) -> list[Any]:
    return [c for _, c in checklist.criteria() if isinstance(c.probe, SqlProbe)]


def test_readme_documents_every_criterion_variable_and_manual_reason(
    shipped: Checklist, readme: str
) -> None:
    assert [c.id for _, c in shipped.criteria() if f"`{c.id}`" not in readme] == []
    assert [name for name in shipped.variables if f"`{name}`" not in readme] == []
    manual_table = readme[readme.index("## Manual criteria") :]
    manual_table = manual_table[: manual_table.index("\n## ", 1)]
    manual_ids = {c.id for _, c in shipped.criteria() if c.is_manual}
    listed = set(re.findall(r"^\| `([a-z0-9-]+)` \|", manual_table, re.M))
    assert listed == manual_ids
    assert len(manual_ids) == 5


def test_no_plain_value_is_cut_by_a_yaml_comment() -> None:
    """` #` ends a plain YAML value: `hint: post in #spark-deploys` would keep `post in`."""
    plain_then_hash = re.compile(r"^\s*(- )?[A-Za-z_][\w-]*: [^'\">|&*\[{#][^#]*\s#")
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    assert [n for n, line in enumerate(lines, 1) if plain_then_hash.match(line)] == []


def test_slack_channel_survives_in_the_texts(shipped: Checklist) -> None:
    stakeholders = shipped.criterion("team-stakeholders")
    assert stakeholders.title == "Stakeholders notified (Slack #spark-deploys)"
    assert stakeholders.why_manual is not None and stakeholders.why_manual.endswith(
        "#spark-deploys and confirms it."
    )
    assert "#spark-deploys" in (shipped.criterion("team-no-conflicts").hint or "")


REPLACED_BY = {
    "db-pgbouncer-pool": "pgbouncer",
    "monitoring-alert-rules": "prometheus",
    "baseline-p95-latency": "metrics",
    "baseline-error-rate": "metrics",
    "baseline-db-connections": "metrics",
    "baseline-ws-staleness": "metrics",
    "baseline-cpu-memory": "metrics",
    "team-deploy-window": "window",
    "team-no-conflicts": "github_runs",
}


@pytest.mark.parametrize(("criterion_id", "kind"), sorted(REPLACED_BY.items()))
def test_formerly_manual_criteria_are_probed_by_their_kind(
    shipped: Checklist, criterion_id: str, kind: str
) -> None:
    criterion = shipped.criterion(criterion_id)
    assert criterion.probe is not None and criterion.probe.kind == kind
    assert criterion.why_manual is None
