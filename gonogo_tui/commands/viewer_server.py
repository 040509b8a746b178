"""Serving read-only viewers of a review to browsers (textual-serve), beside the operator's TUI.

`serving_viewers()` starts, in a child process of its own session, a textual-serve server
whose per-browser command is `gonogo view CHECKLIST --evidence-dir DIR`; each attendee's
browser gets its own viewer process following the operator's journal. Leaving the context
ends the server and every viewer it started (the whole process group), also on SIGTERM or
SIGHUP; if the operator's process dies without cleaning up, the server notices and ends the
group itself. Run as a module, this file is that child:
`python -m gonogo_tui.commands.viewer_server HOST PORT PARENT_PID MAX_VIEWERS COMMAND`, with
the URL's token in the environment (`GONOGO_VIEWER_TOKEN`), not on its command line (`ps`).

Who may watch (`commands.viewer_guard`): a random token in the URL, a Host header naming the
served address, a websocket Origin of that same address (a page of another site cannot
open the meeting in a colleague's browser), and at most MAX_VIEWERS viewers at once.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from gonogo_tui.commands.signals import shielded, stop_signals_interrupt
from gonogo_tui.core.errors import GonogoError

DEFAULT_MAX_VIEWERS = 20
"""Viewers at once: each is a process of ~50 MB; the next browser is told the limit."""
TOKEN_ENV = "GONOGO_VIEWER_TOKEN"
"""How the server child receives the URL's token (never on a command line)."""
START_TIMEOUT = 15.0
"""Seconds for the server to accept connections."""
PARENT_POLL = 0.25
"""How often the server checks that the operator's review still runs."""
TITLE = "gonogo: GO/NO-GO review (read-only)"
TEMPLATES = Path(__file__).with_name("viewer_templates")
"""textual-serve's page without its web font: viewers load nothing from the internet."""


def host_port(text: str) -> tuple[str, int]:
    """argparse type for `HOST:PORT` (`127.0.0.1:8000`, `[::1]:8000`, `:8000` for localhost)."""
    host, sep, port_text = text.rpartition(":")
    if not sep or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r}: expected HOST:PORT, e.g. 127.0.0.1:8000")
    return host.strip("[]") or "127.0.0.1", int(port_text)


def viewer_command(checklist: Path, evidence_dir: Path) -> str:
    """The shell command textual-serve runs for each browser."""
    return shlex.join(
        [
            sys.executable,
            "-m",
            "gonogo_tui",
            "view",
            str(checklist.resolve()),
            "--evidence-dir",
            str(evidence_dir.resolve()),
        ]
    )


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """Add `--serve HOST:PORT` and `--max-viewers N` (review and demo)."""
    parser.add_argument(
        "--serve",
        type=host_port,
        metavar="HOST:PORT",
        default=None,
        help="also serve a read-only view of the review to browsers at http://HOST:PORT/ "
        "(the URL printed carries a random token)",
    )
    parser.add_argument(
        "--max-viewers",
        type=viewer_count,
        metavar="N",
        default=DEFAULT_MAX_VIEWERS,
        help=f"with --serve: browsers watching at once (default: {DEFAULT_MAX_VIEWERS})",
    )


def viewer_count(text: str) -> int:
    """argparse type for `--max-viewers`: 1 to 1000."""
    if not text.isdigit() or not 1 <= int(text) <= 1000:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number of viewers, 1 to 1000")
    return int(text)


@contextlib.contextmanager
def serving_viewers(
    host: str,
    port: int,
    checklist: Path,
    evidence_dir: Path,
    *,
    max_viewers: int = DEFAULT_MAX_VIEWERS,
) -> Iterator[str]:
    """Serves read-only viewers of the review at `http://HOST:PORT/?token=...` while the
    block runs.

    Args:
        host: address to listen on.
        port: port to listen on.
        checklist: the operator's checklist file (each viewer loads it).
        evidence_dir: the operator's evidence folder (each viewer follows its journal).
        max_viewers: browsers watching at once; the next one is refused with a message.

    Yields:
        The URL attendees open, its token included.

    Raises:
        GonogoError: the address cannot be listened on (no such host, port taken), or
            the server did not come up (textual-serve missing).
    """
    check_free(host, port)
    command = viewer_command(checklist, evidence_dir)
    token = secrets.token_urlsafe(24)
    with tempfile.TemporaryFile() as log:
        server = [sys.executable, "-m", "gonogo_tui.commands.viewer_server"]
        process = subprocess.Popen(
            [*server, host, str(port), str(os.getpid()), str(max_viewers), command],
            env={**os.environ, TOKEN_ENV: token},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its viewers join its process group; one killpg ends all
        )
        try:
            with stop_signals_interrupt():
                _wait_listening(process, host, port, log)
                yield f"http://{_url_host(host)}:{port}/?token={token}"
        finally:
            shielded(lambda: _stop_group(process))


def check_free(host: str, port: int) -> None:
    """Refuse a host that does not resolve and a port something already listens on: the
    readiness check below would take that other server for ours and send attendees there.

    Raises:
        GonogoError: the address cannot be listened on.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as trial:
            trial.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
            trial.bind(address)
    except OSError as exc:  # socket.gaierror included
        reason = exc.strerror or exc
        raise GonogoError(f"--serve {host}:{port}: cannot listen there: {reason}") from None


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _wait_listening(process: subprocess.Popen[bytes], host: str, port: int, log: IO[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            log.seek(0)
            lines = log.read().decode(errors="replace").strip().splitlines()
            last = lines[-1].strip() if lines else f"exit code {process.returncode}"
            raise GonogoError(f"--serve {host}:{port}: the viewer server stopped: {last}")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        if time.monotonic() > deadline:
            _stop_group(process)
            raise GonogoError(f"--serve {host}:{port}: no answer within {START_TIMEOUT:g} s")
        time.sleep(0.05)


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    for signum, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)
        try:
            process.wait(wait)
            break
        except subprocess.TimeoutExpired:
            continue
    # Viewers may outlive the server by a moment; the group is theirs too.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _end_with(parent: int) -> None:
    """Ends this process group (the server and every viewer) once `parent` is gone: the
    operator's review may die without a chance to clean up (SIGKILL, a crash)."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL)
    os.killpg(0, signal.SIGKILL)


def main(argv: list[str] | None = None) -> None:
    """The child process: serve COMMAND on HOST:PORT while PARENT_PID lives."""
    host, port, parent, max_viewers, command = (argv if argv is not None else sys.argv[1:])[:5]
    # Taken out of the environment the viewers inherit: a viewer has no use for it.
    token = os.environ.pop(TOKEN_ENV, "")
    if not token:
        raise SystemExit(f"{TOKEN_ENV} is not set: no URL token to check")
    threading.Thread(target=_end_with, args=(int(parent),), daemon=True).start()
    from gonogo_tui.commands.viewer_guard import GuardedServer

    GuardedServer(
        command,
        host=host,
        port=int(port),
        title=TITLE,
        templates_path=TEMPLATES,
        token=token,
        max_viewers=int(max_viewers),
    ).serve()


if __name__ == "__main__":
    main()
