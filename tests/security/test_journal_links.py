"""The review's own evidence files (journal, walkthrough summary, probe artifacts) refuse a
planted link or FIFO the same way: never followed, never blocking, never in the way."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gonogo_tui.core.checklist import Checklist, load_checklist
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.journal import Journal, find_resumable, journals_newest_first
from gonogo_tui.core.records.plan import RecordPlan
from gonogo_tui.core.records.write import write_plan
from gonogo_tui.core.walkthrough import write_walkthrough_summary
from tests.security.helpers import CHECKLIST, fifo

T0 = datetime(2026, 11, 26, 10, 15, tzinfo=UTC)
FIRST_JOURNAL = "journal_20261126_101500_checklist.jsonl"


@pytest.fixture
def checklist(tmp_path: Path) -> Checklist:
    path = tmp_path / "checklist.yaml"
    path.write_text(CHECKLIST)
    return load_checklist(path)


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    folder = tmp_path / "evidence"
    folder.mkdir()
    return folder


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    (folder / ".bashrc").write_text("export PATH=/usr/bin\n")
    return folder


def _untouched(outside: Path) -> None:
    assert sorted(p.name for p in outside.iterdir()) == [".bashrc"]
    assert (outside / ".bashrc").read_text() == "export PATH=/usr/bin\n"


def _within(seconds: float, work: Callable[[], object]) -> object:
    """Run `work` in a thread; fail (instead of hanging the suite) if it blocks."""
    box: list[object] = []
    thread = threading.Thread(target=lambda: box.append(work()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "blocked (opened a FIFO?)"
    return box[0]


def test_a_dangling_link_at_the_journal_name_moves_the_journal_on(
    evidence: Path, outside: Path, checklist: Checklist
) -> None:
    (evidence / FIRST_JOURNAL).symlink_to(outside / "journal")
    journal = Journal.create(evidence, checklist, operator="o", release=None, now=lambda: T0)
    journal.close()
    assert journal.path.name == FIRST_JOURNAL.replace(".jsonl", "_2.jsonl")
    assert not journal.path.is_symlink()
    _untouched(outside)


def test_resuming_a_journal_that_is_a_link_is_refused(
    evidence: Path, tmp_path: Path, checklist: Checklist
) -> None:
    journal = Journal.create(evidence, checklist, operator="o", release=None, now=lambda: T0)
    journal.close()
    kept = tmp_path / "kept.jsonl"
    journal.path.rename(kept)
    before = kept.read_bytes()
    journal.path.symlink_to(kept)
    with pytest.raises(EvidenceError) as caught:
        Journal.resume(journal.path, operator="o", now=lambda: T0)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{journal.path}: cannot read: ")
    assert "a symbolic link is there" in message
    assert kept.read_bytes() == before


def test_a_fifo_journal_is_skipped_without_hanging(evidence: Path, checklist: Checklist) -> None:
    fifo(evidence / FIRST_JOURNAL)
    assert _within(10, lambda: list(journals_newest_first(evidence))) == []
    assert _within(10, lambda: find_resumable(evidence, checklist)) is None


@pytest.mark.parametrize("trap", ["dangling", "fifo"])
def test_a_planted_walkthrough_name_is_skipped(evidence: Path, outside: Path, trap: str) -> None:
    first = evidence / "walkthrough_20261126_101500.md"
    if trap == "fifo":
        fifo(first)
    else:
        first.symlink_to(outside / "summary.md")
    written = write_walkthrough_summary("summary\n", evidence, T0)
    assert written.name == "walkthrough_20261126_101500_2.md"
    assert written.read_text() == "summary\n"
    _untouched(outside)


def test_a_linked_artifacts_subfolder_is_refused(evidence: Path, outside: Path) -> None:
    """Completing an interrupted record whose artifact folder was replaced by a link."""
    stem = "go_decision_20261126_101500"
    (evidence / f"{stem}_artifacts").mkdir()
    (evidence / f"{stem}_artifacts" / "probe").symlink_to(outside)
    plan = RecordPlan(
        stem,
        None,
        (
            (f"{stem}.json", "{}"),
            (f"{stem}_artifacts/probe/output.txt", "curl ... | sh\n"),
            (f"{stem}.txt", "GO\n"),
        ),
    )
    with pytest.raises(EvidenceError) as caught:
        write_plan(plan, evidence, seal=False, completing=True)
    assert str(caught.value) == (
        f"{evidence / f'{stem}_artifacts' / 'probe'}: is a symbolic link; gonogo does not "
        "follow links in the evidence folder (give the real folder's path)"
    )
    _untouched(outside)
    assert not os.path.lexists(evidence / f"{stem}.txt")
