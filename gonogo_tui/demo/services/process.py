"""Server processes for the demo and the tests: free ports, polling, start and stop.

Each server is a context manager: `start()` brings it up on a random free port of 127.0.0.1
in a fresh temp dir and polls it until it answers (with a deadline, never a blind sleep);
`stop()` ends the process and removes the dir. Anything still running at interpreter exit is
stopped by an atexit hook, and processes started from the main thread also get a parent-death
signal (via util-linux `setpriv`), so a SIGKILLed parent does not leave servers behind.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
import psycopg

__all__ = [
    "LOCALHOST",
    "ServerStartError",
    "ServiceProcess",
    "Stoppable",
    "free_port",
    "make_workdir",
    "postgres_user_kwargs",
    "running_servers",
    "wait_until",
]

LOCALHOST = "127.0.0.1"
_PORT_TAKEN = re.compile(r"address already in use", re.IGNORECASE)
_START_ATTEMPTS = 3

T = TypeVar("T")


class ServerStartError(RuntimeError):
    """A test server did not come up; the message carries the tail of its log."""


def free_port() -> int:
    """Returns a TCP port on 127.0.0.1 that was free a moment ago (callers retry if it is taken)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCALHOST, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(
    predicate: Callable[[], T | None],
    timeout: float,
    interval: float = 0.02,
    *,
    ignore: tuple[type[Exception], ...] = (),
    message: str = "condition",
) -> T:
    """Polls `predicate` until it returns a truthy value, and returns that value.

    Args:
        predicate: Called repeatedly; a truthy result ends the wait.
        timeout: Seconds before giving up.
        interval: Seconds between calls.
        ignore: Exceptions that mean "not yet" rather than failure.
        message: What is awaited, for the error message.

    Raises:
        TimeoutError: The deadline passed; the last ignored exception is chained.
    """
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            result = predicate()
        except ignore as exc:
            last_error = exc
        else:
            if result:
                return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{message} not met within {timeout:g} s") from last_error
        time.sleep(interval)


_running: set[Stoppable] = set()
_running_lock = threading.Lock()


class Stoppable:
    """Something `stop()`-able that the atexit hook stops if a test run forgot to."""

    def stop(self) -> None:
        raise NotImplementedError

    def _register(self) -> None:
        with _running_lock:
            _running.add(self)

    def _unregister(self) -> None:
        with _running_lock:
            _running.discard(self)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        raise NotImplementedError


@atexit.register
def _stop_leftovers() -> None:
    with _running_lock:
        leftovers = list(_running)
    for server in leftovers:
        with contextlib.suppress(Exception):
            server.stop()


def is_root() -> bool:
    return os.geteuid() == 0


def postgres_user_kwargs() -> dict[str, Any]:
    """Popen arguments that drop root to `postgres`, keeping the server our child process."""
    if not is_root():
        return {}
    return {"user": "postgres", "group": "postgres", "extra_groups": []}


def make_workdir(prefix: str, *, for_postgres: bool, parent: Path | None = None) -> Path:
    """A fresh temp dir; for PostgreSQL and pgBouncer owned by `postgres` when we are root.

    Args:
        prefix: Start of the dir's name.
        for_postgres: The dir is for a server that runs as `postgres`.
        parent: Where to make it; default /tmp for `postgres` (pytest's tmp_path sits in a
            0700 root folder `postgres` cannot enter), else the temp folder. A parent given
            for `postgres` must be traversable by it (mode 0711).
    """
    default = "/tmp" if for_postgres else None
    workdir = Path(tempfile.mkdtemp(prefix=prefix, dir=parent or default))
    if for_postgres and is_root():
        account = pwd.getpwnam("postgres")
        os.chown(workdir, account.pw_uid, account.pw_gid)
    return workdir


class ServiceProcess(Stoppable):
    """A server binary run in the foreground as our child, with its output in a log file."""

    name = "server"
    stop_signals: tuple[tuple[signal.Signals, float], ...] = (
        (signal.SIGTERM, 10.0),
        (signal.SIGKILL, 5.0),
    )
    """(signal, seconds to wait for the exit), sent in turn until the process is gone."""
    death_signal = "TERM"
    """Signal the kernel sends the server if the test process dies first."""
    startup_timeout = 30.0

    def __init__(self, *, parent: Path | None = None) -> None:
        self.host = LOCALHOST
        self.port = 0
        self.parent = parent
        """Folder the temp dir goes in (default: the system's)."""
        self.workdir: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        assert self.workdir is not None, f"{self.name} is not started"
        return self.workdir / f"{self.name}.out"

    def log_tail(self, chars: int = 3000) -> str:
        """The end of everything the server wrote (stdout, stderr and its own log files)."""
        if self.workdir is None:
            return ""
        texts = []
        for path in sorted(self.workdir.glob("*.out")) + sorted(self.workdir.glob("*.log")):
            with contextlib.suppress(OSError):
                texts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-chars:]}")
        return "\n".join(texts)

    def _spawn(self, argv: Sequence[str], *, as_postgres: bool) -> None:
        assert self.workdir is not None
        command = list(argv)
        setpriv = shutil.which("setpriv")
        # The parent-death signal follows the forking thread, so only the main thread's
        # children (pytest fixtures) get it; a worker thread's exit would kill the server.
        if setpriv and threading.current_thread() is threading.main_thread():
            command = [setpriv, f"--pdeathsig={self.death_signal}", "--", *command]
        # Truncated per attempt, so an earlier attempt's "address in use" is not read again.
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,  # `postgres` cannot stat a root-only cwd.
                start_new_session=True,  # a terminal's Ctrl-C reaches pytest, which stops us.
                **(postgres_user_kwargs() if as_postgres else {}),
            )
        self._register()

    def _wait_ready(self, check: Callable[[], object], timeout: float) -> bool:
        """Polls `check` until it passes; False if the server died because its port was taken."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while True:
            returncode = self.process.poll()
            if returncode is not None:
                tail = self.log_tail()
                if _PORT_TAKEN.search(tail):
                    return False
                raise ServerStartError(f"{self.name} exited with status {returncode}:\n{tail}")
            try:
                if check():
                    return True
            except (OSError, psycopg.Error, httpx.HTTPError) as exc:
                last_error = exc
            if time.monotonic() >= deadline:
                raise ServerStartError(
                    f"{self.name} not ready within {timeout:g} s ({last_error!r}):\n"
                    f"{self.log_tail()}"
                )
            time.sleep(0.02)

    def _launch(self, argv_for_port: Callable[[int], Sequence[str]], **spawn: Any) -> None:
        """Starts the server on a free port, retrying on a new port if another process won it."""
        for _attempt in range(_START_ATTEMPTS):
            self.port = free_port()
            self._before_spawn()
            self._spawn(argv_for_port(self.port), **spawn)
            if self._wait_ready(self._is_ready, self.startup_timeout):
                return
            self._stop_process()
        raise ServerStartError(f"{self.name}: no free port after {_START_ATTEMPTS} attempts")

    def _before_spawn(self) -> None:
        """Writes per-port config files before each launch attempt."""

    def _is_ready(self) -> bool:
        raise NotImplementedError

    def _stop_process(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        for sig, timeout in self.stop_signals:
            if process.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout)
        process.wait()

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        """Stops the process (idempotent) and removes the temp dir."""
        try:
            self._stop_process()
        finally:
            if self.workdir is not None:
                shutil.rmtree(self.workdir, ignore_errors=True)
            self._unregister()

    def _start_guarded(self, body: Callable[[], None]) -> None:
        self._register()
        try:
            body()
        except BaseException:
            self.stop()
            raise


def running_servers() -> list[object]:
    """Servers started and not yet stopped, in no order (for leak checks)."""
    with _running_lock:
        return list(_running)
