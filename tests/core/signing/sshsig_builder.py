"""Build OpenSSH signatures in-process with `cryptography`, to test interop with ssh-keygen.

Covers key kinds ssh-keygen cannot make here (FIDO security keys): the signature is made
in software exactly as an authenticator would, so `ssh-keygen -Y verify` can judge it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from gonogo_tui.core.signing.sshkeys import SK_ECDSA, SK_ED25519, SshPublicKey, wire_string
from gonogo_tui.core.signing.sshsig import SshSignature

_CURVES = {"secp256r1": "nistp256", "secp384r1": "nistp384", "secp521r1": "nistp521"}
_EC_HASH = {"nistp256": hashes.SHA256(), "nistp384": hashes.SHA384(), "nistp521": hashes.SHA512()}


def mpint(value: int) -> bytes:
    """SSH mpint encoding of a non-negative integer."""
    if value == 0:
        return wire_string(b"")
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    if raw[0] & 0x80:
        raw = b"\x00" + raw
    return wire_string(raw)


def _point(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def public_key(private: Any, *, sk_application: bytes | None = None) -> SshPublicKey:
    """The SSH public key of `private` (a security-key kind if `sk_application` is given)."""
    if isinstance(private, Ed25519PrivateKey):
        raw = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        if sk_application is not None:
            blob = wire_string(SK_ED25519.encode()) + wire_string(raw) + wire_string(sk_application)
            return SshPublicKey(SK_ED25519, blob)
        return SshPublicKey("ssh-ed25519", wire_string(b"ssh-ed25519") + wire_string(raw))
    if isinstance(private, ec.EllipticCurvePrivateKey):
        curve = _CURVES[private.curve.name]
        if sk_application is not None:
            blob = (
                wire_string(SK_ECDSA.encode())
                + wire_string(b"nistp256")
                + wire_string(_point(private))
                + wire_string(sk_application)
            )
            return SshPublicKey(SK_ECDSA, blob)
        name = f"ecdsa-sha2-{curve}"
        blob = (
            wire_string(name.encode()) + wire_string(curve.encode()) + wire_string(_point(private))
        )
        return SshPublicKey(name, blob)
    assert isinstance(private, rsa.RSAPrivateKey)
    numbers = private.public_key().public_numbers()
    return SshPublicKey("ssh-rsa", wire_string(b"ssh-rsa") + mpint(numbers.e) + mpint(numbers.n))


def sign(
    private: Any,
    message: bytes,
    namespace: str,
    *,
    hash_algorithm: str = "sha512",
    rsa_algorithm: str = "rsa-sha2-512",
    sk_application: bytes | None = None,
    sk_flags: int = 0x01,
    sk_counter: int = 7,
) -> str:
    """An armoured SSH signature of `message`, as `ssh-keygen -Y sign` would write it."""
    key = public_key(private, sk_application=sk_application)
    envelope = SshSignature(key, namespace, hash_algorithm, b"")
    data = envelope.signed_data(message)
    if sk_application is not None:
        data = (
            hashlib.sha256(sk_application).digest()
            + bytes([sk_flags])
            + sk_counter.to_bytes(4, "big")
            + hashlib.sha256(data).digest()
        )
    if isinstance(private, Ed25519PrivateKey):
        inner = wire_string(private.sign(data))
    elif isinstance(private, ec.EllipticCurvePrivateKey):
        curve = _CURVES[private.curve.name]
        r_value, s_value = decode_dss_signature(private.sign(data, ec.ECDSA(_EC_HASH[curve])))
        inner = wire_string(mpint(r_value) + mpint(s_value))
    else:
        digest = hashes.SHA256() if rsa_algorithm == "rsa-sha2-256" else hashes.SHA512()
        if rsa_algorithm == "ssh-rsa":
            digest = hashes.SHA1()
        inner = wire_string(private.sign(data, padding.PKCS1v15(), digest))
    sig_type = rsa_algorithm if key.key_type == "ssh-rsa" else key.key_type
    signature = wire_string(sig_type.encode()) + inner
    if sk_application is not None:
        signature += bytes([sk_flags]) + sk_counter.to_bytes(4, "big")
    return SshSignature(key, namespace, hash_algorithm, signature).armor()
