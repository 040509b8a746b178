"""The demo's four HTTP services (web app, API, Grafana, GitHub), served from their own process.

A real stack answers from other machines; served from threads inside gonogo's own process, the
demo's answers waited for gonogo's interpreter lock, so a burst of 44 probes made the flag
service "take" 100 ms and the latency criterion measured gonogo instead of the service. The
parent (`DemoEnvironment`) starts `python -m gonogo_tui.demo.http_host`, writes one JSON line of
settings (tokens included) to its stdin, reads one JSON line of URLs from its stdout, and keeps
stdin open: the host stops its servers and exits when stdin closes, so it never outlives the
demo, even when the demo is killed.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from gonogo_tui.core.errors import GonogoError
from gonogo_tui.core.probes.base import utc_now
from gonogo_tui.demo.flavours import SHAPES, Flavour
from gonogo_tui.demo.github import GithubApi, serve_github, workflow_runs
from gonogo_tui.demo.grafana import serve_grafana
from gonogo_tui.demo.live import LiveConditions
from gonogo_tui.demo.scenarios import SCENARIOS, Scenario
from gonogo_tui.demo.services import HttpServer
from gonogo_tui.demo.webapp import serve_api, serve_web_app

__all__ = ["HttpHost", "HttpHostSettings"]

_START_TIMEOUT = 30.0
"""Seconds the parent waits for the host's URLs (a cold interpreter on a busy machine)."""


@dataclass(frozen=True)
class HttpHostSettings:
    """What the host needs to serve the scenario; sent over stdin, never on the command line."""

    scenario: str
    latency: float
    now: str
    """The demo's start instant (ISO 8601): runs and flags are dated from it."""
    repository: str
    github_token: str
    grafana_token: str
    flavour: str = Flavour.CONTRACT.value
    control: str = ""
    """The control file (`demo.live`) whose conditions replace the scenario's; "" for none."""


class HttpHost:
    """The parent's handle on the host process: `start()` returns the URLs, `stop()` ends it."""

    def __init__(self, settings: HttpHostSettings) -> None:
        self.settings = settings
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> dict[str, str]:
        """Starts the host and waits for its URLs.

        Returns:
            APP_URL, API_URL, GRAFANA_URL and GITHUB_API_URL.

        Raises:
            GonogoError: the host exited or did not answer in time.
        """
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
            [sys.executable, "-m", "gonogo_tui.demo.http_host"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,
            text=True,
            encoding="utf-8",
            # Its own process group: a Ctrl-C in the terminal reaches the demo, which stops
            # the host in order, instead of killing the host under a running review.
            start_new_session=True,
        )
        self._process = process
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps(asdict(self.settings)) + "\n")
        process.stdin.flush()
        line = _read_line(process.stdout, _START_TIMEOUT)
        if not line:
            code = process.poll()
            raise GonogoError(
                "demo: the HTTP services did not start"
                + (f" (exit code {code})" if code is not None else " in time")
            )
        urls: dict[str, str] = json.loads(line)
        return urls

    def stop(self) -> None:
        """Closes the host's stdin (it stops its servers and exits); kills it after 5 s."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            try:
                process.stdin.close()
            except OSError:
                pass
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _read_line(stream: IO[str], timeout: float) -> str:
    """One line from `stream`, or "" at end of file or after `timeout` seconds."""
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        if not selector.select(timeout):
            return ""
    return stream.readline()


def _serve(settings: HttpHostSettings) -> None:
    control = Path(settings.control) if settings.control else None
    conditions = LiveConditions(SCENARIOS[Scenario(settings.scenario)], control)
    shape = SHAPES[Flavour(settings.flavour)]
    started = datetime.fromisoformat(settings.now)
    offset = started - utc_now()

    def now() -> datetime:
        return utc_now() + offset

    servers = [HttpServer(latency=settings.latency, log_requests=False) for _ in range(4)]
    web, api, grafana, github = servers
    try:
        for server in servers:
            server.start()
        serve_web_app(web, conditions, shape)
        serve_api(api, conditions, now, shape)
        serve_grafana(grafana, settings.grafana_token, shape, conditions)

        def runs() -> list[dict[str, object]]:
            now_conditions = conditions()
            return workflow_runs(
                settings.repository,
                started,
                now_conditions.failing_workflow,
                pending_deploy=now_conditions.pending_deploy,
                shape=shape,
            )

        api_github = GithubApi(
            github.url, settings.repository, settings.github_token, runs,
            filters=shape.github_filters,
        )  # fmt: skip
        serve_github(github, api_github)
        urls = {
            "APP_URL": web.url,
            "API_URL": api.url,
            "GRAFANA_URL": grafana.url,
            "GITHUB_API_URL": github.url,
        }
        sys.stdout.write(json.dumps(urls) + "\n")
        sys.stdout.flush()
        # Until the demo closes our stdin (or dies: the pipe closes with it).
        sys.stdin.read()
    finally:
        for server in reversed(servers):
            server.stop()


def main() -> None:
    """Entry point of `python -m gonogo_tui.demo.http_host`."""
    # The demo stops the host by closing stdin; a terminal's Ctrl-C is the demo's to handle.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    line = sys.stdin.readline()
    if not line:
        return
    _serve(HttpHostSettings(**json.loads(line)))


if __name__ == "__main__":
    main()
