"""OpenSSH signatures (`ssh-keygen -Y sign`, PROTOCOL.sshsig): parse and verify in-process."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from gonogo_tui.core.errors import SigningError
from gonogo_tui.core.signing.sshkeys import (
    SshPublicKey,
    WireReader,
    parse_public_key_blob,
    wire_string,
)

MAGIC = b"SSHSIG"
VERSION = 1
BEGIN = "-----BEGIN SSH SIGNATURE-----"
END = "-----END SSH SIGNATURE-----"
HASH_ALGORITHMS = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}
MAX_SIGNATURE_FILE = 64 * 1024
"""Armoured signatures are a few hundred bytes; refuse anything absurd before decoding it."""


@dataclass(frozen=True)
class SshSignature:
    """A decoded SSHSIG blob."""

    public_key: SshPublicKey
    """The key that claims to have signed."""
    namespace: str
    """The namespace the signer committed to (ours is `gonogo-decision`)."""
    hash_algorithm: str
    """`sha256` or `sha512`: how the message was hashed before signing."""
    signature: bytes
    """The inner SSH signature blob."""

    def signed_data(self, message: bytes) -> bytes:
        """The exact bytes the key signed for `message` (PROTOCOL.sshsig)."""
        digest = HASH_ALGORITHMS[self.hash_algorithm](message).digest()
        return (
            MAGIC
            + wire_string(self.namespace.encode("utf-8"))
            + wire_string(b"")
            + wire_string(self.hash_algorithm.encode("ascii"))
            + wire_string(digest)
        )

    def encode(self) -> bytes:
        """The SSHSIG blob in wire format."""
        return (
            MAGIC
            + VERSION.to_bytes(4, "big")
            + wire_string(self.public_key.blob)
            + wire_string(self.namespace.encode("utf-8"))
            + wire_string(b"")
            + wire_string(self.hash_algorithm.encode("ascii"))
            + wire_string(self.signature)
        )

    def armor(self) -> str:
        """The signature as `ssh-keygen -Y sign` writes it (base64 wrapped at 70 columns)."""
        encoded = base64.b64encode(self.encode()).decode("ascii")
        lines = [encoded[i : i + 70] for i in range(0, len(encoded), 70)]
        return "\n".join([BEGIN, *lines, END]) + "\n"


def parse_signature(armored: bytes | str) -> SshSignature:
    """Decode an armoured SSH signature.

    Raises:
        SigningError: the text is not a well-formed SSH signature.
    """
    if isinstance(armored, bytes):
        if len(armored) > MAX_SIGNATURE_FILE:
            raise SigningError("signature file is too large")
        try:
            armored = armored.decode("ascii")
        except UnicodeDecodeError as exc:
            raise SigningError("signature is not ASCII armour") from exc
    lines = [line.strip() for line in armored.strip().splitlines()]
    if len(lines) < 3 or lines[0] != BEGIN or lines[-1] != END:
        raise SigningError("not an SSH signature (missing BEGIN/END SSH SIGNATURE lines)")
    try:
        blob = base64.b64decode("".join(lines[1:-1]), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SigningError("SSH signature is not valid base64") from exc
    if not blob.startswith(MAGIC):
        raise SigningError("not an SSHSIG blob")
    reader = WireReader(blob[len(MAGIC) :], "SSH signature")
    version = reader.u32()
    if version != VERSION:
        raise SigningError(f"SSH signature version {version} is not supported")
    public_key = parse_public_key_blob(reader.string())
    try:
        namespace = reader.string().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SigningError("SSH signature namespace is not UTF-8") from exc
    reader.string()
    hash_algorithm = reader.text()
    signature = reader.string()
    reader.end()
    if hash_algorithm not in HASH_ALGORITHMS:
        raise SigningError(f"SSH signature hash algorithm {hash_algorithm!r} is not allowed")
    return SshSignature(public_key, namespace, hash_algorithm, signature)


def verify_signature(signature: SshSignature, message: bytes, namespace: str) -> SshPublicKey:
    """Check that `signature` is a valid signature of `message` in `namespace`.

    This proves only that the embedded key signed; whether that key is trusted for a
    principal is the allowed_signers file's business.

    Returns:
        The public key that signed.

    Raises:
        SigningError: wrong namespace, or the signature does not match the message.
    """
    if signature.namespace != namespace:
        raise SigningError(f"signature is for namespace {signature.namespace!r}, not {namespace!r}")
    signature.public_key.verify(signature.signature, signature.signed_data(message))
    return signature.public_key
