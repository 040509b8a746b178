"""The agenda: the meeting's minutes split across the sections, and the time each spent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from gonogo_tui.core.agenda import build_agenda, section_budgets, time_spent
from gonogo_tui.core.checklist import Checklist, load_checklist
from gonogo_tui.core.journal import FollowedJournal, Journal, load_journal

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def checklist_with(tmp_path: Path, times: list[str | None]) -> Checklist:
    lines = ["title: Agenda", "sections:"]
    for number, time in enumerate(times, start=1):
        lines += [f"  - id: s{number}", f"    title: Section {number}"]
        if time is not None:
            lines.append(f"    time: {time}")
        lines += ["    criteria:", f"      - {{id: c{number}, title: C{number}, manual: true}}"]
    path = tmp_path / "agenda.yaml"
    path.write_text("\n".join(lines) + "\n")
    return load_checklist(path, environ={})


def test_without_times_the_meeting_is_split_evenly(tmp_path: Path) -> None:
    checklist = checklist_with(tmp_path, [None] * 4)
    assert section_budgets(checklist, 600) == {"s1": 150, "s2": 150, "s3": 150, "s4": 150}


def test_a_sections_time_is_kept_and_the_others_share_the_rest(tmp_path: Path) -> None:
    checklist = checklist_with(tmp_path, ["90s", None, "2m", None])
    assert section_budgets(checklist, 600) == {"s1": 90, "s2": 195, "s3": 120, "s4": 195}
    # Times that take the whole meeting leave nothing for the rest (never a negative share).
    assert section_budgets(checklist, 100) == {"s1": 90, "s2": 0, "s3": 120, "s4": 0}


def test_a_section_spends_its_time_while_it_is_focused() -> None:
    focus = [("s1", at(0)), ("s2", at(40)), ("s1", at(100))]
    assert time_spent(focus, at(130)) == {"s1": 70, "s2": 60}
    assert time_spent([], at(130)) == {}


def test_the_agenda_names_the_focused_section_and_its_time_left(tmp_path: Path) -> None:
    checklist = checklist_with(tmp_path, [None, None])
    agenda = build_agenda(checklist, 600, [("s1", at(0)), ("s2", at(250))], at(620))
    assert agenda.focused == "s2"
    assert agenda.current is not None and agenda.current.left == 300 - 370
    assert agenda.of("s1").left == 50
    assert build_agenda(checklist, 600, [], at(5)).current is None


def test_focus_changes_are_journaled_and_replayed(tmp_path: Path) -> None:
    checklist = checklist_with(tmp_path, [None, None])
    clock = iter([at(0)])
    journal = Journal.create(
        tmp_path / "evidence", checklist, operator="kim", release=None, now=lambda: next(clock)
    )
    journal.focus("s1", "kim", at(1))
    journal.focus("s2", "kim", at(61))
    journal.close()
    assert load_journal(journal.path).state.focus == [("s1", at(1)), ("s2", at(61))]


def test_a_section_focused_again_writes_nothing_and_a_viewer_never_writes(tmp_path: Path) -> None:
    checklist = checklist_with(tmp_path, [None, None])
    journal = Journal.create(
        tmp_path / "evidence", checklist, operator="kim", release=None, now=lambda: at(0)
    )
    assert journal.focus("s1", "kim", at(1)) is True
    assert journal.focus("s1", "kim", at(2)) is False
    viewer = FollowedJournal(journal.path)
    assert viewer.focus("s2", "ann", at(3)) is False
    journal.close()
    assert load_journal(journal.path).state.focus == [("s1", at(1))]
