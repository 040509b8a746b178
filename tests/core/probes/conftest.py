"""Fixtures for the probe tests: local HTTP(S) servers and a throwaway PostgreSQL cluster."""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import ssl
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest

from tests.core.probes.local_servers import (
    PG_BIN,
    LocalHttpServer,
    LocalPostgres,
    TlsFiles,
    free_port,
    wait_until_ready,
)


@pytest.fixture
def probe_http() -> Iterator[LocalHttpServer]:
    """A plain HTTP server on 127.0.0.1 with the standard routes."""
    server = LocalHttpServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A self-signed EC certificate for 127.0.0.1, valid for a day either side of now."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(IPv4Address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    files = TlsFiles(cert=folder / "cert.pem", key=folder / "key.pem")
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


@pytest.fixture
def probe_https(tls_files: TlsFiles) -> Iterator[LocalHttpServer]:
    """An HTTPS server on 127.0.0.1 with a self-signed certificate and the standard routes."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_files.cert, tls_files.key)
    server = LocalHttpServer(tls=context)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 where connections are refused."""
    return free_port()


@pytest.fixture(scope="session")
def probe_pg() -> Iterator[LocalPostgres]:
    """initdb + postgres in a temp dir under /tmp (as `postgres` when root), stopped after."""
    base = Path(tempfile.mkdtemp(prefix="gonogo-probes-pg-", dir="/tmp"))
    password = "s3cret-" + secrets.token_hex(8)
    password_file = base / "password"
    password_file.write_text(password)
    log_path = base / "postgres.log"
    as_postgres: dict[str, Any] = {}
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        for path in (base, password_file):
            os.chown(path, account.pw_uid, account.pw_gid)
        as_postgres = {"user": "postgres", "group": "postgres", "extra_groups": []}
    process: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run(
            [
                str(PG_BIN / "initdb"),
                *("-D", str(base / "data"), "-U", "postgres", "-E", "UTF8", "--locale=C"),
                *("--auth-local=trust", "--auth-host=scram-sha-256"),
                *(f"--pwfile={password_file}", "--no-sync", "--no-instructions"),
            ],
            check=True,
            capture_output=True,
            timeout=60,
            **as_postgres,
        )
        port = free_port()
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    str(PG_BIN / "postgres"),
                    *("-D", str(base / "data"), "-p", str(port), "-k", str(base)),
                    *("-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                **as_postgres,
            )
        server = LocalPostgres(port=port, password=password)
        wait_until_ready(server, process, log_path)
        yield server
    finally:
        if process is not None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(base, ignore_errors=True)
