"""Values people can read: the measured value with its unit and, when it failed, the
threshold it missed, for each probe kind; never a SQL column or a metric's name."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from gonogo_tui.core.blockers import blockers
from gonogo_tui.core.checklist import load_checklist
from gonogo_tui.core.evaluation import evaluate
from gonogo_tui.core.probes import AnyProbe
from gonogo_tui.core.probes.base import ProbeResult, ProbeSpec, Status
from gonogo_tui.core.readings import Reading, expectation, name_unit, reading, with_unit
from tests.ui.fakes import FROZEN

_PROBE: TypeAdapter[Any] = TypeAdapter(AnyProbe)


def spec(**fields: Any) -> ProbeSpec:
    probe: ProbeSpec = _PROBE.validate_python(fields)
    return probe


def result(probe: ProbeSpec, status: Status, value: str, detail: str = "") -> ProbeResult:
    """A result as the engine records it: the probe's own value, expectation and detail."""
    return ProbeResult("c", status, value, probe.expectation(), "src", detail, FROZEN, 1.0)


HSTS = spec(
    kind="http",
    url="http://x/",
    status=200,
    header_numbers=[
        {"header": "Strict-Transport-Security", "regex": r"max-age=(\d+)", "compare": ">= 15552000"}
    ],
)
BACKUP = spec(
    kind="sql",
    dsn="postgresql://x/db",
    query="SELECT 1",
    rows="== 1",
    value={"column": "backup_age_hours", "compare": "< 24"},
)
CPU = spec(
    kind="metrics",
    url="http://x/metrics",
    gauge="resource_utilization_ratio",
    scale=100,
    unit="%",
    compare="< 70",
)
P95 = spec(
    kind="metrics",
    url="http://x/metrics",
    histogram="http_request_duration_seconds",
    quantile=0.95,
    scale=1000,
    unit=" ms",
    compare="< 200",
)
COVERAGE = spec(kind="coverage", path="c.json", compare=">= 95", max_age="24h")
FRESH = spec(kind="file", newest_in={"dir": "pacts", "glob": "*.json"}, max_age="24h")


@pytest.mark.parametrize(
    ("probe", "status", "value", "detail", "shown"),
    [
        # http: the header's field, its unit (max-age counts seconds) and the threshold.
        (
            HSTS,
            Status.FAIL,
            "86400",
            "header Strict-Transport-Security: 86400 (expected >= 15552000)",
            "max-age 86400 s, needs ≥ 15552000 s",
        ),
        (
            HSTS,
            Status.PASS,
            "31536000",
            "status 200; Strict-Transport-Security 31536000",
            "max-age 31536000 s",
        ),
        (HSTS, Status.FAIL, "503", "status 503 (expected 200)", "HTTP 503, needs HTTP 200"),
        # sql: no column names and no `rows == 1`; the unit and the age from the column's name.
        (
            BACKUP,
            Status.FAIL,
            "30.00",
            "backup_age_hours = 30.00 (expected < 24)",
            "30 h old, needs < 24 h",
        ),
        (BACKUP, Status.PASS, "2.00", "backup_age_hours = 2.00; 1 row", "2 h old"),
        (BACKUP, Status.FAIL, "0 rows", "0 rows (expected rows == 1)", "0 rows, needs 1 row"),
        # metrics: a metric's name is dropped, a short label (p95) stays.
        (
            CPU,
            Status.FAIL,
            "resource_utilization_ratio 83%",
            "resource_utilization_ratio 83% is not < 70%",
            "83 %, needs < 70 %",
        ),
        (CPU, Status.PASS, "resource_utilization_ratio 38%", "max over 2 series", "38 %"),
        # several series (`gauge: [cpu, memory]`): the worst named by its label values.
        (
            CPU,
            Status.PASS,
            'resource_utilization_ratio{resource="memory"} 52%',
            "max of each: ...",
            "memory 52 %",
        ),
        (
            CPU,
            Status.FAIL,
            'resource_utilization_ratio{resource="cpu",host="a"} 83%',
            "...",
            "cpu,a 83 %, needs < 70 %",
        ),
        (P95, Status.PASS, "p95 99 ms", "p95 99 ms is < 200 ms", "p95 99 ms"),
        (
            P95,
            Status.FAIL,
            "p95 682 ms",
            "p95 682 ms is not < 200 ms",
            "p95 682 ms, needs < 200 ms",
        ),
        # coverage: percent, or the report's age when the percent is met.
        (COVERAGE, Status.PASS, "96.48%", "line coverage 96.48%", "96.48 %"),
        (
            COVERAGE,
            Status.FAIL,
            "91.2%",
            "line coverage 91.2% is not >= 95%",
            "91.2 %, needs ≥ 95 %",
        ),
        (COVERAGE, Status.FAIL, "97%", "report 30h old", "97 %, needs report ≤ 24 h old"),
        # file: the age, without the file's name (it is in the detail).
        (FRESH, Status.PASS, "spark-web-spark-api.json, 3h old", "...", "3 h old"),
        (FRESH, Status.FAIL, "old.json, 30h old", "...", "30 h old, needs ≤ 24 h old"),
        (FRESH, Status.FAIL, "no files", "...", "no files, needs exists"),
    ],
)
def test_reading_per_kind(
    probe: ProbeSpec, status: Status, value: str, detail: str, shown: str
) -> None:
    assert reading(probe, result(probe, status, value, detail)).text == shown


def test_kinds_that_word_their_values_keep_them_and_need_the_failing_check() -> None:
    runs = spec(
        kind="github_runs",
        api_url="http://x",
        repository="o/r",
        workflows=["ci.yml"],
        max_age="24h",
    )
    failed = reading(runs, result(runs, Status.FAIL, "0/1 green", "ci.yml: failure"))
    assert failed == Reading("0/1 green", "1/1 green")
    alerts = spec(kind="prometheus", url="http://x", max_firing=0)
    assert reading(alerts, result(alerts, Status.FAIL, "2 firing")).text == "2 firing, needs none"
    assert reading(alerts, result(alerts, Status.PASS, "0 firing")).text == "0 firing"


def test_an_error_reads_as_its_cause() -> None:
    error = result(HSTS, Status.ERROR, "", "Connection refused: 127.0.0.1:9")
    assert reading(HSTS, error) == Reading("Connection refused: 127.0.0.1:9")


@pytest.mark.parametrize(
    ("name", "unit", "aged"),
    [
        ("backup_age_hours", "h", True),
        ("pitr_test_age_days", "d", True),
        ("size_growth_pct_per_day", "%/day", False),
        ("latency_ms", "ms", False),
        ("wal_bytes", "B", False),
        ("websocket_staleness_seconds", "s", False),
        ("rows", "", False),
        ("hours", "", False),  # a bare word is a name, not a unit
    ],
)
def test_units_from_names(name: str, unit: str, aged: bool) -> None:
    assert name_unit(name) == (unit, aged)


def test_numbers_and_bytes_read_short() -> None:
    assert with_unit(30.0, "h") == "30 h"
    assert with_unit(1.4, "%/day") == "1.4 %/day"
    assert with_unit(96.48, "%") == "96.5 %"
    assert with_unit(1536.0, "B") == "1.5 KiB"
    assert with_unit(15552000.0, "s") == "15552000 s"


def test_a_probe_not_run_yet_shows_its_threshold_without_internal_names() -> None:
    assert expectation(BACKUP) == "< 24 h"
    assert expectation(CPU) == "< 70 %"
    assert expectation(HSTS) == "max-age ≥ 15552000 s"
    assert expectation(COVERAGE) == "≥ 95 %"


def test_a_narrow_blocker_drops_the_label_before_cutting_the_threshold(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    probe = (
        "{kind: http, url: 'http://x/', status: 200, header_numbers: [{header: "
        "Strict-Transport-Security, regex: 'max-age=(\\d+)', compare: '>= 15552000'}]}"
    )
    path.write_text(
        "title: t\nsections:\n  - id: s\n    title: S\n    criteria:\n"
        f"      - {{id: hsts, title: 'HSTS: max-age ≥ 15552000 (6 months)', probe: {probe}}}\n",
        encoding="utf-8",
    )
    checklist = load_checklist(path)
    hsts = checklist.criterion("hsts")
    assert hsts.probe is not None
    failed = result(
        hsts.probe,
        Status.FAIL,
        "86400",
        "header Strict-Transport-Security: 86400 (expected >= 15552000)",
    )
    (only,) = blockers(evaluate(checklist, {"hsts": replace(failed, criterion_id="hsts")}))
    assert only.long == "HSTS: max-age ≥ 15552000 (6 months): max-age 86400 s, needs ≥ 15552000 s"
    assert only.short_within(40) == "HSTS: max-a… 86400 s, needs ≥ 15552000 s"
