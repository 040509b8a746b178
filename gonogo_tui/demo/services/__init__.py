"""Real servers on 127.0.0.1 for the demo environment and the tests: PostgreSQL, pgBouncer,
Prometheus and a programmable HTTP(S) server, each in its own temp dir on a random port."""

from __future__ import annotations

from gonogo_tui.demo.services.http import Body, HttpServer, RecordedRequest, Reply
from gonogo_tui.demo.services.postgres import PG_BIN_DIR, PgBouncerServer, PostgresServer
from gonogo_tui.demo.services.process import (
    LOCALHOST,
    ServerStartError,
    ServiceProcess,
    Stoppable,
    free_port,
    running_servers,
    wait_until,
)
from gonogo_tui.demo.services.prometheus import PrometheusServer
from gonogo_tui.demo.services.tls import make_self_signed_cert

__all__ = [
    "LOCALHOST",
    "PG_BIN_DIR",
    "Body",
    "HttpServer",
    "PgBouncerServer",
    "PostgresServer",
    "PrometheusServer",
    "RecordedRequest",
    "Reply",
    "ServerStartError",
    "ServiceProcess",
    "Stoppable",
    "free_port",
    "make_self_signed_cert",
    "running_servers",
    "wait_until",
]
