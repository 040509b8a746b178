"""`gonogo demo` as a subprocess: the three scenarios' exit codes, latency, and that nothing is
left running or on disk afterwards, also after SIGINT and SIGTERM."""

from __future__ import annotations

import json
import os
import queue
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from gonogo_tui.demo.scenarios import SCENARIOS, Scenario
from tests.demo.leaks import alive, descendants, mentioning, processes
from tests.servers import wait_until

if TYPE_CHECKING:
    from tests.ui.test_tmux import Tmux

REPO = Path(__file__).resolve().parents[2]
DEMO = [sys.executable, "-m", "gonogo_tui", "demo"]
SHIPPED_CHECKLIST = "checklists/spark-trading.yaml"
SECRET_SHAPES = re.compile(r"ghp_demo|glsa_demo|gonogo:(?!\*\*\*@)[^@\s]+@")
"""The demo's tokens and the probe role's DSN password, which must never be printed."""


@dataclass(frozen=True)
class Sandbox:
    """A TMPDIR of the demo's own: whatever the demo leaves behind shows up here, whatever
    other test runs on the machine do in /tmp meanwhile."""

    tmpdir: Path

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "TMPDIR": str(self.tmpdir)}

    def assert_left_nothing(self) -> None:
        """Polls briefly (the demo has exited, so its cleanup is done) for leftovers."""

        def clean() -> bool:
            return not any(self.tmpdir.iterdir()) and not mentioning(str(self.tmpdir))

        try:
            wait_until(clean, timeout=3, interval=0.05, message="no leftovers")
        except TimeoutError:
            left = sorted(str(path) for path in self.tmpdir.iterdir())
            pytest.fail(f"left behind: {left}, processes {mentioning(str(self.tmpdir))}")


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    # Under /tmp and traversable: PostgreSQL runs as `postgres` inside the demo's dir.
    tmpdir = Path(tempfile.mkdtemp(prefix="gonogo-demotest-", dir="/tmp"))
    tmpdir.chmod(0o711)
    try:
        box = Sandbox(tmpdir)
        yield box
        box.assert_left_nothing()
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def no_go_sections(document: dict[str, object]) -> list[str]:
    sections = document["sections"]
    assert isinstance(sections, list)
    return [section["id"] for section in sections if section["status"] != "GO"]


@pytest.mark.parametrize(
    ("scenario", "exit_code", "decision"),
    [("green", 0, "GO"), ("review", 3, "REVIEW"), ("red", 1, "NO-GO")],
)
def test_check_scenarios_exit_with_the_decision_and_leave_nothing(
    scenario: str, exit_code: int, decision: str, sandbox: Sandbox
) -> None:
    done = subprocess.run(
        [*DEMO, "--scenario", scenario, "--check", "--tick", "*", "--json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=sandbox.env,
        timeout=60,
        check=False,
    )
    assert done.returncode == exit_code, done.stderr
    document = json.loads(done.stdout)
    assert document["decision"] == decision
    assert document["sections_total"] == 10
    expected = set(SCENARIOS[Scenario(scenario)].no_go_sections)
    if scenario == "review":
        assert no_go_sections(document) == ["security-headers"]
    else:
        assert expected <= set(no_go_sections(document))
    assert SECRET_SHAPES.search(done.stdout + done.stderr) is None
    assert "GITHUB_TOKEN=***" in done.stderr


class DemoProcess:
    """A `gonogo demo --keep-running` in the background, its stderr read line by line."""

    def __init__(self, *args: str, env_file: Path, sandbox: Sandbox) -> None:
        self.env_file = env_file
        self.process = subprocess.Popen(
            [*DEMO, "--keep-running", "--env-file", str(env_file), *args],
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=sandbox.env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line)
            self.lines.put(line)

    def wait_for_line(self, prefix: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if line.startswith(prefix):
                return line
        pytest.fail(f"no line starting {prefix!r} within {timeout} s:\n{''.join(self.stderr)}")

    def variables(self) -> dict[str, str]:
        wait_until(self.env_file.exists, timeout=30, message="the env file")
        found = {}
        for line in self.env_file.read_text().splitlines():
            name, _, value = line.removeprefix("export ").partition("=")
            found[name] = shlex.split(value)[0]
        return found

    def stop(self, signum: signal.Signals) -> int:
        self.process.send_signal(signum)
        return self.process.wait(timeout=30)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def demo_factory(tmp_path: Path) -> Iterator[list[DemoProcess]]:
    started: list[DemoProcess] = []
    yield started
    for demo in started:
        demo.kill()


def test_latency_delays_answers_seed_commands_run_and_sigint_cleans_up(
    tmp_path: Path, sandbox: Sandbox, demo_factory: list[DemoProcess]
) -> None:
    demo = DemoProcess("--latency-ms", "150", env_file=tmp_path / "demo.env", sandbox=sandbox)
    demo_factory.append(demo)
    variables = demo.variables()
    root = demo.wait_for_line("demo:   --root ")
    assert root.split()[-1].startswith(f"{sandbox.tmpdir}/gonogo-demo-")
    demo.wait_for_line("demo: running")
    servers = descendants(demo.process.pid)
    assert len(servers) >= 3, "postgres, pgbouncer and prometheus run as children"
    token = {"Authorization": f"Bearer {variables['GRAFANA_TOKEN']}"}
    with httpx.Client(trust_env=False, timeout=10) as client:
        for url, headers in [
            (f"{variables['APP_URL']}/", {}),
            (f"{variables['API_URL']}/api/features/status", {}),
            (f"{variables['GRAFANA_URL']}/api/dashboards/uid/risk-idempotency-pitr", token),
        ]:
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200
            assert 0.15 <= elapsed < 2.0, f"{url} answered in {elapsed:.3f} s"
    seed = subprocess.run(
        ["bash", str(REPO / "bench" / "seed_sequential.sh"), variables["GONOGO_DEMO_ROOT"]],
        capture_output=True,
        text=True,
        env={**sandbox.env, **variables},
        timeout=60,
        check=False,
    )
    assert seed.returncode == 0, seed.stderr
    for expected in (
        "Status: APPROVED FOR PRODUCTION",  # grep
        '"conclusion":"success"',  # gh run list, through HTTP_PROXY
        "All files",  # coverage summary
        "(1 row)",  # psql backup_status
        "Strict-Transport-Security: max-age=31536000",  # curl -I
        "204",  # the CSP report endpoint
        "FEATURE_OUTBOX=true",
        '"panels":10',  # Grafana through jq
        '"name":"SparkApiHighErrorRate","state":"inactive"',  # Prometheus rules through jq
        "| Primary ",  # on-call schedule
    ):
        assert expected in seed.stdout, expected
    assert seed.stderr == ""
    assert demo.stop(signal.SIGINT) == 130
    assert alive(servers) == set()
    assert not demo.env_file.exists()
    assert SECRET_SHAPES.search("".join(demo.stderr)) is None


def test_sigterm_during_start_up_stops_what_was_started(
    tmp_path: Path, sandbox: Sandbox, demo_factory: list[DemoProcess]
) -> None:
    demo = DemoProcess(env_file=tmp_path / "demo.env", sandbox=sandbox)
    demo_factory.append(demo)
    demo.wait_for_line("demo: Prometheus")  # PostgreSQL is being set up next
    servers = descendants(demo.process.pid)
    assert demo.stop(signal.SIGTERM) == 130
    assert alive(servers) == set()
    assert not demo.env_file.exists()
    assert "demo: ready\n" not in demo.stderr


def test_tick_without_check_is_a_usage_error() -> None:
    done = subprocess.run(
        [*DEMO, "--tick", "*"], capture_output=True, text=True, cwd=REPO, timeout=30, check=False
    )
    assert done.returncode == 2
    assert "--tick, --json and --record go with --check" in done.stderr


@pytest.mark.parametrize(
    ("checklist", "message"),
    [("missing.yaml", "missing.yaml: no such checklist"), (".", ".: is a folder")],
)
def test_an_unusable_checklist_is_one_line_before_anything_starts(
    checklist: str, message: str, tmp_path: Path
) -> None:
    done = subprocess.run(
        [*DEMO, "--check", "--checklist", checklist],
        capture_output=True, text=True, cwd=tmp_path, timeout=30, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith(f"gonogo: {message}") and done.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("env_file", "message"),
    [
        (".", "--env-file .: is a folder, not a file"),
        ("nowhere/demo.env", "--env-file nowhere/demo.env: no such folder nowhere"),
    ],
)
def test_an_unwritable_env_file_is_one_line_before_anything_starts(
    env_file: str, message: str, tmp_path: Path
) -> None:
    done = subprocess.run(
        [*DEMO, "--keep-running", "--env-file", env_file],
        capture_output=True, text=True, cwd=tmp_path, timeout=30, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == f"gonogo: {message}\n"


def test_a_serve_address_in_use_is_one_line_before_anything_starts(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = subprocess.run(
            [*DEMO, "--serve", f"127.0.0.1:{port}"],
            capture_output=True, text=True, cwd=REPO, timeout=30, check=False,
        )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == (
        f"gonogo: --serve 127.0.0.1:{port}: cannot listen there: Address already in use\n"
    )


def test_help_lists_demo_and_stays_light() -> None:
    code = (
        "import sys\n"
        "from gonogo_tui.cli import build_parser\n"
        "build_parser()\n"
        "heavy = [m for m in ('psycopg', 'httpx', 'textual', 'gonogo_tui.demo.environment')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert done.stdout.strip() == ""
    usage = subprocess.run(
        [*DEMO[:-1], "--help"], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert "demo" in usage.stdout


def test_sigterm_during_the_review_tui_cleans_up(sandbox: Sandbox) -> None:
    """`gonogo demo` runs the review TUI in a real terminal (tmux); SIGTERM ends it all."""
    from tests.ui.test_tmux import Tmux

    terminal = Tmux(REPO)
    gonogo = Path(sys.executable).parent / "gonogo"
    terminal.start(f"env TMPDIR={sandbox.tmpdir} {gonogo} demo")
    try:
        terminal.wait_for("Spark Trading GO/NO-GO", "probes 44/44")
        (pane,) = terminal.run("list-panes", "-F", "#{pane_pid}").split()
        table = processes()
        (demo_pid,) = (
            pid
            for pid in {int(pane), *descendants(int(pane))}
            if pid in table and table[pid].cmdline.endswith("gonogo demo")
        )
        servers = descendants(demo_pid)
        assert len(servers) >= 3
        os.kill(demo_pid, signal.SIGTERM)
        wait_until(lambda: not alive({demo_pid, *servers}), timeout=20, message="demo gone")
    finally:
        terminal.run("kill-server", check=False)


def demo_in_tmux(sandbox: Sandbox, tmp_path: Path) -> tuple[Tmux, int]:
    """`gonogo demo --scenario review` in a private tmux server, once its probes have all
    run; returns the terminal and the demo's pid."""
    from tests.demo.test_walkthrough_tmux import wait_for_probes
    from tests.ui.test_tmux import Tmux

    terminal = Tmux(REPO)
    gonogo = Path(sys.executable).parent / "gonogo"
    evidence = tmp_path / "evidence"
    terminal.start(
        f"env TMPDIR={sandbox.tmpdir} {gonogo} demo --scenario review "
        f"--evidence-dir {evidence} --operator kim"
    )
    wait_for_probes(terminal)
    return terminal, terminal.pane_pid()


def kill_tmux_server(terminal: Tmux) -> None:
    """The terminal goes away (as when its window is closed): the tmux server is killed,
    and nothing else is done to what ran in it (unlike `Tmux.kill`, which then kills it)."""
    terminal.run("kill-server", check=False)


def end_outliving(pid: int) -> None:
    """After the test: a demo that outlived its terminal (the failure tested) is killed, so
    it does not spin a core for the tests that follow; its servers die with it."""
    if alive({pid}):
        os.kill(pid, signal.SIGKILL)


def test_a_terminal_that_goes_away_ends_the_demo_which_cleans_up(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """The terminal closes under the review (SIGHUP, then SIGCONT, then end-of-file on every
    read): the demo exits by itself, its servers stopped and its temp dir removed, and what
    the operator entered is in the journal. It was seen orphaned, spinning a core, forever."""
    from gonogo_tui.core.checklist import load_checklist

    order = [c for _, c in load_checklist(REPO / SHIPPED_CHECKLIST, environ={}).criteria()]
    manual = next(index for index, c in enumerate(order) if c.is_manual)
    terminal, demo_pid = demo_in_tmux(sandbox, tmp_path)
    try:
        terminal.keys(*["j"] * manual, "Space")
        terminal.wait_for(f"Tick {order[manual].id}")
        terminal.keys("-l", "confirmed on the call")
        terminal.keys("Enter")
        wait_until(
            lambda: f"Tick {order[manual].id}" not in terminal.screen(),
            timeout=20,
            message="the tick dialog closed",
        )
        terminal.keys("g")  # the walkthrough's timers run too (the hang was seen on it)
        terminal.wait_for("Walkthrough · section 1 of")
        servers = descendants(demo_pid) - {demo_pid}
        assert len(servers) >= 3
        kill_tmux_server(terminal)
        wait_until(
            lambda: not alive({demo_pid, *servers}),
            timeout=20,
            message="the demo and its servers gone, by themselves",
        )
        assert not list(sandbox.tmpdir.glob("gonogo-demo-*"))
        (journal,) = (tmp_path / "evidence").glob("*.jsonl")
        entries = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
        tick = {"kind": "tick", "criterion_id": order[manual].id, "note": "confirmed on the call"}
        assert any(tick.items() <= entry.items() for entry in entries), entries[-3:]
    finally:
        terminal.kill()
        end_outliving(demo_pid)


def test_sigcont_starts_no_second_keyboard_reader(sandbox: Sandbox, tmp_path: Path) -> None:
    """SIGCONT without a SIGTSTP before it (the kernel sends one with a hangup's SIGHUP;
    `kill -CONT`) leaves the review's threads as they are: Textual's driver started a second
    keyboard thread on each, which nothing stopped, and which kept the process from exiting."""
    terminal, demo_pid = demo_in_tmux(sandbox, tmp_path)
    try:
        tasks = Path(f"/proc/{demo_pid}/task")
        before = len(list(tasks.iterdir()))
        for key in "jkj":
            os.kill(demo_pid, signal.SIGCONT)
            # Once the screen shows a key sent after it, the signal's Python handler has run
            # (in the main thread, before anything else there): one at a time, not merged.
            screen = terminal.screen()
            terminal.keys(key)
            wait_until(lambda s=screen: terminal.screen() != s, timeout=20, message="the key shown")
        assert len(list(tasks.iterdir())) == before
        kill_tmux_server(terminal)
        wait_until(lambda: not alive({demo_pid}), timeout=20, message="the demo gone")
    finally:
        terminal.kill()
        end_outliving(demo_pid)


def test_the_release_is_in_the_record(sandbox: Sandbox, tmp_path: Path) -> None:
    """The demo takes `--release` like `gonogo check` and `gonogo review` ("Release: -" in
    every demo record otherwise)."""
    evidence = tmp_path / "evidence"
    done = subprocess.run(
        [*DEMO, "--check", "--tick", "*", "--record", "--release", "v2.4.0"]
        + ["--evidence-dir", str(evidence)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=sandbox.env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (record,) = [p for p in evidence.glob("*.txt") if not p.name.startswith("walkthrough")]
    assert "v2.4.0" in record.read_text(encoding="utf-8")
    (document,) = evidence.glob("go_decision_*[0-9].json")
    assert json.loads(document.read_text(encoding="utf-8"))["release"] == "v2.4.0"
