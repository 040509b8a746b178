"""The record's poll roll and the deploy window's expectation read as people say them
(fresh-eyes review, s8b): no `DevOps Lead: DevOps Lead`, no `daily 18:18-18:18`."""

from __future__ import annotations

from gonogo_tui.core.records.poll_lines import answer_line
from tests.core.probes.ops.helpers import spec


def test_an_owner_named_by_role_alone_is_said_once() -> None:
    entry = {"section_id": "rollback", "role": "DevOps Lead", "owner": "devops lead"}
    assert answer_line(entry) == "rollback (devops lead): not asked"
    named = {**entry, "owner": "Kim Osei", "answer": "GO", "at": "10:02"}
    assert answer_line(named) == "rollback (DevOps Lead: Kim Osei): GO at 10:02"


def test_a_window_whose_end_is_its_start_lasts_a_day() -> None:
    def expected(days: object, start: str, end: str) -> str:
        allowed = [{"days": days, "start": start, "end": end}]
        return spec(kind="window", allowed=allowed).expectation()

    assert expected("daily", "18:18", "18:18") == "inside daily, all day"
    assert expected("sat", "18:00", "18:00") == "inside sat 18:00 for 24 h"
    assert expected("mon-thu", "22:00", "02:00") == "inside mon-thu 22:00-02:00"
