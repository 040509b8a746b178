"""Fault matrix: every misbehaving target ends with the right status and a clear detail
within its timeout plus 0.5 s, against real servers and processes on 127.0.0.1."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import pytest

from gonogo_tui.core.checklist import Criterion
from gonogo_tui.core.engine import ProbeRunner
from gonogo_tui.core.probes.base import Observation, ProbeContext, ProbeResult, ProbeSpec, Status
from tests.servers import HttpTestServer, PostgresServer, free_port, wait_until

TIMEOUT = 1.0
SLACK = 0.5


async def run_probe(probe: dict[str, Any] | ProbeSpec, root: Path) -> tuple[ProbeResult, float]:
    if isinstance(probe, ProbeSpec):
        criterion = Criterion.model_construct(
            id="fault", title="fault", probe=probe, manual=False, timeout=None, retries=None
        )
    else:
        criterion = Criterion.model_validate({"id": "fault", "title": "fault", "probe": probe})
    runner = ProbeRunner(ProbeContext(root=root), default_timeout=TIMEOUT, retry_backoff=0)
    started = time.perf_counter()
    try:
        result = await runner.run(criterion)
    finally:
        await runner.aclose()
    return result, time.perf_counter() - started


def assert_within_deadline(elapsed: float) -> None:
    assert elapsed <= TIMEOUT + SLACK, f"took {elapsed:.2f} s"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


HttpFault = Callable[[HttpTestServer], dict[str, Any]]


def _refused(server: HttpTestServer) -> dict[str, Any]:
    return {"kind": "http", "url": f"http://127.0.0.1:{free_port()}/"}


def _unresolvable(server: HttpTestServer) -> dict[str, Any]:
    return {"kind": "http", "url": "http://gonogo-fault.invalid/"}


def _silent(server: HttpTestServer) -> dict[str, Any]:
    server.route("GET", "/silent", hang=True)
    return {"kind": "http", "url": f"{server.url}/silent"}


def _trickle(server: HttpTestServer) -> dict[str, Any]:
    server.route("GET", "/trickle", trickle=(b"x" * 10, 0.2, 50))
    return {"kind": "http", "url": f"{server.url}/trickle"}


def _server_error(server: HttpTestServer) -> dict[str, Any]:
    server.route("GET", "/boom", status=500, body="internal error")
    return {"kind": "http", "url": f"{server.url}/boom"}


def _malformed_json(server: HttpTestServer) -> dict[str, Any]:
    server.route(
        "GET", "/json", headers={"Content-Type": "application/json"}, body=b'{"flags": [1, 2'
    )
    return {"kind": "http", "url": f"{server.url}/json", "json": [{"path": "flags[0]"}]}


def _redirect_loop(server: HttpTestServer) -> dict[str, Any]:
    server.route("GET", "/a", status=302, headers={"Location": "/b"})
    server.route("GET", "/b", status=302, headers={"Location": "/a"})
    return {"kind": "http", "url": f"{server.url}/a", "follow_redirects": True}


@pytest.mark.parametrize(
    ("fault", "status", "detail"),
    [
        (_refused, Status.ERROR, "refused"),
        (_unresolvable, Status.ERROR, ""),
        (_silent, Status.ERROR, ""),
        (_trickle, Status.ERROR, ""),
        (_server_error, Status.FAIL, "status 500"),
        (_malformed_json, Status.ERROR, "not JSON"),
        (_redirect_loop, Status.ERROR, "redirect"),
    ],
    ids=[
        "refused",
        "unresolvable",
        "never-answers",
        "trickling-body",
        "500",
        "bad-json",
        "redirect-loop",
    ],
)
async def test_http_faults(
    http_server: HttpTestServer, tmp_path: Path, fault: HttpFault, status: Status, detail: str
) -> None:
    result, elapsed = await run_probe(fault(http_server), tmp_path)
    assert result.status is status, result.detail
    assert detail in result.detail
    assert result.detail and "\n" not in result.detail
    assert_within_deadline(elapsed)


async def test_self_signed_certificate(https_server: HttpTestServer, tmp_path: Path) -> None:
    https_server.route("GET", "/", body="ok")
    result, elapsed = await run_probe({"kind": "http", "url": https_server.url + "/"}, tmp_path)
    assert result.status is Status.ERROR and "certificate" in result.detail
    assert_within_deadline(elapsed)
    insecure = {"kind": "http", "url": https_server.url + "/", "insecure": True}
    result, _ = await run_probe(insecure, tmp_path)
    assert result.status is Status.PASS


async def test_postgres_down(tmp_path: Path) -> None:
    probe = {
        "kind": "sql",
        "dsn": f"postgresql://postgres@127.0.0.1:{free_port()}/x",
        "query": "select 1",
    }
    result, elapsed = await run_probe(probe, tmp_path)
    assert result.status is Status.ERROR and result.detail
    assert_within_deadline(elapsed)


async def test_statement_hangs_cut_by_statement_timeout(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    probe = {"kind": "sql", "dsn": postgres.dsn(), "query": "select pg_sleep(30)"}
    result, elapsed = await run_probe(probe, tmp_path)
    assert result.status is Status.ERROR
    assert_within_deadline(elapsed)
    rows = postgres.execute(
        "select count(*) from pg_stat_activity where query like 'select pg_sleep(30)%' "
        "and state = 'active'"
    )
    assert rows[0][0] == 0


async def test_command_hangs_and_is_killed(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    code = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    result, elapsed = await run_probe(
        {"kind": "command", "command": [sys.executable, "-c", code]}, tmp_path
    )
    assert result.status is Status.ERROR and "timed out" in result.detail
    assert_within_deadline(elapsed)
    wait_until(lambda: not pid_alive(int(pid_file.read_text())), timeout=2, message="child gone")


async def test_command_prints_200_mb(tmp_path: Path) -> None:
    code = "import sys\nchunk = b'y' * 1048576\nfor _ in range(200): sys.stdout.buffer.write(chunk)"
    probe = {"kind": "command", "command": [sys.executable, "-c", code], "timeout": 20}
    result, _ = await run_probe(probe, tmp_path)
    assert result.status is Status.PASS
    assert len(result.output) < 200_000


async def test_grandchild_keeps_the_pipe_open(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild"
    grandchild = (
        f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    )
    code = (
        "import subprocess, sys\n"
        "import os, time\n"
        f"subprocess.Popen([sys.executable, '-c', {grandchild!r}])\n"
        f"while not os.path.exists({str(pid_file)!r}): time.sleep(0.01)\n"
        "print('parent done')\n"
    )
    result, elapsed = await run_probe(
        {"kind": "command", "command": [sys.executable, "-c", code], "stdout": ["parent done"]},
        tmp_path,
    )
    assert result.status is Status.PASS
    assert_within_deadline(elapsed)
    # SIGKILL is delivered asynchronously: poll briefly for the grandchild to be gone.
    wait_until(
        lambda: not pid_alive(int(pid_file.read_text())), timeout=2, message="grandchild gone"
    )


class _Exploding(ProbeSpec):
    kind: Literal["exploding"] = "exploding"

    def source(self) -> str:
        return "exploding"

    def expectation(self) -> str:
        return "never"

    async def run(self, ctx: ProbeContext) -> Observation:
        raise ZeroDivisionError("division by zero in a probe")


async def test_unexpected_exception(tmp_path: Path) -> None:
    result, elapsed = await run_probe(_Exploding(), tmp_path)
    assert result.status is Status.ERROR
    assert result.detail == "unexpected ZeroDivisionError: division by zero in a probe"
    assert_within_deadline(elapsed)


@pytest.mark.parametrize(
    "probe",
    [
        {"kind": "pgbouncer", "dsn": "postgresql://pgbouncer@127.0.0.1:{port}/pgbouncer"},
        {"kind": "prometheus", "url": "http://127.0.0.1:{port}", "alert_rules": ">= 5"},
        {"kind": "metrics", "url": "http://127.0.0.1:{port}/metrics", "gauge": "up", "compare": ">= 1"},
        {"kind": "grafana_dashboard", "url": "http://127.0.0.1:{port}", "uid": "x", "token": "t0ken"},
        {"kind": "github_runs", "api_url": "http://127.0.0.1:{port}", "repository": "o/r",
         "token": "t0ken", "workflows": ["ci.yml"], "use_gh": "never"},
        {"kind": "pg_health", "dsn": "postgresql://postgres@127.0.0.1:{port}/x", "check": "wal_archiving"},
    ],
    ids=["pgbouncer-down", "prometheus-down", "metrics-down", "grafana-down", "github-down", "postgres-health-down"],
)  # fmt: skip
async def test_operations_targets_down(tmp_path: Path, probe: dict[str, Any]) -> None:
    port = free_port()
    spec = {k: v.format(port=port) if isinstance(v, str) else v for k, v in probe.items()}
    result, elapsed = await run_probe(spec, tmp_path)
    assert result.status is Status.ERROR, result.detail
    assert result.detail and "\n" not in result.detail
    assert "t0ken" not in result.detail
    assert_within_deadline(elapsed)
