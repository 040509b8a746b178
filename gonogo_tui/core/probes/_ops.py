"""Helpers shared by the operations probe kinds: HTTP clients, JSON answers, ages, XML safety."""

from __future__ import annotations

import contextlib
import errno
import json
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.execution.http_pool import leased_client
from gonogo_tui.core.execution.http_share import headers_key, shared_request
from gonogo_tui.core.probes.base import ProbeContext, one_line
from gonogo_tui.core.probes.transient import failure, http_failure
from gonogo_tui.core.types import format_duration

if TYPE_CHECKING:
    import httpx

USER_AGENT = "gonogo-probe"
"""Sent with every request, so server logs show who asked."""

_DOCTYPE_RE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


class HttpSession:
    """Requests with a probe's headers and deadline, over a (possibly shared) client."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        headers: dict[str, str],
        timeout: float,
        *,
        ctx: ProbeContext | None = None,
        insecure: bool = False,
    ):
        self.client = client
        self.headers = headers
        self.timeout = timeout
        self._ctx = ctx
        """Given, GETs are shared with the runner's other probes while in flight."""
        self._insecure = insecure

    async def get(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """GET `url` with the session's headers (and `headers` on top); the same GET of
        another probe in flight is joined (`http_share`)."""
        merged = {**self.headers, **(headers or {})}

        def send() -> Awaitable[httpx.Response]:
            return self.client.get(
                url, params=params, headers=merged, timeout=self.timeout, follow_redirects=False
            )

        if self._ctx is None:
            return await send()
        key = (
            "get",
            url,
            tuple(sorted((params or {}).items())),
            headers_key(merged),
            self._insecure,
            self.timeout,
        )
        return await shared_request(self._ctx, key, send)

    def stream(
        self, method: str, url: str, *, headers: Mapping[str, str] | None = None
    ) -> contextlib.AbstractAsyncContextManager[httpx.Response]:
        """A streamed request (read the body in chunks, bounded by the caller)."""
        return self.client.stream(
            method,
            url,
            headers={**self.headers, **(headers or {})},
            timeout=self.timeout,
            follow_redirects=False,
        )


@contextlib.asynccontextmanager
async def http_client(
    ctx: ProbeContext,
    *,
    insecure: bool = False,
    headers: Mapping[str, str] | None = None,
    token: str | None = None,
    token_scheme: str = "Bearer",
) -> AsyncIterator[HttpSession]:
    """A session on the engine's shared client for this TLS mode (or a private client),
    sized to the probe's deadline, TLS verified unless `insecure`.

    Sharing matters: forty probes each building a client at once would stall the event loop
    and skew the latency other probes measure.

    Args:
        ctx: the probe context (its `timeout` bounds every phase of a request).
        insecure: skip certificate verification.
        headers: extra request headers.
        token: sent as `Authorization: {token_scheme} {token}` when given.
        token_scheme: the scheme word before the token.
    """

    merged = {"User-Agent": USER_AGENT, **(headers or {})}
    if token:
        merged["Authorization"] = f"{token_scheme} {token}"

    async with leased_client(ctx, insecure=insecure) as client:
        yield HttpSession(client, merged, ctx.timeout, ctx=ctx, insecure=insecure)


@contextlib.contextmanager
def connect_errors(url: str) -> Iterator[None]:
    """Turn httpx's connection failures into one-line ProbeErrors naming the host.

    Raises:
        ProbeError: the connection could not be made (refused, unknown host, TLS).
    """
    import httpx

    try:
        yield
    except httpx.ConnectError as exc:
        from urllib.parse import urlsplit

        host = urlsplit(url).netloc or url
        raise failure(f"cannot connect to {host}: {_connect_reason(exc)}", exc) from None


def _connect_reason(exc: BaseException) -> str:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return "host name not resolved"
        if isinstance(seen, OSError) and seen.errno == errno.ECONNREFUSED:
            return "connection refused"
        if "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return "TLS certificate not trusted (set insecure: true only if you must)"
        seen = seen.__cause__ or seen.__context__
    text = str(exc)
    if "All connection attempts failed" in text:
        return "connection refused"
    return one_line(text, 120) or type(exc).__name__


def json_body(response: httpx.Response, what: str) -> Any:
    """The response's JSON document.

    Raises:
        ProbeError: the body is not JSON (a `TransientError` when the status says the
            server is down or busy, e.g. a 503's HTML page).
    """
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        snippet = one_line(response.text, 80)
        raise http_failure(
            response.status_code,
            response.headers,
            f"{what}: answer is not JSON (status {response.status_code}): {snippet}",
        ) from None


def error_message(response: httpx.Response) -> str:
    """The `message` / `error` field of a JSON error body, or the start of the text."""
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return one_line(response.text, 120)
    if isinstance(data, dict):
        for key in ("message", "error", "errorType"):
            if isinstance(data.get(key), str):
                return one_line(data[key], 120)
    return one_line(response.text, 120)


def parse_time(text: object) -> datetime | None:
    """An ISO 8601 timestamp from an API (`2026-11-26T10:00:00Z`), or None when absent."""
    from gonogo_tui.core.probes.base import parse_iso

    if not isinstance(text, str) or not text:
        return None
    try:
        return parse_iso(text)
    except ValueError:
        return None


def age_text(now: datetime, then: datetime) -> str:
    """`3h ago`, `2.5d ago`, or `in 5m` for a time in the future."""
    seconds = (now - then).total_seconds()
    if seconds < 0:
        return f"in {format_duration(-seconds)}"
    return f"{format_duration(seconds)} ago"


def refuse_xml_entities(data: bytes, what: str) -> None:
    """Refuse XML with a DOCTYPE or ENTITY declaration (entity expansion bombs).

    Raises:
        ProbeError: the document declares a DOCTYPE or entities.
    """
    if _DOCTYPE_RE.search(data):
        raise ProbeError(f"{what}: XML with a DOCTYPE or ENTITY declaration is refused")


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 rule`, `3 rules`."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def fmt_number(value: float) -> str:
    """A number without noise: `142`, `96.4`, `0.125`, `1.5e-05`."""
    if value != value:  # NaN
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "+Inf" if value > 0 else "-Inf"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 1:
        text = f"{value:.2f}" if magnitude < 10 else f"{value:.1f}"
        return text.rstrip("0").rstrip(".")
    if magnitude == 0:
        return "0"
    return f"{value:.3g}"


__all__ = [
    "USER_AGENT",
    "HttpSession",
    "age_text",
    "connect_errors",
    "error_message",
    "fmt_number",
    "http_client",
    "json_body",
    "parse_time",
    "plural",
    "refuse_xml_entities",
]
