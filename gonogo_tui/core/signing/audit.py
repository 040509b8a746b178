"""Whole-folder ledger verification, and the plain shell commands an auditor can run instead."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path

from gonogo_tui.core.clock import parse_utc
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.records.layout import LEDGER_NAME, STATEMENT_SUFFIX, RecordPaths, locate_record
from gonogo_tui.core.signing._files import lexists, read_file
from gonogo_tui.core.signing.allowed_signers import format_ssh_time
from gonogo_tui.core.signing.approvals import NAMESPACE, parse_approval
from gonogo_tui.core.signing.ledger import Ledger, LedgerError, check_entries, read_ledger
from gonogo_tui.core.signing.outcome import Failure
from gonogo_tui.core.signing.statement import Statement, parse_statement


@dataclass(frozen=True)
class LedgerReport:
    """The outcome of `verify_ledger`."""

    directory: Path
    entries: int
    """How many sealed records the ledger holds."""
    head_sha256: str
    """SHA-256 of the last line: pin it elsewhere (CI log, git) to detect truncation."""
    failure: Failure | None
    """None intact; DECISION intact but not the one expected (`--expect-head`,
    `--min-entries`), as `gonogo verify`'s expectation mismatches; LEDGER broken."""
    reason: str
    """One line."""
    unsealed: tuple[str, ...] = ()
    """Records whose sealing was interrupted (statement written, no ledger line)."""


def _check_unsealed(directory: Path, ledger: Ledger, statement: Statement) -> str | None:
    """None if `statement` is a harmless leftover of an interrupted seal, else why not."""
    name = f"{statement.record_id}{STATEMENT_SUFFIX}"
    if RecordPaths(directory, statement.record_id).approval_signatures():
        return f"{name} has signed approvals but no ledger entry (entry deleted?)"
    count = len(ledger.entries)
    if statement.seq == count + 1 and statement.prev_sha256 == ledger.head_sha256:
        return None
    if statement.seq <= count:
        taken_by = ledger.entries[statement.seq - 1]
        if taken_by.prev_sha256 == statement.prev_sha256:
            return None
    return f"{name} was sealed as entry {statement.seq}, which the ledger lacks (entries deleted?)"


def verify_ledger(
    directory: Path, *, expect_head: str | None = None, min_entries: int | None = None
) -> LedgerReport:
    """Check an evidence folder's ledger chain and every statement it names.

    Catches edited, deleted, reordered or truncated entries (when a later record or a
    signed approval shows the gap) and statements that no longer match their entries.
    A statement whose sealing was interrupted is listed, not counted as a break.

    A chain cannot show that its last entries were cut off with their records; an anchor
    kept where the evidence writer cannot write can: `expect_head` (the head hash must be
    exactly this) and `min_entries` (at least this many entries). An intact ledger that
    misses either is exit 3.
    """
    try:
        ledger = read_ledger(directory / LEDGER_NAME)
    except LedgerError as exc:
        return LedgerReport(directory, 0, "", Failure.LEDGER, f"ledger broken: {exc}")
    head = ledger.head_sha256

    def broken(message: str) -> LedgerReport:
        return LedgerReport(
            directory, len(ledger.entries), head, Failure.LEDGER, f"ledger broken: {message}"
        )

    problem = check_entries(directory, ledger)
    if problem:
        return broken(problem)
    sealed = {entry.record_id for entry in ledger.entries}
    unsealed = []
    for path in sorted(directory.glob(f"*{STATEMENT_SUFFIX}")):
        record_id = path.name[: -len(STATEMENT_SUFFIX)]
        if record_id in sealed:
            continue
        try:
            statement = parse_statement(read_file(path), source=path.name)
        except (EvidenceError, OSError) as exc:
            return broken(f"{path.name}: {exc}")
        problem = _check_unsealed(directory, ledger, statement)
        if problem:
            return broken(problem)
        unsealed.append(record_id)
    note = f"; {len(unsealed)} unsealed (interrupted)" if unsealed else ""
    reason = f"ledger intact: {len(ledger.entries)} entries, head {head}{note}"
    mismatch = _anchor_mismatch(ledger, expect_head, min_entries)
    if mismatch:
        return LedgerReport(
            directory, len(ledger.entries), head, Failure.DECISION, mismatch, tuple(unsealed)
        )
    return LedgerReport(directory, len(ledger.entries), head, None, reason, tuple(unsealed))


def _anchor_mismatch(ledger: Ledger, expect_head: str | None, min_entries: int | None) -> str:
    """Why an intact ledger is not the anchored one ('' when it is)."""
    count, head = len(ledger.entries), ledger.head_sha256
    if min_entries is not None and count < min_entries:
        return (
            f"ledger has {count} entries, expected at least {min_entries}"
            " (its last entries were cut off?)"
        )
    if expect_head is None or head == expect_head:
        return ""
    where = next((e.seq for e in ledger.entries if e.sha256 == expect_head), None)
    if where is None:
        found = "is not in the ledger (entries cut off or rewritten?)"
    else:
        found = f"is entry {where}: {count - where} entries were sealed after it"
    shown = head or "empty"
    return f"ledger head is {shown} ({count} entries), expected {expect_head}; that {found}"


def explain_commands(record_path: Path, allowed_signers: Path) -> list[str]:
    """Shell lines (sha256sum, grep, ssh-keygen) that check a record without gonogo.

    Raises:
        EvidenceError: the record has no readable statement to explain.
    """
    paths = locate_record(record_path)
    try:
        statement = parse_statement(read_file(paths.statement), source=paths.statement.name)
    except OSError as exc:
        raise EvidenceError(f"{paths.statement.name}: cannot read ({exc.strerror})") from exc
    q = shlex.quote
    digests = " ".join(f"{digest} {q(name)}" for name, digest in statement.subjects)
    lines = [
        "# Check this record with sha256sum, grep and ssh-keygen only; every command must succeed.",
        f"cd {q(str(paths.directory))}",
        "# 1. The .txt and .json are the files the sealed statement names in its subject:",
        f"printf '%s  %s\\n' {digests} | sha256sum -c -",
        *_artifact_lines(paths),
        f"# 2. The statement's SHA-256 is {statement.sha256}; its ledger line names it:",
        f"printf '%s  %s\\n' {statement.sha256} {q(paths.statement.name)} | sha256sum -c -",
        f"grep -c -F {statement.sha256} {LEDGER_NAME}",
    ]
    if statement.seq > 1:
        lines += [
            f"# 3. Ledger line {statement.seq - 1} hashes to {statement.prev_sha256}"
            " (the statement's prev_sha256):",
            f"sed -n '{statement.seq - 1}p' {LEDGER_NAME} | tr -d '\\n' | sha256sum",
        ]
    verify_time = format_ssh_time(parse_utc(str(statement.predicate["decided_at"])))
    lines.append("# 4. Each approval names that statement and is signed by its principal:")
    for document in paths.approval_documents():
        signature = document.with_name(document.name + ".sig")
        if not lexists(signature):
            continue
        try:
            approval = parse_approval(read_file(document), source=document.name)
            signed_time = format_ssh_time(parse_utc(approval.signed_at))
        except (EvidenceError, OSError, ValueError):
            lines.append(f"# {document.name} is not a readable approval document")
            continue
        lines.append(f"grep -c -F {statement.sha256} {q(document.name)}")
        # The key must be trusted when the decision was taken and when it was signed.
        for moment in dict.fromkeys((verify_time, signed_time)):
            lines.append(
                f"ssh-keygen -Y verify -f {q(str(allowed_signers.resolve()))}"
                f" -I {q(approval.principal)} -n {NAMESPACE} -s {q(signature.name)}"
                f" -Overify-time={moment} < {q(document.name)}"
            )
    return lines


def _artifact_lines(paths: RecordPaths) -> list[str]:
    """The probe artifacts the (sealed) .json lists, checked the same way."""
    from gonogo_tui.core.records.layout import ARTIFACTS_SUFFIX

    try:
        artifacts = json.loads(read_file(paths.json)).get("artifacts") or {}
    except (OSError, ValueError, AttributeError):
        return []
    if not isinstance(artifacts, dict) or not artifacts:
        return []
    folder = f"{paths.stem}{ARTIFACTS_SUFFIX}"
    digests = " ".join(
        f"{digest} {shlex.quote(f'{folder}/{name}')}" for name, digest in sorted(artifacts.items())
    )
    return [
        '# 1b. The probe artifacts match the SHA-256 the .json lists under "artifacts":',
        f"printf '%s  %s\\n' {digests} | sha256sum -c -",
    ]
