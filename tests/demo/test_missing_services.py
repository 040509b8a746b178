"""Without the PostgreSQL, pgBouncer or Prometheus binaries, the demo still starts, and the
criteria reading those systems end in ERROR with a detail naming the package to install."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import yaml

from gonogo_tui.demo.environment import DemoEnvironment
from gonogo_tui.demo.scenarios import Scenario

REPO = Path(__file__).resolve().parents[2]
CHECKLIST = REPO / "checklists" / "spark-trading.yaml"
CONTRACT = REPO / "checklists" / "contract" / "spark_trading.sql"


@pytest.fixture(scope="module")
def bare_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoEnvironment]:
    nowhere = tmp_path_factory.mktemp("no-binaries")
    environment = DemoEnvironment(
        Scenario.GREEN,
        contract_sql=CONTRACT,
        pg_bin_dir=nowhere,
        pgbouncer_binary=str(nowhere / "pgbouncer"),
        prometheus_binary=str(nowhere / "prometheus"),
    )
    with environment:
        yield environment


def test_missing_services_are_listed(bare_environment: DemoEnvironment) -> None:
    assert {(m.name, m.package) for m in bare_environment.missing} == {
        ("Prometheus", "prometheus"),
        ("PostgreSQL", "postgresql-15"),
        ("pgBouncer", "pgbouncer"),
    }


@pytest.mark.parametrize(
    ("variable", "package"), [("DATABASE_URL", "postgresql-15"), ("PGBOUNCER_URL", "pgbouncer")]
)
def test_postgres_stand_ins_refuse_naming_the_package(
    bare_environment: DemoEnvironment, variable: str, package: str
) -> None:
    with pytest.raises(psycopg.OperationalError, match=f"apt-get install {package}"):
        psycopg.connect(bare_environment.variables[variable], connect_timeout=5)


def test_prometheus_stand_in_answers_an_api_error(bare_environment: DemoEnvironment) -> None:
    url = f"{bare_environment.variables['PROMETHEUS_URL']}/api/v1/rules"
    answer = httpx.get(url, trust_env=False, timeout=5)
    assert answer.status_code == 503
    assert answer.json()["status"] == "error"
    assert "apt-get install prometheus" in answer.json()["error"]


def _reads(probe: dict[str, Any], variable: str) -> bool:
    return f"${{{variable}" in json.dumps(probe)


def test_criteria_on_missing_systems_error_with_the_package(
    bare_environment: DemoEnvironment,
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gonogo_tui", "check", str(CHECKLIST), "--json", "--tick", "*"],
        capture_output=True,
        text=True,
        env={**os.environ, **bare_environment.variables},
        cwd=bare_environment.root,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    results = {
        criterion["id"]: criterion
        for section in json.loads(done.stdout)["sections"]
        for criterion in section["criteria"]
    }
    raw = yaml.safe_load(CHECKLIST.read_text(encoding="utf-8"))
    probes = {c["id"]: c["probe"] for s in raw["sections"] for c in s["criteria"] if "probe" in c}
    checked = 0
    for variable, package in [
        ("DATABASE_URL", "postgresql-15"),
        ("PGBOUNCER_URL", "pgbouncer"),
        ("PROMETHEUS_URL", "prometheus"),
    ]:
        for criterion_id in (cid for cid, probe in probes.items() if _reads(probe, variable)):
            result = results[criterion_id]
            checked += 1
            assert result["status"] == "ERROR", result
            assert f"apt-get install {package}" in result["detail"], result
    assert checked >= 6
