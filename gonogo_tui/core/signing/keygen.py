"""Make OpenSSH signatures by running `ssh-keygen -Y sign` (argv list, no shell).

Going through ssh-keygen means every key an approver already uses works: a private key
file, or a public key file whose private half lives in ssh-agent or on a security key.
The message is handed over as a file in a private temp directory, never on stdin, so a
passphrase prompt can never read the message. Without `interactive`, ssh-keygen runs in
its own session with no terminal: a passphrase-protected key must then be in ssh-agent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gonogo_tui.core.errors import SigningError
from gonogo_tui.core.signing.sshkeys import SshPublicKey, parse_public_key_line

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 120.0
"""Seconds to wait for ssh-keygen: long enough to touch a security key."""

_MESSAGE_NAME = "message"


def _ssh_keygen() -> str:
    path = shutil.which("ssh-keygen")
    if path is None:
        raise SigningError("ssh-keygen not found: install the OpenSSH client")
    return path


KeySource = Path | SshPublicKey
"""A key file (private, or public with the private half in ssh-agent), or an agent key."""


@dataclass(frozen=True)
class AgentKey:
    """A key held by ssh-agent."""

    key: SshPublicKey
    comment: str
    """Usually the key's file name or owner, as `ssh-add -L` shows it."""


def list_agent_keys(*, timeout: float = 10.0) -> list[AgentKey]:
    """The keys ssh-agent (`$SSH_AUTH_SOCK`) holds that gonogo can verify (`ssh-add -L`).

    Raises:
        SigningError: there is no agent, or it does not answer.
    """
    ssh_add = shutil.which("ssh-add")
    if ssh_add is None:
        raise SigningError("ssh-add not found: install the OpenSSH client")
    try:
        listed = subprocess.run(
            [ssh_add, "-L"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            start_new_session=True,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise SigningError(f"ssh-agent did not answer within {timeout:g}s") from exc
    if listed.returncode == 1:
        return []
    if listed.returncode != 0:
        detail = listed.stderr.decode("utf-8", "replace").strip() or "no ssh-agent"
        raise SigningError(f"cannot list ssh-agent keys: {detail}")
    keys = []
    for line in listed.stdout.decode("utf-8", "replace").splitlines():
        parts = line.split(None, 2)
        try:
            key = parse_public_key_line(line)
        except SigningError:
            logger.debug("skipping an agent key gonogo cannot verify: %s", parts[:1])
            continue
        keys.append(AgentKey(key, parts[2] if len(parts) > 2 else ""))
    return keys


def _key_file(key: KeySource, work: Path) -> Path:
    if isinstance(key, SshPublicKey):
        path = work / "agent_key.pub"
        path.write_text(key.openssh() + "\n")
        return path
    return key


def _describe(key: KeySource) -> str:
    return key.fingerprint if isinstance(key, SshPublicKey) else str(key)


def sign_argv(key_path: Path, namespace: str, message_path: Path) -> list[str]:
    """The ssh-keygen argv that signs `message_path` into `message_path.sig`."""
    return [_ssh_keygen(), "-Y", "sign", "-n", namespace, "-f", str(key_path), str(message_path)]


def _failure(key_path: KeySource, returncode: int, stderr: bytes) -> SigningError:
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line and not line.startswith("Signing file")]
    detail = lines[-1] if lines else f"exit status {returncode}"
    if "passphrase" in detail.lower():
        detail += "; add the key to ssh-agent (ssh-add) or sign from a terminal"
    return SigningError(f"ssh-keygen could not sign with {_describe(key_path)}: {detail}")


def _read_signature(work: Path, key_path: KeySource) -> bytes:
    signature_path = work / f"{_MESSAGE_NAME}.sig"
    try:
        return signature_path.read_bytes()
    except OSError as exc:
        raise SigningError(f"ssh-keygen wrote no signature for {_describe(key_path)}") from exc


def sign_message(
    message: bytes,
    key_path: KeySource,
    *,
    namespace: str,
    timeout: float | None = DEFAULT_TIMEOUT,
    interactive: bool = False,
) -> bytes:
    """Sign `message` with ssh-keygen and return the armoured signature.

    Args:
        message: The exact bytes to sign.
        key_path: A private key file, a public key file whose private half is in
            ssh-agent (`SSH_AUTH_SOCK`) or on a security key, or an agent key
            (`list_agent_keys()`).
        namespace: The signature namespace (`-n`).
        timeout: Seconds before ssh-keygen is killed; None waits for ever.
        interactive: Let ssh-keygen use the terminal (passphrase prompt, "touch your
            key" messages). Leave False under the TUI, which owns the terminal.

    Returns:
        The armoured signature bytes (`-----BEGIN SSH SIGNATURE-----` ...).

    Raises:
        SigningError: ssh-keygen is missing, fails, or times out.
    """
    with tempfile.TemporaryDirectory(prefix="gonogo-sign-") as work_name:
        work = Path(work_name)
        message_path = work / _MESSAGE_NAME
        message_path.write_bytes(message)
        argv = sign_argv(_key_file(key_path, work), namespace, message_path)
        logger.debug("running %s", argv)
        try:
            completed = subprocess.run(
                argv,
                stdin=None if interactive else subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=None if interactive else subprocess.PIPE,
                timeout=timeout,
                start_new_session=not interactive,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise SigningError(f"ssh-keygen did not finish signing within {timeout:g}s") from exc
        except OSError as exc:
            raise SigningError(f"cannot run ssh-keygen: {exc.strerror}") from exc
        if completed.returncode != 0:
            raise _failure(key_path, completed.returncode, completed.stderr or b"")
        return _read_signature(work, key_path)


async def sign_message_async(
    message: bytes,
    key_path: KeySource,
    *,
    namespace: str,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> bytes:
    """Async `sign_message` for the TUI: never uses the terminal, and is cancellable.

    On cancellation or timeout ssh-keygen is killed and reaped before the error propagates.

    Raises:
        SigningError: ssh-keygen is missing, fails, or times out.
    """
    with tempfile.TemporaryDirectory(prefix="gonogo-sign-") as work_name:
        work = Path(work_name)
        message_path = work / _MESSAGE_NAME
        message_path.write_bytes(message)
        argv = sign_argv(_key_file(key_path, work), namespace, message_path)
        logger.debug("running %s", argv)
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            raise SigningError(f"cannot run ssh-keygen: {exc.strerror}") from exc
        try:
            async with asyncio.timeout(timeout):
                _, stderr = await process.communicate()
        except TimeoutError as exc:
            raise SigningError(f"ssh-keygen did not finish signing within {timeout:g}s") from exc
        finally:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        if process.returncode != 0:
            raise _failure(key_path, process.returncode or 0, stderr)
        return _read_signature(work, key_path)
