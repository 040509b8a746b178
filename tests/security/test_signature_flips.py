"""Every byte of a sealed, signed record, flipped: `gonogo verify` and the auditor's tools
(`ssh-keygen -Y verify`, and the `--explain` commands) accept or refuse it together.

Each byte of one approval's `.sig` armour is flipped (its low bit, as in the issue: `0` to
`1`) and replaced with a space, a line break and a `=`; whole-file variants cover line
endings, wrapping, padding and what follows the END line. The other files of the record
get a sample of flipped bytes (first, last, and evenly spread).
"""

from __future__ import annotations

import contextlib
import io
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gonogo_tui.commands.signing import main as signing_main
from gonogo_tui.core.signing import explain_commands
from tests.core.signing.helpers import Person, make_key, write_allowed_signers
from tests.security.helpers import gonogo, project, record_go

NAMESPACE = "gonogo-decision"
SAMPLES_PER_FILE = 16


@dataclass(frozen=True)
class Signed:
    """A sealed GO that the three approvers signed through `gonogo sign`."""

    txt: Path
    allowed: Path
    people: list[Person]

    def approval(self, person: Person) -> Path:
        stem = self.txt.name.removesuffix(".txt")
        return self.txt.with_name(f"{stem}.approval.{person.role}.{person.principal}.json")


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    root = tmp_path_factory.mktemp("flips")
    keys = root / "keys"
    people = [
        Person("cto", "alice@example.com", make_key(keys, "alice")),
        Person("devops-lead", "bob@example.com", make_key(keys, "bob", "ecdsa-256")),
        Person("product-owner", "carol@example.com", make_key(keys, "carol")),
    ]
    workdir = project(root / "project")
    done = record_go(workdir)
    assert done.returncode == 0, done.stderr
    txt = workdir / done.stdout.split("Record: ", 1)[1].split()[0]
    for person in people:
        signed = gonogo(
            "sign", str(txt), "--as", person.role, "--principal", person.principal,
            "--key", str(person.key), cwd=workdir,
        )  # fmt: skip
        assert signed.returncode == 0, signed.stderr
    allowed = write_allowed_signers(root / "trust" / "allowed_signers", people)
    return Signed(txt, allowed, people)


def gonogo_verify(signed: Signed) -> int:
    """`gonogo verify RECORD --allowed-signers FILE`, in-process (the command's own code)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        return signing_main(["verify", str(signed.txt), "--allowed-signers", str(signed.allowed)])


def keygen_verify(signed: Signed, person: Person) -> int:
    document = signed.approval(person)
    with document.open("rb") as message:
        return subprocess.run(
            [
                "ssh-keygen", "-Y", "verify", "-f", str(signed.allowed), "-I", person.principal,
                "-n", NAMESPACE, "-s", f"{document}.sig",
            ],
            stdin=message,
            capture_output=True,
            check=False,
            timeout=30,
        ).returncode  # fmt: skip


@contextlib.contextmanager
def replaced(path: Path, data: bytes) -> Iterator[None]:
    original = path.read_bytes()
    path.write_bytes(data)
    try:
        yield
    finally:
        path.write_bytes(original)


def _structural(armour: bytes) -> set[int]:
    """The bytes where layout matters: the BEGIN and END lines, each line break and its
    neighbours, the last base64 line (padding, trailing bits); and every 8th byte."""
    begin = armour.index(b"\n")
    last = armour.rindex(b"\n", 0, armour.rindex(b"-----END"))
    previous = armour.rindex(b"\n", 0, last)
    breaks = {i + d for i, byte in enumerate(armour) if byte == 0x0A for d in (-1, 0, 1)}
    return {
        *range(0, begin + 2),
        *range(previous, len(armour)),
        *breaks,
        *range(0, len(armour), 8),
    } & set(range(len(armour)))


def sig_variants(armour: bytes) -> Iterator[tuple[str, bytes]]:
    """Every byte flipped (low bit); the structural bytes also replaced by a space, a line
    break and a `=`; then whole-file changes of the armour's layout."""
    structural = _structural(armour)
    for index, byte in enumerate(armour):
        news = [("flip", byte ^ 0x01)]
        if index in structural:
            news += [("space", 0x20), ("newline", 0x0A), ("pad", 0x3D)]
        for name, new in news:
            if new != byte:
                yield f"byte {index} {name}", armour[:index] + bytes([new]) + armour[index + 1 :]
    lines = armour.split(b"\n")
    body = b"".join(lines[1:-2])
    yield "CRLF line ends", armour.replace(b"\n", b"\r\n")
    yield "no final newline", armour.rstrip(b"\n")
    yield "trailing spaces after END", armour + b"   \n"
    yield "garbage after END", armour + b"anything at all\xff\n"
    yield "leading space", b" " + armour
    yield "blank line after BEGIN", armour.replace(b"-----\n", b"-----\n\n", 1)
    yield "one long base64 line", b"\n".join([lines[0], body, *lines[-2:]])
    yield (
        "wrapped at 64",
        b"\n".join([lines[0], *(body[i : i + 64] for i in range(0, len(body), 64)), *lines[-2:]]),
    )
    yield "padding removed", armour.replace(b"=", b"")
    yield "padding doubled", armour.replace(b"=\n-----END", b"==\n-----END")
    yield "padding then data", armour.replace(b"=\n-----END", b"=A\n-----END")
    yield "tab inside base64", armour.replace(lines[1], lines[1][:10] + b"\t" + lines[1][10:])
    yield "NUL before END", armour.replace(b"\n-----END", b"\n\x00-----END")
    yield "NUL inside base64", armour.replace(lines[1], lines[1][:10] + b"\x00" + lines[1][10:])


def test_every_byte_of_the_signature_armour(signed: Signed) -> None:
    person = signed.people[0]
    sig = Path(f"{signed.approval(person)}.sig")
    armour = sig.read_bytes()
    assert gonogo_verify(signed) == 0 and keygen_verify(signed, person) == 0
    disagreements, accepted, tried = [], [], 0
    for label, data in sig_variants(armour):
        tried += 1
        with replaced(sig, data):
            ours, theirs = gonogo_verify(signed), keygen_verify(signed, person)
        if (ours == 0) != (theirs == 0):
            disagreements.append((label, ours, theirs))
        elif ours == 0:
            accepted.append(label)
    assert disagreements == [], disagreements[:10]
    assert tried > len(armour)
    # Both skip whitespace inside the base64 and ignore what follows the END line.
    assert "garbage after END" in accepted and "tab inside base64" in accepted
    assert "padding removed" not in accepted and "CRLF line ends" not in accepted


def _positions(size: int) -> list[int]:
    step = max(1, size // SAMPLES_PER_FILE)
    return sorted({0, size - 1, *range(0, size, step)})


def _explained(signed: Signed) -> Callable[[], int]:
    """The auditor's `--explain` commands, printed from the untouched record, as a check."""
    script = "set -euo pipefail\n" + "\n".join(explain_commands(signed.txt, signed.allowed))

    def run() -> int:
        return subprocess.run(
            ["bash", "-c", script], capture_output=True, check=False, timeout=60
        ).returncode

    return run


def test_a_sample_of_bytes_of_every_other_record_file(signed: Signed) -> None:
    stem = signed.txt.name.removesuffix(".txt")
    folder = signed.txt.parent
    auditor = _explained(signed)
    assert auditor() == 0
    files = [
        signed.txt,
        signed.txt.with_suffix(".json"),
        folder / f"{stem}.statement.json",
        *(signed.approval(person) for person in signed.people),
        *(Path(f"{signed.approval(person)}.sig") for person in signed.people[1:]),
    ]
    disagreements = []
    for path in files:
        original = path.read_bytes()
        for index in _positions(len(original)):
            data = original[:index] + bytes([original[index] ^ 0x01]) + original[index + 1 :]
            with replaced(path, data):
                ours, theirs = gonogo_verify(signed), auditor()
            if (ours == 0) != (theirs == 0):
                disagreements.append((path.name, index, ours, theirs))
    assert disagreements == [], disagreements[:10]
