"""`gonogo history` over a ledger of 50 decisions written by the real record code
(`tests/core/history_ledger.py` says what each decision holds)."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gonogo_tui.core.history import History, read_history
from tests.core.history_ledger import T0, generate, releases
from tests.core.signing.helpers import make_key
from tests.test_signing_cli import gonogo

COUNT = 50
NO_GO = [i for i in range(COUNT) if i % 10 == 3]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder whose evidence/ holds the 50 decisions (alice signs every other GO)."""
    base = tmp_path_factory.mktemp("history")
    key = make_key(base / "keys", "alice")
    generate(base / "evidence", COUNT, sign_key=key, sign_every=2)
    return base


@pytest.fixture(scope="module")
def history(folder: Path) -> History:
    return read_history(folder / "evidence")


def test_every_decision_in_ledger_order_with_its_release_and_sections(history: History) -> None:
    decisions = history.decisions
    assert [d.seq for d in decisions] == list(range(1, COUNT + 1))
    assert [d.release for d in decisions] == releases(COUNT)
    assert [d.decided_at for d in decisions] == [
        T0 + timedelta(days=i, minutes=10 + i) for i in range(COUNT)
    ]
    assert [i for i, d in enumerate(decisions) if d.decision == "NO-GO"] == NO_GO
    assert sum(d.decision == "GO" for d in decisions) == COUNT - len(NO_GO)
    assert {(d.sections_go, d.sections_total) for d in decisions if d.decision == "GO"} == {(3, 3)}
    assert {(d.sections_go, d.sections_total) for d in decisions if d.decision == "NO-GO"} == {
        (1, 3)
    }


def test_approvers_are_marked_signed_only_when_their_signature_is_there(history: History) -> None:
    for i, decision in enumerate(history.decisions):
        if i in NO_GO:
            assert decision.approvers == ()
            continue
        by_role = {a.role: a for a in decision.approvers}
        assert by_role["cto"].principal == "alice@example.com"
        assert by_role["cto"].signed is (i % 2 == 0), i
        assert by_role["devops-lead"].signed is False
        assert decision.other_signatures == ()


def test_waivers_count_releases_in_a_row_up_to_the_latest(history: History) -> None:
    coverage, lint = history.waivers
    assert (coverage.criterion, coverage.releases_in_a_row, coverage.times) == ("coverage", 6, 8)
    # Decisions 44..49: decision 44 re-decided release 1.39 after the NO-GO 43.
    assert coverage.since == releases(COUNT)[44] == "1.39"
    assert (coverage.last_by, coverage.last_reason) == ("olivia", "coverage is known flaky")
    assert (lint.criterion, lint.releases_in_a_row, lint.times, lint.since) == ("lint", 0, 1, "")


def test_criteria_that_erred_or_were_waived_most_often_come_first(history: History) -> None:
    assert [(u.criterion, u.errors, u.waivers) for u in history.unsteady] == [
        ("coverage", 0, 8),
        ("replica-lag", 8, 0),  # advisory, ERROR when i % 7 == 0
        ("smoke", 5, 0),
        ("lint", 0, 1),
    ]


def test_time_from_meeting_start_to_decision(history: History) -> None:
    minutes = [10 + i for i in range(COUNT)]
    assert history.times == tuple(60.0 * m for m in minutes)
    assert history.median_seconds == 60 * statistics.median(minutes)


def test_since_keeps_later_decisions_and_recounts_everything(folder: Path) -> None:
    since = (T0 + timedelta(days=40)).replace(hour=0)
    later = read_history(folder / "evidence", since=since)
    assert [d.seq for d in later.decisions] == list(range(41, COUNT + 1))
    assert later.skipped == 40
    (coverage,) = later.waivers
    assert (coverage.releases_in_a_row, coverage.times) == (6, 6)
    assert [(u.criterion, u.errors) for u in later.unsteady if u.errors] == [
        ("replica-lag", 2),  # 42 and 49
        ("smoke", 1),  # 43
    ]


def _run(folder: Path, *args: str, cache: Path | None = None) -> tuple[int, str, str]:
    env = {"GONOGO_CACHE_DIR": str(cache or folder / "cache")}
    done = gonogo("history", *args, cwd=folder, env=env)
    return done.returncode, done.stdout, done.stderr


def test_json_lists_every_decision_newest_first(folder: Path) -> None:
    code, out, err = _run(folder, "evidence", "--json", "--since", "2026-02-10")
    assert code == 0, err
    document = json.loads(out)
    assert set(document) == {
        "directory",
        "count",
        "skipped_before_since",
        "decisions",
        "waivers",
        "unsteady",
        "time_to_decision",
    }
    assert (document["count"], document["skipped_before_since"]) == (10, 40)
    newest = document["decisions"][0]
    assert newest == {
        "seq": 50,
        "record_id": "go_decision_20260219_105900",
        "decided_at": "2026-02-19T10:59:00.000Z",
        "release": "1.44",
        "decision": "GO",
        "sections_go": 3,
        "sections_total": 3,
        "approvers": [
            {"role": "cto", "principal": "alice@example.com", "vote": "approve", "signed": False},
            {
                "role": "devops-lead",
                "principal": "bob@example.com",
                "vote": "approve",
                "signed": False,
            },
        ],
        "other_signatures": [],
        "started_at": "2026-02-19T10:00:00.000Z",
        "seconds_to_decision": 3540.0,
        "waived": [{"criterion": "coverage", "by": "olivia", "reason": "coverage is known flaky"}],
        "erred": ["replica-lag"],
    }
    assert [d["seq"] for d in document["decisions"]] == list(range(50, 40, -1))
    assert document["waivers"][0]["releases_in_a_row"] == 6
    assert document["time_to_decision"] == {
        "count": 10,
        "median_seconds": 60.0 * 54.5,
        "max_seconds": 60.0 * 59,
    }


def test_text_names_the_waiver_run_and_the_flaky_candidates(folder: Path) -> None:
    code, out, err = _run(folder, "evidence", "--limit", "3")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].endswith("evidence: 50 decisions, 2026-01-01 .. 2026-02-19")
    assert lines[2] == "Decisions (newest first; 3 of 50, --limit 0 for all)"
    assert lines[3].startswith("  2026-02-19 10:59  1.44  GO        3/3    59m  cto alice@")
    assert "  2026-02-17 10:57  1.42" in lines[5] and "cto alice@example.com (unsigned)" in lines[5]
    assert "coverage  6 releases in a row since 1.39 (waived 8x" in out
    assert "replica-lag  ERROR 8, waived 0" in out
    assert "median 34m, longest 59m (50 decisions)" in out


def test_the_index_is_used_until_the_ledger_changes(folder: Path, tmp_path: Path) -> None:
    copy = tmp_path / "project"
    shutil.copytree(folder / "evidence", copy / "evidence")
    cache = tmp_path / "cache"
    first = _run(copy, "evidence", "--json", cache=cache)
    assert first[0] == 0 and list(cache.glob("history-*.json"))
    # Read from the index: a record's JSON is not read again while the ledger is the same.
    (copy / "evidence" / "go_decision_20260101_101000.json").unlink()
    assert _run(copy, "evidence", "--json", cache=cache) == first
    code, _, err = _run(copy, "evidence", "--no-cache", cache=cache)
    assert code == 2
    assert (
        err.endswith("go_decision_20260101_101000.json: missing (sealed in ledger entry 1)\n")
        and len(err.splitlines()) == 1
    )
    # A ledger that changed is checked again whatever the index holds.
    ledger = copy / "evidence" / "ledger.jsonl"
    ledger.write_bytes(ledger.read_bytes().replace(b'"decision":"GO"', b'"decision":"NO-GO"', 1))
    code, _, err = _run(copy, "evidence", cache=cache)
    assert code == 2 and "ledger.jsonl" in err and len(err.splitlines()) == 1


def test_bad_input_is_one_line_and_exit_2_and_an_empty_folder_says_so(tmp_path: Path) -> None:
    code, _, err = _run(tmp_path, "nowhere")
    assert (code, err) == (2, "gonogo: nowhere: no such folder\n")
    (tmp_path / "empty").mkdir()
    code, out, _ = _run(tmp_path, "empty")
    assert (code, out) == (0, "empty: no sealed decisions\n")
    code, _, err = _run(tmp_path, "empty", "--since", "yesterday")
    assert code == 2 and "'yesterday' is not a date" in err
    (tmp_path / "empty" / "ledger.jsonl").write_text('{"seq": 1}\n')
    code, _, err = _run(tmp_path, "empty")
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith("gonogo: empty/ledger.jsonl: ledger.jsonl line 1")


def test_since_accepts_a_date_or_a_zoned_time() -> None:
    from gonogo_tui.commands.history import since_arg

    assert since_arg("2026-02-10") == datetime(2026, 2, 10, tzinfo=UTC)
    assert since_arg("2026-02-10T12:00:00+02:00") == datetime(2026, 2, 10, 10, tzinfo=UTC)


def test_history_from_the_index_imports_neither_pydantic_nor_cryptography(
    folder: Path, tmp_path: Path
) -> None:
    """The 10,000-record target (docs/benchmarks.md): pydantic cost `gonogo history` 0.3 s of
    start-up for one duration formatter, `cryptography` is needed only to check a changed
    ledger."""
    cache = tmp_path / "cache"
    assert _run(folder, "evidence", cache=cache)[0] == 0  # the index is built
    code = (
        "import sys\n"
        "from gonogo_tui.cli import main\n"
        f"main(['history', {str(folder / 'evidence')!r}, '--json'])\n"
        "heavy = ('pydantic', 'cryptography', 'yaml', 'textual', 'rich')\n"
        "print(','.join(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "GONOGO_CACHE_DIR": str(cache)},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["count"] == COUNT
    assert done.stderr.strip() == ""


def test_an_index_of_an_earlier_format_is_rebuilt(folder: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = _run(folder, "evidence", "--json", cache=cache)
    (index,) = cache.glob("history-*.json")
    data = json.loads(index.read_text())
    assert data["format"] == "gonogo-history-index/3"
    # A /2 index named no approver for a plain GO nobody voted on (the `.txt` names its
    # operator); a /1 one had no seconds to decision either.
    for old in ("1", "2"):
        stale = {**data, "format": f"gonogo-history-index/{old}"}
        stale["records"] = {
            key: {**summary, "approvals": [], "seconds_to_decision": None}
            for key, summary in data["records"].items()
        }
        index.write_text(json.dumps(stale))
        assert _run(folder, "evidence", "--json", cache=cache) == first
        assert json.loads(index.read_text())["format"] == "gonogo-history-index/3"
