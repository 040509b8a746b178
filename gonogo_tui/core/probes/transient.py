"""Which failures may pass next time: the one place that decides what the engine retries.

A retry is worth its wait only when the cause can go away on its own: a refused or reset
connection (a service restarting), a timeout, an HTTP 5xx or 429 (`Retry-After` honoured),
a PostgreSQL connection failure, serialization failure, deadlock or shutdown. Everything
else would fail the same way again and is reported at once: another 4xx, an SQL syntax or
undefined-object error, an authentication failure, an answer that cannot be parsed, a
missing file, a TLS certificate that is not trusted, a host name that does not exist, and a
command's exit status (gonogo cannot know that a command is safe to run twice; a command
that talks to a flaky service can retry itself, e.g. `curl --retry 2`).

Probes raise `TransientError` (via `failure` or `http_failure`) or mark a FAIL observation
`transient`; exceptions that escape a probe are classified by `is_transient` here, by
class name and attribute, so that this module imports neither httpx nor psycopg.
"""

from __future__ import annotations

import errno
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from email.utils import parsedate_to_datetime

from gonogo_tui.core.errors import ProbeError, TransientError

_HTTP_NOT_TRANSIENT = frozenset({501, 505})
"""5xx answers that say what the server cannot do, not that it is down for a moment."""

_OS_TRANSIENT_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.ETIMEDOUT,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.EPIPE,
    }
)

_NETWORK_NAMES = frozenset(
    {
        "TimeoutException",  # httpx and httpcore: connect, read, write and pool timeouts
        "NetworkError",  # httpx: connect, read, write and close errors
        "ConnectError",  # httpcore's, under httpx's
        "ReadError",
        "WriteError",
        "RemoteProtocolError",  # the server hung up mid-answer
    }
)
"""Exception class names (anywhere in the class's MRO) of httpx / httpcore failures that
may pass next time, unless a TLS or name-resolution error lies beneath."""

PG_TRANSIENT_SQLSTATES = frozenset(
    {
        "40001",  # serialization_failure
        "40P01",  # deadlock_detected
        "53300",  # too_many_connections
        "55P03",  # lock_not_available
        "57014",  # query_canceled (statement_timeout): a timeout
        "57P01",  # admin_shutdown
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now (starting up, in recovery)
        "57P05",  # idle_session_timeout
    }
)
"""SQLSTATEs worth another try, besides class 08 (connection exception) less 08P01: a
protocol violation, which pgBouncer also uses for `no such database` and `no such user`."""

_PG_CONNECT_WORDS = (
    "refused",
    "timeout",
    "timed out",
    "closed the connection unexpectedly",
    "connection reset",
    "starting up",
    "shutting down",
    "in recovery",
    "too many clients",
    "no route to host",
    "network is unreachable",
    "terminating connection",
    "server closed",
    "consuming input failed",
)
"""Words of libpq's connection failures that carry no SQLSTATE and may pass next time
(an authentication failure or a missing database has none of them)."""


def http_status_transient(status: int) -> bool:
    """Whether an HTTP answer with this status may differ next time: 408, 429, 5xx
    (but 501 Not Implemented and 505 HTTP Version Not Supported)."""
    return status in (408, 429) or (status >= 500 and status not in _HTTP_NOT_TRANSIENT)


def retry_after(headers: Mapping[str, str], now: Callable[[], float] = time.time) -> float | None:
    """The seconds a `Retry-After` header asks for (delta-seconds or an HTTP date; a date
    in the past is 0), or None when there is none or it cannot be read."""
    raw = next((value for name, value in headers.items() if name.lower() == "retry-after"), None)
    if raw is None:
        return None
    text = raw.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, moment.timestamp() - now())


def http_failure(
    status: int, headers: Mapping[str, str], message: str, output: str = ""
) -> ProbeError:
    """The error for an HTTP answer a probe cannot use: a `TransientError` (with the
    server's `Retry-After`) when the status may differ next time, else a `ProbeError`."""
    if http_status_transient(status):
        return TransientError(message, output, retry_after(headers))
    return ProbeError(message, output)


def failure(message: str, cause: BaseException, output: str = "") -> ProbeError:
    """The error a probe raises for `cause`, told in `message`: transient or not, as
    `is_transient` classifies the cause."""
    if is_transient(cause):
        return TransientError(message, output, retry_after_of(cause))
    return ProbeError(message, output)


def retry_after_of(exc: BaseException) -> float | None:
    """The wait a transient error carries (`TransientError.retry_after`), else None."""
    return exc.retry_after if isinstance(exc, TransientError) else None


def is_transient(exc: BaseException) -> bool:
    """Whether the failure `exc` may be gone next time (see the module's docstring)."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    if isinstance(exc, ProbeError):
        return isinstance(exc, TransientError)
    names = {cls.__name__ for cls in type(exc).__mro__}
    module = type(exc).__module__
    if module.startswith("psycopg"):
        return _pg_transient(exc, names)
    if module.startswith(("httpx", "httpcore")):
        return bool(names & _NETWORK_NAMES) and not _permanent_beneath(exc)
    if isinstance(exc, TimeoutError):
        return True
    if isinstance(exc, socket.gaierror):
        return exc.errno == socket.EAI_AGAIN
    if isinstance(exc, ssl.SSLError):
        return False
    if isinstance(exc, OSError):
        return isinstance(exc, ConnectionError) or exc.errno in _OS_TRANSIENT_ERRNOS
    return False


def _pg_transient(exc: BaseException, names: set[str]) -> bool:
    sqlstate = getattr(exc, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate:
        if sqlstate.startswith("08"):
            return sqlstate != "08P01"
        return sqlstate in PG_TRANSIENT_SQLSTATES
    # libpq's own failures (connecting, a dropped connection) carry no SQLSTATE.
    if "OperationalError" not in names:
        return False
    text = str(exc).lower()
    return any(word in text for word in _PG_CONNECT_WORDS)


def _permanent_beneath(exc: BaseException) -> bool:
    """A TLS failure or an unknown host under an httpx error: asking again will not help."""
    for cause in causes(exc):
        if isinstance(cause, ssl.SSLError):
            return True
        if isinstance(cause, socket.gaierror) and cause.errno != socket.EAI_AGAIN:
            return True
    return "CERTIFICATE_VERIFY_FAILED" in str(exc)


def causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and the chain of causes below it (httpx wraps httpcore wraps OSError)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


__all__ = [
    "PG_TRANSIENT_SQLSTATES",
    "causes",
    "failure",
    "http_failure",
    "http_status_transient",
    "is_transient",
    "retry_after",
    "retry_after_of",
]
