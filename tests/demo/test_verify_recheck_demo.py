"""`gonogo verify --recheck` against the demo environment after a fault is switched on
(issue 17, point 8): a GO decided over the shipped checklist's critical criteria against
the demo's PostgreSQL, signed by the three approvers the policy asks; then the last backup
is made three days old, and the recheck refuses the GO (exit 3) naming the criterion."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import yaml

from gonogo_tui.core.signing import sign_record
from gonogo_tui.demo.environment import DemoEnvironment
from gonogo_tui.demo.scenarios import Scenario
from tests.core.signing.helpers import Person, make_key, write_allowed_signers

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "checklists" / "spark-trading.yaml"
CONTRACT = REPO / "checklists" / "contract" / "spark_trading.sql"

pytestmark = pytest.mark.xdist_group("demo-recheck")  # one demo environment, one process


@pytest.fixture(scope="module")
def environment() -> Iterator[DemoEnvironment]:
    with DemoEnvironment(Scenario.GREEN, contract_sql=CONTRACT) as started:
        yield started


def _critical_only(folder: Path) -> Path:
    """The shipped checklist with its critical criteria only (its variables, defaults and
    policy kept): the recheck's subject, without the demo's latency probe that a loaded
    machine can push over its budget."""
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    sections = []
    for section in data["sections"]:
        kept = [c for c in section["criteria"] if c.get("critical") or section.get("critical")]
        if kept:
            sections.append({**section, "criteria": kept})
    path = folder / "critical.yaml"
    path.write_text(yaml.safe_dump({**data, "sections": sections}, sort_keys=False), "utf-8")
    return path


def _gonogo(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gonogo_tui", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_recheck_refuses_the_go_once_the_backup_is_old(
    environment: DemoEnvironment, tmp_path: Path
) -> None:
    env = {**os.environ, **environment.variables}
    checklist = _critical_only(tmp_path)
    decided = _gonogo(
        env, tmp_path, "check", str(checklist), "--root", str(environment.root),
        "--tick", "rollback-script-staging", "--record", "--evidence-dir", "evidence",
    )  # fmt: skip
    assert decided.returncode == 0, decided.stdout + decided.stderr
    (record,) = (tmp_path / "evidence").glob("go_decision_*[0-9].txt")
    people = [
        Person(role, f"{name}@example.com", make_key(tmp_path / "keys", name))
        for role, name in (("cto", "alice"), ("devops-lead", "bob"), ("product-owner", "carol"))
    ]
    for person in people:
        sign_record(
            record,
            role=person.role,
            principal=person.principal,
            key_path=person.key,
            now=lambda: datetime.now(UTC),
        )
    allowed = write_allowed_signers(tmp_path / "trust" / "allowed_signers", people)
    verify = (
        "verify", str(record), "--allowed-signers", str(allowed), "--expect-decision", "GO",
        "--recheck", "--checklist", str(checklist), "--root", str(environment.root),
    )  # fmt: skip
    still = _gonogo(env, tmp_path, *verify)
    assert still.returncode == 0, still.stdout + still.stderr
    # The four probed critical criteria; the manual rollback run has no probe to rerun.
    assert "recheck: 4 rerun, all still pass" in still.stdout

    # The fault: every backup run three days older (as the superuser, over TCP).
    url = urlsplit(environment.variables["DATABASE_URL"])
    superuser = f"postgresql://postgres@{url.hostname}:{url.port}{url.path}"
    with psycopg.connect(superuser, autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            "UPDATE backup_runs SET started_at = started_at - interval '3 days',"
            " finished_at = finished_at - interval '3 days'"
        )
    refused = _gonogo(env, tmp_path, *verify)
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert refused.stderr.startswith("gonogo verify: FAILED (exit 3): recheck: ")
    assert "no longer pass: " in refused.stderr
    assert "rollback-db-backup FAIL" in refused.stderr, refused.stderr
    # Without --recheck the sealed GO still verifies: only the live system changed.
    assert _gonogo(env, tmp_path, *verify[:6]).returncode == 0
