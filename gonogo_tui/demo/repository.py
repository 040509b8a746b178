"""The demo's repository root: the artifact, coverage, test, runbook and on-call files."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

from gonogo_tui.demo.flavours import Shape
from gonogo_tui.demo.github import ALL_WORKFLOWS
from gonogo_tui.demo.scenarios import Conditions
from gonogo_tui.demo.webapp import FEATURE_FLAGS

APPROVERS = "Dana Ito (CTO), Sam Berg (DevOps Lead), Lee Moss (Product Owner)"
PRIMARY = ("Kim Osei", "@kim.osei", "+44 20 7946 0001")
SECONDARY = ("Jo Laine", "@jo.laine", "+44 20 7946 0002")


def write_repository(
    root: Path, conditions: Conditions, now: datetime, shape: Shape | None = None
) -> None:
    """Writes every file the shipped checklist reads under `root`, dated relative to `now`,
    in the flavour's layouts; writing again with other conditions rewrites them all."""
    shape = shape or Shape()
    pct = conditions.coverage_lines_pct
    signed = now - timedelta(days=conditions.signoff_age_days)
    files = {
        "README.md": "# spark-trading (gonogo demo checkout)\n\nFiles a GO/NO-GO review reads.\n",
        "FINAL_VALIDATION_RESILIENCE_SUMMARY.txt": _summary(now, approved=conditions.approved),
        "docs/VALIDATION_SIGNOFF_CHECKLIST.md": _signoff(signed, shape),
        "coverage/coverage-summary.txt": _coverage_text(pct),
        "coverage/coverage-summary.json": (
            _coverage_json(pct) if shape.coverage_format == "istanbul" else _coveragepy_json(pct)
        ),
        "reports/junit.xml": _junit(now - timedelta(hours=1), conditions),
        "reports/chaos-junit.xml": _chaos_junit(now - timedelta(hours=5)),
        "scripts/runbook-db-restore.md": _runbook(now, shape, conditions.runbook_reviewed),
        "scripts/rollback.sh": _ROLLBACK,
        ".github/ONCALL_SCHEDULE.md": _oncall(now, shape, conditions.secondary_on_call),
        ".env.production": _env_production(),
    }
    package = root / "VALIDATION_AND_RESILIENCE_PACKAGE.md"
    if conditions.package_present:
        files[package.name] = _package()
    else:
        package.unlink(missing_ok=True)
    for workflow in ALL_WORKFLOWS:
        files[f".github/workflows/{workflow}"] = _workflow(workflow)
    for name in ("spark-web-spark-api.json", "spark-api-ledger.json"):
        files[f"pacts/{name}"] = _pact(name)
    for name in ("db-failover.test.ts", "broker-latency.test.ts", "redis-partition.test.ts"):
        files[f"tests/chaos/{name}"] = _chaos_test(name)
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "scripts/rollback.sh").chmod(0o755)
    _touch(root / "pacts", now - timedelta(hours=conditions.pacts_age_hours))
    _touch(root / "tests/chaos", now - timedelta(hours=conditions.chaos_tests_age_hours))
    _touch(root / "reports", now - timedelta(hours=1))


def _touch(folder: Path, moment: datetime) -> None:
    stamp = moment.timestamp()
    for path in folder.iterdir():
        os.utime(path, (stamp, stamp))


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def _summary(now: datetime, *, approved: bool) -> str:
    status = "APPROVED FOR PRODUCTION" if approved else "PENDING (contract tests re-run)"
    return (
        "FINAL VALIDATION & RESILIENCE SUMMARY - spark-trading v1.4.0\n"
        f"Date: {_day(now - timedelta(days=1))}\n\n"
        "Contract tests: 212 passed. Chaos suite: 18 scenarios passed.\n"
        "Headers smoke: CSP (nonce), COEP, COOP, HSTS verified.\n"
        "PITR restore drill: restored to staging within RTO.\n\n"
        f"Status: {status}\n"
    )


def _package() -> str:
    return (
        "# Validation and resilience package\n\n"
        "- Contract tests: `pacts/`\n- Chaos tests: `tests/chaos/`\n"
        "- Restore runbook: `scripts/runbook-db-restore.md`\n"
        "- Rollback: `scripts/rollback.sh`\n"
    )


def _signoff(signed: datetime, shape: Shape) -> str:
    checks = "- [x] Contract tests green\n- [x] Chaos tests green\n- [x] Restore drill done\n\n"
    if shape.signoff_layout == "heading":
        names = [approver.removesuffix(")").split(" (") for approver in APPROVERS.split(", ")]
        lines = "".join(f"- {role}: {name}, {_day(signed)}\n" for name, role in names)
        return f"# Validation sign-off\n\n{checks}## Sign-off\n\n{lines}"
    return (
        "# Validation sign-off checklist\n\n"
        f"Sign-off: {_day(signed)} by {APPROVERS}\n\n"
        f"{checks}"
        "Previous:\n\n"
        f"Sign-off: {_day(signed - timedelta(days=29))} by Dana Ito (CTO)\n"
    )


def _coverage_text(lines_pct: float) -> str:
    rule = "-----------------|---------|----------|---------|---------|-------------------"
    rows = [
        ("All files", lines_pct - 0.3, 91.30, 95.01, lines_pct, ""),
        (" src/orders.ts", lines_pct, 92.10, 96.00, lines_pct, "88-91"),
        (" src/risk.ts", 98.70, 90.20, 94.00, 98.70, "140"),
    ]
    table = [rule, "File             | % Stmts | % Branch | % Funcs | % Lines | Uncovered Line #s"]
    table.append(rule)
    for name, stmts, branch, funcs, lines, uncovered in rows:
        figures = f"{stmts:6.2f} |   {branch:6.2f} |  {funcs:6.2f} |  {lines:6.2f}"
        table.append(f"{name:<17}|  {figures} | {uncovered}")
    return "\n".join([*table, rule, ""])


def _coverage_json(lines_pct: float) -> str:
    total = 8_000
    covered = round(total * lines_pct / 100)

    def block(count: int, hit: int) -> dict[str, float]:
        return {"total": count, "covered": hit, "skipped": 0, "pct": round(100 * hit / count, 2)}

    summary = {
        "total": {
            "lines": block(total, covered),
            "statements": block(total + 400, covered + 360),
            "functions": block(900, 855),
            "branches": block(2_300, 2_100),
        }
    }
    return json.dumps(summary, indent=2) + "\n"


def _junit(written: datetime, conditions: Conditions) -> str:
    stamp = written.strftime("%Y-%m-%dT%H:%M:%S")
    failed = conditions.failed_tests
    # A failed case, and a skipped critical one: each fault is about one criterion.
    failure = (
        '    <testcase classname="src/orders.test.ts" name="rounds a fill price" time="0.02">\n'
        '      <failure message="expected 101.25, got 101.2"/>\n    </testcase>\n'
    ) * failed
    skipped = 2 if conditions.critical_test_skipped else 1
    critical = (
        ' time="0">\n      <skipped/>\n    </testcase>'
        if conditions.critical_test_skipped
        else ' time="0.01"/>'
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="vitest tests" tests="{6 + failed}" failures="{failed}" errors="0" \
skipped="{skipped}" time="31.2">
  <testsuite name="src/orders.test.ts" timestamp="{stamp}" hostname="ci" tests="{4 + failed}" \
failures="{failed}" errors="0" skipped="{skipped}" time="12.4">
{failure}    <testcase classname="src/orders.test.ts" name="[critical] rejects a duplicate order"\
{critical}
    <testcase classname="src/orders.test.ts" name="[critical] idempotency key survives a retry" \
time="0.02"/>
    <testcase classname="src/orders.test.ts" name="accepts a limit order" time="0.01"/>
    <testcase classname="src/orders.test.ts" name="renders the ticket" time="0">
      <skipped/>
    </testcase>
  </testsuite>
  <testsuite name="src/risk.test.ts" timestamp="{stamp}" hostname="ci" tests="2" failures="0" \
errors="0" skipped="0" time="18.8">
    <testcase classname="src/risk.test.ts" name="[critical] blocks a breach of the limit" \
time="0.03"/>
    <testcase classname="src/risk.test.ts" name="reports exposure" time="0.01"/>
  </testsuite>
</testsuites>
"""


def _chaos_junit(written: datetime) -> str:
    stamp = written.strftime("%Y-%m-%dT%H:%M:%S")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="chaos" tests="3" failures="0" errors="0" time="212.0">
  <testsuite name="tests/chaos" timestamp="{stamp}" tests="3" failures="0" errors="0" \
skipped="0" time="212.0">
    <testcase classname="tests/chaos/db-failover.test.ts" name="[critical] survives a primary \
failover" time="88.1"/>
    <testcase classname="tests/chaos/broker-latency.test.ts" name="orders flow under 300ms \
broker latency" time="61.0"/>
    <testcase classname="tests/chaos/redis-partition.test.ts" name="idempotency holds through a \
cache partition" time="62.9"/>
  </testsuite>
</testsuites>
"""


def _coveragepy_json(lines_pct: float) -> str:
    statements = 8_000
    covered = round(statements * lines_pct / 100)
    totals = {
        "covered_lines": covered,
        "num_statements": statements,
        "percent_covered": round(100 * covered / statements, 2),
        "percent_covered_display": f"{100 * covered / statements:.0f}",
        "missing_lines": statements - covered,
        "excluded_lines": 0,
    }
    meta = {"format": 3, "version": "7.6.1", "branch_coverage": False, "show_contexts": False}
    return json.dumps({"meta": meta, "files": {}, "totals": totals}, indent=2) + "\n"


def _runbook(now: datetime, shape: Shape, reviewed: bool) -> str:
    reviewed_on = _day(now - timedelta(days=3))
    marker = (
        f"Reviewed: {reviewed_on} by Ana Ruiz"
        if shape.runbook_marker == "reviewed"
        else f"**Last reviewed:** {reviewed_on}"
    )
    if not reviewed:
        marker = "Review: pending"
    return (
        "# Database restore runbook (PITR)\n\n"
        f"{marker}\n\n"
        "## 1. Restore to a point in time\n\n"
        "1. Pick the target time from the incident timeline.\n"
        "2. `pgbackrest --stanza=spark restore --type=time --target=...`\n"
        "3. Promote, check `SELECT * FROM backup_status;`, repoint pgBouncer.\n\n"
        "## 2. Emergency contacts\n\n"
        f"- Primary on-call: {PRIMARY[0]} ({PRIMARY[1]})\n- DBA: Ana Ruiz (@ana.ruiz)\n"
    )


_ROLLBACK = """#!/usr/bin/env bash
# Rolls spark-trading back to the previous release (tested in staging before each deploy).
set -euo pipefail
previous=${1:?usage: rollback.sh PREVIOUS_RELEASE}
echo "kubectl rollout undo deployment/spark-api --to-revision=$previous"
echo "kubectl rollout undo deployment/spark-web --to-revision=$previous"
"""


def _oncall(now: datetime, shape: Shape, secondary: bool) -> str:
    start = (now - timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    text = _week_of(start) if shape.oncall_layout == "week_of" else _from_to(start)
    if not secondary:
        text = "\n".join(line for line in text.splitlines() if SECONDARY[0] not in line) + "\n"
    return text


def _week_of(start: datetime) -> str:
    rows = "".join(
        f"| {role:<9} | {name:<10} | {handle}, {phone} |\n"
        for role, (name, handle, phone) in (("Primary", PRIMARY), ("Secondary", SECONDARY))
    )
    table = "| Role      | Name       | Contact |\n|-----------|------------|---------|\n"
    last_week = _day(start - timedelta(days=7))
    return (
        "# On-call rotation\n\nTimezone: UTC\n\n"
        f"## Week of {_day(start)}\n\n{table}{rows}\n"
        f"## Week of {last_week}\n\n{table}"
        f"| Primary   | Ana Ruiz   | @ana.ruiz, +44 20 7946 0003 |\n"
        f"| Secondary | Noor Haddad | @noor, +44 20 7946 0004 |\n"
    )


def _from_to(start: datetime) -> str:
    end = start + timedelta(days=7)
    stamp = "%Y-%m-%d %H:%M"
    start_text, end_text = start.strftime(stamp), end.strftime(stamp)
    return f"""# On-call schedule

Timezone: UTC

## This week

| Role      | Name       | Contact                       | From (UTC)       | To (UTC)         |
|-----------|------------|-------------------------------|------------------|------------------|
| Primary   | {PRIMARY[0]:<10} | {PRIMARY[1]}, {PRIMARY[2]:<17} | {start_text} | {end_text} |
| Secondary | {SECONDARY[0]:<10} | {SECONDARY[1]}, {SECONDARY[2]:<17} | {start_text} | {end_text} |

## Emergency contacts

| Who       | Contact                |
|-----------|------------------------|
| DBA       | Ana Ruiz, @ana.ruiz    |
| Security  | Noor Haddad, @noor     |
"""


def _env_production() -> str:
    lines = ["# Feature flags: each can be switched off at runtime by the flag service."]
    lines += [f"{name}={'true' if enabled else 'false'}" for name, enabled in FEATURE_FLAGS.items()]
    lines += ["ENABLE_CSP_REPORTING=true", "NODE_ENV=production", ""]
    return "\n".join(lines)


def _workflow(workflow: str) -> str:
    return (
        f"name: {workflow.removesuffix('.yml')}\n"
        "on:\n  push:\n    branches: [main]\n"
        "jobs:\n  run:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n      - run: pnpm install --frozen-lockfile\n"
        f"      - run: pnpm run ci:{workflow.removesuffix('.yml')}\n"
    )


def _pact(name: str) -> str:
    consumer, provider = name.removesuffix(".json").rsplit("-", 1)[0], "spark-api"
    return json.dumps(
        {
            "consumer": {"name": consumer},
            "provider": {"name": provider},
            "interactions": [
                {
                    "description": "a request for open orders",
                    "request": {"method": "GET", "path": "/api/orders"},
                    "response": {"status": 200},
                }
            ],
            "metadata": {"pactSpecification": {"version": "3.0.0"}},
        },
        indent=2,
    )


def _chaos_test(name: str) -> str:
    scenario = name.removesuffix(".test.ts").replace("-", " ")
    return (
        "import { describe, it } from 'vitest';\n\n"
        f"describe('chaos: {scenario}', () => {{\n"
        "  it('keeps orders idempotent', async () => { /* toxiproxy scenario */ });\n"
        "});\n"
    )


__all__ = ["APPROVERS", "PRIMARY", "SECONDARY", "write_repository"]
