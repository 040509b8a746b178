"""The evidence folder's ledger: `ledger.jsonl`, one canonical JSON line per sealed record.

Each line is `{decision, prev_sha256, record_id, recorded_at, seq, signers,
statement_sha256}`; `prev_sha256` is the SHA-256 of the previous line's bytes (without its
newline), and the first line's is 64 zeros. Every field of a line can be recomputed from
its record's statement, and the statement (which approvers sign) holds `seq` and
`prev_sha256`, so an edited, deleted or reordered line breaks the chain or disagrees with
a signed statement. The file is only ever replaced whole (temp file, fsync, rename) under
a lock, so a reader never sees half a line.
"""

from __future__ import annotations

import contextlib
import glob
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.files import exclusive_lock
from gonogo_tui.core.records.layout import LEDGER_LOCK_NAME, STATEMENT_SUFFIX
from gonogo_tui.core.signing._files import (
    canonical_json,
    parse_json_strict,
    read_file,
    replace_file,
    sha256_hex,
)
from gonogo_tui.core.signing.statement import GENESIS_SHA256, HEX64, Statement, parse_statement

ENTRY_KEYS = frozenset(
    {"seq", "prev_sha256", "recorded_at", "record_id", "decision", "statement_sha256", "signers"}
)


class LedgerError(EvidenceError):
    """The ledger's chain is broken (exit code 4 in `gonogo verify`)."""

    title = "Ledger broken"


@dataclass(frozen=True)
class LedgerEntry:
    """One ledger line."""

    line: bytes
    """The exact line bytes, without the newline."""
    fields: Mapping[str, Any]
    """The parsed line."""

    @property
    def seq(self) -> int:
        """1-based position."""
        return int(self.fields["seq"])

    @property
    def record_id(self) -> str:
        """The record it seals."""
        return str(self.fields["record_id"])

    @property
    def prev_sha256(self) -> str:
        """The previous line's SHA-256."""
        return str(self.fields["prev_sha256"])

    @property
    def statement_sha256(self) -> str:
        """The SHA-256 of the record's statement file."""
        return str(self.fields["statement_sha256"])

    @property
    def sha256(self) -> str:
        """This line's SHA-256, which the next line's `prev_sha256` repeats."""
        return sha256_hex(self.line)


@dataclass(frozen=True)
class Ledger:
    """A ledger whose chain has been checked."""

    path: Path
    entries: tuple[LedgerEntry, ...]

    @property
    def head_sha256(self) -> str:
        """The hash the next entry must name as `prev_sha256`."""
        return self.entries[-1].sha256 if self.entries else GENESIS_SHA256

    def find(self, record_id: str) -> LedgerEntry | None:
        """The entry sealing `record_id`, if any."""
        for entry in self.entries:
            if entry.record_id == record_id:
                return entry
        return None


def ledger_line(statement: Statement) -> bytes:
    """The one ledger line that belongs to `statement` (no newline)."""
    signers = [
        {"role": a["role"], "principal": a["principal"], "vote": a["vote"]}
        for a in statement.predicate["approvals"]
    ]
    return canonical_json(
        {
            "seq": statement.seq,
            "prev_sha256": statement.prev_sha256,
            "recorded_at": statement.sealed_at,
            "record_id": statement.record_id,
            "decision": statement.decision,
            "statement_sha256": statement.sha256,
            "signers": signers,
        }
    )


def _parse_line(path: Path, number: int, line: bytes) -> LedgerEntry:
    where = f"{path.name} line {number}"
    try:
        fields = parse_json_strict(line)
    except (ValueError, UnicodeDecodeError) as exc:
        raise LedgerError(f"{where}: not valid JSON ({exc})") from exc
    if not isinstance(fields, dict) or set(fields) != ENTRY_KEYS:
        raise LedgerError(f"{where}: not a ledger entry")
    if canonical_json(fields) != line:
        raise LedgerError(f"{where}: not in canonical form (edited?)")
    if not isinstance(fields["seq"], int) or not isinstance(fields["record_id"], str):
        raise LedgerError(f"{where}: malformed entry")
    for key in ("prev_sha256", "statement_sha256"):
        if not isinstance(fields[key], str) or not HEX64.match(fields[key]):
            raise LedgerError(f"{where}: malformed {key}")
    return LedgerEntry(line, fields)


def read_ledger(path: Path) -> Ledger:
    """Read `ledger.jsonl` and check its chain (a missing file is an empty ledger).

    Raises:
        LedgerError: a line is malformed, out of sequence, or does not chain to the one before.
    """
    try:
        data = read_file(path)
    except FileNotFoundError:
        return Ledger(path, ())
    except OSError as exc:
        raise LedgerError(f"{path}: cannot read ledger ({exc.strerror})") from exc
    if data and not data.endswith(b"\n"):
        raise LedgerError(f"{path.name}: last line is incomplete")
    entries: list[LedgerEntry] = []
    seen: set[str] = set()
    prev = GENESIS_SHA256
    for number, line in enumerate(data.splitlines(), start=1):
        entry = _parse_line(path, number, line)
        where = f"{path.name} line {number}"
        if entry.seq != number:
            raise LedgerError(
                f"{where}: seq is {entry.seq}, expected {number} (reordered or deleted)"
            )
        if entry.prev_sha256 != prev:
            raise LedgerError(
                f"{where}: prev_sha256 does not match line {number - 1}"
                " (entry edited, deleted or reordered)"
            )
        if entry.record_id in seen:
            raise LedgerError(f"{where}: {entry.record_id} is sealed twice")
        seen.add(entry.record_id)
        entries.append(entry)
        prev = entry.sha256
    return Ledger(path, tuple(entries))


def check_entries(directory: Path, ledger: Ledger) -> str | None:
    """Why some entry does not match its record's statement file, or None if all match."""
    for entry in ledger.entries:
        statement_path = directory / f"{entry.record_id}{STATEMENT_SUFFIX}"
        try:
            raw = read_file(statement_path)
        except OSError:
            return f"entry {entry.seq}: {statement_path.name} is missing (record deleted?)"
        if sha256_hex(raw) != entry.statement_sha256:
            return f"entry {entry.seq}: {statement_path.name} does not match its sealed hash"
        try:
            statement = parse_statement(raw, source=statement_path.name)
        except EvidenceError as exc:
            return f"entry {entry.seq}: {exc}"
        if ledger_line(statement) != entry.line:
            return f"entry {entry.seq} does not match {statement_path.name} (entry edited?)"
    return None


def ledger_lock(directory: Path) -> contextlib.AbstractContextManager[None]:
    """Hold the evidence folder's ledger lock (an flock on `.ledger.lock`).

    Raises:
        EvidenceError: the lock file cannot be opened.
    """
    return exclusive_lock(directory / LEDGER_LOCK_NAME, what="the ledger")


def append_entry(ledger: Ledger, line: bytes) -> None:
    """Append `line` to a ledger read under the lock, replacing the file atomically.

    Raises:
        LedgerError: the file changed since it was read.
        OSError: the file cannot be written.
    """
    try:
        current = read_file(ledger.path)
    except FileNotFoundError:
        current = b""
    expected = b"".join(entry.line + b"\n" for entry in ledger.entries)
    if current != expected:
        raise LedgerError(f"{ledger.path.name} changed while sealing; try again")
    # Under the lock no other replace is running: a temp file of the ledger is what a
    # kill -9 in the middle of an earlier one left behind.
    for temp in ledger.path.parent.glob(f".{glob.escape(ledger.path.name)}.*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    replace_file(ledger.path, current + line + b"\n")
