"""A criterion comparing several series (metrics `gauge: [cpu, memory]`, the worst is the
value): numbers of different series are never compared since the last GO (`core/deltas.py`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gonogo_tui.core.checklist import Checklist, load_checklist
from gonogo_tui.core.deltas import delta_of, read_past, since_last_go, since_lines
from gonogo_tui.core.evaluation import Evaluation, evaluate
from gonogo_tui.core.measures import Measured
from gonogo_tui.core.probes.base import ProbeResult, Status
from gonogo_tui.core.records.build import build_record
from gonogo_tui.core.records.write import write_record

T = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
CHECKLIST = """\
title: Series
sections:
  - id: s
    title: S
    criteria:
      - id: res
        title: CPU and memory
        probe:
          kind: metrics
          url: http://127.0.0.1:9/metrics
          gauge: ['resource_utilization_ratio{resource="cpu"}',
                  'resource_utilization_ratio{resource="memory"}']
          unit: '%'
          compare: '< 80'
"""


def _evaluation(
    tmp_path: Path, series: str, number: int, status: Status
) -> tuple[Checklist, Evaluation]:
    path = tmp_path / "series.yaml"
    path.write_text(CHECKLIST, encoding="utf-8")
    checklist = load_checklist(path)
    raw = f'resource_utilization_ratio{{resource="{series}"}} {number}%'
    result = ProbeResult("res", status, raw, "e", "m", raw, T, 1.0)
    return checklist, evaluate(checklist, {"res": result}, {})


def _ledger(tmp_path: Path, series: str, number: int, *, named: bool = True) -> Path:
    checklist, evaluation = _evaluation(tmp_path, series, number, Status.PASS)
    record = build_record(
        checklist, evaluation, operator="dana", decided_at=T, release="v2.3.1", started_at=T
    )
    if not named:  # a record written before it named the series
        for section in record.data["sections"]:
            for criterion in section["criteria"]:
                criterion["measured"].pop("of")
    folder = tmp_path / "evidence"
    write_record(record, folder, now=lambda: T + timedelta(seconds=5))
    return folder


def test_the_record_names_the_series_it_measured(tmp_path: Path) -> None:
    folder = _ledger(tmp_path, "memory", 52)
    (path,) = folder.glob("go_decision_*[0-9].json")
    (criterion,) = json.loads(path.read_text(encoding="utf-8"))["sections"][0]["criteria"]
    assert criterion["measured"] == {"number": 52.0, "unit": "%", "of": "memory"}
    past = read_past(folder)
    assert past.last_go is not None
    assert past.last_go.criteria["res"].measured == Measured(52.0, "%", "memory")


def test_another_worst_series_shows_the_status_change_only(tmp_path: Path) -> None:
    past = read_past(_ledger(tmp_path, "memory", 52))
    _, evaluation = _evaluation(tmp_path, "cpu", 83, Status.FAIL)
    delta = delta_of(past, evaluation.outcome("res"))
    assert delta is not None
    assert (delta.moved, delta.worse, delta.arrow) == (True, True, "✘")  # no ▲ on the number
    assert delta.brief == "last GO memory 52 % ✘"
    assert "memory 52 % PASS; now cpu 83 % FAIL ✘" in delta.text
    since = since_last_go(past, evaluation)
    assert since is not None
    assert since_lines(since)[1] == "- res: CPU and memory: memory 52 % PASS → cpu 83 % FAIL ✘"


def test_the_same_series_compares_its_numbers(tmp_path: Path) -> None:
    past = read_past(_ledger(tmp_path, "cpu", 52))
    _, evaluation = _evaluation(tmp_path, "cpu", 83, Status.FAIL)
    delta = delta_of(past, evaluation.outcome("res"))
    assert delta is not None and delta.arrow == "▲"
    assert delta.brief == "last GO cpu 52 % ▲"


def test_a_worst_series_that_moved_within_passing_did_not_move(tmp_path: Path) -> None:
    past = read_past(_ledger(tmp_path, "memory", 52))
    _, evaluation = _evaluation(tmp_path, "cpu", 60, Status.PASS)
    delta = delta_of(past, evaluation.outcome("res"))
    assert delta is not None and not delta.moved and not delta.worse


def test_an_older_record_without_the_series_compares_status_only(tmp_path: Path) -> None:
    past = read_past(_ledger(tmp_path, "memory", 52, named=False))
    _, evaluation = _evaluation(tmp_path, "cpu", 83, Status.FAIL)
    delta = delta_of(past, evaluation.outcome("res"))
    assert delta is not None and delta.worse and delta.arrow == "✘"
