"""The session journal: durable appends, replay, torn lines, resuming."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gonogo_tui.core.checklist import Checklist, load_checklist
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.journal import (
    EntryKind,
    Finalized,
    Journal,
    find_changed,
    find_resumable,
    journal_in_use,
    load_journal,
    result_age,
)
from gonogo_tui.core.probes.base import ProbeResult, Status

T0 = datetime(2026, 11, 26, 10, 0, 0, tzinfo=UTC)

CHECKLIST = """\
title: Journal test
sections:
  - id: s
    title: S
    criteria:
      - {id: probe.a, title: A, probe: {kind: http, url: "http://127.0.0.1:9/a"}}
      - {id: manual.b, title: B, manual: true}
"""


@pytest.fixture
def checklist(tmp_path: Path) -> Checklist:
    path = tmp_path / "check.yaml"
    path.write_text(CHECKLIST)
    return load_checklist(path)


def clock(at: datetime = T0):
    return lambda: at


def result(cid: str = "probe.a", status: Status = Status.PASS, at: datetime = T0) -> ProbeResult:
    return ProbeResult(
        criterion_id=cid,
        status=status,
        value="200",
        expected="status < 400",
        source="GET http://127.0.0.1:9/a",
        detail="ok",
        started_at=at,
        duration_ms=250.0,
        output="\x1b[31mred\x1b[0m body",
    )


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_create_writes_the_session_line(checklist: Checklist, tmp_path: Path) -> None:
    journal = Journal.create(
        tmp_path / "evidence", checklist, operator="alice", release="v1", now=clock()
    )
    assert journal.path.name == "journal_20261126_100000_check.jsonl"
    (first,) = lines(journal.path)
    assert first["kind"] == "session"
    assert first["checklist_sha256"] == checklist.sha256
    assert first["checklist_path"] == str(checklist.path.resolve())  # type: ignore[union-attr]
    assert first["operator"] == "alice"
    assert first["seq"] == 1


def test_every_append_is_on_disk_before_it_returns(checklist: Checklist, tmp_path: Path) -> None:
    journal = Journal.create(tmp_path, checklist, operator="alice", release=None, now=clock())
    journal.record_result(result())
    journal.tick("manual.b", "alice", T0, "seen on the call")
    journal.untick("manual.b", "alice", T0)
    journal.tick("manual.b", "bob", T0)
    journal.waive("probe.a", "alice", T0, "known flake")
    journal.unwaive("probe.a", "alice", T0)
    journal.note("ship it", "alice", T0, "probe.a")
    kinds = [entry["kind"] for entry in lines(journal.path)]
    assert kinds == [
        "session",
        "result",
        "tick",
        "untick",
        "tick",
        "waiver",
        "unwaive",
        "note",
    ]
    assert [entry["seq"] for entry in lines(journal.path)] == list(range(1, 9))


def test_load_replays_into_the_same_state(checklist: Checklist, tmp_path: Path) -> None:
    journal = Journal.create(tmp_path, checklist, operator="alice", release=None, now=clock())
    journal.record_result(result(status=Status.FAIL))
    journal.record_result(result())
    journal.tick("manual.b", "bob", T0, "confirmed")
    journal.waive("probe.a", "alice", T0, "flaky")
    journal.note("general note", "alice", T0)
    loaded = load_journal(journal.path)
    assert loaded.state == journal.state
    assert loaded.state.results["probe.a"].status is Status.PASS
    assert [r.status for r in loaded.state.runs["probe.a"]] == [Status.FAIL, Status.PASS]
    assert loaded.state.ticks["manual.b"].note == "confirmed"
    assert loaded.state.waivers["probe.a"].reason == "flaky"
    assert loaded.state.notes[0].criterion_id is None
    assert loaded.state.results["probe.a"].output == "\x1b[31mred\x1b[0m body"
    assert not loaded.torn


def test_results_that_arrive_together_share_one_fsync(
    checklist: Checklist, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = Journal.create(tmp_path, checklist, operator="alice", release=None, now=clock())
    fsyncs: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (fsyncs.append(fd), real_fsync(fd))[1])
    journal.record_results([result(status=Status.FAIL), result(), result("probe.c")])
    assert len(fsyncs) == 1
    written = lines(journal.path)
    assert [entry["seq"] for entry in written] == [1, 2, 3, 4]
    assert [entry["criterion_id"] for entry in written[1:]] == ["probe.a", "probe.a", "probe.c"]
    assert journal.entries == 4
    assert [r.status for r in journal.state.runs["probe.a"]] == [Status.FAIL, Status.PASS]
    assert load_journal(journal.path).state == journal.state
    journal.record_results([])
    assert len(fsyncs) == 1 and journal.entries == 4
    journal.close()
    with pytest.raises(EvidenceError, match="closed"):
        journal.record_results([result("probe.d"), result("probe.e")])
    assert "probe.d" not in journal.state.results and journal.entries == 4


def test_a_waiver_needs_a_reason(checklist: Checklist, tmp_path: Path) -> None:
    journal = Journal.create(tmp_path, checklist, operator="a", release=None, now=clock())
    with pytest.raises(EvidenceError, match="reason"):
        journal.waive("probe.a", "a", T0, "   ")
    assert len(lines(journal.path)) == 1


def test_a_torn_last_line_is_dropped_and_cut_off_on_resume(
    checklist: Checklist, tmp_path: Path
) -> None:
    journal = Journal.create(tmp_path, checklist, operator="a", release=None, now=clock())
    journal.tick("manual.b", "a", T0)
    journal.close()
    with journal.path.open("ab") as handle:
        handle.write(b'{"seq":3,"kind":"tick","criterion_id":"pro')
    loaded = load_journal(journal.path)
    assert loaded.torn
    assert list(loaded.state.ticks) == ["manual.b"]
    resumed = Journal.resume(journal.path, operator="b", now=clock())
    resumed.note("after the crash", "b", T0)
    entries = lines(journal.path)
    assert [e["kind"] for e in entries] == ["session", "tick", "resumed", "note"]
    assert load_journal(journal.path).state.notes[0].text == "after the crash"


def test_a_complete_last_line_without_newline_is_kept(checklist: Checklist, tmp_path: Path) -> None:
    journal = Journal.create(tmp_path, checklist, operator="a", release=None, now=clock())
    journal.tick("manual.b", "a", T0)
    journal.close()
    journal.path.write_bytes(journal.path.read_bytes().rstrip(b"\n"))
    assert "manual.b" in load_journal(journal.path).state.ticks
    Journal.resume(journal.path, operator="b", now=clock()).untick("manual.b", "b", T0)
    assert [e["kind"] for e in lines(journal.path)] == ["session", "tick", "resumed", "untick"]


def test_damage_before_the_last_line_is_refused(checklist: Checklist, tmp_path: Path) -> None:
    journal = Journal.create(tmp_path, checklist, operator="a", release=None, now=clock())
    journal.tick("manual.b", "a", T0)
    journal.note("x", "a", T0)
    journal.close()
    raw = journal.path.read_text().splitlines()
    raw[1] = raw[1][:10]
    journal.path.write_text("\n".join(raw) + "\n")
    with pytest.raises(EvidenceError, match=r":2: damaged journal line"):
        load_journal(journal.path)


def test_not_a_journal(tmp_path: Path) -> None:
    path = tmp_path / "journal_x.jsonl"
    path.write_text('{"kind": "note"}\n')
    with pytest.raises(EvidenceError, match="not a gonogo journal"):
        load_journal(path)
    path.write_text("")
    with pytest.raises(EvidenceError, match="empty"):
        load_journal(path)


def test_a_closed_journal_refuses_appends(checklist: Checklist, tmp_path: Path) -> None:
    journal = Journal.create(tmp_path, checklist, operator="a", release=None, now=clock())
    journal.close()
    with pytest.raises(EvidenceError, match="closed"):
        journal.tick("manual.b", "a", T0)
    assert journal.state.ticks == {}


def test_names_never_collide(checklist: Checklist, tmp_path: Path) -> None:
    first = Journal.create(tmp_path, checklist, operator="a", release=None, now=clock())
    second = Journal.create(tmp_path, checklist, operator="a", release=None, now=clock())
    assert first.path != second.path
    assert second.path.name == "journal_20261126_100000_check_2.jsonl"


def test_find_resumable_matches_path_and_digest(checklist: Checklist, tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    assert find_resumable(evidence, checklist) is None
    journal = Journal.create(evidence, checklist, operator="alice", release=None, now=clock())
    journal.tick("manual.b", "alice", T0)
    assert find_resumable(evidence, checklist) is None  # its review still runs
    journal.close()  # the review is gone (quit or crashed)
    found = find_resumable(evidence, checklist)
    assert found is not None and found.path == journal.path
    assert "1 tick," in found.summary() and "alice" in found.summary()
    # The same file edited is another checklist: nothing to resume.
    assert checklist.path is not None
    checklist.path.write_text(CHECKLIST + "# edited\n")
    assert find_resumable(evidence, load_checklist(checklist.path)) is None


def test_find_resumable_skips_finalized_and_damaged(checklist: Checklist, tmp_path: Path) -> None:
    older = Journal.create(tmp_path, checklist, operator="a", release=None, now=clock())
    newer = Journal.create(tmp_path, checklist, operator="a", release=None, now=clock())
    os.utime(older.path, (1, 1))
    newer.finalize(Finalized("no_go_decision_x", "NO-GO", "NO-GO", ("x.txt",), "a", T0))
    (tmp_path / "journal_broken.jsonl").write_text("garbage\nmore garbage\n")
    older.close()
    newer.close()
    found = find_resumable(tmp_path, checklist)
    assert found is not None and found.path == older.path


def test_find_changed_names_the_session_of_an_earlier_version(
    checklist: Checklist, tmp_path: Path
) -> None:
    journal = Journal.create(tmp_path, checklist, operator="alice", release=None, now=clock())
    journal.tick("manual.b", "alice", T0)
    journal.close()
    assert find_changed(tmp_path, checklist) is None  # same bytes: resumable, not changed
    assert checklist.path is not None
    checklist.path.write_text(CHECKLIST + "# edited\n")
    edited = load_checklist(checklist.path)
    found = find_changed(tmp_path, edited)
    assert found is not None and found.path == journal.path and "1 tick," in found.summary()
    # A newer session of the edited file (finalized or not) answers for that path.
    newer = Journal.create(tmp_path, edited, operator="alice", release=None, now=clock())
    os.utime(journal.path, (1, 1))
    assert find_changed(tmp_path, edited) is None  # running
    newer.finalize(Finalized("no_go_decision_x", "NO-GO", "NO-GO", ("x.txt",), "a", T0))
    newer.close()
    assert find_changed(tmp_path, edited) is None  # finalized


def test_a_journal_a_running_review_holds_is_neither_offered_nor_reopened(
    checklist: Checklist, tmp_path: Path
) -> None:
    """Two reviews never append to one journal: the lock goes with the process."""
    running = Journal.create(tmp_path, checklist, operator="alice", release=None, now=clock())
    running.tick("manual.b", "alice", T0)
    assert journal_in_use(running.path)
    assert find_resumable(tmp_path, checklist) is None
    before = running.path.read_bytes()
    with pytest.raises(EvidenceError, match="another gonogo review has this session open"):
        Journal.resume(running.path, operator="bob", now=clock())
    assert running.path.read_bytes() == before  # nothing cut off, nothing appended
    running.tick("manual.c", "alice", T0)  # the running review carries on
    running.close()
    assert not journal_in_use(running.path)
    resumed = Journal.resume(running.path, operator="bob", now=clock())
    assert set(resumed.state.ticks) == {"manual.b", "manual.c"}
    resumed.close()


def test_a_killed_review_releases_its_journal(checklist: Checklist, tmp_path: Path) -> None:
    code = (
        "import os, sys\n"
        "from datetime import UTC, datetime\n"
        "from gonogo_tui.core.checklist import load_checklist\n"
        "from gonogo_tui.core.journal import Journal\n"
        "j = Journal.create(__import__('pathlib').Path(sys.argv[2]), load_checklist(sys.argv[1]),"
        " operator='a', release=None, now=lambda: datetime.now(UTC))\n"
        "print(j.path, flush=True)\n"
        "sys.stdin.read()\n"
    )
    assert checklist.path is not None
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(checklist.path), str(tmp_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stdout is not None
    path = Path(child.stdout.readline().strip())
    try:
        assert journal_in_use(path)
    finally:
        child.kill()
        child.wait(10)
    assert not journal_in_use(path)
    found = find_resumable(tmp_path, checklist)
    assert found is not None and found.path == path


def test_stale_ids_and_result_age(checklist: Checklist, tmp_path: Path) -> None:
    journal = Journal.create(tmp_path, checklist, operator="a", release=None, now=clock())
    journal.record_result(result(at=T0))
    assert result_age(journal.state.results["probe.a"], T0 + timedelta(seconds=10)) == 9.75
    assert journal.state.stale_ids(T0 + timedelta(seconds=300), 300) == set()
    assert journal.state.stale_ids(T0 + timedelta(seconds=301), 300) == {"probe.a"}
    journal.record_result(result(at=T0 + timedelta(seconds=100)))
    assert journal.state.stale_ids(T0 + timedelta(seconds=301), 300) == set()
    assert journal.state.stale_ids(T0 + timedelta(seconds=401), 300) == {"probe.a"}


def test_entry_kinds_are_documented() -> None:
    assert {kind.value for kind in EntryKind} == {
        "session",
        "resumed",
        "result",
        "tick",
        "untick",
        "waiver",
        "unwaive",
        "carried",
        "note",
        "focus",
        "release",
        "poll-answer",
        "poll-overrule",
        "finalizing",
        "finalized",
    }


def test_kill_9_loses_nothing_appended(checklist: Checklist, tmp_path: Path) -> None:
    """A process killed with SIGKILL right after appending leaves every line readable."""
    assert checklist.path is not None
    code = textwrap.dedent(
        f"""
        import sys, time
        from datetime import UTC, datetime
        from pathlib import Path
        from gonogo_tui.core.checklist import load_checklist
        from gonogo_tui.core.journal import Journal
        now = lambda: datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
        c = load_checklist({str(checklist.path)!r})
        j = Journal.create(Path({str(tmp_path)!r}), c, operator="a", release=None, now=now)
        j.tick("manual.b", "a", now(), "ticked")
        j.waive("probe.a", "a", now(), "reason")
        print(j.path, flush=True)
        time.sleep(60)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        path = Path(proc.stdout.readline().strip())
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    state = load_journal(path).state
    assert state.ticks["manual.b"].note == "ticked"
    assert state.waivers["probe.a"].reason == "reason"
