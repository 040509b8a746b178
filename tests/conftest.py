# Suite-wide fixtures live here: the real servers below, and other shared fixtures go here too.
"""Shared pytest fixtures: real servers on 127.0.0.1 from tests/servers.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import HttpTestServer, PgBouncerServer, PostgresServer, PrometheusServer


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The distribution tests share one built wheel (a minute to build): one process runs
    them all, so the wheel is built once (`--dist loadgroup`)."""
    for item in items:
        if item.nodeid.startswith("tests/distribution/"):
            item.add_marker(pytest.mark.xdist_group("distribution"))


SPARK_DATABASE = "spark_trading"
"""Database created on `postgres` and routed by `pgbouncer` (besides `postgres`)."""

FIRING_ALERT = "AlwaysFiring"
"""The one alerting rule of `PROMETHEUS_RULES` that fires (label severity=warning)."""

QUIET_ALERTS = (
    "HighErrorRate",
    "DiskAlmostFull",
    "ReplicationLagHigh",
    "CertificateExpiresSoon",
    "PgBouncerClientsWaiting",
)
"""The alerting rules of `PROMETHEUS_RULES` that never fire."""

PROMETHEUS_RULES = f"""\
groups:
  - name: gonogo-test
    rules:
      - alert: {FIRING_ALERT}
        expr: vector(1) > 0
        labels:
          severity: warning
        annotations:
          summary: Always firing, to test NO-GO on active alerts.
      - alert: HighErrorRate
        expr: vector(0.001) > 0.05
        labels:
          severity: critical
      - alert: DiskAlmostFull
        expr: vector(0.42) > 0.9
        labels:
          severity: critical
      - alert: ReplicationLagHigh
        expr: vector(0) > 30
        for: 1m
        labels:
          severity: warning
      - alert: CertificateExpiresSoon
        expr: vector(90) < 14
        labels:
          severity: warning
      - alert: PgBouncerClientsWaiting
        expr: vector(0) > 0
        labels:
          severity: page
"""


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL 15 cluster for the whole session, WAL archiving to /bin/true."""
    with PostgresServer() as server:
        yield server


@pytest.fixture(scope="session")
def pgbouncer(postgres: PostgresServer) -> Iterator[PgBouncerServer]:
    """pgBouncer (session pooling, pool size 5) routing `spark_trading` and `postgres`."""
    postgres.create_database(SPARK_DATABASE)
    with PgBouncerServer(postgres, databases=[SPARK_DATABASE, "postgres"]) as bouncer:
        yield bouncer


@pytest.fixture(scope="session")
def prometheus() -> Iterator[PrometheusServer]:
    """Prometheus with `PROMETHEUS_RULES`, every rule evaluated and `AlwaysFiring` firing."""
    with PrometheusServer(PROMETHEUS_RULES) as server:
        server.wait_for_rules(1 + len(QUIET_ALERTS), timeout=15)
        server.wait_for_firing(FIRING_ALERT, timeout=15)
        yield server


@pytest.fixture
def http_server() -> Iterator[HttpTestServer]:
    """A fresh plain-HTTP server with no routes (everything answers 404 until routed)."""
    with HttpTestServer() as server:
        yield server


@pytest.fixture
def https_server() -> Iterator[HttpTestServer]:
    """A fresh HTTPS server with a self-signed certificate (rejected by default verification)."""
    with HttpTestServer(tls=True) as server:
        yield server
