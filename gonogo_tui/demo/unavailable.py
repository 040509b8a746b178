"""Stand-ins for services whose binaries are not installed: they answer every request with
an error that names the Debian package to install, so the criteria reading them end in
ERROR with a detail saying what to do (rather than an unexplained "connection refused")."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading

from gonogo_tui.demo.services import LOCALHOST, HttpServer, Stoppable

_SSL_REQUEST = 80877103
_GSSENC_REQUEST = 80877104
_CANCEL_REQUEST = 80877102
_MAX_STARTUP = 10_000


def missing_message(service: str, package: str) -> str:
    """`pgBouncer is not installed: apt-get install pgbouncer, then restart the demo`."""
    return f"{service} is not installed: apt-get install {package}, then restart the demo"


def unavailable_http(service: str, package: str) -> HttpServer:
    """An HTTP server answering 503 with a Prometheus-style error naming `package`."""
    server = HttpServer(log_requests=False)
    message = missing_message(service, package)
    server.route(
        "*",
        "*",
        status=503,
        body={"status": "error", "errorType": "unavailable", "error": message},
    )
    return server


class UnavailablePostgres(Stoppable):
    """Speaks just enough of the PostgreSQL protocol to refuse every connection with a FATAL
    error naming the package to install (as PostgreSQL itself refuses during start-up)."""

    def __init__(self, service: str, package: str) -> None:
        self.host = LOCALHOST
        self.port = 0
        self.message = missing_message(service, package)
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind((LOCALHOST, 0))
        listener.listen(64)
        listener.settimeout(0.05)
        self._socket = listener
        self.port = listener.getsockname()[1]
        self._register()
        self._thread = threading.Thread(
            target=self._serve, name=f"UnavailablePostgres:{self.port}", daemon=True
        )
        self._thread.start()

    def dsn(self, dbname: str, user: str = "postgres") -> str:
        """A URL pointing at this stand-in."""
        return f"postgresql://{user}@{self.host}:{self.port}/{dbname}"

    def _serve(self) -> None:
        assert self._socket is not None
        while not self._stopping.is_set():
            try:
                client, _address = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with client, contextlib.suppress(OSError):
                client.settimeout(5)
                self._refuse(client)

    def _refuse(self, client: socket.socket) -> None:
        while True:
            header = _read_exactly(client, 8)
            length, code = struct.unpack("!ii", header)
            if code in (_SSL_REQUEST, _GSSENC_REQUEST) and length == 8:
                client.sendall(b"N")  # no TLS, no GSS: the client goes on in plain text
                continue
            if code == _CANCEL_REQUEST or not 8 <= length <= _MAX_STARTUP:
                return
            _read_exactly(client, length - 8)
            break
        fields = b"".join(
            tag + value.encode() + b"\0"
            for tag, value in (
                (b"S", "FATAL"),
                (b"V", "FATAL"),
                (b"C", "57P03"),  # cannot_connect_now
                (b"M", self.message),
            )
        )
        payload = fields + b"\0"
        client.sendall(b"E" + struct.pack("!i", len(payload) + 4) + payload)

    def stop(self) -> None:
        """Stops accepting and closes the listening socket (idempotent)."""
        self._stopping.set()
        listener, self._socket = self._socket, None
        if listener is not None:
            listener.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._unregister()


def _read_exactly(client: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = client.recv(count - len(data))
        if not chunk:
            raise ConnectionError("client hung up")
        data += chunk
    return data


__all__ = ["UnavailablePostgres", "missing_message", "unavailable_http"]
