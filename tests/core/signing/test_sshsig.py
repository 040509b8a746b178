"""The in-process SSHSIG verifier agrees with ssh-keygen, in both directions."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gonogo_tui.core.errors import SigningError
from gonogo_tui.core.signing.sshkeys import SshPublicKey, read_public_key
from gonogo_tui.core.signing.sshsig import parse_signature, verify_signature
from tests.core.signing import sshsig_builder
from tests.core.signing.helpers import make_key, public_line

MESSAGE = b"GO/NO-GO Decision: GO\n"
NAMESPACE = "gonogo-decision"
KEYGEN_KINDS = ["ed25519", "ecdsa-256", "ecdsa-384", "ecdsa-521", "rsa-3072"]


def keygen_sign(key: Path, message: bytes, namespace: str, *options: str) -> bytes:
    argv = ["ssh-keygen", "-Y", "sign", "-n", namespace, "-f", str(key)]
    for option in options:
        argv += ["-O", option]
    proc = subprocess.run(argv, input=message, capture_output=True, check=True)
    return proc.stdout


def keygen_verify(
    tmp_path: Path, public: SshPublicKey | str, signature: str | bytes, message: bytes
) -> bool:
    line = public.openssh() if isinstance(public, SshPublicKey) else public
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f'tester@example.com namespaces="{NAMESPACE}" {line}\n')
    sig_path = tmp_path / "message.sig"
    sig_path.write_bytes(signature.encode() if isinstance(signature, str) else signature)
    proc = subprocess.run(
        [
            "ssh-keygen",
            "-Y",
            "verify",
            "-f",
            str(allowed),
            "-I",
            "tester@example.com",
            "-n",
            NAMESPACE,
            "-s",
            str(sig_path),
        ],
        input=message,
        capture_output=True,
        check=False,
    )
    return proc.returncode == 0


@pytest.fixture(scope="module")
def keygen_keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("interop-keys")
    return {kind: make_key(directory, kind, kind) for kind in KEYGEN_KINDS}


@pytest.mark.parametrize("kind", KEYGEN_KINDS)
def test_ssh_keygen_signatures_pass_our_verifier(kind: str, keygen_keys: dict[str, Path]) -> None:
    key = keygen_keys[kind]
    signature = parse_signature(keygen_sign(key, MESSAGE, NAMESPACE))
    signer = verify_signature(signature, MESSAGE, NAMESPACE)
    assert signer.openssh() == public_line(key)
    assert signer == read_public_key(key)


@pytest.mark.parametrize("kind", KEYGEN_KINDS)
def test_our_verifier_refuses_what_ssh_keygen_refuses(
    kind: str, keygen_keys: dict[str, Path], tmp_path: Path
) -> None:
    key = keygen_keys[kind]
    armored = keygen_sign(key, MESSAGE, NAMESPACE)
    signature = parse_signature(armored)
    tampered = MESSAGE.replace(b"GO\n", b"NO\n")
    assert not keygen_verify(tmp_path, public_line(key), armored, tampered)
    with pytest.raises(SigningError, match="does not verify"):
        verify_signature(signature, tampered, NAMESPACE)
    other = keygen_sign(key, MESSAGE, "git")
    assert not keygen_verify(tmp_path, public_line(key), other, MESSAGE)
    with pytest.raises(SigningError, match="namespace 'git', not 'gonogo-decision'"):
        verify_signature(parse_signature(other), MESSAGE, NAMESPACE)


def test_sha256_hashed_ssh_keygen_signature_verifies(keygen_keys: dict[str, Path]) -> None:
    armored = keygen_sign(keygen_keys["rsa-3072"], MESSAGE, NAMESPACE, "hashalg=sha256")
    signature = parse_signature(armored)
    assert signature.hash_algorithm == "sha256"
    verify_signature(signature, MESSAGE, NAMESPACE)


def _software_keys() -> list[tuple[str, Any, dict[str, Any]]]:
    ed = Ed25519PrivateKey.generate()
    p256 = ec.generate_private_key(ec.SECP256R1())
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return [
        ("ed25519", ed, {}),
        ("ecdsa-256", p256, {}),
        ("ecdsa-384", ec.generate_private_key(ec.SECP384R1()), {"hash_algorithm": "sha256"}),
        ("ecdsa-521", ec.generate_private_key(ec.SECP521R1()), {}),
        ("rsa-sha2-256", rsa_key, {"rsa_algorithm": "rsa-sha2-256"}),
        ("rsa-sha2-512", rsa_key, {}),
        ("sk-ed25519", ed, {"sk_application": b"ssh:"}),
        ("sk-ecdsa", p256, {"sk_application": b"ssh:gonogo"}),
    ]


@pytest.mark.parametrize(
    ("kind", "private", "options"), _software_keys(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_signatures_we_accept_pass_ssh_keygen(
    kind: str, private: Any, options: dict[str, Any], tmp_path: Path
) -> None:
    armored = sshsig_builder.sign(private, MESSAGE, NAMESPACE, **options)
    public = sshsig_builder.public_key(private, sk_application=options.get("sk_application"))
    assert keygen_verify(tmp_path, public, armored, MESSAGE), kind
    assert verify_signature(parse_signature(armored), MESSAGE, NAMESPACE) == public
    assert not keygen_verify(tmp_path, public, armored, MESSAGE + b"x")
    with pytest.raises(SigningError):
        verify_signature(parse_signature(armored), MESSAGE + b"x", NAMESPACE)


def test_rsa_sha1_signatures_are_refused_like_ssh_keygen(tmp_path: Path) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    armored = sshsig_builder.sign(private, MESSAGE, NAMESPACE, rsa_algorithm="ssh-rsa")
    assert not keygen_verify(tmp_path, sshsig_builder.public_key(private), armored, MESSAGE)
    with pytest.raises(SigningError, match="RSA signature type ssh-rsa is not allowed"):
        verify_signature(parse_signature(armored), MESSAGE, NAMESPACE)


def test_security_key_signature_without_touch_is_refused() -> None:
    private = Ed25519PrivateKey.generate()
    armored = sshsig_builder.sign(
        private, MESSAGE, NAMESPACE, sk_application=b"ssh:", sk_flags=0x00
    )
    with pytest.raises(SigningError, match="without user presence"):
        verify_signature(parse_signature(armored), MESSAGE, NAMESPACE)


def test_short_rsa_keys_are_refused() -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    armored = sshsig_builder.sign(private, MESSAGE, NAMESPACE)
    with pytest.raises(SigningError, match="RSA key of 1024 bits"):
        parse_signature(armored)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "-----BEGIN SSH SIGNATURE-----\n!!!!\n-----END SSH SIGNATURE-----\n",
        "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n",
    ],
)
def test_malformed_signatures_are_refused(text: str) -> None:
    with pytest.raises(SigningError):
        parse_signature(text)


def test_trailing_data_in_a_signature_is_refused(keygen_keys: dict[str, Path]) -> None:
    signature = parse_signature(keygen_sign(keygen_keys["ed25519"], MESSAGE, NAMESPACE))
    padded = signature.encode() + b"\x00"
    armored = (
        "-----BEGIN SSH SIGNATURE-----\n"
        + base64.b64encode(padded).decode()
        + "\n-----END SSH SIGNATURE-----\n"
    )
    with pytest.raises(SigningError, match="trailing data"):
        parse_signature(armored)


def test_fingerprints_match_ssh_keygen(keygen_keys: dict[str, Path]) -> None:
    for key in keygen_keys.values():
        listing = subprocess.run(
            ["ssh-keygen", "-l", "-f", str(key)], capture_output=True, text=True, check=True
        ).stdout.split()
        assert read_public_key(key).fingerprint == listing[1]


def test_public_key_of_an_encrypted_key_needs_no_passphrase(tmp_path: Path) -> None:
    key = make_key(tmp_path, "locked", passphrase="correct horse battery staple")
    key.with_name("locked.pub").rename(tmp_path / "elsewhere.pub")
    assert read_public_key(key).openssh() == public_line(tmp_path / "elsewhere")


def test_public_key_of_a_pem_private_key(tmp_path: Path) -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = tmp_path / "legacy.pem"
    pem.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    assert read_public_key(pem) == sshsig_builder.public_key(private)
    locked = tmp_path / "locked.pem"
    locked.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    with pytest.raises(SigningError, match="put it in locked.pem.pub"):
        read_public_key(locked)
    (tmp_path / "locked.pem.pub").write_text(sshsig_builder.public_key(private).openssh() + "\n")
    assert read_public_key(locked) == sshsig_builder.public_key(private)
