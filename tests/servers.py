"""Real PostgreSQL, pgBouncer, Prometheus and HTTP servers on 127.0.0.1 for tests, never mocks.

The servers live in `gonogo_tui.demo.services` (the demo needs them at run time); this module
keeps the names the tests import.
"""

from __future__ import annotations

from gonogo_tui.demo.services import (
    LOCALHOST,
    PG_BIN_DIR,
    Body,
    PgBouncerServer,
    PostgresServer,
    PrometheusServer,
    RecordedRequest,
    Reply,
    ServerStartError,
    free_port,
    make_self_signed_cert,
    running_servers,
    wait_until,
)
from gonogo_tui.demo.services import HttpServer as HttpTestServer

__all__ = [
    "LOCALHOST",
    "PG_BIN_DIR",
    "Body",
    "HttpTestServer",
    "PgBouncerServer",
    "PostgresServer",
    "PrometheusServer",
    "RecordedRequest",
    "Reply",
    "ServerStartError",
    "free_port",
    "make_self_signed_cert",
    "running_servers",
    "wait_until",
]
