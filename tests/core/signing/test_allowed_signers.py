"""allowed_signers: gonogo reaches the same verdict as `ssh-keygen -Y verify` on each line form."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gonogo_tui.core.errors import SigningError
from gonogo_tui.core.signing.allowed_signers import (
    format_ssh_time,
    load_allowed_signers,
    match_pattern_list,
    parse_allowed_signers,
    parse_ssh_time,
)
from gonogo_tui.core.signing.sshkeys import read_public_key
from tests.core.signing.helpers import make_key, public_line

NAMESPACE = "gonogo-decision"
DECIDED = datetime(2026, 11, 26, 10, 15, tzinfo=UTC)

# (principals field, options field, principal asked for, verdict)
CASES = [
    ("alice@example.com", "", "alice@example.com", True),
    ("alice@example.com", "", "bob@example.com", False),
    ("*@example.com", "", "alice@example.com", True),
    ("?lice@example.com", "", "alice@example.com", True),
    ("*@example.com,!alice@example.com", "", "alice@example.com", False),
    ('"bob@example.com,alice@example.com"', "", "alice@example.com", True),
    ("alice@example.com", 'namespaces="gonogo-decision"', "alice@example.com", True),
    ("alice@example.com", 'namespaces="git,gonogo-*"', "alice@example.com", True),
    ("alice@example.com", 'namespaces="git"', "alice@example.com", False),
    ("alice@example.com", 'NAMESPACES="gonogo-decision"', "alice@example.com", True),
    ("alice@example.com", 'valid-after="20261101Z"', "alice@example.com", True),
    ("alice@example.com", 'valid-after="20261127Z"', "alice@example.com", False),
    ("alice@example.com", 'valid-before="20261126101500Z"', "alice@example.com", True),
    ("alice@example.com", 'valid-before="202611261014Z"', "alice@example.com", False),
    (
        "alice@example.com",
        'valid-after="20260101Z",valid-before="20270101Z"',
        "alice@example.com",
        True,
    ),
    (
        "alice@example.com",
        'valid-before="20250101Z",namespaces="gonogo-decision"',
        "alice@example.com",
        False,
    ),
    ("alice@example.com", "valid-after=20261101Z", "alice@example.com", False),
    ("alice@example.com", "namespaces=gonogo-decision", "alice@example.com", False),
    ("alice@example.com", "cert-authority", "alice@example.com", False),
    ("alice@example.com", "frobnicate=yes", "alice@example.com", False),
]


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    directory = tmp_path_factory.mktemp("allowed")
    key = make_key(directory, "alice")
    message = directory / "message"
    message.write_bytes(b"approve\n")
    subprocess.run(
        ["ssh-keygen", "-Y", "sign", "-n", NAMESPACE, "-f", str(key), str(message)],
        check=True,
        capture_output=True,
    )
    return key, message, directory / "message.sig"


def _keygen_accepts(allowed: Path, principal: str, signature: Path, message: Path) -> bool:
    argv = [
        "ssh-keygen",
        "-Y",
        "verify",
        "-f",
        str(allowed),
        "-I",
        principal,
        "-n",
        NAMESPACE,
        "-s",
        str(signature),
        f"-Overify-time={format_ssh_time(DECIDED)}",
    ]
    with message.open("rb") as stdin:
        return subprocess.run(argv, stdin=stdin, capture_output=True, check=False).returncode == 0


def _we_accept(text: str, key: Path, principal: str) -> bool:
    try:
        parse_allowed_signers(text).check(read_public_key(key), principal, NAMESPACE, [DECIDED])
    except SigningError:
        return False
    return True


@pytest.mark.parametrize(("principals", "options", "principal", "verdict"), CASES)
def test_same_verdict_as_ssh_keygen(
    principals: str,
    options: str,
    principal: str,
    verdict: bool,
    signed: tuple[Path, Path, Path],
    tmp_path: Path,
) -> None:
    key, message, signature = signed
    line = " ".join(part for part in (principals, options, public_line(key)) if part)
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"# team\n\n{line} alice's laptop\n")
    assert _keygen_accepts(allowed, principal, signature, message) is verdict
    assert _we_accept(allowed.read_text(), key, principal) is verdict


def test_refusals_name_the_line_and_the_reason(signed: tuple[Path, Path, Path]) -> None:
    key = read_public_key(signed[0])
    text = (
        f"alice@example.com cert-authority {key.openssh()}\n"
        f'bob@example.com valid-before="20250101Z" {key.openssh()}\n'
    )
    signers = parse_allowed_signers(text, source="trust/allowed_signers")
    with pytest.raises(SigningError, match="allowed_signers:1: cert-authority lines are not"):
        signers.check(key, "alice@example.com", NAMESPACE, [DECIDED])
    with pytest.raises(SigningError, match=r"allowed_signers:2: key has expired"):
        signers.check(key, "bob@example.com", NAMESPACE, [DECIDED])
    with pytest.raises(SigningError, match="carol@example.com is not listed"):
        signers.check(key, "carol@example.com", NAMESPACE, [DECIDED])


def test_a_later_valid_line_wins_over_an_unusable_one(signed: tuple[Path, Path, Path]) -> None:
    key = read_public_key(signed[0])
    text = f"alice@example.com cert-authority {key.openssh()}\nalice@example.com {key.openssh()}\n"
    entry = parse_allowed_signers(text).check(key, "alice@example.com", NAMESPACE, [DECIDED])
    assert entry.line_number == 2


@pytest.mark.parametrize(
    "line",
    [
        "alice@example.com",
        "alice@example.com ssh-ed25519",
        'alice@example.com namespaces="unterminated ssh-ed25519 AAAA',
        "alice@example.com ssh-nonsense AAAA",
    ],
)
def test_malformed_lines_are_errors(line: str) -> None:
    with pytest.raises(SigningError, match="allowed_signers:1"):
        parse_allowed_signers(line)


@pytest.mark.parametrize(
    ("text", "patterns", "expected"),
    [
        ("alice@example.com", "alice@example.com", 1),
        ("alice@example.com", "*", 1),
        ("alice@example.com", "bob@*,*@example.com", 1),
        ("alice@example.com", "*@example.com,!alice@*", -1),
        ("alice@example.com", "ALICE@example.com", 0),
        ("alice@example.com", "[a]lice@example.com", 0),
        ("a.b", "a?b", 1),
    ],
)
def test_pattern_lists_follow_openssh(text: str, patterns: str, expected: int) -> None:
    assert match_pattern_list(text, patterns) == expected


def test_ssh_times() -> None:
    assert parse_ssh_time("20261126Z") == datetime(2026, 11, 26, tzinfo=UTC)
    assert parse_ssh_time("202611261015UTC") == datetime(2026, 11, 26, 10, 15, tzinfo=UTC)
    assert parse_ssh_time("20261126101530z") == datetime(2026, 11, 26, 10, 15, 30, tzinfo=UTC)
    assert format_ssh_time(DECIDED) == "20261126101500Z"
    with pytest.raises(ValueError, match="YYYYMMDD"):
        parse_ssh_time("2026-11-26")


@pytest.mark.parametrize(("before", "verdict"), [("202611261916", True), ("202611261914", False)])
def test_times_without_z_are_local_time_like_ssh_keygen(
    before: str,
    verdict: bool,
    signed: tuple[Path, Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key, message, signature = signed
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f'alice@example.com valid-before="{before}" {public_line(key)}\n')
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        assert _keygen_accepts(allowed, "alice@example.com", signature, message) is verdict
        assert _we_accept(allowed.read_text(), key, "alice@example.com") is verdict
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_byte_order_mark_is_named_not_read_as_a_principal(tmp_path: Path) -> None:
    """Windows editors save a BOM; the first principal would silently match no one."""
    key = make_key(tmp_path, "bom")
    path = tmp_path / "allowed_signers"
    path.write_text(f"\ufeffalice@example.com {public_line(key)}\n", encoding="utf-8")
    with pytest.raises(SigningError) as caught:
        load_allowed_signers(path)
    assert str(caught.value) == (
        f"{path}:1: allowed_signers starts with a byte order mark; save it without one"
    )
