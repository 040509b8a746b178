"""TLS for probe clients: verification stays on, the CA bundle is read only when needed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.execution.tls import client_context, verifying_context
from gonogo_tui.core.probes.base import ProbeContext
from gonogo_tui.core.probes.http import HttpProbe
from tests.servers import HttpTestServer


@pytest.fixture
def fresh_contexts() -> Iterator[None]:
    """Probe clients share one cached context per mode: start and end with new ones."""
    client_context.cache_clear()
    yield
    client_context.cache_clear()


async def test_the_ca_bundle_is_read_on_the_first_tls_connection_only(
    http_server: HttpTestServer, https_server: HttpTestServer
) -> None:
    http_server.route("GET", "/", body="plain")
    https_server.route("GET", "/", body="secure")
    context = verifying_context()
    assert (context.verify_mode, context.check_hostname) == (2, True)  # CERT_REQUIRED
    async with httpx.AsyncClient(verify=context, trust_env=False) as client:
        assert (await client.get(http_server.url + "/")).text == "plain"
        assert not context.trusted
        assert context.cert_store_stats()["x509_ca"] == 0
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await client.get(https_server.url + "/")  # self-signed: still refused
    assert context.trusted
    assert context.cert_store_stats()["x509_ca"] > 10  # certifi's bundle


async def test_ssl_cert_file_is_trusted_as_httpx_does(
    https_server: HttpTestServer, monkeypatch: pytest.MonkeyPatch, fresh_contexts: None
) -> None:
    https_server.route("GET", "/", body="secure")
    assert https_server.cert_file is not None
    monkeypatch.setenv("SSL_CERT_FILE", str(https_server.cert_file))
    probe = HttpProbe.model_validate({"kind": "http", "url": https_server.url + "/"})
    async with asyncio.timeout(5):
        observation = await probe.run(ProbeContext(root=Path("."), timeout=5))
    assert (observation.ok, observation.value) == (True, "200")
    context = client_context(insecure=False)
    assert isinstance(context, type(verifying_context())) and context.trusted


@pytest.mark.parametrize(
    ("content", "reason"),
    [(None, "No such file or directory"), ("no certificate here\n", "NO_CERTIFICATE_OR_CRL_FOUND")],
)
async def test_unreadable_ssl_cert_file_is_an_error_naming_it(
    https_server: HttpTestServer,
    monkeypatch: pytest.MonkeyPatch,
    fresh_contexts: None,
    tmp_path: Path,
    content: str | None,
    reason: str,
) -> None:
    """A wrong SSL_CERT_FILE is named in the detail, not told as a bare "No such file"."""
    bundle = tmp_path / "ca.pem"
    if content is not None:
        bundle.write_text(content)
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    probe = HttpProbe.model_validate({"kind": "http", "url": https_server.url + "/"})
    with pytest.raises(ProbeError) as caught:
        async with asyncio.timeout(5):
            await probe.run(ProbeContext(root=Path("."), timeout=5))
    assert str(caught.value).endswith(
        f"cannot read the trusted CA certificates from SSL_CERT_FILE={bundle} ({reason})"
    )


def test_insecure_context_checks_nothing(fresh_contexts: None) -> None:
    insecure = client_context(insecure=True)
    assert (insecure.verify_mode, insecure.check_hostname) == (0, False)  # CERT_NONE
    assert client_context(insecure=True) is insecure
    assert client_context(insecure=False) is not insecure
