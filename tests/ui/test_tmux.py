"""The installed `gonogo review` in a real terminal (tmux): keys, screen, quit, kill -9, resume.

Each test uses a private tmux server (`-L`), polls `capture-pane` with a deadline (never a
blind sleep) and kills its server at the end.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.servers import HttpTestServer

GONOGO = Path(sys.executable).parent / "gonogo"
DEADLINE = 20.0
TERMINAL_ENV = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
"""The tmux server's environment: pytest exports COLUMNS/LINES (80x24), which would
override the pane's real size in the app."""

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Tmux:
    """One private tmux server running one session."""

    def __init__(self, cwd: Path) -> None:
        self.socket = self.new_socket()
        self.sockets = [self.socket]
        self.started = False
        self.cwd = cwd

    @staticmethod
    def new_socket() -> str:
        return f"gonogo-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"

    def run(self, *args: str, check: bool = True) -> str:
        proc = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            check=check,
            env=TERMINAL_ENV,
        )
        return proc.stdout

    def start(self, command: str) -> None:
        # Every session gets a server of its own, started by `new-session` itself: a session
        # started on the server whose last session just closed could reach it while it shuts
        # down, and `start-server` alone can exit before an option keeps it up (both print
        # "server exited unexpectedly"). Earlier servers are killed by `kill`.
        if self.started:
            self.socket = self.new_socket()
            self.sockets.append(self.socket)
        self.started = True
        self.run(
            "new-session", "-d", "-s", "review", "-x", "120", "-y", "40", "-c", str(self.cwd),
            command,
        )  # fmt: skip

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "review", *keys)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "review", check=False)

    def alive(self) -> bool:
        return self.status("has-session", "-t", "review") == 0

    def status(self, *args: str) -> int:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, env=TERMINAL_ENV
        ).returncode

    def wait_for(self, *texts: str) -> str:
        """Poll the screen until every text shows at once (a frame may be drawn in parts);
        fails with the last screen at the deadline."""
        deadline = time.monotonic() + DEADLINE
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if all(text in screen for text in texts):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"{texts!r} never all appeared; the screen was:\n{screen}")

    def wait_closed(self) -> None:
        deadline = time.monotonic() + DEADLINE
        while self.alive():
            assert time.monotonic() < deadline, f"session still open:\n{self.screen()}"
            time.sleep(0.05)

    def pane_pid(self) -> int:
        return int(self.run("display-message", "-p", "-t", "review", "#{pane_pid}").strip())

    def kill(self) -> None:
        """Kill every server this test started, then whatever ran in their panes: a process
        that outlives its terminal (seen once: an orphaned `gonogo demo` spinning a core after
        its server was killed) must not slow or break the tests that follow."""
        left: set[int] = set()
        for socket in self.sockets:
            panes = subprocess.run(
                ["tmux", "-L", socket, "list-panes", "-a", "-F", "#{pane_pid}"],
                capture_output=True, text=True, env=TERMINAL_ENV,
            ).stdout.split()  # fmt: skip
            left |= {pid for pane in panes for pid in descendants(int(pane))}
            subprocess.run(
                ["tmux", "-L", socket, "kill-server"], capture_output=True, env=TERMINAL_ENV
            )
            tmux_dir = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}"
            (tmux_dir / socket).unlink(missing_ok=True)
        deadline = time.monotonic() + 10  # SIGHUP's own clean-up first (the demo's services)
        while (alive := [pid for pid in left if running(pid)]) and time.monotonic() < deadline:
            time.sleep(0.05)
        for pid in alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def descendants(pid: int) -> set[int]:
    """`pid` and every process below it (by parent pid, so new sessions count too)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = {pid}, [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    session = Tmux(tmp_path)
    yield session
    session.kill()


@pytest.fixture
def write_checklist(tmp_path: Path, probe_server: HttpTestServer) -> Callable[[bool], Path]:
    def write(with_sleeper: bool) -> Path:
        sleeper = (
            "      - id: sleeper\n"
            "        title: A command that never finishes\n"
            "        timeout: 120s\n"
            "        probe:\n"
            "          kind: command\n"
            f"          command: [{sys.executable!r}, '-c', 'import time; time.sleep(300)']\n"
        )
        base = probe_server.url
        path = tmp_path / "meeting.yaml"
        path.write_text(
            "title: Tmux meeting\n"
            "sections:\n"
            "  - id: web\n"
            "    title: Web\n"
            "    criteria:\n"
            f"      - {{id: up, title: Web is up, probe: {{kind: http, url: '{base}/ok'}}}}\n"
            f"      - {{id: down, title: Web fails, probe: {{kind: http, url: '{base}/fail'}}}}\n"
            + (sleeper if with_sleeper else "")
            + "  - id: people\n"
            "    title: People\n"
            "    criteria:\n"
            "      - {id: oncall, title: On-call ready, manual: true}\n"
        )
        return path

    return write


def command(checklist: Path, tmp_path: Path) -> str:
    return f"{GONOGO} review {checklist} --evidence-dir {tmp_path / 'evidence'} --operator tester"


def test_keys_screen_and_quit_leave_no_process(
    tmux: Tmux, tmp_path: Path, write_checklist: Callable[[bool], Path]
) -> None:
    tmux.start(command(write_checklist(True), tmp_path))
    tmux.wait_for("Decision by the policy", "… RUN", "1 Web", "2 People")
    # A row shows RUN as soon as its probe is started; its process follows within moments.
    deadline = time.monotonic() + 10
    while True:
        tree = descendants(tmux.pane_pid())
        sleepers = [pid for pid in tree if "time.sleep(300)" in cmdline(pid)]
        if sleepers or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert sleepers, "the command probe's child is running"
    tmux.keys("j")
    tmux.wait_for("Web fails   ")
    tmux.keys("Tab", "Space")
    tmux.wait_for("Tick oncall")
    tmux.keys("Enter")
    tmux.wait_for("ticked by tester")
    tmux.keys("q")
    tmux.wait_for("Quit without a decision?")
    tmux.keys("y")
    tmux.wait_closed()
    deadline = time.monotonic() + 5
    while any(running(pid) for pid in tree):
        assert time.monotonic() < deadline, [cmdline(p) for p in tree if running(p)]
        time.sleep(0.05)


def test_kill_9_loses_nothing_and_resumes(
    tmux: Tmux, tmp_path: Path, write_checklist: Callable[[bool], Path]
) -> None:
    checklist = write_checklist(False)
    tmux.start(command(checklist, tmp_path))
    tmux.wait_for("probes 2/2")
    tmux.keys("Tab", "Space")
    tmux.wait_for("Tick oncall")
    tmux.keys(*"on the bridge", "Enter")
    tmux.wait_for("ticked by tester")
    app = next(p for p in descendants(tmux.pane_pid()) if "gonogo review" in cmdline(p))
    os.kill(app, signal.SIGKILL)
    tmux.wait_closed()
    tmux.start(command(checklist, tmp_path))
    tmux.wait_for("Resume the unfinished review?")
    tmux.keys("y")
    tmux.wait_for("ticked by tester", "Decision by the policy")
    tmux.keys("Tab")
    tmux.wait_for("by tester at", "on the bridge")
    tmux.keys("q")
    tmux.wait_for("Quit without a decision?")
    tmux.keys("y")
    tmux.wait_closed()


def test_keys_in_the_burst_that_confirms_quitting_are_dropped(
    tmux: Tmux, tmp_path: Path, write_checklist: Callable[[bool], Path]
) -> None:
    """`q` `y` `n` in one write: `n` (the note key) used to reach the review while it was
    stopping its probes, opening a note dialog on an exiting app (a NoMatches traceback,
    exit 1). Keys after a confirmed quit are dropped; keys before the dialog is ready go to
    the dialog or nowhere. Timing decides which, so the burst is tried three times."""
    checklist = write_checklist(True)
    for attempt in range(3):
        evidence = tmp_path / f"evidence-{attempt}"
        tmux.start(
            f"{GONOGO} review {checklist} --evidence-dir {evidence} --operator tester; "
            "echo GONOGO-EXIT $?; sleep 60"
        )
        tmux.wait_for("Decision by the policy", "… RUN")
        tmux.keys("q", "y", "n", "n")
        deadline = time.monotonic() + DEADLINE
        while "GONOGO-EXIT" not in (screen := tmux.screen()):
            if "Quit without a decision?" in screen and "Add a note" not in screen:
                tmux.keys("y")  # the burst reached no one: the dialog still asks
            assert time.monotonic() < deadline, screen
            time.sleep(0.2)
        assert "GONOGO-EXIT 0" in screen, screen
        assert "Traceback" not in screen and "NoMatches" not in screen, screen
        tmux.kill()
