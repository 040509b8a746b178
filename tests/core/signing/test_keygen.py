"""Signing through ssh-keygen: agent-held keys, locked keys, async, timeouts, cancellation."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import struct
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from gonogo_tui.commands.exit_codes import EXIT_OK, exit_code
from gonogo_tui.core.errors import SigningError
from gonogo_tui.core.signing import NAMESPACE, list_agent_keys, sign_record, sign_record_async
from gonogo_tui.core.signing.keygen import sign_message, sign_message_async
from gonogo_tui.core.signing.sshsig import parse_signature, verify_signature
from tests.core.signing.conftest import Team
from tests.core.signing.helpers import (
    SIGNED_AT,
    Clock,
    Person,
    make_key,
    public_line,
    seal,
    sign,
    verify,
    write_allowed_signers,
    write_record,
)


@pytest.fixture
def agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A real ssh-agent on a socket in tmp_path; SSH_AUTH_SOCK points at it."""
    sock = tmp_path / "agent.sock"
    started = subprocess.run(
        ["ssh-agent", "-s", "-a", str(sock)], capture_output=True, text=True, check=True
    )
    match = re.search(r"SSH_AGENT_PID=(\d+)", started.stdout)
    assert match is not None, started.stdout
    pid = int(match.group(1))
    monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
    try:
        yield sock
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)


def test_an_agent_held_key_signs_from_its_public_key(
    agent: Path, evidence: Path, team: Team, tmp_path: Path
) -> None:
    key = make_key(tmp_path / "hardware", "bob-agent")
    subprocess.run(["ssh-add", "-q", str(key)], check=True, capture_output=True)
    public = key.with_name(key.name + ".pub")
    line = public_line(key)
    key.unlink()
    assert not key.exists()
    txt = write_record(evidence, decision="NO-GO")
    seal(txt)
    signature = sign(txt, Person("devops-lead", "bob@example.com", public))
    assert signature.name.endswith(".approval.devops-lead.bob@example.com.json.sig")
    trust = write_allowed_signers(tmp_path / "trust" / "allowed_signers", team.trusted)
    with trust.open("a") as handle:
        handle.write(f'bob@example.com namespaces="gonogo-decision" {line}\n')
    result = verify(txt, trust)
    assert exit_code(result.failure) == EXIT_OK, result.reason
    assert result.approvals[0].key_fingerprint is not None


def test_a_locked_key_without_agent_fails_clearly(tmp_path: Path) -> None:
    key = make_key(tmp_path, "locked", passphrase="correct horse battery staple")
    with pytest.raises(SigningError, match="passphrase.*ssh-agent"):
        sign_message(b"approve\n", key, namespace=NAMESPACE)


def test_a_missing_key_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(SigningError, match=r"ssh-keygen could not sign with .*nothing"):
        sign_message(b"approve\n", tmp_path / "nothing", namespace=NAMESPACE)


async def test_async_signing_makes_a_valid_signature(tmp_path: Path) -> None:
    key = make_key(tmp_path, "async")
    armored = await sign_message_async(b"approve\n", key, namespace=NAMESPACE)
    signer = verify_signature(parse_signature(armored), b"approve\n", NAMESPACE)
    assert signer.openssh() == public_line(key)


async def test_sign_record_async(evidence: Path, team: Team, allowed: Path) -> None:
    txt = write_record(evidence, decision="NO-GO")
    seal(txt)
    await sign_record_async(
        txt,
        role=team.cto.role,
        principal=team.cto.principal,
        key_path=team.cto.key,
        now=Clock(SIGNED_AT),
    )
    assert exit_code(verify(txt, allowed).failure) == EXIT_OK


class SilentAgent:
    """An agent socket that accepts connections and never answers (a stuck agent)."""

    def __init__(self, path: Path) -> None:
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(path))
        self.server.listen()
        self.connected = threading.Event()
        self.peer_pid = 0
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            connection, _ = self.server.accept()
            self.connections.append(connection)
            credentials = connection.getsockopt(
                socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")
            )
            self.peer_pid = struct.unpack("3i", credentials)[0]
            self.connected.set()

    def close(self) -> None:
        for connection in self.connections:
            connection.close()
        self.server.close()


@pytest.fixture
def silent_agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SilentAgent]:
    path = tmp_path / "stuck.sock"
    monkeypatch.setenv("SSH_AUTH_SOCK", str(path))
    stuck = SilentAgent(path)
    try:
        yield stuck
    finally:
        stuck.close()


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def test_cancelling_kills_and_reaps_ssh_keygen(
    silent_agent: SilentAgent, tmp_path: Path
) -> None:
    key = make_key(tmp_path, "stuck")
    task = asyncio.create_task(
        sign_message_async(b"approve\n", key.with_name("stuck.pub"), namespace=NAMESPACE)
    )
    assert await asyncio.to_thread(silent_agent.connected.wait, 30)
    assert not _gone(silent_agent.peer_pid)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _gone(silent_agent.peer_pid)


async def test_timeout_kills_ssh_keygen(silent_agent: SilentAgent, tmp_path: Path) -> None:
    key = make_key(tmp_path, "slow")
    with pytest.raises(SigningError, match="did not finish signing within 0.5s"):
        await sign_message_async(
            b"approve\n", key.with_name("slow.pub"), namespace=NAMESPACE, timeout=0.5
        )
    assert silent_agent.connected.is_set()
    assert _gone(silent_agent.peer_pid)


def test_sync_timeout_kills_ssh_keygen(silent_agent: SilentAgent, tmp_path: Path) -> None:
    key = make_key(tmp_path, "slow-sync")
    with pytest.raises(SigningError, match="did not finish signing within 0.5s"):
        sign_message(b"approve\n", key.with_name("slow-sync.pub"), namespace=NAMESPACE, timeout=0.5)
    assert silent_agent.connected.is_set()
    assert _gone(silent_agent.peer_pid)


def test_agent_keys_are_listed_and_sign_without_any_key_file(
    agent: Path, evidence: Path, team: Team, tmp_path: Path
) -> None:
    assert list_agent_keys() == []
    key = make_key(tmp_path / "agent-only", "carol-agent", "ecdsa-384")
    subprocess.run(["ssh-add", "-q", str(key)], check=True, capture_output=True)
    line = public_line(key)
    for path in (key, key.with_name(key.name + ".pub")):
        path.unlink()
    (held,) = list_agent_keys()
    assert held.key.openssh() == line and held.comment == "carol-agent"
    txt = write_record(evidence, decision="NO-GO")
    seal(txt)
    sign_record(
        txt,
        role="product-owner",
        principal="carol@example.com",
        key_path=held.key,
        now=Clock(SIGNED_AT),
    )
    trust = write_allowed_signers(tmp_path / "trust" / "allowed_signers", [])
    trust.write_text(f'carol@example.com namespaces="gonogo-decision" {line}\n')
    result = verify(txt, trust)
    assert exit_code(result.failure) == EXIT_OK, result.reason
    assert result.approvals[0].key_fingerprint == held.key.fingerprint


def test_listing_agent_keys_without_an_agent_fails_clearly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SSH_AUTH_SOCK", str(tmp_path / "nobody-home.sock"))
    with pytest.raises(SigningError, match="cannot list ssh-agent keys"):
        list_agent_keys()
