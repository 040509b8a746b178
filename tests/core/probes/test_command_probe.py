"""The `command` probe with real subprocesses: checks, shell, kills, huge output, grandchildren."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import textwrap
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.probes import command_run
from gonogo_tui.core.probes.base import OUTPUT_CAP, Observation, ProbeContext
from gonogo_tui.core.probes.command import CommandProbe
from gonogo_tui.core.probes.command_run import EXIT_GRACE
from gonogo_tui.core.redaction import Redactor

PY = sys.executable

# Writes its pid and a sleeping child's pid to argv[1], then sleeps.
HANGING_PARENT = textwrap.dedent(
    """
    import os, subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    with open(sys.argv[1] + ".tmp", "w") as handle:
        handle.write(f"{os.getpid()} {child.pid}")
    os.replace(sys.argv[1] + ".tmp", sys.argv[1])
    time.sleep(60)
    """
)


def _probe(**fields: Any) -> CommandProbe:
    return CommandProbe.model_validate({"kind": "command", **fields})


async def _run(root: Path, **fields: Any) -> Observation:
    return await _probe(**fields).run(ProbeContext(root=root, timeout=10))


def _alive(pid: int) -> bool:
    """Whether `pid` is a live process (zombies left to a non-reaping init count as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _wait_gone(pids: list[int], within: float = 5.0) -> list[int]:
    deadline = time.monotonic() + within
    while (alive := [pid for pid in pids if _alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.02)
    return alive


async def _read_pids(path: Path, within: float = 10.0) -> list[int]:
    deadline = time.monotonic() + within
    while not path.exists():
        assert time.monotonic() < deadline, "the command never wrote its pids"
        await asyncio.sleep(0.01)
    return [int(pid) for pid in path.read_text().split()]


async def test_exit_zero_passes(tmp_path: Path) -> None:
    observation = await _run(tmp_path, command=[PY, "-c", "print('hello')"])
    assert observation.ok
    assert observation.value == "exit 0"
    assert "hello" in observation.output


async def test_unexpected_exit_code_fails(tmp_path: Path) -> None:
    observation = await _run(tmp_path, command=[PY, "-c", "import sys; sys.exit(3)"])
    assert not observation.ok
    assert observation.value == "exit 3"
    assert observation.detail == "exit 3 (expected exit 0)"


async def test_failed_exit_names_the_last_line_of_stderr_then_stdout(tmp_path: Path) -> None:
    """Two failures of one command must not look alike: the detail quotes what it last
    said, stderr first, redacted before it is cut."""
    secret = "hunter2-" + "x" * 20
    script = (
        "import sys; print('starting'); "
        "print('warn: slow', file=sys.stderr); "
        f"print('error: no such table: deploys (token {secret})', file=sys.stderr); "
        "print('  ', file=sys.stderr); sys.exit(1)"
    )
    ctx = ProbeContext(root=tmp_path, timeout=10, redactor=Redactor([secret]))
    failed = await _probe(command=[PY, "-c", script]).run(ctx)
    assert not failed.ok
    assert failed.detail.startswith(
        "exit 1 (expected exit 0): error: no such table: deploys (token "
    )
    assert secret not in failed.detail
    assert secret[:6] not in failed.detail
    only_stdout = await _run(
        tmp_path, command=[PY, "-c", "print('step 1'); print('disk full'); raise SystemExit(2)"]
    )
    assert only_stdout.detail == "exit 2 (expected exit 0): disk full"
    long_line = await _run(
        tmp_path, command=[PY, "-c", "import sys; sys.stderr.write('e' * 5000); sys.exit(1)"]
    )
    assert len(long_line.detail) < 200


async def test_expected_exit_code_and_any(tmp_path: Path) -> None:
    script = [PY, "-c", "import sys; sys.exit(2)"]
    assert (await _run(tmp_path, command=script, exit_code=2)).ok
    assert (await _run(tmp_path, command=script, exit_code=None)).ok


async def test_stdout_and_stderr_regexes(tmp_path: Path) -> None:
    script = [
        PY,
        "-c",
        "import sys; print('Tests: 412 passed'); print('warn: slow', file=sys.stderr)",
    ]
    passing = await _run(
        tmp_path, command=script, stdout=[r"^Tests: \d+ passed$"], stderr=["warn: slow"]
    )
    assert passing.ok
    assert "--- stderr ---" in passing.output
    # The value is what the pattern matched, not the exit code (issue 22); the code stays
    # in the detail.
    assert passing.value == "Tests: 412 passed"
    assert passing.detail == "exit 0, output matches 2 pattern(s)"
    failing = await _run(tmp_path, command=script, stdout=[r"^Tests: \d+ passed, 0 failed$"])
    assert not failing.ok
    assert failing.value == "no match"
    # The closest line is named; no pattern is proposed, since the line does not say
    # `0 failed` (a pattern fitted to it would ask less).
    assert failing.detail == (
        r"stdout has no match for /^Tests: \d+ passed, 0 failed$/; exit 0;"
        " closest line 1: 'Tests: 412 passed'"
    )
    assert failing.suggestions == ()


@pytest.mark.parametrize(("percent", "ok"), [("96.4", True), ("95", True), ("94.99", False)])
async def test_extract_coverage_number(tmp_path: Path, percent: str, ok: bool) -> None:
    report = (
        "File      | % Stmts | % Branch\\n"
        "----------|---------|---------\\n"
        f"All files |   {percent} |    88.1\\n"
    )
    observation = await _run(
        tmp_path,
        command=[PY, "-c", f"print('{report}')"],
        extract={"regex": r"^All files\s*\|\s*([\d.]+)", "compare": ">= 95", "unit": "%"},
    )
    assert observation.ok is ok
    assert observation.value == f"{percent}%"
    assert ("expected >= 95%" in observation.detail) is not ok


async def test_extract_without_match_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ProbeError, match="stdout has no match"):
        await _run(
            tmp_path,
            command=[PY, "-c", "print('no coverage here')"],
            extract={"regex": r"All files\s*\|\s*([\d.]+)", "compare": ">= 95"},
        )


async def test_shell_runs_through_sh_and_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="gonogo_tui.core.probes.command_run"):
        observation = await _run(
            tmp_path, command="echo one | tr o O && exit 0", shell=True, stdout=["^One$"]
        )
    assert observation.ok
    assert any("/bin/sh" in record.getMessage() for record in caplog.records)


async def test_cwd_and_env(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    observation = await _run(
        tmp_path,
        command=[
            PY,
            "-c",
            "import os; print(os.getcwd(), os.environ['GONOGO_X'], 'PATH' in os.environ)",
        ],
        cwd="app",
        env={"GONOGO_X": "forty-two"},
        stdout=[r"app forty-two True$"],
    )
    assert observation.ok, observation.detail


async def test_missing_command_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ProbeError, match="command not found: no-such-tool-xyz"):
        await _run(tmp_path, command=["no-such-tool-xyz", "--version"])


async def test_missing_cwd_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ProbeError, match="working directory not found"):
        await _run(tmp_path, command=[PY, "-c", "pass"], cwd="nowhere")


async def test_cancelled_command_is_killed_with_its_children(tmp_path: Path) -> None:
    pid_file = tmp_path / "pids"
    task = asyncio.create_task(_run(tmp_path, command=[PY, "-c", HANGING_PARENT, str(pid_file)]))
    parent, child = await _read_pids(pid_file)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The probe waited for its own child: it is reaped already.
    with pytest.raises(ProcessLookupError):
        os.kill(parent, 0)
    assert _wait_gone([child]) == []


async def test_a_command_cancelled_while_starting_leaves_nothing_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cancelled before its start completed (`R` pressed again at once), the probe once let
    asyncio kill only the shell: its `sleep 60 &` ran on after the meeting."""
    pid_file = tmp_path / "grandchild"
    script = f"sleep 60 & echo $! > {pid_file}.tmp && mv {pid_file}.tmp {pid_file}; sleep 60"
    task: asyncio.Task[Observation] | None = None
    connected = command_run._CaptureProtocol.connection_made

    def connection_made(self: Any, transport: Any) -> None:
        deadline = time.monotonic() + 10
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.01)  # the grandchild runs before the start completes
        assert task is not None
        task.cancel()
        connected(self, transport)

    monkeypatch.setattr(command_run._CaptureProtocol, "connection_made", connection_made)
    task = asyncio.create_task(_run(tmp_path, command=["/bin/sh", "-c", script]))
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _wait_gone([int(pid_file.read_text())]) == []


async def test_timed_out_command_is_killed(tmp_path: Path) -> None:
    pid_file = tmp_path / "pids"
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(1.0):
            await _run(tmp_path, command=[PY, "-c", HANGING_PARENT, str(pid_file)])
    assert time.monotonic() - started < 3
    parent, child = await _read_pids(pid_file, within=0)
    with pytest.raises(ProcessLookupError):
        os.kill(parent, 0)
    assert _wait_gone([child]) == []


async def test_huge_output_is_capped_and_memory_bounded(tmp_path: Path) -> None:
    writer = (
        "import sys\n"
        "chunk = b'x' * (1 << 20)\n"
        "for _ in range(200): sys.stdout.buffer.write(chunk)\n"
        "sys.stdout.buffer.write(b'\\nDONE 200\\n')\n"
    )
    tracemalloc.start()
    try:
        observation = await _run(tmp_path, command=[PY, "-c", writer], stdout=["^DONE 200$"])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert observation.ok, observation.detail
    assert len(observation.output) < OUTPUT_CAP + 500
    assert "DONE 200" in observation.output
    assert str(200 * (1 << 20) + 10) in observation.output
    assert peak < 32 * 1024 * 1024, f"peak {peak} bytes"


async def test_grandchild_holding_the_pipe_does_not_hang(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild"
    script = textwrap.dedent(
        f"""
        import subprocess, sys
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        open({str(pid_file)!r}, "w").write(str(child.pid))
        print("parent done", flush=True)
        """
    )
    started = time.monotonic()
    observation = await _run(tmp_path, command=[PY, "-c", script], stdout=["parent done"])
    assert time.monotonic() - started < EXIT_GRACE + 2
    assert observation.ok
    assert _wait_gone([int(pid_file.read_text())]) == []


async def test_escaped_grandchild_is_cut_off_after_the_grace(tmp_path: Path) -> None:
    pid_file = tmp_path / "escaped"
    script = textwrap.dedent(
        f"""
        import subprocess, sys
        child = subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True
        )
        open({str(pid_file)!r}, "w").write(str(child.pid))
        print("parent done", flush=True)
        """
    )
    started = time.monotonic()
    try:
        observation = await _run(tmp_path, command=[PY, "-c", script], stdout=["parent done"])
        elapsed = time.monotonic() - started
    finally:
        if pid_file.exists():
            os.kill(int(pid_file.read_text()), 9)
    # Its own session escapes the group kill; only the grace bounds the wait.
    assert EXIT_GRACE <= elapsed < EXIT_GRACE + 2
    assert observation.ok


async def test_an_extract_that_finds_no_value_names_the_line_and_the_regex_that_reads_it(
    tmp_path: Path,
) -> None:
    script = [PY, "-c", "print('Summary'); print('Lines covered: 96.4 %'); print('done')"]
    with pytest.raises(ProbeError) as raised:
        await _run(
            tmp_path,
            command=script,
            extract={"regex": r"All files\s*\|\s*([\d.]+)", "compare": ">= 95"},
        )
    assert "line 2: 'Lines covered: 96.4 %'" in str(raised.value)
    (fitted,) = raised.value.suggestions
    assert (fitted.field, fitted.found) == ("extract.regex", r"All files\s*\|\s*([\d.]+)")
    assert fitted.suggested is not None and fitted.suggested.endswith(r"([\d.]+)")
    # The fitted regex reads the same number; the comparison is the one written.
    fixed = await _run(
        tmp_path, command=script, extract={"regex": fitted.suggested, "compare": ">= 95"}
    )
    assert (fixed.ok, fixed.value) == (True, "96.4")


async def test_a_marker_is_fitted_only_when_the_line_says_the_same(tmp_path: Path) -> None:
    said = [PY, "-c", "print('build 7'); print('Release status: APPROVED (CAB-12)')"]
    approved = await _run(tmp_path, command=said, stdout=[r"^status:\s*approved$"])
    (fitted,) = approved.suggestions
    assert fitted.suggested == r"(?mi)^[ \t>*_#|-]*Release[ \t]+status:[^\n]*?APPROVED"
    negated = [PY, "-c", "print('Release status: not yet APPROVED')"]
    not_yet = await _run(tmp_path, command=negated, stdout=[r"^status:\s*approved$"])
    assert not_yet.suggestions == ()  # the words are there, and say the opposite
    rejected = [PY, "-c", "print('Status: REJECTED')"]
    refused = await _run(tmp_path, command=rejected, stdout=[r"^status:\s*approved$"])
    assert "closest line 1: 'Status: REJECTED'" in refused.detail
    assert refused.suggestions == ()  # a pattern fitted to it would accept a rejection
    silent = await _run(tmp_path, command=[PY, "-c", "print('ok')"], stdout=["^approved$"])
    assert silent.detail.endswith("; last line: 'ok'")


async def test_a_failed_command_names_where_its_missing_file_arguments_are(
    tmp_path: Path,
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "validation-signoff.md").write_text("x\n")
    (tmp_path / "SUMMARY.txt").write_text("x\n")
    argv = ["ls", "--", "SUMMARY.txt", "docs/VALIDATION_SIGNOFF.md"]
    failed = await _run(tmp_path, command=argv)
    assert failed.detail.startswith("exit 2 (expected exit 0): ls: cannot access")
    assert failed.detail.endswith(
        "; docs/VALIDATION_SIGNOFF.md is missing (found elsewhere: docs/validation-signoff.md)"
    )
    assert [(s.field, s.found, s.suggested) for s in failed.suggestions] == [
        ("command[3]", "docs/VALIDATION_SIGNOFF.md", "docs/validation-signoff.md")
    ]
    # A command that exits as expected is not looked around, whatever its arguments.
    quiet = await _run(tmp_path, command=["ls", "--", "SUMMARY.txt"], stdout=["nothing"])
    assert quiet.suggestions == () and "missing" not in quiet.detail


async def test_a_command_run_outside_the_root_is_not_looked_around(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "SIGNOFF.md").write_text("x\n")
    probe = _probe(command=["ls", "--", "signoff.md"], cwd="..")
    observed = await probe.run(ProbeContext(root=root, timeout=10, allow_outside_root=True))
    assert not observed.ok and "missing" not in observed.detail
    assert observed.suggestions == ()
