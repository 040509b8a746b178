"""Local servers for the probe tests: a threaded HTTP(S) server with routes, a PostgreSQL handle."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg

PG_BIN = Path("/usr/lib/postgresql/15/bin")
HSTS = "max-age=31536000; includeSubDomains"
JSON_DOCUMENT: dict[str, Any] = {
    "status": "ok",
    "version": "1.4.2",
    "data": {"count": 3, "flags": [{"name": "new-ui", "enabled": True, "latency_ms": 12}]},
}

RouteHandler = Callable[["RequestHandler"], None]


class RequestHandler(BaseHTTPRequestHandler):
    """Dispatches every method to the route registered for the path."""

    server: _Server

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.request_body = self.rfile.read(length) if length else b""
        route = self.server.owner.routes.get(self.path.split("?", 1)[0])
        if route is None:
            self.reply(404, body="no such route")
        else:
            route(self)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch

    def reply(
        self,
        status: int = 200,
        headers: dict[str, str] | None = None,
        body: bytes | str = b"",
    ) -> None:
        """Send a complete response."""
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the default 5 drops SYNs under a burst of probes (1 s retransmits)
    owner: LocalHttpServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (timeouts, TLS refusals) are expected here."""


class LocalHttpServer:
    """A threaded HTTP server on 127.0.0.1 with routes tests can add."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, RouteHandler] = {}
        self.stopping = threading.Event()
        self.httpd = _Server(("127.0.0.1", 0), RequestHandler)
        self.httpd.owner = self
        if tls is not None:
            # The handshake then happens in the handler thread, not in accept().
            self.httpd.socket = tls.wrap_socket(
                self.httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self.port = int(self.httpd.server_address[1])
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self._add_standard_routes()

    def route(self, path: str, handler: RouteHandler) -> None:
        """Serve `path` with `handler`."""
        self.routes[path] = handler

    def respond(
        self,
        path: str,
        status: int = 200,
        headers: dict[str, str] | None = None,
        body: bytes | str = b"",
        delay: float = 0.0,
    ) -> None:
        """Serve `path` with a fixed response, after `delay` seconds."""

        def handler(request: RequestHandler) -> None:
            if delay:
                self.stopping.wait(delay)
            request.reply(status, headers, body)

        self.routes[path] = handler

    def close(self) -> None:
        """Release hanging handlers and stop serving."""
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    def _add_standard_routes(self) -> None:
        json_type = {"Content-Type": "application/json"}
        self.respond("/ok", body="ok")
        self.respond("/no-content", status=204)
        self.respond("/error", status=500, body="boom")
        self.respond(
            "/headers",
            headers={
                "Strict-Transport-Security": HSTS,
                "X-Frame-Options": "DENY",
                "Content-Security-Policy": "default-src 'self'",
            },
            body="secure",
        )
        self.respond("/json", headers=json_type, body=json.dumps(JSON_DOCUMENT))
        self.respond("/bad-json", headers=json_type, body='{"status": "ok",')
        self.respond("/slow", body="late", delay=0.3)
        self.respond("/loop", status=302, headers={"Location": "/loop"})
        self.route("/hang", self._hang)
        self.route("/trickle", self._trickle)
        self.route("/echo", self._echo)

    def _hang(self, request: RequestHandler) -> None:
        self.stopping.wait()

    def _trickle(self, request: RequestHandler) -> None:
        request.send_response(200)
        request.send_header("Content-Length", "100000")
        request.end_headers()
        while not self.stopping.wait(0.05):
            request.wfile.write(b".")
            request.wfile.flush()

    def _echo(self, request: RequestHandler) -> None:
        echoed = {name: value for name, value in request.headers.items()}
        request.reply(200, {"Content-Type": "application/json"}, json.dumps(echoed))


@dataclass(frozen=True)
class TlsFiles:
    """A self-signed certificate for 127.0.0.1 and its key."""

    cert: Path
    key: Path


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listened on a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class LocalPostgres:
    """A running throwaway PostgreSQL; host connections need the password."""

    port: int
    password: str

    def dsn(self, *, password: str | None = None, port: int | None = None) -> str:
        """A URL DSN for the `postgres` superuser."""
        secret = self.password if password is None else password
        return f"postgresql://postgres:{secret}@127.0.0.1:{port or self.port}/postgres"


def wait_until_ready(
    server: LocalPostgres, process: subprocess.Popen[bytes], log_path: Path
) -> None:
    deadline = time.monotonic() + 20
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"postgres exited: {log_path.read_text(errors='replace')}")
        try:
            with psycopg.connect(server.dsn(), connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
        # Polling a starting server, bounded by the deadline above.
        time.sleep(0.05)
