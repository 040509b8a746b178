"""A threaded HTTP(S) server on 127.0.0.1 with programmable routes and a request log."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import ssl
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gonogo_tui.demo.services.process import LOCALHOST, Stoppable
from gonogo_tui.demo.services.tls import make_self_signed_cert

__all__ = ["Body", "HttpServer", "RecordedRequest", "Reply"]

Body = bytes | str | dict[str, Any] | list[Any] | None


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the `HttpServer` received it."""

    method: str
    path: str
    """Path without the query string."""
    query: str
    headers: dict[str, str]
    """Header names lower-cased."""
    body: bytes
    """The body as sent with Content-Length (chunked request bodies are not read)."""

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    """What a route answers; `handler` routes build one per request."""

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    """Sent as given; Content-Type and Content-Length are added unless present."""
    body: Body = b""
    """bytes as is, str as UTF-8 text, dict/list as JSON."""
    delay: float = 0.0
    """Seconds to wait before the status line."""
    trickle: tuple[bytes, float, int] | None = None
    """(chunk, interval, count): the body is `chunk` sent `count` times, `interval` apart."""
    hang: bool = False
    """Read the request, then never answer (until the server stops)."""


def _encode_body(body: Body) -> tuple[bytes, str]:
    if body is None or isinstance(body, bytes):
        return body or b"", "application/octet-stream"
    if isinstance(body, str):
        return body.encode(), "text/plain; charset=utf-8"
    return json.dumps(body).encode(), "application/json"


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, keep-alive clients would wait
    # for a delayed ACK (~40 ms) and latency probes would measure the test server, not the code.
    disable_nagle_algorithm = True
    server: _HttpServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: the request log is `HttpServer.requests`."""

    def _dispatch(self) -> None:
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        url = urlsplit(self.path)
        request = RecordedRequest(
            method=self.command,
            path=url.path,
            query=url.query,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        reply = owner._reply_for(request)
        stopping = owner._stopping
        delay = reply.delay + owner.latency
        if reply.hang or (delay and stopping.wait(delay)):
            stopping.wait()
            self.close_connection = True
            return
        payload, content_type = _encode_body(reply.body)
        chunk, interval, count = reply.trickle or (payload, 0.0, 1)
        payload = chunk * count
        present = {name.lower() for name in reply.headers}
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if "content-type" not in present and payload:
            self.send_header("Content-Type", content_type)
        if "content-length" not in present:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command == "HEAD":
            return
        for index in range(count):
            if index and stopping.wait(interval):
                self.close_connection = True
                return
            self.wfile.write(chunk)
            self.wfile.flush()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the default 5 drops SYNs under a burst of probes (1 s retransmits)
    owner: HttpServer

    def finish_request(self, request: Any, client_address: Any) -> None:
        owner = self.owner
        if owner._ssl_context is not None:
            request.settimeout(10)
            try:
                request = owner._ssl_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                owner._errors.append(exc)  # e.g. the client rejected our certificate
                return
            request.settimeout(None)
        owner._track(request, open_=True)
        try:
            super().finish_request(request, client_address)
        finally:
            owner._track(request, open_=False)
            with contextlib.suppress(OSError):
                request.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Keeps handler errors (mostly clients hanging up) off stderr, in `owner.errors`."""
        self.owner._errors.append(sys.exc_info()[1])


class HttpServer(Stoppable):
    """A threaded HTTP(S) server on 127.0.0.1 with programmable routes and a request log.

    Unknown routes answer 404. A later `route()` for the same method and path replaces the
    earlier one. Method `*` matches any method and path `*` any path; an exact match wins.
    """

    def __init__(
        self,
        *,
        tls: bool = False,
        expired_cert: bool = False,
        latency: float = 0.0,
        log_requests: bool = True,
    ) -> None:
        """Configures, without starting, a server.

        Args:
            tls: Serve HTTPS with a fresh self-signed certificate for 127.0.0.1 and localhost.
            expired_cert: With `tls`, make that certificate expired as well.
            latency: Seconds added before every answer, as a remote service would take.
            log_requests: Keep every request in `requests` (a long-running server turns
                this off so its memory stays flat).
        """
        self.host = LOCALHOST
        self.port = 0
        self.tls = tls
        self.expired_cert = expired_cert
        self.latency = latency
        self.log_requests = log_requests
        self.cert_file: Path | None = None
        self.key_file: Path | None = None
        self._workdir: Path | None = None
        self._ssl_context: ssl.SSLContext | None = None
        self._routes: dict[tuple[str, str], Reply | Callable[[RecordedRequest], Reply]] = {}
        self._requests: list[RecordedRequest] = []
        self._errors: list[BaseException | None] = []
        self._lock = threading.Lock()
        self._connections: set[Any] = set()
        self._stopping = threading.Event()
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash)."""
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def errors(self) -> list[BaseException | None]:
        """Exceptions raised while serving (client disconnects, TLS handshakes refused)."""
        return list(self._errors)

    def route(
        self,
        method: str,
        path: str,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        body: Body = b"",
        delay: float = 0.0,
        trickle: tuple[bytes, float, int] | None = None,
        hang: bool = False,
        handler: Callable[[RecordedRequest], Reply] | None = None,
    ) -> None:
        """Programs the answer to `method path` (path without query string).

        Args:
            method: HTTP method, or `*` for any.
            path: Exact path, e.g. `/health`, or `*` for any path without a route of its own.
            status: Status code.
            headers: Response headers, sent as given.
            body: bytes, str (text/plain) or dict/list (application/json).
            delay: Seconds before answering.
            trickle: (chunk, interval, count) to send the body slowly.
            hang: Never answer.
            handler: Builds the `Reply` from the request; the other answer arguments are
                then ignored.
        """
        key = (method.upper(), path)
        answer = handler or Reply(status, dict(headers or {}), body, delay, trickle, hang)
        with self._lock:
            self._routes[key] = answer

    def _reply_for(self, request: RecordedRequest) -> Reply:
        with self._lock:
            if self.log_requests:
                self._requests.append(request)
            answer = next(
                (
                    self._routes[key]
                    for key in (
                        (request.method, request.path),
                        ("*", request.path),
                        (request.method, "*"),
                        ("*", "*"),
                    )
                    if key in self._routes
                ),
                None,
            )
        if answer is None:
            return Reply(404, body={"error": f"no route for {request.method} {request.path}"})
        if not callable(answer):
            return answer
        try:
            return answer(request)
        except Exception as exc:  # a broken test handler should read as a 500, not a hang-up
            self._errors.append(exc)
            return Reply(500, body=f"route handler raised {exc!r}")

    def _track(self, connection: Any, *, open_: bool) -> None:
        with self._lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def client_ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's self-signed certificate."""
        assert self.cert_file is not None, "server was not started with tls=True"
        return ssl.create_default_context(cafile=str(self.cert_file))

    def start(self) -> None:
        self._register()
        try:
            if self.tls:
                self._workdir = Path(tempfile.mkdtemp(prefix="gonogo-https-"))
                self.cert_file, self.key_file = make_self_signed_cert(
                    self._workdir, expired=self.expired_cert
                )
                context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                context.load_cert_chain(self.cert_file, self.key_file)
                self._ssl_context = context
            httpd = _HttpServer((LOCALHOST, 0), _RequestHandler)
            httpd.owner = self
            self._httpd = httpd
            self.port = httpd.server_address[1]
            self._thread = threading.Thread(
                target=httpd.serve_forever,
                kwargs={"poll_interval": 0.02},  # how long stop() waits for the loop
                name=f"HttpServer:{self.port}",
                daemon=True,
            )
            self._thread.start()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Releases hanging and delayed requests, closes open connections, stops serving.

        A stopped server cannot be started again.
        """
        self._stopping.set()
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            if self._thread is not None and self._thread.is_alive():
                httpd.shutdown()
            with self._lock:
                connections = list(self._connections)
            for connection in connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            httpd.server_close()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
        self._unregister()
