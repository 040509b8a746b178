"""Retries only what may pass next time, against real HTTP servers and a real PostgreSQL.

A 404, a 400, an SQL undefined column or a syntax error would be the same answer after the
backoff: they are tried once. A 503, a refused connection, a 429 (after its Retry-After) and
a PostgreSQL serialization failure are asked again.
"""

from __future__ import annotations

import itertools
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gonogo_tui.core.checklist import Criterion
from gonogo_tui.core.engine import ProbeRunner
from gonogo_tui.core.probes.base import ProbeContext, ProbeResult, Status
from gonogo_tui.core.probes.github_runs import GithubRunsProbe
from gonogo_tui.core.probes.http import HttpProbe
from gonogo_tui.core.probes.metrics import MetricsProbe
from gonogo_tui.core.probes.prometheus import PrometheusProbe
from gonogo_tui.core.probes.sql import SqlProbe
from gonogo_tui.core.probes.transient import http_status_transient, is_transient, retry_after
from tests.servers import HttpTestServer, PostgresServer, RecordedRequest, Reply, free_port

SCRATCH = "gonogo_retry"


def _criterion(probe: Any) -> Criterion:
    return Criterion.model_construct(
        id="c", title="t", probe=probe, manual=False, timeout=None, retries=None
    )


async def _run(probe: Any, *, retries: int = 2, timeout: float = 5.0) -> ProbeResult:
    runner = ProbeRunner(
        ProbeContext(root=Path(".")),
        default_retries=retries,
        default_timeout=timeout,
        retry_backoff=0.01,
    )
    try:
        return await runner.run(_criterion(probe))
    finally:
        await runner.aclose()


def _http(url: str, **fields: Any) -> HttpProbe:
    return HttpProbe.model_validate({"kind": "http", "url": url, **fields})


def _hits(server: HttpTestServer, path: str) -> int:
    return sum(1 for request in server.requests if request.path == path)


def _answers(*replies: Reply) -> Any:
    """A route handler answering `replies` in turn, then the last one forever."""
    turn = itertools.count()

    def handler(request: RecordedRequest) -> Reply:
        return replies[min(next(turn), len(replies) - 1)]

    return handler


@pytest.mark.parametrize("status", [400, 404, 403])
async def test_a_client_error_is_asked_once(http_server: HttpTestServer, status: int) -> None:
    http_server.route("GET", "/gone", status=status, body="no such page")
    result = await _run(_http(f"{http_server.url}/gone", status=200))
    assert result.status is Status.FAIL
    assert result.detail == f"status {status} (expected 200)"
    assert (result.attempts, _hits(http_server, "/gone")) == (1, 1)


async def test_a_503_then_200_passes_on_the_retry(http_server: HttpTestServer) -> None:
    http_server.route(
        "GET", "/health", handler=_answers(Reply(503, body="warming up"), Reply(200, body="ok"))
    )
    result = await _run(_http(f"{http_server.url}/health", status=200))
    assert result.status is Status.PASS, result.detail
    assert (result.attempts, _hits(http_server, "/health")) == (2, 2)


async def test_a_5xx_that_stays_is_a_fail_after_every_attempt(http_server: HttpTestServer) -> None:
    http_server.route("GET", "/down", status=502, body="bad gateway")
    result = await _run(_http(f"{http_server.url}/down"), retries=2)
    assert result.status is Status.FAIL and result.detail == "status 502 (expected < 400)"
    assert (result.attempts, _hits(http_server, "/down")) == (3, 3)


async def test_an_expected_503_is_a_pass_and_is_not_asked_again(
    http_server: HttpTestServer,
) -> None:
    http_server.route("GET", "/maintenance", status=503)
    result = await _run(_http(f"{http_server.url}/maintenance", status=503))
    assert result.status is Status.PASS and _hits(http_server, "/maintenance") == 1


async def test_a_429_waits_what_retry_after_asks(http_server: HttpTestServer) -> None:
    http_server.route(
        "GET",
        "/busy",
        handler=_answers(Reply(429, headers={"Retry-After": "1"}), Reply(200, body="ok")),
    )
    started = time.monotonic()
    result = await _run(_http(f"{http_server.url}/busy", status=200))
    elapsed = time.monotonic() - started
    assert result.status is Status.PASS and result.attempts == 2
    # The backoff is 10 ms: the second of waiting is the server's Retry-After.
    assert 1.0 <= elapsed < 3.0


async def test_a_retry_after_beyond_the_deadline_is_not_waited_for(
    http_server: HttpTestServer,
) -> None:
    http_server.route("GET", "/limited", status=429, headers={"Retry-After": "3600"})
    started = time.monotonic()
    result = await _run(_http(f"{http_server.url}/limited", status=200), timeout=2.0)
    assert time.monotonic() - started < 1.5
    assert result.status is Status.FAIL and result.attempts == 1
    assert "asked to retry after 60m, longer than the 2s deadline: not retried" in result.detail


async def test_a_refused_connection_is_asked_again() -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    result = await _run(_http(url), retries=2)
    assert result.status is Status.ERROR and "connection refused" in result.detail
    assert result.attempts == 3


async def test_a_metrics_endpoint_answering_503_is_asked_again(
    http_server: HttpTestServer,
) -> None:
    exposition = "# TYPE cpu_ratio gauge\ncpu_ratio 0.25\n"
    http_server.route(
        "GET",
        "/metrics",
        handler=_answers(Reply(503, body="starting"), Reply(200, body=exposition)),
    )
    probe = MetricsProbe.model_validate(
        {
            "kind": "metrics",
            "url": f"{http_server.url}/metrics",
            "gauge": "cpu_ratio",
            "compare": "< 0.7",
        }
    )
    result = await _run(probe)
    assert result.status is Status.PASS, result.detail
    assert (result.attempts, _hits(http_server, "/metrics")) == (2, 2)


async def test_a_metrics_endpoint_answering_404_is_asked_once(
    http_server: HttpTestServer,
) -> None:
    http_server.route("GET", "/metrics", status=404)
    probe = MetricsProbe.model_validate(
        {
            "kind": "metrics",
            "url": f"{http_server.url}/metrics",
            "gauge": "cpu_ratio",
            "compare": "< 0.7",
        }
    )
    result = await _run(probe)
    assert result.status is Status.ERROR and "404" in result.detail
    assert (result.attempts, _hits(http_server, "/metrics")) == (1, 1)


@pytest.fixture(scope="module")
def scratch(postgres: PostgresServer) -> Iterator[PostgresServer]:
    postgres.create_database(SCRATCH)
    yield postgres


def _sql(server: PostgresServer, query: str, **fields: Any) -> SqlProbe:
    return SqlProbe.model_validate(
        {"kind": "sql", "dsn": server.dsn(SCRATCH), "query": query, **fields}
    )


def _calls(server: PostgresServer, sequence: str) -> int:
    rows = server.execute(f"SELECT last_value, is_called FROM {sequence}", dbname=SCRATCH)  # type: ignore[arg-type]
    last_value, is_called = rows[0]
    return int(last_value) if is_called else 0


@pytest.mark.parametrize(
    ("name", "body"),
    [
        (
            "undefined_column",
            "PERFORM nextval('{seq}'); RETURN (SELECT no_such_column FROM pg_class LIMIT 1);",
        ),
        ("syntax", "PERFORM nextval('{seq}'); EXECUTE 'SELEC 1'; RETURN 1;"),
    ],
)
async def test_an_sql_error_is_asked_once(scratch: PostgresServer, name: str, body: str) -> None:
    """The function counts its calls in a sequence (never rolled back), so the attempts the
    database saw are counted there, not only in the result."""
    seq = f"calls_{name}"
    scratch.execute(f"DROP SEQUENCE IF EXISTS {seq}; CREATE SEQUENCE {seq}", dbname=SCRATCH)  # type: ignore[arg-type]
    scratch.execute(
        f"CREATE OR REPLACE FUNCTION probe_{name}() RETURNS int LANGUAGE plpgsql AS $$ BEGIN "  # type: ignore[arg-type]
        + body.format(seq=seq)
        + " END $$",
        dbname=SCRATCH,
    )
    result = await _run(_sql(scratch, f"SELECT probe_{name}() AS n", rows=">= 1"))
    assert result.status is Status.ERROR and "query failed" in result.detail
    assert result.attempts == 1 and _calls(scratch, seq) == 1


async def test_a_serialization_failure_passes_on_the_retry(scratch: PostgresServer) -> None:
    scratch.execute(
        "DROP SEQUENCE IF EXISTS calls_serial; CREATE SEQUENCE calls_serial", dbname=SCRATCH
    )
    scratch.execute(
        "CREATE OR REPLACE FUNCTION probe_serial() RETURNS int LANGUAGE plpgsql AS $$ BEGIN "
        "IF nextval('calls_serial') = 1 THEN RAISE EXCEPTION 'could not serialize access' "
        "USING ERRCODE = 'serialization_failure'; END IF; RETURN 1; END $$",
        dbname=SCRATCH,
    )
    result = await _run(_sql(scratch, "SELECT probe_serial() AS n", rows=">= 1"))
    assert result.status is Status.PASS, result.detail
    assert result.attempts == 2 and _calls(scratch, "calls_serial") == 2


async def test_a_refused_database_is_asked_again(scratch: PostgresServer) -> None:
    dsn = f"postgresql://postgres@127.0.0.1:{free_port()}/{SCRATCH}"
    probe = SqlProbe.model_validate({"kind": "sql", "dsn": dsn, "query": "SELECT 1", "rows": 1})
    result = await _run(probe, retries=1)
    assert result.status is Status.ERROR and "cannot connect" in result.detail
    assert result.attempts == 2


async def test_a_missing_database_is_asked_once(scratch: PostgresServer) -> None:
    probe = SqlProbe.model_validate(
        {"kind": "sql", "dsn": scratch.dsn("no_such_db"), "query": "SELECT 1", "rows": 1}
    )
    result = await _run(probe, retries=2)
    assert result.status is Status.ERROR and "no_such_db" in result.detail
    assert result.attempts == 1


async def test_an_untrusted_certificate_is_asked_once(https_server: HttpTestServer) -> None:
    https_server.route("GET", "/", status=200)
    result = await _run(_http(f"{https_server.url}/"), retries=2)
    assert result.status is Status.ERROR and "certificate" in result.detail
    assert result.attempts == 1


def test_what_is_transient_without_a_server() -> None:
    """The classification of failures no local server makes on demand."""
    assert is_transient(socket.gaierror(socket.EAI_AGAIN, "Temporary failure"))
    assert not is_transient(socket.gaierror(socket.EAI_NONAME, "Name or service not known"))
    assert not is_transient(FileNotFoundError(2, "No such file or directory"))
    assert is_transient(ExceptionGroup("g", [ConnectionResetError(104, "reset")]))
    assert [http_status_transient(s) for s in (404, 408, 429, 500, 501, 503, 505)] == [
        False, True, True, True, False, True, False,
    ]  # fmt: skip
    assert retry_after({"Retry-After": "7"}) == 7.0
    assert (
        retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, now=lambda: 1445412470.0)
        == 10.0
    )
    assert retry_after({"Retry-After": "soon"}) is None and retry_after({}) is None


def _github(server: HttpTestServer) -> GithubRunsProbe:
    return GithubRunsProbe.model_validate(
        {
            "kind": "github_runs",
            "api_url": server.url,
            "repository": "team/app",
            "token": "t0ken-for-tests",
            "use_gh": "never",
            "workflows": ["ci.yml"],
        }
    )


@pytest.mark.parametrize(("status", "attempts"), [(404, 1), (401, 1), (502, 3)])
async def test_github_answers_are_retried_only_when_they_may_change(
    http_server: HttpTestServer, status: int, attempts: int
) -> None:
    http_server.route("*", "*", status=status, body={"message": "nope"})
    result = await _run(_github(http_server), retries=2)
    assert result.status is Status.ERROR and f"GitHub API {status}" in result.detail
    # A 404 also lists the repository's workflow files once, to say what is there.
    asked = [r for r in http_server.requests if r.path.endswith("/runs")]
    assert (result.attempts, len(asked)) == (attempts, attempts), http_server.requests


async def test_a_github_rate_limit_for_an_hour_is_not_waited_for(
    http_server: HttpTestServer,
) -> None:
    http_server.route("*", "*", status=429, headers={"Retry-After": "3600"}, body={})
    result = await _run(_github(http_server), retries=2, timeout=3.0)
    assert result.status is Status.ERROR and result.attempts == 1
    assert "longer than the 3s deadline: not retried" in result.detail


async def test_prometheus_answering_503_is_asked_again(http_server: HttpTestServer) -> None:
    rule = {"type": "alerting", "name": "Up", "health": "ok", "state": "inactive"}
    rules = {"status": "success", "data": {"groups": [{"name": "g", "rules": [rule]}]}}
    http_server.route(
        "GET",
        "/api/v1/rules",
        handler=_answers(
            Reply(503, body={"status": "error", "error": "not ready"}), Reply(200, body=rules)
        ),
    )
    probe = PrometheusProbe.model_validate(
        {"kind": "prometheus", "url": http_server.url, "alert_rules": ">= 1"}
    )
    result = await _run(probe)
    assert result.status is Status.PASS, result.detail
    assert (result.attempts, _hits(http_server, "/api/v1/rules")) == (2, 2)
