"""The shipped checklist on a stack it has not seen: the demo's foreign flavour.

One environment per flavour, started once for the module (one xdist worker runs them all);
faults are switched while it runs (`DemoEnvironment.set_conditions`), never by a restart.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from gonogo_tui.core.doctor.edits import THRESHOLD_FIELDS
from gonogo_tui.demo.environment import DemoEnvironment
from gonogo_tui.demo.flavours import DIFFERENCES, Flavour
from gonogo_tui.demo.scenarios import DEGRADED_LATENCY
from tests.demo.foreign_stack import (
    CONTRACT_SQL,
    FOREIGN_VARIABLES,
    SHIPPED,
    Outcome,
    foreign_checklist,
    load,
    run_probes,
)

pytestmark = pytest.mark.xdist_group("foreign-stack")

SHAPE_MISMATCHES = {
    criterion for d in DIFFERENCES if d.fit != "variant" for criterion in d.criteria
}
"""The criteria the foreign flavour's shapes keep from PASS with the shipped checklist."""


@pytest.fixture(scope="module")
def environments() -> Iterator[dict[Flavour, DemoEnvironment]]:
    started: dict[Flavour, DemoEnvironment] = {}
    try:
        for flavour in Flavour:
            environment = DemoEnvironment(contract_sql=CONTRACT_SQL, flavour=flavour)
            started[flavour] = environment
            environment.start()
        yield started
    finally:
        for environment in started.values():
            environment.stop()


def settle(
    checklist: Any, environment: DemoEnvironment, outcome: Outcome, want: Outcome
) -> Outcome:
    """Re-runs, up to twice, the criteria whose status differs from `want` (a loaded machine
    can make the 100 ms flag-latency probe miss once); a real difference stays."""
    for _ in range(2):
        differing = [key for key in want if outcome[key][0] != want[key][0]]
        if not differing:
            break
        outcome = {**outcome, **run_probes(checklist, environment, differing)}
    return outcome


def test_shipped_checklist_on_the_foreign_stack_names_what_it_found(
    environments: dict[Flavour, DemoEnvironment],
) -> None:
    environment = environments[Flavour.FOREIGN]
    checklist = load(SHIPPED, environment)
    outcome = run_probes(checklist, environment)
    everything_passes = {key: ("PASS", "") for key in outcome}
    outcome = settle(
        checklist,
        environment,
        outcome,
        {k: v for k, v in everything_passes.items() if k not in SHAPE_MISMATCHES},
    )
    not_passing = {key for key, (status, _) in outcome.items() if status != "PASS"}
    # Exactly the criteria a shape difference reaches, and no variant's.
    assert not_passing == SHAPE_MISMATCHES, {k: outcome[k] for k in not_passing}
    for difference in DIFFERENCES:
        for criterion in difference.criteria:
            status, detail = outcome[criterion]
            if difference.fit == "variant":
                # PASS, unless another difference reaches it (the health route and the
                # uids of monitoring-panels: the fitted checklist's GO shows the route).
                assert status == "PASS" or criterion in SHAPE_MISMATCHES, (criterion, detail)
                continue
            assert status in ("FAIL", "ERROR"), (difference.what, criterion)
            for name in difference.found:
                assert name in detail, (difference.what, criterion, name, detail)


def test_the_contract_flavour_passes_everything(
    environments: dict[Flavour, DemoEnvironment],
) -> None:
    environment = environments[Flavour.CONTRACT]
    checklist = load(SHIPPED, environment)
    outcome = run_probes(checklist, environment)
    outcome = settle(checklist, environment, outcome, {k: ("PASS", "") for k in outcome})
    assert {k: v for k, v in outcome.items() if v[0] != "PASS"} == {}


def _gonogo(environment: DemoEnvironment, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **environment.variables}
    return subprocess.run(
        [sys.executable, "-m", "gonogo_tui", *args],
        env=env,
        cwd=environment.workdir,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _thresholds(path: Path) -> dict[str, Any]:
    """Every expectation field of every probe, by criterion id (nested fields included)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    found: dict[str, Any] = {}

    def walk(value: Any, at: str, criterion: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in THRESHOLD_FIELDS:
                    found[f"{criterion}:{at}.{key}"] = item
                walk(item, f"{at}.{key}", criterion)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{at}[{index}]", criterion)

    for section in data["sections"]:
        for criterion in section["criteria"]:
            walk(criterion.get("probe") or {}, "probe", criterion["id"])
    return found


def test_applying_doctors_edits_gives_go_without_touching_a_threshold(
    environments: dict[Flavour, DemoEnvironment], tmp_path: Path
) -> None:
    environment = environments[Flavour.FOREIGN]
    fitted = tmp_path / "fitted.yaml"
    evidence = str(tmp_path / "evidence")
    root = str(environment.root)
    doctor = _gonogo(
        environment, "doctor", str(SHIPPED), "--root", root, "--evidence-dir", evidence,
        "--write", str(fitted), "--json",
    )  # fmt: skip
    assert doctor.returncode == 1, doctor.stderr  # something to adapt
    report = json.loads(doctor.stdout)
    edited = {edit["criterion_id"] for edit in report["edits"]}
    assert SHAPE_MISMATCHES <= edited | {u["criterion_id"] for u in report["unplaced"]}
    assert _thresholds(fitted) == _thresholds(SHIPPED)
    # A variable whose default doctor edits is not also "left at its default".
    variables = {e["path"].split(".")[1] for e in report["edits"] if e["how"] == "variable_default"}
    assert "DB_CONNECTIONS_IN_USE_METRIC" in variables
    assert not variables & {v["name"] for v in report["variables_at_default"]}
    # The fitted file is new (its own digest) and runs the shipped shell command: doctor
    # says it will be asked for, so the command it prints is the one that works.
    assert report["needs_trust"] is True
    # Doctor runs again on what it wrote (docs/adapting.md: until it exits 0). The renamed
    # histogram's series carry `uri`, not `route`: the health/metrics exclusion would filter
    # nothing while the p95 passes. The rename brought that fit along, so nothing is left.
    final = _gonogo(
        environment, "doctor", str(fitted), "--root", root, "--evidence-dir", evidence, "--json",
        "--trust",
    )  # fmt: skip
    last = json.loads(final.stdout)
    assert (final.returncode, last["edits"], last["unplaced"]) == (0, [], []), final.stdout
    assert last["passing_but_mismatched"] == []
    p95 = yaml.safe_load(fitted.read_text(encoding="utf-8"))["sections"]
    [histogram] = [
        c["probe"]["histogram"]
        for section in p95
        for c in section["criteria"]
        if c["id"] == "baseline-p95-latency"
    ]
    assert histogram == 'http_server_requests_seconds{uri!~"/health|/api/public/metrics.prom"}'
    assert _thresholds(fitted) == _thresholds(SHIPPED)
    check = _gonogo(
        environment, "check", str(fitted), "--trust", "--tick", "*", "--json", "--root", root,
        "--evidence-dir", evidence,
    )  # fmt: skip
    document = json.loads(check.stdout)
    not_passing = {
        criterion["id"]: criterion["detail"]
        for section in document["sections"]
        for criterion in section["criteria"]
        if criterion["status"] != "PASS"
    }
    assert not_passing == {}, "\n".join(f"{k}: {v}" for k, v in sorted(not_passing.items()))
    assert (check.returncode, document["decision"]) == (0, "GO")


def test_doctor_finds_nothing_to_adapt_on_the_contract_flavour(
    environments: dict[Flavour, DemoEnvironment], tmp_path: Path
) -> None:
    environment = environments[Flavour.CONTRACT]
    doctor = _gonogo(
        environment, "doctor", str(SHIPPED), "--root", str(environment.root), "--json",
        "--evidence-dir", str(tmp_path),
    )  # fmt: skip
    report = json.loads(doctor.stdout)
    assert (doctor.returncode, report["edits"], report["unplaced"]) == (0, [], [])


@dataclasses.dataclass(frozen=True)
class Fault:
    name: str
    changes: dict[str, Any]
    turns: frozenset[str]
    """The criteria the fault turns FAIL or ERROR, written out (never computed)."""

    def __str__(self) -> str:
        return self.name


def fault(name: str, turns: set[str], **changes: Any) -> Fault:
    return Fault(name, changes, frozenset(turns))


FAULTS = (
    fault("backup-25h", {"rollback-db-backup"}, backup_age_hours=25.0),
    # Past 26 h check_backup_alerts() raises backup_stale too.
    fault("backup-30h", {"rollback-db-backup", "db-backup-alerts"}, backup_age_hours=30.0),
    fault("pitr-8d", {"rollback-pitr-tested", "db-backup-alerts"}, pitr_test_age_days=8.0),
    fault("growth-15pct", {"db-size-growth", "db-backup-alerts"}, size_growth_pct_per_day=15.0),
    fault("pool-busy", {"db-pgbouncer-pool"}, busy_pool_clients=4),
    fault("hsts-1d", {"headers-hsts"}, hsts_max_age=86_400),
    fault("csp-no-nonce", {"headers-csp"}, csp_nonce=False),
    fault(
        "ci-failed",
        {"ci-headers-smoke", "ci-no-pending-failed"},
        failing_workflow="headers-smoke.yml",
    ),
    fault("deploy-running", {"team-no-conflicts", "ci-no-pending-failed"}, pending_deploy=True),
    fault("coverage-91", {"tests-coverage"}, coverage_lines_pct=91.2),
    fault("pacts-30h", {"tests-contract-fresh"}, pacts_age_hours=30.0),
    fault("chaos-30h", {"tests-chaos-fresh"}, chaos_tests_age_hours=30.0),
    fault("test-failed", {"tests-all-pass"}, failed_tests=1),
    fault("critical-skipped", {"tests-no-skipped-critical"}, critical_test_skipped=True),
    fault("p95-680ms", {"baseline-p95-latency"}, latency_profile=DEGRADED_LATENCY),
    fault("errors-2pct", {"baseline-error-rate"}, error_ratio=0.024),
    fault("cpu-83pct", {"baseline-cpu-memory"}, cpu_ratio=0.83),
    fault("alert-firing", {"monitoring-no-firing"}, firing_alert=True),
    fault("panels-9", {"monitoring-panels"}, grafana_panels=9),
    fault("postgres-source-down", {"monitoring-panels"}, postgres_source_down=True),
    fault("flag-fixed", {"flags-outbox"}, untoggleable_flag="FEATURE_OUTBOX"),
    fault("not-approved", {"artifacts-signoff"}, approved=False),
    fault("signoff-9d", {"artifacts-signoff-date"}, signoff_age_days=9.0),
    fault("package-missing", {"artifacts-files"}, package_present=False),
    fault("runbook-unreviewed", {"rollback-runbook"}, runbook_reviewed=False),
    fault("no-secondary", {"team-oncall-secondary"}, secondary_on_call=False),
)


@pytest.fixture(scope="module")
def matrix(
    environments: dict[Flavour, DemoEnvironment], tmp_path_factory: pytest.TempPathFactory
) -> dict[Flavour, tuple[Any, Outcome]]:
    """Per flavour: the checklist that fits it, and its all-PASS outcome without a fault."""
    folder = tmp_path_factory.mktemp("matrix")
    fitted = {
        Flavour.CONTRACT: load(SHIPPED, environments[Flavour.CONTRACT]),
        Flavour.FOREIGN: load(
            foreign_checklist(folder), environments[Flavour.FOREIGN], FOREIGN_VARIABLES
        ),
    }
    baselines: dict[Flavour, tuple[Any, Outcome]] = {}
    for flavour, checklist in fitted.items():
        environment = environments[flavour]
        outcome = run_probes(checklist, environment)
        outcome = settle(checklist, environment, outcome, {k: ("PASS", "") for k in outcome})
        assert {k: v for k, v in outcome.items() if v[0] != "PASS"} == {}, flavour
        baselines[flavour] = (checklist, outcome)
    return baselines


@pytest.mark.parametrize("flavour", list(Flavour), ids=str)
@pytest.mark.parametrize("injected", FAULTS, ids=str)
def test_each_fault_turns_its_own_criteria_and_no_other(
    environments: dict[Flavour, DemoEnvironment],
    matrix: dict[Flavour, tuple[Any, Outcome]],
    flavour: Flavour,
    injected: Fault,
) -> None:
    environment = environments[flavour]
    checklist, baseline = matrix[flavour]
    healthy = environment.conditions
    environment.set_conditions(dataclasses.replace(healthy, **injected.changes))
    try:
        outcome = run_probes(checklist, environment)
        unchanged = {k: v for k, v in baseline.items() if k not in injected.turns}
        outcome = settle(checklist, environment, outcome, unchanged)
    finally:
        environment.set_conditions(healthy)
    turned = {key for key, (status, _) in outcome.items() if status != "PASS"}
    assert turned == injected.turns, {key: outcome[key] for key in turned ^ injected.turns}
    for key in injected.turns:
        assert outcome[key][0] in ("FAIL", "ERROR")


def test_the_demo_docs_list_every_difference() -> None:
    text = (SHIPPED.parents[1] / "docs" / "demo.md").read_text(encoding="utf-8")
    table = text[text.index("## Flavours") : text.index("## Stopping")]
    for difference in DIFFERENCES:
        assert f"| {difference.what} |" in table, difference.what


def test_demo_check_on_the_foreign_flavour(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gonogo_tui", "demo", "--flavour", "foreign", "--check",
         "--tick", "*", "--json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "flavour foreign: the same systems in another team's shapes" in done.stderr
    document = json.loads(done.stdout)
    not_passing = {
        criterion["id"]
        for section in document["sections"]
        for criterion in section["criteria"]
        if criterion["status"] != "PASS"
    }
    assert (done.returncode, document["decision"]) == (1, "NO-GO")
    # flags-latency times one request against 100 ms: a loaded machine may miss it once.
    assert SHAPE_MISMATCHES <= not_passing <= SHAPE_MISMATCHES | {"flags-latency"}
