"""What changed since the last GO (`core/deltas.py`), over a ledger of 50 decisions written by
the real record code (`tests/core/history_ledger.py` says what each decision measured)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gonogo_tui.core.checklist import load_checklist
from gonogo_tui.core.deltas import Past, PastRecord, Then, _lines_from_end, delta_of, read_past
from gonogo_tui.core.evaluation import CriterionOutcome, evaluate
from gonogo_tui.core.measures import Measured
from gonogo_tui.core.probes.base import ProbeResult, Status
from gonogo_tui.core.sparkline import BLOCKS
from tests.core.history_ledger import generate, value

COUNT = 50
T = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def evidence(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("deltas") / "evidence"
    generate(folder, COUNT)
    return folder


def test_the_record_keeps_each_measured_number_and_unit(evidence: Path) -> None:
    (path,) = evidence.glob("go_decision_20260219_??????.json")  # decision 49
    data = json.loads(path.read_text(encoding="utf-8"))
    measured = {
        c["id"]: c.get("measured") for section in data["sections"] for c in section["criteria"]
    }
    assert measured == {
        "backups": {"number": 6.0, "unit": "h"},
        "replica-lag": None,
        "coverage": {"number": 92.0, "unit": "%"},  # waived (FAIL) from 44 on
        "lint": None,
        "smoke": {"number": 90.0, "unit": "ms"},
        "on-call": None,
    }


def test_last_go_and_the_last_ten_decisions(evidence: Path) -> None:
    past = read_past(evidence)
    assert past.last_go is not None
    assert past.last_go.record_id.startswith("go_decision_20260219_")  # decision 49
    assert past.last_go.release == "1.44"
    assert past.last_go.criteria["backups"] == Then(
        "PASS", Measured(value(49, "backups") or 0, "h")
    )
    assert past.last_go.criteria["lint"] == Then("PASS", None)
    assert len(past.recent) == 10
    assert past.series("backups") == [value(i, "backups") for i in range(40, 50)]
    assert past.series("smoke") == [value(i, "smoke") for i in range(40, 50)]
    assert past.series("smoke")[3] is None  # decision 43 is NO-GO: smoke ERROR, no number
    assert past.series("lint") == [None] * 10


def test_sparkline_of_the_last_decisions(evidence: Path) -> None:
    past = read_past(evidence)
    # backups 2,3,4,5,6 h old then 31 h at the NO-GO (43): the NO-GO is the only high block.
    spark = past.spark("backups")
    assert len(spark) == 10
    assert spark[3] == BLOCKS[-1]
    assert all(block < BLOCKS[2] for i, block in enumerate(spark) if i != 3)
    assert past.spark("smoke")[3] == "·"
    assert past.spark("lint") == ""


def test_a_no_go_after_the_last_go_is_not_the_last_go(evidence: Path, tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    generate(folder, 44)  # decision 43 is a NO-GO
    past = read_past(folder)
    assert past.last_go is not None and past.last_go.release == "1.38"
    assert past.recent[-1].decision == "NO-GO"
    assert past.last_go.criteria["backups"].measured == Measured(value(42, "backups") or 0, "h")


def test_records_without_measured_values_give_status_only(tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    generate(folder, 5, unmeasured=5)
    past = read_past(folder)
    assert past.last_go is not None
    assert past.last_go.criteria["backups"] == Then("PASS", None)
    assert past.spark("backups") == ""


def test_no_ledger_and_a_broken_record_are_no_past_never_an_error(tmp_path: Path) -> None:
    assert read_past(tmp_path / "missing") == Past()
    folder = tmp_path / "evidence"
    generate(folder, 3)
    (last,) = sorted(folder.glob("go_decision_20260103_??????.json"))
    last.write_text("{broken", encoding="utf-8")
    past = read_past(folder)
    assert past.last_go is not None and past.last_go.release == "1.1"  # decision 1


CHECKLIST = """\
title: Deltas
sections:
  - id: s
    title: S
    criteria:
      - id: c
        title: Measured
        probe:
          kind: metrics
          url: http://127.0.0.1:9/metrics
          gauge: thing_ms
          unit: ms
          compare: '{op} 100'
"""


def _outcome(tmp_path: Path, op: str, status: Status, number: float) -> CriterionOutcome:
    path = tmp_path / f"deltas-{len(list(tmp_path.iterdir()))}.yaml"
    path.write_text(CHECKLIST.format(op=op), encoding="utf-8")
    checklist = load_checklist(path)
    result = ProbeResult(
        "c", status, f"thing_ms {number:g}ms", "e", "m", f"thing_ms {number:g}ms", T, 1.0
    )
    return evaluate(checklist, {"c": result}, {}).outcome("c")


def _past(status: str, number: float | None) -> Past:
    then = Then(status, None if number is None else Measured(float(number), "ms"))
    record = PastRecord("go_decision_x", "GO", "v2.3.1", "2026-12-01T10:00:00Z", {"c": then})
    return Past(last_go=record, recent=(record,))


TRUTH = [
    # op, then (status, number), now (status, number), moved, worse, arrow
    ("<", ("PASS", 50), ("PASS", 80), True, True, "▲"),
    ("<", ("PASS", 80), ("PASS", 50), True, False, ""),
    ("<=", ("PASS", 50), ("FAIL", 150), True, True, "▲"),
    ("<", ("PASS", 50), ("PASS", 50), False, False, ""),
    (">", ("PASS", 150), ("PASS", 120), True, True, "▼"),
    (">=", ("PASS", 150), ("PASS", 180), True, False, ""),
    (">=", ("FAIL", 90), ("FAIL", 80), True, True, "▼"),
    ("==", ("PASS", 100), ("FAIL", 101), True, True, "▲"),
    ("!=", ("PASS", 50), ("PASS", 60), True, True, "▲"),
    ("!=", ("FAIL", 100), ("PASS", 60), True, False, ""),
    ("<", ("PASS", None), ("FAIL", 150), True, True, "✘"),  # an older record: no number
    ("<", ("FAIL", 150), ("PASS", 50), True, False, ""),
]


@pytest.mark.parametrize(("op", "then", "now", "moved", "worse", "arrow"), TRUTH)
def test_the_wrong_way_follows_the_comparison(
    tmp_path: Path,
    op: str,
    then: tuple[str, float | None],
    now: tuple[str, float],
    moved: bool,
    worse: bool,
    arrow: str,
) -> None:
    outcome = _outcome(tmp_path, op, Status(now[0]), now[1])
    delta = delta_of(_past(*then), outcome)
    assert delta is not None
    assert (delta.moved, delta.worse, delta.arrow) == (moved, worse, arrow)
    if then[1] is not None:
        assert delta.brief == f"last GO {then[1]:g} ms" + (f" {arrow}" if arrow else "")
        assert delta.text.startswith(f"last GO (v2.3.1, 2026-12-01): {then[1]:g} ms {then[0]}")


def test_an_error_now_is_worse_than_a_pass_then(tmp_path: Path) -> None:
    outcome = _outcome(tmp_path, "<", Status.ERROR, 0)
    delta = delta_of(_past("PASS", 50), outcome)
    assert delta is not None and delta.worse and delta.arrow == "✘"
    assert delta.now == Then("ERROR", None)


def test_no_delta_without_a_last_go_or_a_result(tmp_path: Path) -> None:
    outcome = _outcome(tmp_path, "<", Status.PASS, 50)
    assert delta_of(Past(), outcome) is None
    path = tmp_path / "pending.yaml"
    path.write_text(CHECKLIST.format(op="<"), encoding="utf-8")
    pending = evaluate(load_checklist(path), {}, {}).outcome("c")
    assert delta_of(_past("PASS", 50), pending) is None


def test_a_fifo_or_a_link_at_the_ledger_is_no_past(tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    generate(folder, 2)
    ledger = folder / "ledger.jsonl"
    ledger.rename(tmp_path / "elsewhere.jsonl")
    ledger.symlink_to(tmp_path / "elsewhere.jsonl")
    assert read_past(folder) == Past()
    ledger.unlink()
    os.mkfifo(ledger)
    assert read_past(folder) == Past()  # returns at once: a FIFO is not opened for reading


def test_the_ledger_is_read_from_its_end_in_blocks(tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    generate(folder, 15)
    whole = read_past(folder)
    # Blocks smaller than a line: every line is still found whole, newest first.
    with (folder / "ledger.jsonl").open("rb") as handle:
        lines = list(_lines_from_end(handle, block=7))
    assert lines == (folder / "ledger.jsonl").read_bytes().splitlines()[::-1]
    assert [r.record_id for r in whole.recent] == [
        json.loads(line)["record_id"] for line in lines[:10][::-1]
    ]
