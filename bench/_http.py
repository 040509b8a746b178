"""A small threaded HTTP server for benchmarks: `/fast` answers at once, `/slow/MS` after MS ms."""

from __future__ import annotations

import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    # Keep-alive, as the web servers in front of a staging stack do (HTTP/1.0 would make
    # every probe open a new connection and the server start a new thread for it).
    protocol_version = "HTTP/1.1"
    latency_ms = 0.0

    # As nginx does on keep-alive connections (`tcp_nodelay on`), and as the demo's services
    # do: the body goes out right behind the headers. With Nagle's algorithm it waited for
    # the client's delayed ACK of the headers (up to 40 ms) whenever a connection was reused.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        delay = self.latency_ms
        path = self.path.split("?", 1)[0]  # `?probe=N` makes each probe's request its own
        if path.startswith("/slow/"):
            delay += float(path.rsplit("/", 1)[1])
        if delay:
            time.sleep(delay / 1000)
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 drops SYNs under a burst of probes: each drop costs a 1 s
    # TCP retransmit, which would measure the server, not gonogo.
    request_queue_size = 1024
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that goes away (the review quit, a probe rerun cancelled its request)
        # breaks its kept-alive connection: no traceback for that.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class BenchServer:
    """Serves on 127.0.0.1, random port, in a daemon thread."""

    def __init__(self, latency_ms: float = 0.0) -> None:
        handler = type("Handler", (_Handler,), {"latency_ms": latency_ms})
        self.httpd = _Server(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> BenchServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
