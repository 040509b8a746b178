"""The shipped checklist against its target contract: the examples in `checklists/README.md`
pass its regexes, commands and JSON paths, and near misses fail them."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from gonogo_tui.core.checklist import Checklist, load_checklist
from gonogo_tui.core.probes import CommandProbe, FileProbe, HttpProbe, SqlProbe
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


def _coverage(shipped: Checklist, root: Path, table: str) -> float | None:
    probe = _probe(shipped, "tests-coverage", CommandProbe)
    assert probe.extract is not None
    _write(root, "coverage/coverage-summary.txt", table)
    result = _run(probe, root)
    if result.returncode != probe.exit_code:
        return None
    match = re.search(probe.extract.regex, result.stdout)
    assert match is not None, result.stdout
    value = float(match.group(1))
    assert probe.extract.compare.holds(value) == (value >= 95)
    return value


def test_coverage_reads_percent_lines_of_the_all_files_row(
    shipped: Checklist, tmp_path: Path
) -> None:
    table = readme_example("### The coverage summary", "text")
    assert _coverage(shipped, tmp_path, table) == 96.48
    low = table.replace("96.48", "94.90")
    assert _coverage(shipped, tmp_path, low) == 94.90
    assert _coverage(shipped, tmp_path, "Statements   : 96.12% ( 1234/1284 )\n") is None


def test_coverage_command_fails_without_the_summary_file(
    shipped: Checklist, tmp_path: Path
) -> None:
    probe = _probe(shipped, "tests-coverage", CommandProbe)
    assert _run(probe, tmp_path).returncode != probe.exit_code


def test_junit_regexes_pass_the_documented_report_and_catch_failures(shipped: Checklist) -> None:
    report = readme_example("### The JUnit report", "xml")
    all_pass = _probe(shipped, "tests-all-pass", FileProbe)
    no_skipped = _probe(shipped, "tests-no-skipped-critical", FileProbe)
    assert _contains_all(all_pass, report) and _contains_all(no_skipped, report)
    assert not _contains_all(all_pass, report.replace('failures="0" errors', 'failures="2" errors'))
    assert not _contains_all(all_pass, report.replace('errors="0" time="31.2"', 'errors="1"'))
    assert not _contains_all(all_pass, report.replace('tests="412"', 'tests="0"'))
    skipped_critical = report.replace(
        'name="[critical] rejects a duplicate order" time="0.01"/>',
        'name="[critical] rejects a duplicate order" time="0">\n      <skipped/>\n    </testcase>',
    )
    assert skipped_critical != report
    assert not _contains_all(no_skipped, skipped_critical)


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


def test_oncall_regexes(shipped: Checklist) -> None:
    schedule = readme_example("### The on-call schedule", "markdown")
    primary = _probe(shipped, "team-oncall-primary", FileProbe)
    secondary = _probe(shipped, "team-oncall-secondary", FileProbe)
    assert _contains_all(primary, schedule) and _contains_all(secondary, schedule)
    no_primary = schedule.replace("| Primary   | Kim Osei   |", "| Primary   |            |")
    assert no_primary != schedule
    assert not _contains_all(primary, no_primary) and _contains_all(secondary, no_primary)
    assert not _contains_all(secondary, schedule.replace("Secondary", "Shadow"))


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


def _runs(*conclusions: str | None) -> dict[str, Any]:
    runs = [{"status": "completed" if c else "in_progress", "conclusion": c} for c in conclusions]
    return {"total_count": len(runs), "workflow_runs": runs}


def test_github_probes_read_workflow_run_conclusions(shipped: Checklist) -> None:
    workflows = {
        "ci-contract-chaos": "contract-chaos-tests.yml",
        "ci-headers-smoke": "headers-smoke.yml",
        "ci-database-drift": "database-drift-check.yml",
        "ci-test-workflow": "test-workflow.yml",
    }
    for criterion_id, workflow in workflows.items():
        probe = _probe(shipped, criterion_id, HttpProbe)
        assert f"/actions/workflows/{workflow}/runs?branch=main&" in probe.url
        assert probe.headers["Authorization"] == "Bearer "
        assert _json_checks_pass(probe, _runs("success"))
        assert not _json_checks_pass(probe, _runs("failure"))
        assert not _json_checks_pass(probe, _runs())
    recent = _probe(shipped, "ci-no-pending-failed", HttpProbe)
    assert "per_page=5" in recent.url
    assert _json_checks_pass(recent, _runs(*["success"] * 5))
    assert not _json_checks_pass(recent, _runs(None, *["success"] * 4))
    assert not _json_checks_pass(recent, _runs(*["success"] * 4, "failure"))
    assert not _json_checks_pass(recent, _runs(*["success"] * 4))


def test_prometheus_probe_counts_firing_alerts(shipped: Checklist) -> None:
    probe = _probe(shipped, "monitoring-no-firing", HttpProbe)
    query = "count%28ALERTS%7Balertstate%3D%22firing%22%7D%29%20or%20vector%280%29"
    assert probe.url == f"http://localhost:9090/api/v1/query?query={query}"

    def answer(count: str) -> dict[str, Any]:
        result = [{"metric": {}, "value": [1732608000.0, count]}]
        return {"status": "success", "data": {"resultType": "vector", "result": result}}

    assert _json_checks_pass(probe, answer("0"))
    assert not _json_checks_pass(probe, answer("2"))
    assert not _json_checks_pass(probe, {"status": "error", "error": "bad query"})


def test_grafana_probes_need_the_dashboard_and_ten_panels(shipped: Checklist) -> None:
    url = "http://localhost:3001/api/dashboards/uid/risk-idempotency-pitr"
    dashboard = _probe(shipped, "monitoring-dashboard", HttpProbe)
    panels = _probe(shipped, "monitoring-panels", HttpProbe)
    assert dashboard.url == panels.url == url
    answer = {
        "dashboard": {"uid": "risk-idempotency-pitr", "panels": [{"id": i} for i in range(10)]}
    }
    assert _json_checks_pass(dashboard, answer) and _json_checks_pass(panels, answer)
    answer["dashboard"]["panels"] = answer["dashboard"]["panels"][:9]
    assert not _json_checks_pass(panels, answer)


# Database and documentation ------------------------------------------------------------


def test_sql_probes_read_only_objects_the_contract_creates(shipped: Checklist) -> None:
    ddl = CONTRACT_SQL.read_text(encoding="utf-8")
    queries = {c.id: c.probe.query for _, c in shipped.criteria() if isinstance(c.probe, SqlProbe)}
    assert set(queries) == {
        "rollback-pitr-tested",
        "rollback-db-backup",
        "db-backup-alerts",
        "db-wal-archiving",
        "db-size-growth",
        "db-long-queries",
    }
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
    assert len(manual_ids) == 14


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
}


@pytest.mark.parametrize(("criterion_id", "kind"), sorted(REPLACED_BY.items()))
def test_manual_criteria_name_the_kind_that_replaces_them(
    shipped: Checklist, criterion_id: str, kind: str
) -> None:
    criterion = shipped.criterion(criterion_id)
    assert criterion.is_manual
    assert criterion.why_manual is not None and f"`{kind}` kind" in criterion.why_manual
