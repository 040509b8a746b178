"""The `http` probe against real local servers: status, headers, JSON, latency, failures, TLS."""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from pathlib import Path
from typing import Any

import pytest

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.probes.base import Observation, ProbeContext
from gonogo_tui.core.probes.http import HttpProbe
from tests.core.probes.local_servers import HSTS, LocalHttpServer, RequestHandler


def _probe(**fields: Any) -> HttpProbe:
    return HttpProbe.model_validate({"kind": "http", **fields})


async def _run(timeout: float = 5.0, **fields: Any) -> Observation:
    """Run like the engine does: inside `asyncio.timeout` of the probe's deadline."""
    async with asyncio.timeout(timeout):
        return await _probe(**fields).run(ProbeContext(root=Path("."), timeout=timeout))


async def test_default_expects_a_status_below_400(probe_http: LocalHttpServer) -> None:
    observation = await _run(url=f"{probe_http.url}/ok")
    assert observation.ok
    assert observation.value == "200"
    assert observation.output.startswith("HTTP/1.0 200 OK\n")
    assert observation.output.endswith("\nok")


async def test_expected_status(probe_http: LocalHttpServer) -> None:
    assert (await _run(url=f"{probe_http.url}/no-content", status=204)).value == "204"
    wrong = await _run(url=f"{probe_http.url}/ok", status=[201, 204])
    assert not wrong.ok
    assert wrong.detail == "status 200 (expected 201|204)"


async def test_server_error_fails(probe_http: LocalHttpServer) -> None:
    observation = await _run(url=f"{probe_http.url}/error")
    assert not observation.ok
    assert observation.value == "500"
    assert observation.detail == "status 500 (expected < 400)"
    assert "boom" in observation.output


async def test_headers_present_and_matching(probe_http: LocalHttpServer) -> None:
    passing = await _run(
        url=f"{probe_http.url}/headers",
        headers_present=["strict-transport-security", "Content-Security-Policy"],
        header_matches={"X-Frame-Options": "^(DENY|SAMEORIGIN)$"},
    )
    assert passing.ok, passing.detail
    missing = await _run(url=f"{probe_http.url}/headers", headers_present=["Permissions-Policy"])
    assert not missing.ok
    assert missing.detail == "header Permissions-Policy missing"
    mismatch = await _run(
        url=f"{probe_http.url}/headers", header_matches={"X-Frame-Options": "^SAMEORIGIN$"}
    )
    assert not mismatch.ok
    assert "'DENY' does not match" in mismatch.detail


async def test_a_header_check_reports_the_headers_value(probe_http: LocalHttpServer) -> None:
    """The value is what was measured, the header, not the status code (which stays in
    the detail)."""
    matched = await _run(
        url=f"{probe_http.url}/headers", status=200, header_matches={"X-Frame-Options": "^DENY$"}
    )
    assert (matched.ok, matched.value) == (True, "DENY")
    assert matched.detail == "status 200; X-Frame-Options = DENY"
    present = await _run(
        url=f"{probe_http.url}/headers", headers_present=["Content-Security-Policy"]
    )
    assert present.value == "default-src 'self'"
    mismatch = await _run(
        url=f"{probe_http.url}/headers", header_matches={"X-Frame-Options": "^SAMEORIGIN$"}
    )
    assert (mismatch.ok, mismatch.value) == (False, "DENY")
    assert mismatch.detail.startswith("header X-Frame-Options: 'DENY' does not match")
    long_csp = "default-src 'self'; " + "script-src 'nonce-abcdefghijklmnop' " * 10
    cookie = "session=s3cr3tcookievalue; HttpOnly"
    probe_http.respond("/long", headers={"Content-Security-Policy": long_csp, "Set-Cookie": cookie})
    long = await _run(url=f"{probe_http.url}/long", headers_present=["Content-Security-Policy"])
    assert len(long.value) == 80 and long.value.endswith("…")
    assert long.value.startswith("default-src 'self'; script-src 'nonce-abcdefghijklmnop'")
    # A credential's header is reported present, never by its value.
    set_cookie = await _run(url=f"{probe_http.url}/long", header_matches={"Set-Cookie": "HttpOnly"})
    assert set_cookie.value == "present" and "s3cr3t" not in set_cookie.detail


@pytest.mark.parametrize(("hsts", "ok"), [(HSTS, True), ("max-age=300", False)])
async def test_hsts_max_age_compared(probe_http: LocalHttpServer, hsts: str, ok: bool) -> None:
    probe_http.respond("/hsts", headers={"Strict-Transport-Security": hsts})
    observation = await _run(
        url=f"{probe_http.url}/hsts",
        header_numbers=[
            {
                "header": "Strict-Transport-Security",
                "regex": r"max-age=(\d+)",
                "compare": ">= 15552000",
            }
        ],
    )
    assert observation.ok is ok
    if not ok:
        assert observation.detail == "header Strict-Transport-Security: 300 (expected >= 15552000)"


async def test_header_without_the_number_is_an_error(probe_http: LocalHttpServer) -> None:
    probe_http.respond("/hsts", headers={"Strict-Transport-Security": "includeSubDomains"})
    with pytest.raises(ProbeError, match="no number matching"):
        await _run(
            url=f"{probe_http.url}/hsts",
            header_numbers=[
                {"header": "Strict-Transport-Security", "regex": r"max-age=(\d+)", "compare": "> 0"}
            ],
        )


async def test_json_fields_compared(probe_http: LocalHttpServer) -> None:
    passing = await _run(
        url=f"{probe_http.url}/json",
        json=[
            {"path": "status", "equals": "ok"},
            {"path": "data.flags[0].enabled", "equals": True},
            {"path": "data.flags[-1].latency_ms", "compare": "< 100"},
            {"path": "data.count", "compare": ">= 3"},
            {"path": "version", "compare": "== 1.4.2"},
            {"path": "data.error", "exists": False},
        ],
    )
    assert passing.ok, passing.detail
    assert "data.count = 3" in passing.detail
    too_few = await _run(
        url=f"{probe_http.url}/json", json=[{"path": "data.count", "compare": "> 5"}]
    )
    assert not too_few.ok
    assert too_few.detail == "JSON data.count = 3 (expected > 5)"
    missing = await _run(url=f"{probe_http.url}/json", json=[{"path": "data.flags[3].name"}])
    assert not missing.ok
    # What the path found where it stopped (issue 13).
    assert missing.detail == "JSON data.flags[3].name missing (data.flags is a list of 1 item(s))"
    renamed = await _run(url=f"{probe_http.url}/json", json=[{"path": "data.flag[0].enabled"}])
    assert renamed.detail == "JSON data.flag[0].enabled missing (data has keys: flags, count)"
    too_deep = await _run(url=f"{probe_http.url}/json", json=[{"path": "status.code"}])
    assert too_deep.detail == "JSON status.code missing (status is a string, not an object)"
    not_one = await _run(
        url=f"{probe_http.url}/json", json=[{"path": "data.flags[0].enabled", "equals": 1}]
    )
    assert not not_one.ok


async def test_json_equals_null_expects_null(probe_http: LocalHttpServer) -> None:
    """`equals: null` written in YAML asks for JSON null; it is not "any value"."""
    non_null = await _run(
        url=f"{probe_http.url}/json", json=[{"path": "data.count", "equals": None}]
    )
    assert not non_null.ok
    assert non_null.detail == "JSON data.count = 3 (expected null)"
    both = _probe(
        url="http://x",
        json=[{"path": "a", "equals": None}, {"path": "b", "equals": 5, "compare": "> 1"}],
    )
    assert both.expectation() == "status < 400, a == null, b == 5, b > 1"
    spelled = _probe(
        url="http://x",
        json=[{"path": "on", "equals": True}, {"path": "name", "equals": "Zürich"}],
    )
    assert spelled.expectation() == 'status < 400, on == true, name == "Zürich"'  # as JSON
    with pytest.raises(ValueError, match="'exists: false' cannot be combined"):
        _probe(url="http://x", json=[{"path": "a", "equals": None, "exists": False}])


async def test_malformed_json_is_an_error(probe_http: LocalHttpServer) -> None:
    with pytest.raises(ProbeError, match="response is not JSON"):
        await _run(url=f"{probe_http.url}/bad-json", json=[{"path": "status", "equals": "ok"}])


async def test_body_regex(probe_http: LocalHttpServer) -> None:
    assert (await _run(url=f"{probe_http.url}/json", body_contains=['"new-ui"'])).ok
    failing = await _run(url=f"{probe_http.url}/json", body_contains=["maintenance"])
    assert not failing.ok
    assert failing.detail == "body has no match for /maintenance/"


async def test_latency_over_max_ms_fails(probe_http: LocalHttpServer) -> None:
    slow = await _run(url=f"{probe_http.url}/slow", max_ms=100)
    assert not slow.ok
    # The value is the latency measured; the status stays in the detail.
    assert int(slow.value.removesuffix(" ms")) >= 300
    assert slow.detail.startswith("took ") and slow.detail.endswith("; status 200")
    fast = await _run(url=f"{probe_http.url}/ok", max_ms=250)
    assert fast.ok, fast.detail
    assert fast.value.endswith(" ms") and fast.value[:-3].isdigit()
    assert fast.detail.startswith("status 200; ")


async def test_hanging_server_is_cut_by_the_timeout(probe_http: LocalHttpServer) -> None:
    started = time.monotonic()
    with pytest.raises(ProbeError, match="no response from 127.0.0.1:\\d+ within"):
        await _run(timeout=0.5, url=f"{probe_http.url}/hang")
    assert time.monotonic() - started < 1.0


async def test_trickling_body_is_cut_by_the_deadline(probe_http: LocalHttpServer) -> None:
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await _run(timeout=0.5, url=f"{probe_http.url}/trickle")
    assert time.monotonic() - started < 1.0


async def test_connection_refused_is_an_error(closed_port: int) -> None:
    with pytest.raises(
        ProbeError, match=f"cannot connect to 127.0.0.1:{closed_port}: connection refused"
    ):
        await _run(url=f"http://127.0.0.1:{closed_port}/health")


async def test_server_that_drops_the_connection_is_a_readable_error() -> None:
    """A reset socket gives httpx an exception without text; the detail still says why."""

    async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    server = await asyncio.start_server(reset, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(ProbeError) as caught:
            await _run(url=f"http://127.0.0.1:{port}/health")
    finally:
        server.close()
        await server.wait_closed()
    detail = str(caught.value)
    assert detail == f"127.0.0.1:{port} closed the connection before answering", detail


async def test_unusable_proxy_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx reads proxies from the environment: a bad one is not "unusable URL" of the probe."""
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example::::")
    with pytest.raises(ProbeError) as caught:
        await _run(url="http://127.0.0.1:9/health")
    assert str(caught.value) == (
        "cannot use the proxy settings of the environment (HTTP_PROXY): Invalid port: ':::'"
    )


async def test_proxy_password_is_masked_in_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "ftp://deploy:pr0xy-pw@proxy.example:2121")
    with pytest.raises(ProbeError) as caught:
        await _run(url="http://127.0.0.1:9/health")
    assert "pr0xy-pw" not in str(caught.value)
    assert "ftp://deploy:***@proxy.example:2121" in str(caught.value)


async def test_redirect_loop_is_an_error(probe_http: LocalHttpServer) -> None:
    with pytest.raises(ProbeError, match="redirect loop"):
        await _run(url=f"{probe_http.url}/loop", follow_redirects=True)
    not_followed = await _run(url=f"{probe_http.url}/loop", status=302)
    assert not_followed.ok


async def test_self_signed_certificate_needs_insecure(probe_https: LocalHttpServer) -> None:
    with pytest.raises(ProbeError, match="certificate not trusted: self.signed certificate"):
        await _run(url=f"{probe_https.url}/ok")
    observation = await _run(url=f"{probe_https.url}/ok", insecure=True)
    assert observation.ok
    assert observation.output.endswith("\nok")


async def test_request_secrets_never_appear(probe_http: LocalHttpServer, closed_port: int) -> None:
    token = "Bearer tok-0123456789abcdef"
    headers = {"Authorization": token, "X-Api-Key": "key-fedcba9876543210", "Accept": "*/*"}
    echoed = await _run(url=f"{probe_http.url}/echo", headers=headers, body_contains=["never"])
    assert not echoed.ok
    seen = f"{echoed.value}\n{echoed.detail}\n{echoed.output}"
    assert "Authorization" in echoed.output  # the server did echo the header back
    for secret in ("tok-0123456789abcdef", "key-fedcba9876543210"):
        assert secret not in seen
    assert "*/*" in echoed.output  # harmless headers stay readable

    with pytest.raises(ProbeError) as refused:
        await _run(url=f"http://user:pa55word@127.0.0.1:{closed_port}/", headers=headers)
    assert "tok-0123456789abcdef" not in str(refused.value)
    assert "pa55word" not in str(refused.value)


async def test_method_and_json_body_are_sent(probe_http: LocalHttpServer) -> None:
    received: list[tuple[str, bytes]] = []

    def record(request: RequestHandler) -> None:
        received.append((request.command, request.request_body))
        request.reply(201, body="created")

    probe_http.route("/items", record)
    observation = await _run(
        url=f"{probe_http.url}/items", method="POST", json_body={"name": "canary"}, status=201
    )
    assert observation.ok
    assert received == [("POST", b'{"name":"canary"}')]


@pytest.mark.parametrize("value", ["", "Bearer ", "token", "  "])
async def test_empty_credential_is_a_clear_error(probe_http: LocalHttpServer, value: str) -> None:
    with pytest.raises(ProbeError, match="Authorization has no credential"):
        await _run(url=f"{probe_http.url}/ok", headers={"Authorization": value})
