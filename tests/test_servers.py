"""The real-server fixtures answer like the real services they are."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import httpx
import psycopg
import pytest
import yaml
from psycopg.rows import dict_row

from tests.servers import (
    HttpTestServer,
    PgBouncerServer,
    PostgresServer,
    PrometheusServer,
    RecordedRequest,
    Reply,
    free_port,
    running_servers,
    wait_until,
)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    # trust_env=False: a proxy from the environment must not see 127.0.0.1 traffic.
    with httpx.Client(trust_env=False, timeout=5.0) as http_client:
        yield http_client


def _refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except ConnectionRefusedError:
        return True


def test_wait_until_returns_the_first_truthy_value() -> None:
    calls: list[int] = []

    def third_call() -> int | None:
        calls.append(1)
        return len(calls) if len(calls) >= 3 else None

    assert wait_until(third_call, timeout=2, interval=0.001) == 3


def test_wait_until_times_out_and_chains_the_last_ignored_error() -> None:
    def never() -> bool:
        raise ConnectionRefusedError("nobody home")

    started = time.monotonic()
    with pytest.raises(TimeoutError, match="server up not met") as caught:
        wait_until(never, timeout=0.1, ignore=(OSError,), message="server up")
    assert isinstance(caught.value.__cause__, ConnectionRefusedError)
    assert 0.1 <= time.monotonic() - started < 1.0


def test_free_port_can_be_bound_on_localhost() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        assert sock.getsockname() == ("127.0.0.1", port)


def test_postgres_answers_over_tcp_with_the_requested_settings(postgres: PostgresServer) -> None:
    names = ["listen_addresses", "fsync", "archive_mode", "archive_command", "server_version_num"]
    with psycopg.connect(postgres.dsn(), connect_timeout=5) as conn:
        rows = conn.execute(
            "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", [names]
        ).fetchall()
        assert conn.info.host == "127.0.0.1"
        assert conn.info.port == postgres.port
    settings: dict[str, str] = dict(rows)
    assert settings["listen_addresses"] == "127.0.0.1"
    assert settings["fsync"] == "off"
    assert settings["archive_mode"] == "on"
    assert settings["archive_command"] == "/bin/true"
    assert int(settings["server_version_num"]) >= 150000


def test_postgres_create_database_is_idempotent_and_execute_returns_rows(
    postgres: PostgresServer,
) -> None:
    postgres.create_database("gonogo_scratch")
    postgres.create_database("gonogo_scratch")

    assert postgres.execute("CREATE TABLE IF NOT EXISTS t (n int)", dbname="gonogo_scratch") == []
    postgres.execute("INSERT INTO t VALUES (%s), (%s)", [1, 2], dbname="gonogo_scratch")
    rows = postgres.execute("SELECT n FROM t ORDER BY n", dbname="gonogo_scratch")
    assert rows == [(1,), (2,)]
    assert postgres.dsn("gonogo_scratch", "postgres") == (
        f"postgresql://postgres@127.0.0.1:{postgres.port}/gonogo_scratch"
    )


def test_postgres_archiver_archives_a_switched_wal_file(postgres: PostgresServer) -> None:
    before = postgres.archiver_status()
    postgres.switch_wal()
    after = wait_until(
        lambda: (
            (s := postgres.archiver_status())["archived_count"] > before["archived_count"] and s
        ),
        timeout=10,
        message="a WAL file archived",
    )
    assert after["failed_count"] == 0
    assert after["last_archived_wal"] is not None


def test_postgres_failing_archive_command_counts_failures_then_cleans_up() -> None:
    with PostgresServer(archive_command="/bin/false") as server:
        server.switch_wal()
        status = wait_until(
            lambda: (s := server.archiver_status())["failed_count"] >= 1 and s,
            timeout=10,
            message="an archive failure",
        )
        process, workdir, port = server.process, server.workdir, server.port
    assert status["archived_count"] == 0
    assert status["last_failed_wal"] is not None
    assert process is not None and process.poll() is not None
    assert workdir is not None and not workdir.exists()
    assert server not in running_servers()
    assert _refuses_connections(port)


def test_pgbouncer_routes_queries_to_postgres(
    pgbouncer: PgBouncerServer, postgres: PostgresServer
) -> None:
    with psycopg.connect(pgbouncer.dsn("spark_trading"), connect_timeout=5) as conn:
        row = conn.execute("SELECT current_database(), inet_server_port()").fetchone()
        assert conn.info.port == pgbouncer.port
    assert pgbouncer.port != postgres.port
    assert row == ("spark_trading", postgres.port)


def test_pgbouncer_admin_console_shows_pools(pgbouncer: PgBouncerServer) -> None:
    with (
        psycopg.connect(pgbouncer.dsn("spark_trading"), connect_timeout=5) as app_conn,
        psycopg.connect(
            pgbouncer.admin_dsn(),
            autocommit=True,
            prepare_threshold=None,
            row_factory=dict_row,
            connect_timeout=5,
        ) as admin,
    ):
        app_conn.execute("SELECT 1")
        # Past psycopg's default prepare threshold (5): the console refuses prepared statements.
        for _ in range(7):
            pools = admin.execute("SHOW POOLS").fetchall()
        config = {row["key"]: row["value"] for row in admin.execute("SHOW CONFIG").fetchall()}
    spark = [pool for pool in pools if pool["database"] == "spark_trading"]
    assert len(spark) == 1
    assert spark[0]["user"] == "postgres"
    assert spark[0]["cl_active"] >= 1
    assert spark[0]["pool_mode"] == "session"
    assert config["default_pool_size"] == str(pgbouncer.default_pool_size)
    assert config["listen_addr"] == "127.0.0.1"


def test_pgbouncer_refuses_a_user_missing_from_the_auth_file(pgbouncer: PgBouncerServer) -> None:
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(pgbouncer.dsn("spark_trading", user="mallory"), connect_timeout=5)


def test_prometheus_lists_the_six_alerting_rules(prometheus: PrometheusServer) -> None:
    assert prometheus.rules_yaml is not None
    declared = yaml.safe_load(prometheus.rules_yaml)["groups"][0]["rules"]
    rules = prometheus.rules(type="alert")
    assert len(rules) == 6
    assert [rule["name"] for rule in rules] == [rule["alert"] for rule in declared]
    assert {rule["type"] for rule in rules} == {"alerting"}
    assert {rule["health"] for rule in rules} == {"ok"}


def test_prometheus_always_firing_fires_and_the_others_stay_inactive(
    prometheus: PrometheusServer,
) -> None:
    alert = prometheus.wait_for_firing("AlwaysFiring", timeout=10)
    states = {rule["name"]: rule["state"] for rule in prometheus.rules(type="alert")}
    firing = [a["labels"]["alertname"] for a in prometheus.api("alerts")["alerts"]]
    assert alert["labels"] == {"alertname": "AlwaysFiring", "severity": "warning"}
    assert states.pop("AlwaysFiring") == "firing"
    assert set(states.values()) == {"inactive"}
    assert firing == ["AlwaysFiring"]


def test_prometheus_config_scrapes_the_given_targets(http_server: HttpTestServer) -> None:
    targets = [f"{http_server.url}/custom-metrics", "127.0.0.1:9"]
    with PrometheusServer(None, scrape_targets=targets) as server:
        config = yaml.safe_load(server.api("status/config")["yaml"])
        workdir = server.workdir
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["target0"]["metrics_path"] == "/custom-metrics"
    assert jobs["target0"]["static_configs"][0]["targets"] == [f"127.0.0.1:{http_server.port}"]
    assert jobs["target1"]["metrics_path"] == "/metrics"
    assert config["global"]["evaluation_interval"] == "1s"
    assert workdir is not None and not workdir.exists()


def test_http_route_answers_json_with_headers_and_logs_the_request(
    http_server: HttpTestServer, client: httpx.Client
) -> None:
    hsts = "max-age=31536000; includeSubDomains"
    hsts_header = {"Strict-Transport-Security": hsts}
    http_server.route("POST", "/api/flags", status=201, headers=hsts_header, body={"ok": 1})
    response = client.post(
        f"{http_server.url}/api/flags?env=prod", json={"flag": "on"}, headers={"X-Trace": "7"}
    )
    assert response.status_code == 201
    assert response.headers["strict-transport-security"] == hsts
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"ok": 1}
    [request] = http_server.requests
    assert (request.method, request.path, request.query) == ("POST", "/api/flags", "env=prod")
    assert request.headers["x-trace"] == "7"
    assert request.json() == {"flag": "on"}


def test_http_unrouted_path_is_404(http_server: HttpTestServer, client: httpx.Client) -> None:
    http_server.route("GET", "/health", body="ok")
    assert client.get(f"{http_server.url}/health").text == "ok"
    assert client.post(f"{http_server.url}/health").status_code == 404
    assert client.get(f"{http_server.url}/elsewhere").status_code == 404


def test_http_delay_holds_the_answer(http_server: HttpTestServer, client: httpx.Client) -> None:
    http_server.route("GET", "/slow", body="late", delay=0.3)
    started = time.monotonic()
    response = client.get(f"{http_server.url}/slow")
    assert time.monotonic() - started >= 0.3
    assert response.text == "late"
    with pytest.raises(httpx.ReadTimeout):
        client.get(f"{http_server.url}/slow", timeout=0.05)


def test_http_hang_times_out_the_client_and_does_not_block_stop(client: httpx.Client) -> None:
    server = HttpTestServer()
    with server:
        server.route("GET", "/hang", hang=True)
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            client.get(f"{server.url}/hang", timeout=0.2)
        assert time.monotonic() - started < 2.0
        stuck = socket.create_connection((server.host, server.port), timeout=2)
        stuck.sendall(b"GET /hang HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        wait_until(lambda: len(server.requests) == 2, timeout=2, message="hung request received")
        stopping = time.monotonic()
    assert time.monotonic() - stopping < 1.0
    with stuck:
        assert stuck.recv(100) == b""
    assert _refuses_connections(server.port)


def test_http_trickle_sends_the_body_slowly(
    http_server: HttpTestServer, client: httpx.Client
) -> None:
    http_server.route("GET", "/drip", trickle=(b"tick\n", 0.1, 5))
    started = time.monotonic()
    with client.stream("GET", f"{http_server.url}/drip") as response:
        headers_after = time.monotonic() - started
        body = response.read()
    total = time.monotonic() - started
    assert headers_after < 0.2
    assert total >= 0.4
    assert body == b"tick\n" * 5
    assert response.headers["content-length"] == str(len(body))


def test_http_500_and_malformed_json(http_server: HttpTestServer, client: httpx.Client) -> None:
    http_server.route("GET", "/boom", status=500, body={"error": "boom"})
    http_server.route(
        "GET", "/broken", body='{"status": "ok"', headers={"Content-Type": "application/json"}
    )
    assert client.get(f"{http_server.url}/boom").status_code == 500
    broken = client.get(f"{http_server.url}/broken")
    assert broken.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        broken.json()


def test_http_redirect_loop(http_server: HttpTestServer, client: httpx.Client) -> None:
    http_server.route("GET", "/loop", status=302, headers={"Location": "/loop"})
    with pytest.raises(httpx.TooManyRedirects):
        client.get(f"{http_server.url}/loop", follow_redirects=True)
    assert len(http_server.requests) > 2


def test_http_handler_builds_the_reply_from_the_request(
    http_server: HttpTestServer, client: httpx.Client
) -> None:
    def echo(request: RecordedRequest) -> Reply:
        return Reply(status=418, headers={"X-Echo": request.query}, body=request.body.upper())

    def broken(request: RecordedRequest) -> Reply:
        raise LookupError("no such fixture data")

    http_server.route("PUT", "/echo", handler=echo)
    http_server.route("*", "/broken", handler=broken)
    response = client.put(f"{http_server.url}/echo?x=1", content=b"tea")
    assert response.status_code == 418
    assert response.headers["x-echo"] == "x=1"
    assert response.content == b"TEA"
    failed = client.delete(f"{http_server.url}/broken")
    assert failed.status_code == 500
    assert "no such fixture data" in failed.text
    assert [type(error) for error in http_server.errors] == [LookupError]


def test_https_self_signed_certificate_is_rejected_by_default(
    https_server: HttpTestServer, client: httpx.Client
) -> None:
    https_server.route("GET", "/", body="secure")
    assert https_server.url.startswith("https://127.0.0.1:")
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        client.get(https_server.url)
    with httpx.Client(trust_env=False, verify=https_server.client_ssl_context()) as trusting:
        assert trusting.get(https_server.url).text == "secure"


def test_https_expired_certificate_is_rejected_even_when_trusted() -> None:
    with (
        HttpTestServer(tls=True, expired_cert=True) as server,
        httpx.Client(trust_env=False, verify=server.client_ssl_context()) as trusting,
        pytest.raises(httpx.ConnectError, match="expired"),
    ):
        trusting.get(server.url)
