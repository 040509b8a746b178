"""OpenSSH signatures (`ssh-keygen -Y sign`, PROTOCOL.sshsig): parse and verify in-process."""

from __future__ import annotations

import base64
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
    """Decode an armoured SSH signature, accepting exactly the bytes `ssh-keygen -Y verify`
    accepts (see `dearmor`).

    Raises:
        SigningError: the text is not a well-formed SSH signature.
    """
    data = armored.encode("utf-8") if isinstance(armored, str) else armored
    if len(data) > MAX_SIGNATURE_FILE:
        raise SigningError("signature file is too large")
    blob = dearmor(data)
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


_BASE64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_SPACE = frozenset(b" \t\n\v\f\r")
"""What C's isspace() skips in the C locale."""
_PAD = ord("=")


def dearmor(data: bytes) -> bytes:
    """The SSHSIG blob inside an armoured signature, read as OpenSSH's `sshsig_dearmor`
    reads it, so that gonogo and an auditor's `ssh-keygen -Y verify` agree on every byte.

    The file must start with the BEGIN line and a bare `\n`; the base64 runs to the first
    `\n` followed by the END marker, and whatever follows that marker is ignored (as
    ssh-keygen ignores it).
    The base64 is then decoded as OpenBSD's `b64_pton` does (see `_b64_pton`).

    Raises:
        SigningError: the armour or its base64 is not what ssh-keygen accepts.
    """
    preamble = BEGIN.encode("ascii") + b"\n"
    if not data.startswith(preamble):
        raise SigningError("not an SSH signature (it must start with the BEGIN line and \\n)")
    body = data[len(preamble) :]
    end = body.find(b"\n" + END.encode("ascii"))  # the END line starts a line of its own
    if end < 0:
        raise SigningError("not an SSH signature (no END SSH SIGNATURE line)")
    body = body[:end]
    nul = body.find(b"\0")
    if nul >= 0 and nul != len(body) - 1:  # sshbuf_dup_string: a NUL only as the last byte
        raise SigningError("SSH signature is not valid base64 (a NUL byte inside)")
    return _b64_pton(body[:nul] if nul >= 0 else body)


def _b64_pton(text: bytes) -> bytes:
    """Decode base64 as OpenBSD's `b64_pton`: whitespace is skipped anywhere, padding is
    required and only whitespace may follow it, and the bits past the last whole byte must
    be zero. Python's decoder ignores those bits: a flipped last character would still
    decode, and ssh-keygen would refuse the file.

    Raises:
        SigningError: the text is not base64 that `b64_pton` accepts.
    """
    out = bytearray()
    state = 0
    leftover = 0  # the bits of the last character that do not fill a byte yet
    rest = iter(text)
    ch = None
    for ch in rest:
        if ch in _SPACE:
            continue
        if ch == _PAD:
            break
        value = _BASE64.find(bytes([ch]))
        if value < 0:
            raise SigningError("SSH signature is not valid base64")
        if state == 0:
            leftover = value << 2
        elif state == 1:
            out.append(leftover | value >> 4)
            leftover = (value & 0x0F) << 4
        elif state == 2:
            out.append(leftover | value >> 2)
            leftover = (value & 0x03) << 6
        else:
            out.append(leftover | value)
            leftover = 0
        state = (state + 1) % 4
    else:
        ch = None
    if ch is None:  # the end of the text, no padding: it must end on a whole quantum
        if state != 0:
            raise SigningError("SSH signature is not valid base64 (missing padding)")
        return bytes(out)
    tail = bytes(rest).translate(None, bytes(_SPACE))
    if state == 2:  # one byte of data: `==` (spaces allowed between)
        ok = tail.startswith(b"=") and len(tail) == 1
    else:  # two bytes of data: a single `=`
        ok = state == 3 and not tail
    if not ok or leftover:
        raise SigningError("SSH signature is not valid base64 (padding or trailing bits)")
    return bytes(out)


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
