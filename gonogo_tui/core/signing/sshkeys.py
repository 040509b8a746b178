"""OpenSSH public keys: wire format, fingerprints, reading key files and checking raw signatures.

Supported key types: ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa (signatures
rsa-sha2-256/512 only, modulus of at least 2048 bits), and the FIDO types
sk-ssh-ed25519@openssh.com and sk-ecdsa-sha2-nistp256@openssh.com (the authenticator's
user-presence flag is required). Certificates and DSA keys are refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from gonogo_tui.core.errors import SigningError

ED25519 = "ssh-ed25519"
RSA = "ssh-rsa"
SK_ED25519 = "sk-ssh-ed25519@openssh.com"
SK_ECDSA = "sk-ecdsa-sha2-nistp256@openssh.com"
ECDSA_CURVES: dict[str, tuple[str, ec.EllipticCurve, hashes.HashAlgorithm]] = {
    "ecdsa-sha2-nistp256": ("nistp256", ec.SECP256R1(), hashes.SHA256()),
    "ecdsa-sha2-nistp384": ("nistp384", ec.SECP384R1(), hashes.SHA384()),
    "ecdsa-sha2-nistp521": ("nistp521", ec.SECP521R1(), hashes.SHA512()),
}
SUPPORTED_KEY_TYPES = frozenset({ED25519, RSA, SK_ED25519, SK_ECDSA, *ECDSA_CURVES})
"""Key types gonogo can verify."""

KNOWN_UNSUPPORTED_KEY_TYPES = frozenset(
    {
        "ssh-dss",
        "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
        *(f"{name}-cert-v01@openssh.com" for name in ("ssh-ed25519", "ssh-rsa", "ssh-dss")),
        *(f"{name}-cert-v01@openssh.com" for name in ECDSA_CURVES),
        "sk-ssh-ed25519-cert-v01@openssh.com",
        "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    }
)
"""Key types OpenSSH knows that gonogo refuses (DSA, certificates, webauthn)."""

RSA_SIGNATURE_HASHES: dict[str, hashes.HashAlgorithm] = {
    "rsa-sha2-256": hashes.SHA256(),
    "rsa-sha2-512": hashes.SHA512(),
}
MIN_RSA_BITS = 2048
SK_USER_PRESENT = 0x01
_OPENSSH_PRIVATE_MAGIC = b"openssh-key-v1\x00"


class WireReader:
    """Reads the SSH wire encoding (RFC 4251): uint32, string, mpint."""

    def __init__(self, data: bytes, what: str) -> None:
        self._data = data
        self._pos = 0
        self._what = what

    def _take(self, size: int) -> bytes:
        if size < 0 or self._pos + size > len(self._data):
            raise SigningError(f"{self._what}: truncated")
        chunk = self._data[self._pos : self._pos + size]
        self._pos += size
        return chunk

    def u8(self) -> int:
        """Read one byte."""
        return self._take(1)[0]

    def u32(self) -> int:
        """Read a big-endian uint32."""
        return int.from_bytes(self._take(4), "big")

    def string(self) -> bytes:
        """Read a length-prefixed byte string."""
        return self._take(self.u32())

    def text(self) -> str:
        """Read a length-prefixed string that must be ASCII."""
        raw = self.string()
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError as exc:
            raise SigningError(f"{self._what}: a name is not ASCII") from exc

    def mpint(self) -> int:
        """Read a non-negative multiple-precision integer."""
        raw = self.string()
        if raw and raw[0] & 0x80:
            raise SigningError(f"{self._what}: negative integer")
        return int.from_bytes(raw, "big")

    def end(self) -> None:
        """Insist that every byte was consumed."""
        if self._pos != len(self._data):
            raise SigningError(f"{self._what}: trailing data")


def wire_string(data: bytes) -> bytes:
    """Encode `data` as an SSH string."""
    return len(data).to_bytes(4, "big") + data


@dataclass(frozen=True)
class SshPublicKey:
    """An OpenSSH public key, kept as its exact wire blob."""

    key_type: str
    """The key type name, e.g. `ssh-ed25519`."""
    blob: bytes
    """The public key in SSH wire format; two keys are equal when their blobs are."""

    @property
    def fingerprint(self) -> str:
        """The `SHA256:...` fingerprint that `ssh-keygen -l` prints."""
        digest = base64.b64encode(hashlib.sha256(self.blob).digest()).decode("ascii")
        return "SHA256:" + digest.rstrip("=")

    def openssh(self) -> str:
        """The key as one `type base64` line, as in a `.pub` file or allowed_signers."""
        return f"{self.key_type} {base64.b64encode(self.blob).decode('ascii')}"

    def verify(self, signature: bytes, data: bytes) -> None:
        """Check an SSH signature blob (`string type, string sig[, sk fields]`) over `data`.

        Raises:
            SigningError: the signature is malformed, of the wrong kind, or does not verify.
        """
        reader = WireReader(signature, "signature")
        sig_type = reader.text()
        sig_blob = reader.string()
        try:
            if self.key_type in (SK_ED25519, SK_ECDSA):
                self._verify_sk(reader, sig_type, sig_blob, data)
            else:
                reader.end()
                self._verify_plain(sig_type, sig_blob, data)
        except InvalidSignature as exc:
            raise SigningError(f"{self.key_type} signature does not verify") from exc

    def _verify_plain(self, sig_type: str, sig_blob: bytes, data: bytes) -> None:
        fields = WireReader(self.blob, "public key")
        fields.text()
        if self.key_type == ED25519:
            _require(sig_type == ED25519, f"signature type {sig_type} for an {ED25519} key")
            _require(len(sig_blob) == 64, "ed25519 signature is not 64 bytes")
            Ed25519PublicKey.from_public_bytes(fields.string()).verify(sig_blob, data)
        elif self.key_type in ECDSA_CURVES:
            _require(sig_type == self.key_type, f"signature type {sig_type} for {self.key_type}")
            _, curve, digest = ECDSA_CURVES[self.key_type]
            fields.text()
            point = ec.EllipticCurvePublicKey.from_encoded_point(curve, fields.string())
            point.verify(_ecdsa_der(sig_blob), data, ec.ECDSA(digest))
        elif self.key_type == RSA:
            digest_for_rsa = RSA_SIGNATURE_HASHES.get(sig_type)
            if digest_for_rsa is None:
                raise SigningError(f"RSA signature type {sig_type} is not allowed")
            exponent = fields.mpint()
            modulus = fields.mpint()
            public = rsa.RSAPublicNumbers(exponent, modulus).public_key()
            size = (public.key_size + 7) // 8
            _require(len(sig_blob) <= size, "RSA signature longer than the modulus")
            padded = sig_blob.rjust(size, b"\x00")
            public.verify(padded, data, padding.PKCS1v15(), digest_for_rsa)
        else:
            raise SigningError(f"unsupported key type {self.key_type}")

    def _verify_sk(self, reader: WireReader, sig_type: str, sig_blob: bytes, data: bytes) -> None:
        _require(sig_type == self.key_type, f"signature type {sig_type} for {self.key_type}")
        flags = reader.u8()
        counter = reader.u32()
        reader.end()
        fields = WireReader(self.blob, "public key")
        fields.text()
        if self.key_type == SK_ECDSA:
            fields.text()
        public_bytes = fields.string()
        application = fields.string()
        # PROTOCOL.u2f: the authenticator signs H(application) || flags || counter || H(message).
        signed = (
            hashlib.sha256(application).digest()
            + bytes([flags])
            + counter.to_bytes(4, "big")
            + hashlib.sha256(data).digest()
        )
        if self.key_type == SK_ED25519:
            _require(len(sig_blob) == 64, "ed25519-sk signature is not 64 bytes")
            Ed25519PublicKey.from_public_bytes(public_bytes).verify(sig_blob, signed)
        else:
            point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public_bytes)
            point.verify(_ecdsa_der(sig_blob), signed, ec.ECDSA(hashes.SHA256()))
        if not flags & SK_USER_PRESENT:
            raise SigningError("security key signature was made without user presence (touch)")


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise SigningError(message)


def _ecdsa_der(sig_blob: bytes) -> bytes:
    reader = WireReader(sig_blob, "ecdsa signature")
    r_value = reader.mpint()
    s_value = reader.mpint()
    reader.end()
    return encode_dss_signature(r_value, s_value)


def parse_public_key_blob(blob: bytes) -> SshPublicKey:
    """Parse and validate a public key in SSH wire format.

    Raises:
        SigningError: the blob is malformed or of an unsupported type.
    """
    reader = WireReader(blob, "public key")
    key_type = reader.text()
    if key_type not in SUPPORTED_KEY_TYPES:
        raise SigningError(f"unsupported key type {key_type}")
    try:
        if key_type in (ED25519, SK_ED25519):
            Ed25519PublicKey.from_public_bytes(reader.string())
        elif key_type in ECDSA_CURVES or key_type == SK_ECDSA:
            curve_name, curve, _ = ECDSA_CURVES.get(key_type, ECDSA_CURVES["ecdsa-sha2-nistp256"])
            _require(reader.text() == curve_name, f"{key_type}: wrong curve name")
            ec.EllipticCurvePublicKey.from_encoded_point(curve, reader.string())
        else:
            exponent = reader.mpint()
            modulus = reader.mpint()
            _require(
                modulus.bit_length() >= MIN_RSA_BITS,
                f"RSA key of {modulus.bit_length()} bits (at least {MIN_RSA_BITS} required)",
            )
            rsa.RSAPublicNumbers(exponent, modulus).public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise SigningError(f"{key_type}: invalid public key ({exc})") from exc
    if key_type in (SK_ED25519, SK_ECDSA):
        reader.string()
    reader.end()
    return SshPublicKey(key_type, blob)


def parse_public_key_line(line: str) -> SshPublicKey:
    """Parse `type base64 [comment]` (a `.pub` file's line).

    Raises:
        SigningError: the line is not a supported OpenSSH public key.
    """
    parts = line.split()
    if len(parts) < 2:
        raise SigningError("not an OpenSSH public key line")
    key_type, encoded = parts[0], parts[1]
    try:
        blob = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SigningError(f"{key_type}: key is not valid base64") from exc
    key = parse_public_key_blob(blob)
    if key.key_type != key_type:
        raise SigningError(f"key says {key_type} but holds a {key.key_type} key")
    return key


def _public_from_openssh_private(text: str) -> SshPublicKey | None:
    lines = [line.strip() for line in text.strip().splitlines()]
    if not lines or lines[0] != "-----BEGIN OPENSSH PRIVATE KEY-----":
        return None
    body = "".join(line for line in lines[1:] if not line.startswith("-----"))
    try:
        raw = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SigningError("private key file is not valid base64") from exc
    if not raw.startswith(_OPENSSH_PRIVATE_MAGIC):
        raise SigningError("not an openssh-key-v1 private key")
    # The public half sits unencrypted in the header, so no passphrase is needed.
    reader = WireReader(raw[len(_OPENSSH_PRIVATE_MAGIC) :], "private key header")
    reader.string()
    reader.string()
    reader.string()
    if reader.u32() < 1:
        raise SigningError("private key file holds no key")
    return parse_public_key_blob(reader.string())


def _public_from_pem_private(data: bytes) -> SshPublicKey | None:
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return None
    line = (
        private.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode("ascii")
    )
    return parse_public_key_line(line)


def read_public_key(path: Path) -> SshPublicKey:
    """Return the public key for a key file: a `.pub` file, or a private key file.

    For an OpenSSH private key the public half is read from its unencrypted header; for
    other formats `PATH.pub` is used, else an unencrypted PEM key is parsed. No passphrase
    is ever asked for, and no key material is logged or printed.

    Raises:
        SigningError: no public key can be found for `path`.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningError(f"{path}: cannot read key file ({exc.strerror})") from exc
    text = data.decode("utf-8", errors="replace")
    first = text.lstrip().split(None, 1)[0] if text.strip() else ""
    if first in SUPPORTED_KEY_TYPES or first in KNOWN_UNSUPPORTED_KEY_TYPES:
        try:
            return parse_public_key_line(text.strip().splitlines()[0])
        except SigningError as exc:
            raise SigningError(f"{path}: {exc}") from exc
    companion = path.with_name(path.name + ".pub")
    try:
        key = _public_from_openssh_private(text)
        if key is None and companion.is_file():
            return read_public_key(companion)
        # Last resort: an unencrypted PEM key, loaded only to derive its public half.
        key = key or _public_from_pem_private(data)
    except SigningError as exc:
        raise SigningError(f"{path}: {exc}") from exc
    if key is not None:
        return key
    raise SigningError(f"{path}: cannot find its public key; put it in {companion.name}")
