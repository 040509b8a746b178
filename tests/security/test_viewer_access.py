"""Who may watch a served review (`--serve`): the URL's token, the Host and Origin of the
served address, and a limit on viewers; refusals come before any viewer process starts."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import httpx
import pytest

from gonogo_tui.cli import build_parser
from gonogo_tui.commands.viewer_server import DEFAULT_MAX_VIEWERS, TOKEN_ENV, serving_viewers
from tests.demo.leaks import processes
from tests.servers import free_port, wait_until

CHECKLIST = """\
title: Served review
sections:
  - id: people
    title: People
    criteria:
      - id: stakeholders
        title: Stakeholders notified
        manual: true
"""


@pytest.fixture
def meeting() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="gonogo-viewers-", dir="/tmp"))
    (folder / "review.yaml").write_text(CHECKLIST, encoding="utf-8")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def served(meeting: Path, max_viewers: int = DEFAULT_MAX_VIEWERS) -> Iterator[tuple[int, str]]:
    port = free_port()
    with serving_viewers(
        "127.0.0.1", port, meeting / "review.yaml", meeting / "evidence", max_viewers=max_viewers
    ) as url:
        (token,) = parse_qs(urlsplit(url).query)["token"]
        yield port, token


def app_processes(meeting: Path) -> list[int]:
    """The viewer processes textual-serve started (not their `sh -c` parents)."""
    return [
        proc.pid
        for proc in processes().values()
        if proc.state != "Z"
        and proc.cmdline.startswith(sys.executable)
        and f"gonogo_tui view {meeting}" in proc.cmdline
        and "viewer_server" not in proc.cmdline
    ]


def handshake(port: int, path: str, origin: str | None, host: str | None = None) -> httpx.Response:
    """A websocket handshake, as raw HTTP: the refusal's body can be read."""
    headers = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13",
    }
    if origin is not None:
        headers["Origin"] = origin
    if host is not None:
        headers["Host"] = host
    url = f"http://127.0.0.1:{port}{path}"
    with httpx.Client(trust_env=False, timeout=10) as client:
        # The 101 answer leaves the stream open; only the status and head are read.
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code != 101:
                response.read()
            return response


def test_the_url_carries_a_token_the_page_and_socket_require(meeting: Path) -> None:
    with served(meeting) as (port, token):
        base = f"http://127.0.0.1:{port}/"
        assert httpx.get(base, trust_env=False).status_code == 403
        wrong = httpx.get(base, params={"token": "x" + token}, trust_env=False)
        assert wrong.status_code == 403
        assert "wrong or missing token" in wrong.text
        page = httpx.get(base, params={"token": token}, trust_env=False)
        assert page.status_code == 200
        assert f"ws://127.0.0.1:{port}/ws/{token}" in page.text

        origin = f"http://127.0.0.1:{port}"
        assert handshake(port, "/ws", origin).status_code == 403
        assert handshake(port, f"/ws/{token}x", origin).status_code == 403
        assert app_processes(meeting) == []
        assert handshake(port, f"/ws/{token}?width=80&height=24", origin).status_code == 101
        wait_until(lambda: len(app_processes(meeting)) == 1, timeout=20, message="one viewer")
        # Neither on a command line (`ps` shows those) nor in a viewer's environment.
        assert not [p for p in processes().values() if token in p.cmdline]
        (viewer,) = app_processes(meeting)
        environ = Path(f"/proc/{viewer}/environ").read_bytes()
        assert TOKEN_ENV.encode() not in environ and token.encode() not in environ


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example.com",
        None,
        "null",
        "https://127.0.0.1:{port}",
        "http://127.0.0.1:{port}.evil.example.com",
        "http://127.0.0.1:1",
    ],
)
def test_a_foreign_origin_is_refused_before_a_viewer_starts(
    meeting: Path, origin: str | None
) -> None:
    with served(meeting) as (port, token):
        sent = None if origin is None else origin.format(port=port)
        refused = handshake(port, f"/ws/{token}?width=80&height=24", sent)
        assert refused.status_code == 403
        assert refused.text.startswith("gonogo: ")
        assert app_processes(meeting) == []


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "[::1]"])
def test_loopback_names_of_the_served_address_are_accepted(meeting: Path, name: str) -> None:
    with served(meeting) as (port, token):
        origin = f"http://{name}:{port}"
        host = f"{name}:{port}"
        accepted = handshake(port, f"/ws/{token}?width=80&height=24", origin, host=host)
        assert accepted.status_code == 101


def test_a_rebound_host_name_is_refused(meeting: Path) -> None:
    """DNS rebinding: evil.example.com resolved to 127.0.0.1 is same-origin for its page."""
    with served(meeting) as (port, token):
        authority = f"evil.example.com:{port}"
        page = httpx.get(
            f"http://127.0.0.1:{port}/",
            params={"token": token},
            headers={"Host": authority},
            trust_env=False,
        )
        assert page.status_code == 403
        socket_ = handshake(port, f"/ws/{token}", f"http://{authority}", host=authority)
        assert socket_.status_code == 403
        assert app_processes(meeting) == []


def test_a_flood_of_viewers_stops_at_the_limit(meeting: Path) -> None:
    cap = 3
    with served(meeting, max_viewers=cap) as (port, token):
        asyncio.run(asyncio.wait_for(_flood(meeting, port, token, cap), 90))


async def _flood(meeting: Path, port: int, token: str, cap: int) -> None:
    url = f"ws://127.0.0.1:{port}/ws/{token}?width=80&height=24"
    origin = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as session, contextlib.AsyncExitStack() as sockets:

        async def connect() -> aiohttp.ClientWebSocketResponse | int:
            try:
                return await sockets.enter_async_context(session.ws_connect(url, origin=origin))
            except aiohttp.WSServerHandshakeError as exc:
                return exc.status

        outcomes = await asyncio.gather(*(connect() for _ in range(3 * cap)))
        opened = [ws for ws in outcomes if not isinstance(ws, int)]
        assert len(opened) == cap
        assert [code for code in outcomes if isinstance(code, int)] == [503] * (2 * cap)
        await _until(lambda: len(app_processes(meeting)) == cap)

        # The refused browser reads why, on the page and on its socket.
        async with session.get(f"http://127.0.0.1:{port}/", params={"token": token}) as page:
            assert page.status == 503
            assert "viewer limit is reached (3 viewers" in await page.text()
        refused = await asyncio.to_thread(handshake, port, f"/ws/{token}", origin)
        assert refused.status_code == 503 and "viewer limit is reached" in refused.text
        assert len(app_processes(meeting)) == cap

        # One leaves: the next one gets in.
        await opened[0].close()
        await _until(lambda: len(app_processes(meeting)) == cap - 1)
        async with session.ws_connect(url, origin=origin):
            await _until(lambda: len(app_processes(meeting)) == cap)


async def _until(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def test_max_viewers_defaults_to_20_and_is_an_option() -> None:
    parser, _ = build_parser()
    assert parser.parse_args(["review", "--serve", ":8000"]).max_viewers == 20
    assert parser.parse_args(["demo", "--max-viewers", "5"]).max_viewers == 5
    with pytest.raises(SystemExit):
        parser.parse_args(["review", "--max-viewers", "0"])


def test_serving_does_not_leave_the_token_in_the_environment(meeting: Path) -> None:
    with served(meeting):
        assert TOKEN_ENV not in os.environ


def test_the_token_reaches_no_log(meeting: Path, tmp_path: Path) -> None:
    """The server's own output (its log) after a page, a viewer and refusals."""
    port, token = free_port(), "tok-" + "x" * 28
    log = tmp_path / "server.log"
    command = f"{sys.executable} -m gonogo_tui view {meeting / 'review.yaml'}"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gonogo_tui.commands.viewer_server", "127.0.0.1", str(port)]
            + [str(os.getpid()), "3", command],
            env={**os.environ, TOKEN_ENV: token},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until(lambda: _listening(port), timeout=15, message="the server")
        page = httpx.get(f"http://127.0.0.1:{port}/", params={"token": token}, trust_env=False)
        assert page.status_code == 200
        origin = f"http://127.0.0.1:{port}"
        assert handshake(port, f"/ws/{token}?width=80&height=24", origin).status_code == 101
        assert handshake(port, f"/ws/{token}", "http://evil.example.com").status_code == 403
        wait_until(lambda: b"refused a viewer" in log.read_bytes(), timeout=10, message="log")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)
    text = log.read_text(errors="replace")
    assert "refused a viewer (403)" in text  # the log is written, and holds no token
    assert token not in text


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False
