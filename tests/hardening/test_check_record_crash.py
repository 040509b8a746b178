"""Issue 7 for `gonogo check --record`: after a kill -9 at any point, and the next gonogo
command in that evidence folder, the folder holds one whole, sealed, verifiable record or
none; never half a record, an overwritten file or a second copy.

The first test kills the command's record writing (`check._write_record`) before each of
its file-system calls in turn, then runs the next command: `gonogo check --record`,
`gonogo seal` or what `gonogo review` runs first. The second kills a real `gonogo check
--record` process with SIGKILL while it waits for the ledger lock the test holds (its files
written, not yet sealed), with no sleep to pick the moment. The others cover unusable plan
files and the commands that complete or list pending records.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from gonogo_tui import cli
from gonogo_tui.commands import check
from gonogo_tui.commands.exit_codes import EXIT_LEDGER, EXIT_OK, EXIT_POLICY, exit_code
from gonogo_tui.core.checklist import Checklist, load_checklist
from gonogo_tui.core.evaluation import Evaluation, Tick, evaluate
from gonogo_tui.core.records.build import build_record
from gonogo_tui.core.records.layout import pending_plan_name
from gonogo_tui.core.records.pending import RECORDS_LOCK_NAME, complete_pending, read_plan
from gonogo_tui.core.records.plan import RecordPlan, plan_record
from gonogo_tui.core.signing import verify_ledger
from tests.core.signing.helpers import environment_without_agent, make_key, public_line
from tests.hardening.kill9 import killed_at
from tests.hardening.test_crash_resume import (
    OPERATOR,
    T0,
    check_whole,
    files_under,
    probe_results,
    write_checklist,
)

HIDDEN_OK = {".ledger.lock", RECORDS_LOCK_NAME}
"""The hidden files a complete evidence folder may hold: the two locks."""
COMPLETED = re.compile(r"gonogo: completed the (GO|NO-GO) record (\S+) that an interrupted run")
NEXT_COMMANDS = ("check", "seal", "review")
"""What runs after the kill, in turn: `gonogo check --record`, `gonogo seal RECORD` (when a
plan file is there), or what `gonogo review` runs before its screen opens."""
DEADLINE = 30.0


def check_args(checklist: Path, evidence: Path, *extra: str) -> list[str]:
    return [
        "check", str(checklist), "--record", "--evidence-dir", str(evidence),
        "--operator", OPERATOR, *extra,
    ]  # fmt: skip


def evaluation_of(checklist: Checklist) -> Evaluation:
    ticks = {cid: Tick(cid, OPERATOR, T0) for cid in ("oncall", "backup", "comms")}
    return evaluate(checklist, probe_results(), ticks)


def write_check_record(checklist: Checklist, evidence: Path, decided_at: datetime = T0) -> Path:
    """`gonogo check --record`'s own record writing (decided at T0 unless told otherwise)."""
    args = cli.build_parser()[0].parse_args(check_args(Path("c.yaml"), evidence))
    return check._write_record(
        checklist, evaluation_of(checklist), probe_results(), args, OPERATOR, decided_at
    )


def visible_new(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {n for n in set(after) - set(before) if not Path(n).name.startswith(".")}


def check_clean(evidence: Path, context: str) -> None:
    """No plan file, no temp file: only records, the ledger and the two locks."""
    leftovers = [
        str(p.relative_to(evidence))
        for p in evidence.rglob("*")
        if p.name.startswith("pending_") or (p.name.startswith(".") and p.name not in HIDDEN_OK)
    ]
    assert not leftovers, f"{context}: left behind {leftovers}"


def check_after_kill(
    evidence: Path,
    before: dict[str, bytes],
    reference: dict[str, bytes],
    plan: RecordPlan,
    context: str,
) -> str:
    """Right after the kill: earlier files untouched; the record's files each whole and as an
    uninterrupted run writes them, the .txt only once every other file is there, and none
    without a plan file unless the record is whole. Returns what the kill left."""
    after = files_under(evidence)
    for name, data in before.items():
        if name == "ledger.jsonl":
            assert after[name] in (data, reference[name]), f"{context}: ledger is neither"
        else:
            assert after[name] == data, f"{context}: {name} changed"
    plan_file = pending_plan_name(plan.stem)
    new = visible_new(before, after) - {plan_file}
    for name in new:
        assert after[name] == reference[name], f"{context}: {name} is partial or different"
    if plan.txt in new:
        assert {name for name, _ in plan.files} <= new, f"{context}: the .txt before the rest"
    if plan_file in after:
        assert read_plan(evidence / plan_file).plan == plan, context
        return "pending"
    if not new:
        return "none"
    assert new == visible_new(before, reference) - {plan_file}, f"{context}: not whole: {new}"
    assert after["ledger.jsonl"] == reference["ledger.jsonl"], f"{context}: not sealed"
    return "whole"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_next_command(
    command: str,
    checklist: Path,
    evidence: Path,
    plan: RecordPlan,
    capsys: pytest.CaptureFixture[str],
) -> str:
    """Run the next gonogo command in the folder; returns its stderr."""
    if command == "check":
        code, _, err = run_cli(capsys, *check_args(checklist, evidence))
        assert code == 1, err  # the crash checklist's probes find nothing on port 9: NO-GO
    elif command == "seal":
        code, out, err = run_cli(capsys, "seal", str(evidence / plan.txt))
        assert code == 0 and f"sealed {plan.stem}" in out, err
    else:
        from gonogo_tui.commands.common import tell_completed

        complete_pending(evidence, on_completed=tell_completed)  # review.run, first thing
        err = capsys.readouterr().err
    return err


def record_folders(tmp_path: Path) -> tuple[Path, Checklist, Path, RecordPlan, dict[str, bytes]]:
    """The crash checklist; a folder holding an earlier run's sealed record (so the new one
    is the ledger's second entry); the new record's plan in it; and every file of the
    folder once an uninterrupted `gonogo check --record` has written that record."""
    checklist_path = write_checklist(tmp_path, None)
    checklist = load_checklist(checklist_path, environ={})
    base = tmp_path / "base"
    write_check_record(checklist, base, T0 - timedelta(days=1))
    record = build_record(checklist, evaluation_of(checklist), operator=OPERATOR, decided_at=T0)
    plan = plan_record(record, base)
    reference_dir = tmp_path / "reference"
    shutil.copytree(base, reference_dir)
    write_check_record(checklist, reference_dir)
    return checklist_path, checklist, base, plan, files_under(reference_dir)


@pytest.mark.slow
def test_kill_9_at_every_step_of_check_record_then_one_whole_record_or_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checklist_path, checklist, base, plan, reference = record_folders(tmp_path)
    allowed = tmp_path / "allowed_signers"
    allowed.write_text("")
    before = files_under(base)
    outcomes: Counter[str] = Counter()
    for kill_at in range(400):
        evidence = tmp_path / f"kill{kill_at}"
        shutil.copytree(base, evidence)
        status = killed_at(
            kill_at, lambda evidence=evidence: lambda: write_check_record(checklist, evidence)
        )
        context = f"killed before file-system call {kill_at}"
        if os.WIFEXITED(status):
            assert os.WEXITSTATUS(status) == 0, f"{context}: the child failed (see stderr)"
            assert files_under(evidence) == reference, context
            check_clean(evidence, "uninterrupted")
            outcomes["uninterrupted"] += 1
            break
        assert os.WTERMSIG(status) == signal.SIGKILL, context
        left = check_after_kill(evidence, before, reference, plan, context)
        outcomes[left] += 1
        command = NEXT_COMMANDS[kill_at % len(NEXT_COMMANDS)]
        if command == "seal" and left != "pending":
            command = "review"  # `gonogo seal` needs the record's name: only a plan gives it
        context += f", then {command}"
        err = run_next_command(command, checklist_path, evidence, plan, capsys)
        told = COMPLETED.findall(err)
        assert told == ([("NO-GO", plan.stem)] if left == "pending" else []), f"{context}: {err}"
        on_disk = files_under(evidence)
        if left == "none":
            assert not any(n.startswith(plan.stem) for n in on_disk), context
        else:
            # Exactly what an uninterrupted run writes: same names, bytes, statement, seal.
            for name in visible_new(before, reference):
                assert on_disk[name] == reference[name], f"{context}: {name}"
            check_whole(evidence, plan, allowed, context)
            code, _, err = run_cli(
                capsys, "verify", str(evidence / plan.txt), "--allowed-signers", str(allowed)
            )
            assert code == EXIT_POLICY and "missing approval" in err, f"{context}: {err}"
        ledger = verify_ledger(evidence)
        sealed = 1 + (left != "none") + (command == "check")
        assert exit_code(ledger.failure) == EXIT_OK and ledger.entries == sealed, (
            f"{context}: {ledger}"
        )
        assert not ledger.unsealed, context
        check_clean(evidence, context)
    assert outcomes["uninterrupted"] == 1, outcomes
    assert outcomes["none"] >= 1 and outcomes["whole"] >= 1, outcomes
    assert outcomes["pending"] >= 50, outcomes


@pytest.mark.slow
def test_kill_9_at_every_step_of_completing_a_pending_record(tmp_path: Path) -> None:
    """Completing is killed too, before each of its file-system calls in turn (the record
    left pending right after its plan file): the run after that still completes it whole."""
    _, checklist, base, plan, reference = record_folders(tmp_path)
    pending_after_kill(checklist, base)
    completions = 0
    for kill_at in range(400):
        evidence = tmp_path / f"kill{kill_at}"
        shutil.copytree(base, evidence)
        status = killed_at(kill_at, lambda evidence=evidence: lambda: complete_pending(evidence))
        context = f"completing killed before file-system call {kill_at}"
        completed = complete_pending(evidence)
        if os.WIFEXITED(status):
            assert os.WEXITSTATUS(status) == 0, f"{context}: the child failed (see stderr)"
            assert not completed, context
        else:
            assert [o.finalized.record_id for o in completed] in ([plan.stem], []), context
        on_disk = files_under(evidence)
        for name in visible_new(files_under(base), reference) | {"ledger.jsonl"}:
            assert on_disk[name] == reference[name], f"{context}: {name}"
        check_clean(evidence, context)
        completions += 1
        if os.WIFEXITED(status):
            break
    assert completions >= 50, completions


def hold_lock(path: Path) -> int:
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def waiting_for_lock(pid: int) -> bool:
    """Whether `pid` is blocked waiting for an flock (a `->` line of /proc/locks)."""
    lines = Path("/proc/locks").read_text().splitlines()
    return any("->" in line and f" {pid} " in f" {line} " for line in lines)


def kill_while_waiting(argv: list[str], cwd: Path, lock_path: Path) -> None:
    """Run gonogo with `argv` while the test holds the flock on `lock_path`, and SIGKILL it
    once /proc/locks shows it waiting for that lock."""
    lock = hold_lock(lock_path)
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "gonogo_tui", *argv],
            cwd=cwd,
            env=environment_without_agent(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + DEADLINE
        while not waiting_for_lock(process.pid):
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, f"gonogo never waited for {lock_path.name}"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=DEADLINE) == -signal.SIGKILL
        assert process.stderr is not None
        process.stderr.close()
    finally:
        os.close(lock)


def gonogo(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gonogo_tui", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment_without_agent(),
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


SIGNED_CHECKLIST = """\
title: Kill during record
policy:
  approvals:
    go_requires: [cto]
sections:
  - id: readiness
    title: Team Readiness
    criteria:
      - {id: on-call, title: On-call engineer identified and available, manual: true}
"""


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="needs /proc/locks (Linux)")
@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")
def test_sigkill_of_a_real_check_record_mid_write_is_completed_by_the_next_check(
    tmp_path: Path,
) -> None:
    """The process's files are written and it waits for the ledger lock the test holds: the
    kill lands between writing and sealing, every time."""
    (tmp_path / "w.yaml").write_text(SIGNED_CHECKLIST)
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    argv = ["check", "w.yaml", "--tick", "*", "--record", "--operator", "alice"]
    kill_while_waiting(argv, tmp_path, evidence / ".ledger.lock")
    [plan_file] = evidence.glob("pending_*.json")
    plan = read_plan(plan_file).plan
    written = {p.name for p in evidence.iterdir() if not p.name.startswith(".")}
    assert written == {plan_file.name, plan.json, plan.txt}, written  # whole files, unsealed
    verified = gonogo(
        "verify", str(evidence / plan.txt), "--allowed-signers", "/dev/null", cwd=tmp_path
    )
    assert verified.returncode == EXIT_LEDGER and "interrupted" in verified.stderr, verified
    listed = gonogo("verify-ledger", "evidence", cwd=tmp_path)
    assert listed.returncode == 0 and "1 pending" in listed.stdout, listed
    assert plan.stem in listed.stdout, listed

    after = gonogo(*argv, cwd=tmp_path)
    assert after.returncode == 0, after.stderr
    [line] = after.stderr.splitlines()
    assert COMPLETED.findall(line) == [("GO", plan.stem)], line
    check_clean(evidence, "after the next check")
    ledger = verify_ledger(evidence)
    assert exit_code(ledger.failure) == EXIT_OK and ledger.entries == 2 and not ledger.unsealed, (
        ledger
    )
    assert json.loads((evidence / "ledger.jsonl").read_text().splitlines()[0])["record_id"] == (
        plan.stem
    )
    for name, text in plan.files:
        assert (evidence / name).read_text() == text, name

    key = make_key(tmp_path / "keys", "alice")
    allowed = tmp_path / "trust" / "allowed_signers"
    allowed.parent.mkdir()
    allowed.write_text(f'alice@example.com namespaces="gonogo-decision" {public_line(key)}\n')
    record = str(evidence / plan.txt)
    signed = gonogo(
        "sign", record, "--as", "cto", "--principal", "alice@example.com", "--key", str(key),
        cwd=tmp_path,
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    verified = gonogo(
        "verify", record, "--allowed-signers", str(allowed), "--expect-decision", "GO",
        "--max-age", "1h", cwd=tmp_path,
    )  # fmt: skip
    assert verified.returncode == 0 and verified.stdout.startswith("OK "), verified.stderr


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="needs /proc/locks (Linux)")
def test_sigkill_of_a_real_check_record_waiting_to_start_leaves_nothing(tmp_path: Path) -> None:
    """Killed while another writer of the folder holds the record lock: no file of its
    record, no plan; the next run writes one record and has nothing to complete."""
    (tmp_path / "w.yaml").write_text(SIGNED_CHECKLIST)
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    argv = ["check", "w.yaml", "--tick", "*", "--record", "--operator", "alice"]
    kill_while_waiting(argv, tmp_path, evidence / RECORDS_LOCK_NAME)
    assert not [p.name for p in evidence.iterdir() if p.name != RECORDS_LOCK_NAME]
    after = gonogo(*argv, cwd=tmp_path)
    assert after.returncode == 0 and not after.stderr, after.stderr
    assert verify_ledger(evidence).entries == 1
    check_clean(evidence, "after the next check")


@pytest.fixture
def crash_folder(tmp_path: Path) -> Iterator[tuple[Path, Path, Checklist]]:
    """An evidence folder with one sealed record, and the crash checklist."""
    checklist_path = write_checklist(tmp_path, None)
    checklist = load_checklist(checklist_path, environ={})
    evidence = tmp_path / "evidence"
    write_check_record(checklist, evidence, T0 - timedelta(days=1))
    yield checklist_path, evidence, checklist


def pending_after_kill(checklist: Checklist, evidence: Path, later: int = 0) -> RecordPlan:
    """Leave a pending record: `gonogo check --record` killed at the first file-system call
    that finds its plan file written, or `later` calls after that one."""
    for kill_at in range(1, 100):
        status = killed_at(kill_at, lambda: lambda: write_check_record(checklist, evidence))
        assert os.WIFSIGNALED(status), "the kill came too late"
        plan_files = list(evidence.glob("pending_*.json"))
        if plan_files:
            break
    if later:
        status = killed_at(kill_at + later, lambda: lambda: write_check_record(checklist, evidence))
        assert os.WIFSIGNALED(status), "the kill came too late"
    [plan_file] = evidence.glob("pending_*.json")
    return read_plan(plan_file).plan


UNUSABLE_PLANS: dict[str, Callable[[dict[str, object]], object]] = {
    "not JSON": lambda plan: "{torn",
    "not a plan": lambda plan: {**plan, "format": "something/1"},
    "no decision": lambda plan: {k: v for k, v in plan.items() if k != "decision"},
    "a file outside the folder": lambda plan: {
        **plan,
        "plan": {**plan["plan"], "files": [{"name": "../x.json", "text": ""}]},  # type: ignore[dict-item]
    },
    "another record's plan": lambda plan: {
        **plan,
        "plan": {**plan["plan"], "stem": "go_decision_20200101_000000"},  # type: ignore[dict-item]
    },
}


@pytest.mark.parametrize("damage", sorted(UNUSABLE_PLANS))
@pytest.mark.parametrize("command", ["check", "review", "seal", "verify-ledger"])
def test_an_unusable_plan_file_is_one_line_exit_2_and_nothing_changes(
    damage: str,
    command: str,
    crash_folder: tuple[Path, Path, Checklist],
    capsys: pytest.CaptureFixture[str],
) -> None:
    checklist_path, evidence, checklist = crash_folder
    plan = pending_after_kill(checklist, evidence)
    plan_file = evidence / pending_plan_name(plan.stem)
    damaged = UNUSABLE_PLANS[damage](json.loads(plan_file.read_text()))
    plan_file.write_text(damaged if isinstance(damaged, str) else json.dumps(damaged))
    before = files_under(evidence)
    argv = {
        "check": check_args(checklist_path, evidence),
        "review": ["review", str(checklist_path), "--evidence-dir", str(evidence)],
        "seal": ["seal", str(evidence / plan.txt)],
        "verify-ledger": ["verify-ledger", str(evidence)],
    }[command]
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and not out, (out, err)
    [line] = err.splitlines()
    assert line.startswith(f"gonogo: {plan_file}: unusable record plan ("), line
    assert "Traceback" not in err
    assert files_under(evidence) == before


def test_a_plan_whose_file_holds_other_bytes_is_never_overwritten(
    crash_folder: tuple[Path, Path, Checklist], capsys: pytest.CaptureFixture[str]
) -> None:
    checklist_path, evidence, checklist = crash_folder
    plan = pending_after_kill(checklist, evidence)
    (evidence / plan.json).write_text("{}\n")  # someone else's file under the planned name
    before = files_under(evidence)
    code, _, err = run_cli(capsys, *check_args(checklist_path, evidence))
    assert code == 2
    [line] = err.splitlines()
    assert line.startswith(f"gonogo: {evidence / pending_plan_name(plan.stem)}: the interrupted")
    assert "exists already; evidence is never overwritten" in line, line
    temp_files = {name for name in before if name.endswith(".tmp")}  # debris, removed
    assert files_under(evidence) == {k: v for k, v in before.items() if k not in temp_files}


def test_review_completes_a_pending_record_before_its_screen_opens(
    crash_folder: tuple[Path, Path, Checklist],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gonogo_tui.commands import review
    from gonogo_tui.ui.app import GonogoApp

    checklist_path, evidence, checklist = crash_folder
    monkeypatch.setenv("TEXTUAL_FPS", "60")
    monkeypatch.setattr(review, "_log_to_file", lambda evidence_dir: None)  # keep pytest's logging
    plan = pending_after_kill(checklist, evidence, later=12)
    opened: list[int] = []

    def run_app(app: GonogoApp) -> None:
        opened.append(verify_ledger(evidence).entries)  # what the meeting starts from

    monkeypatch.setattr(GonogoApp, "run", run_app)
    code, _, err = run_cli(capsys, "review", str(checklist_path), "--evidence-dir", str(evidence))
    assert code == 0 and opened == [2], err
    assert COMPLETED.findall(err) == [("NO-GO", plan.stem)], err
    check_clean(evidence, "review")


def test_a_new_record_never_takes_a_name_a_plan_file_holds(
    crash_folder: tuple[Path, Path, Checklist],
) -> None:
    _, evidence, checklist = crash_folder
    plan = pending_after_kill(checklist, evidence)
    record = build_record(checklist, evaluation_of(checklist), operator=OPERATOR, decided_at=T0)
    assert plan_record(record, evidence).stem == f"{plan.stem}_2"
