"""Runs an `http` probe: one request through httpx, body streamed with a cap, answer checked.

Checks run in the spec's order and the first unmet one is the detail, so a 500 is a FAIL
even when the JSON checks could not have parsed its body. Missing headers and JSON fields
are measured (FAIL); a body that is not JSON or a header number that is not a number
cannot be measured (ERROR). Values of secret request headers (Authorization, tokens,
cookies) are scrubbed from everything returned, including what the server echoes back.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import ssl
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.execution.http_pool import leased_client
from gonogo_tui.core.execution.http_share import headers_key, shared_request
from gonogo_tui.core.findings import Suggestion
from gonogo_tui.core.probes import json_query as jq
from gonogo_tui.core.probes.base import Observation, ProbeContext, cap_text, one_line
from gonogo_tui.core.probes.http.spec import HttpProbe, JsonCheck, parse_json_path
from gonogo_tui.core.probes.transient import causes, failure, http_status_transient, retry_after
from gonogo_tui.core.redaction import (
    is_sensitive_key,
    secrets_in_text,
    secrets_of_header_value,
)
from gonogo_tui.core.types import Comparison

if TYPE_CHECKING:
    import httpx

BODY_LIMIT = 1024 * 1024
"""Bytes of the body kept for checks and output; the rest is read (for the latency) and counted."""
VALUE_LIMIT = 80
"""Characters of a measured value (a header's, a JSON field's) kept as the result's value."""
TIMEOUT_SHARE = 0.9
"""Share of the probe's deadline given to httpx, so its clearer timeout error comes first."""

_Clip = Callable[[str, int], str]
"""Redact a text, then cut it to so many characters (`Redactor.excerpt`)."""


class _Unmet(Exception):
    """A check that was measured and not met (internal: becomes a FAIL)."""

    def __init__(
        self, message: str, value: str | None = None, suggestions: tuple[Suggestion, ...] = ()
    ) -> None:
        super().__init__(message)
        self.value = value
        """The measured value that failed, when more telling than the status code."""
        self.suggestions = suggestions


class _BadStatus(_Unmet):
    """The status code was the check not met (a 5xx or 429 may be gone next time)."""


async def run_http_probe(spec: HttpProbe, ctx: ProbeContext) -> Observation:
    """Send the request and check the response.

    Args:
        spec: The probe as written in the checklist.
        ctx: The deadline, from which the client timeouts are sized.

    Returns:
        The observation: the status code, with the latency when `max_ms` is set.

    Raises:
        ProbeError: the request failed (refused, timed out, TLS, redirect loop), the body
            is not JSON where JSON is checked, or a header number is not a number.
    """
    import httpx

    scrub = ctx.redactor.merged(_request_secrets(spec))
    _require_credentials(spec)
    seconds = max(ctx.timeout * TIMEOUT_SHARE, 0.05)
    try:
        if _shareable(spec):
            key = (
                "http",
                spec.method,
                spec.url,
                headers_key(spec.headers),
                spec.insecure,
                spec.follow_redirects,
                seconds,
            )
            answer = await shared_request(ctx, key, lambda: _exchange(spec, ctx, seconds))
        else:
            answer = await _exchange(spec, ctx, seconds)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise failure(one_line(scrub(_describe_error(exc, spec, seconds))), exc) from None
    response, body, total, elapsed_ms = answer

    text = _decode(body, response)
    # Scrub before capping, so a cut can never leave part of a secret behind.
    output = cap_text(scrub(_head_text(response) + "\n" + text))
    # A timed request measured its latency: that is its value (the status is in the detail).
    value = str(response.status_code) if spec.max_ms is None else f"{elapsed_ms:.0f} ms"
    try:
        measured = _check(
            spec, response, text, truncated=total > len(body), ms=elapsed_ms, clip=scrub.excerpt
        )
    except _Unmet as unmet:
        transient = isinstance(unmet, _BadStatus) and http_status_transient(response.status_code)
        return Observation(
            ok=False,
            value=_short_value(scrub(unmet.value or value)),
            detail=one_line(scrub(str(unmet))),
            output=output,
            transient=transient,
            retry_after=retry_after(response.headers) if transient else None,
            suggestions=unmet.suggestions,
        )
    except ProbeError as exc:
        raise ProbeError(one_line(scrub(str(exc)))) from None
    value = _specific_value(measured) or value
    return Observation(
        ok=True,
        value=_short_value(scrub(value)),
        detail=one_line(scrub("; ".join(measured))),
        output=output,
    )


def _shareable(spec: HttpProbe) -> bool:
    """A request other probes may share while it is in flight (`http_share`): no body,
    nothing changed by sending it, and no latency of its own to time."""
    return (
        spec.method in ("GET", "HEAD")
        and spec.body is None
        and spec.json_body is None
        and spec.max_ms is None
    )


async def _exchange(
    spec: HttpProbe, ctx: ProbeContext, seconds: float
) -> tuple[httpx.Response, bytes, int, float]:
    """Send the request; the response, the first `BODY_LIMIT` bytes of its body, the
    body's whole size and the milliseconds from sending to the last byte."""
    import httpx

    body = bytearray()
    total = 0
    async with contextlib.AsyncExitStack() as stack:
        client = await stack.enter_async_context(leased_client(ctx, insecure=spec.insecure))
        # Latency is the server's: building the client is not part of it.
        started = time.perf_counter()
        response = await stack.enter_async_context(
            client.stream(
                spec.method,
                spec.url,
                headers=spec.headers,
                content=spec.body,
                json=spec.json_body,
                timeout=httpx.Timeout(seconds),
                follow_redirects=spec.follow_redirects,
            )
        )
        async for chunk in response.aiter_bytes():
            total += len(chunk)
            room = BODY_LIMIT - len(body)
            if room > 0:
                body += chunk[:room]
        elapsed_ms = (time.perf_counter() - started) * 1000
    return response, bytes(body), total, elapsed_ms


_AUTH_SCHEMES = {"bearer", "token", "basic", "digest", "apikey"}


def _require_credentials(spec: HttpProbe) -> None:
    """An Authorization header that is empty or only a scheme means an unset variable."""
    for name, value in spec.headers.items():
        if name.lower() != "authorization" and not is_sensitive_key(name):
            continue
        words = value.split()
        if not words or (len(words) == 1 and words[0].lower() in _AUTH_SCHEMES):
            raise ProbeError(
                f"request header {name} has no credential: is the variable it comes from "
                "(e.g. GITHUB_TOKEN, GRAFANA_TOKEN) set?"
            )


def _header_shown(name: str, value: str) -> str:
    """A response header's value as measured; only `present` for a credential's (Set-Cookie)."""
    return "present" if is_sensitive_key(name) else value


def _short_value(text: str) -> str:
    """The value for tables: one line, at most `VALUE_LIMIT` characters (cut after redaction)."""
    line = " ".join(text.split())
    return line if len(line) <= VALUE_LIMIT else line[: VALUE_LIMIT - 1] + "…"


def _specific_value(measured: list[str]) -> str:
    """What a header or JSON check measured is more telling than the status code as the
    value (the status stays in the detail)."""
    specific = [item for item in measured[1:] if re.fullmatch(r"\d+ ms", item) is None]
    return "; ".join(
        item.split(" = ", 1)[1] if " = " in item else item.rsplit(" ", 1)[-1] for item in specific
    )


def _check(
    spec: HttpProbe,
    response: httpx.Response,
    text: str,
    *,
    truncated: bool,
    ms: float,
    clip: _Clip,
) -> list[str]:
    """Run every check in order; return what was measured, or raise `_Unmet`/`ProbeError`.

    Values shown in part go through `clip` (redact, then cut).
    """
    status = response.status_code
    if spec.status is None:
        if status >= 400:
            raise _BadStatus(f"status {status} (expected < 400)")
    else:
        allowed = [spec.status] if isinstance(spec.status, int) else spec.status
        if status not in allowed:
            raise _BadStatus(f"status {status} (expected {'|'.join(map(str, allowed))})")
    measured = [f"status {status}"]
    headers = response.headers

    for name in spec.headers_present:
        if name not in headers:
            raise _Unmet(f"header {name} missing", "missing")
        measured.append(f"{name} = {_header_shown(name, headers[name])}")
    for name, pattern in spec.header_matches.items():
        if name not in headers:
            raise _Unmet(f"header {name} missing", "missing")
        if re.search(pattern, headers[name]) is None:
            shown = clip(repr(headers[name]), 80)
            raise _Unmet(
                f"header {name}: {shown} does not match /{pattern}/",
                _header_shown(name, headers[name]),
            )
        measured.append(f"{name} = {_header_shown(name, headers[name])}")
    for header_number in spec.header_numbers:
        name = header_number.header
        if name not in headers:
            raise _Unmet(f"header {name} missing", "missing")
        match = re.search(header_number.regex, headers[name])
        if match is None:
            raise ProbeError(
                f"header {name}: no number matching /{header_number.regex}/ "
                f"in {clip(repr(headers[name]), 80)}"
            )
        raw = ((match.group(1) if match.re.groups else match.group(0)) or "").strip()
        if not _holds(header_number.compare, raw, f"header {name}", clip):
            raise _Unmet(f"header {name}: {raw} (expected {header_number.compare})", raw)
        measured.append(f"{name} {raw}")

    for pattern in spec.body_contains:
        if re.search(pattern, text, re.MULTILINE) is None:
            limit = f" (first {BODY_LIMIT // 1024} KB searched)" if truncated else ""
            raise _Unmet(f"body has no match for /{pattern}/{limit}")

    if spec.json_fields:
        if truncated:
            raise ProbeError(f"JSON body larger than {BODY_LIMIT // 1024} KB; not parsed")
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise ProbeError(f"response is not JSON: {exc}") from None
        for index, check in enumerate(spec.json_fields):
            measured.append(_check_json(check, document, clip, f"json[{index}].path"))

    if spec.max_ms is not None:
        if ms > spec.max_ms:
            raise _Unmet(
                f"took {ms:.0f} ms (max {spec.max_ms:g} ms); status {status}", f"{ms:.0f} ms"
            )
        measured.append(f"{ms:.0f} ms")
    return measured


_MISSING = object()


def _check_json(check: JsonCheck, document: Any, clip: _Clip, field: str) -> str:
    if check.query is not None:
        found = jq.run_query(check.query, document)
        empty = found == [] and not check.checks_equality  # a filter that matched nothing
        found = _MISSING if found is jq.NOTHING or empty else found
        keys = f" ({jq.top_level_keys(document)})"
    else:
        path = parse_json_path(check.target)
        found, keys = jq.lookup(document, path), f" ({jq.where_path_stops(document, path, clip)})"
        found = _MISSING if found is jq.NOTHING else found
    if found is _MISSING:
        if check.exists:
            why = f"JSON {check.target} missing{keys}"
            near = jq.closest_key(document, path) if check.query is None else None
            found_here = (Suggestion(field, near[0], near[1], why),) if near else ()
            raise _Unmet(why, "missing", found_here)
        return f"{check.target} absent"
    if not check.exists:
        raise _Unmet(
            f"JSON {check.target} present ({clip(_json_text(found), 60)}), expected absent"
        )
    shown = clip(_json_text(found), 60)
    if check.checks_equality and not _json_equal(found, check.equals):
        raise _Unmet(
            f"JSON {check.target} = {shown} (expected {clip(_json_text(check.equals), 60)})", shown
        )
    if check.compare is not None:
        measured = found if isinstance(check.compare.target, float) else _scalar_text(found)
        if not _holds(check.compare, measured, f"JSON {check.target}", clip):
            raise _Unmet(f"JSON {check.target} = {shown} (expected {check.compare})", shown)
    return f"{check.target} = {shown}"


def _json_equal(found: Any, expected: Any) -> bool:
    # JSON true is not 1: compare booleans only with booleans.
    if isinstance(found, bool) or isinstance(expected, bool):
        return isinstance(found, bool) and isinstance(expected, bool) and found is expected
    return bool(found == expected)


def _holds(compare: Comparison, measured: object, what: str, clip: _Clip) -> bool:
    if isinstance(compare.target, float) and (
        measured is None or isinstance(measured, dict | list)
    ):
        raise ProbeError(f"{what} is {clip(_json_text(measured), 60)}, not a number")
    try:
        return compare.holds(measured)
    except ValueError:
        raise ProbeError(f"{what}: {clip(repr(str(measured)), 60)} is not a number") from None


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _scalar_text(value: Any) -> str:
    return value if isinstance(value, str) else _json_text(value)


def _request_secrets(spec: HttpProbe) -> set[str]:
    found = secrets_in_text(spec.url)
    for name, value in spec.headers.items():
        lowered = name.lower()
        if (
            is_sensitive_key(name)
            or "auth" in lowered
            or any(word in lowered for word in spec.secret_header_words)
        ):
            found |= secrets_of_header_value(value)
    return found


def _decode(body: bytes, response: httpx.Response) -> str:
    try:
        return body.decode(response.encoding or "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def _head_text(response: httpx.Response) -> str:
    lines = [f"{response.http_version} {response.status_code} {response.reason_phrase}"]
    lines.extend(f"{name}: {value}" for name, value in response.headers.multi_items())
    return "\n".join(lines) + "\n"


def _describe_error(exc: Exception, spec: HttpProbe, seconds: float) -> str:
    import httpx

    where = _host_port(exc, spec)
    limit = f"{seconds:.3g}s"
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return f"unusable URL: {exc}"
    if isinstance(exc, httpx.TooManyRedirects):
        return f"redirect loop: too many redirects, last from {where}"
    if isinstance(exc, httpx.ConnectTimeout):
        return f"connecting to {where} timed out after {limit}"
    if isinstance(exc, httpx.ReadTimeout):
        return f"no response from {where} within {limit}"
    if isinstance(exc, httpx.WriteTimeout):
        return f"sending the request to {where} timed out after {limit}"
    if isinstance(exc, httpx.PoolTimeout):
        return f"no connection to {where} available within {limit}"
    tls = _tls_problem(exc)
    if tls is not None:
        return f"TLS error with {where}: {tls}"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect to {where}: {_os_reason(exc)}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{where} broke the HTTP exchange: {str(exc) or 'protocol error'}"
    if isinstance(exc, httpx.ReadError | httpx.WriteError) and not str(exc):
        # A reset or closed socket carries no text; say what happened instead.
        return f"{where} closed the connection before answering"
    return f"{type(exc).__name__} from {where}: {str(exc) or 'no detail'}"


def _os_reason(exc: BaseException) -> str:
    for cause in causes(exc):
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return f"cannot resolve the host ({cause.strerror})"
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror[:1].lower() + cause.strerror[1:]
    return str(exc) or "connection failed"


def _tls_problem(exc: BaseException) -> str | None:
    for current in causes(exc):
        if isinstance(current, ssl.SSLCertVerificationError):
            return f"certificate not trusted: {current.verify_message or current.reason}"
        if isinstance(current, ssl.SSLError):
            return f"{current.reason or current}"
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return f"certificate not trusted: {text}"
    return None


def _host_port(exc: Exception, spec: HttpProbe) -> str:
    import httpx

    try:
        url = exc.request.url if isinstance(exc, httpx.RequestError) else httpx.URL(spec.url)
    except (RuntimeError, httpx.InvalidURL):
        return "the server"
    port = url.port or {"http": 80, "https": 443}.get(url.scheme, 0)
    return f"{url.host}:{port}" if url.host else "the server"


__all__ = ["BODY_LIMIT", "run_http_probe"]
