"""Seal a decision record: write its statement once, then chain it into the ledger.

Crash safety (kill -9 at any instant): the statement appears whole or not at all (synced
temp file, then a hard link that never replaces a file), and the ledger is replaced whole
the same way, after the statement. A record counts as sealed only once its ledger line
exists, so an interrupted seal leaves either nothing or a statement without a ledger line,
which `gonogo verify` reports as "not sealed". Sealing again completes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from gonogo_tui.core.clock import format_utc
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.records.layout import RecordPaths, locate_record
from gonogo_tui.core.signing._files import lexists, read_file, sha256_hex, write_new_file
from gonogo_tui.core.signing.ledger import (
    Ledger,
    LedgerError,
    append_entry,
    check_entries,
    ledger_line,
    ledger_lock,
    read_ledger,
)
from gonogo_tui.core.signing.record import parse_record_json
from gonogo_tui.core.signing.statement import (
    SAFE_NAME,
    Statement,
    build_statement,
    parse_statement,
    predicate_core,
)


def _read(path: Path) -> bytes:
    try:
        return read_file(path)
    except OSError as exc:
        raise EvidenceError(f"{path}: cannot read ({exc.strerror})") from exc


def _resume(
    paths: RecordPaths, ledger: Ledger, core: dict[str, object], digests: dict[str, str]
) -> Statement:
    """Adopt a statement left by an interrupted seal if it is exactly what we would seal."""
    refusal = f"{paths.statement.name} already exists"
    try:
        statement = parse_statement(_read(paths.statement), source=paths.statement.name)
    except EvidenceError as exc:
        raise EvidenceError(f"{refusal} and is invalid ({exc}); refusing to overwrite it") from exc
    resumable = (
        dict(statement.subjects) == digests
        and statement.core() == core
        and statement.seq == len(ledger.entries) + 1
        and statement.prev_sha256 == ledger.head_sha256
    )
    if not resumable:
        raise EvidenceError(
            f"{refusal} and does not match this record and ledger; refusing to overwrite it"
        )
    return statement


def seal_record(
    txt_path: Path,
    json_path: Path,
    *,
    now: Callable[[], datetime],
    extra_files: Sequence[Path] = (),
) -> Path:
    """Seal a record that `core/records/write.py` has just written.

    Builds the in-toto statement (SHA-256 of the .txt and .json, decision, policy digest,
    meeting approvals, section summary, ledger position), writes `<stem>.statement.json`
    once, then appends the ledger line. Holds the ledger lock throughout.

    Args:
        txt_path: The record's `.txt`.
        json_path: The record's `.json` (same folder and stem).
        now: The clock; must return an aware datetime.
        extra_files: Other files of the record in the same folder, sealed too (the
            `emergency_override_*.txt` of an override).

    Returns:
        The statement's path.

    Raises:
        EvidenceError: the files are unreadable or invalid, the record is already sealed,
            a different statement exists, or the ledger is broken.
    """
    paths = locate_record(txt_path)
    if txt_path.name != paths.txt.name or json_path.resolve() != paths.json:
        raise EvidenceError(f"{txt_path} and {json_path} are not one record's .txt and .json")
    extras = [Path(path) for path in extra_files]
    for extra in extras:
        if extra.resolve().parent != paths.directory or not SAFE_NAME.match(extra.name):
            raise EvidenceError(f"{extra}: extra record files must be in {paths.directory}")
    with ledger_lock(paths.directory):
        ledger = read_ledger(paths.ledger)
        problem = check_entries(paths.directory, ledger)
        if problem is not None:
            raise LedgerError(f"{paths.ledger.name} is broken, refusing to extend it: {problem}")
        sealed = ledger.find(paths.stem)
        if sealed is not None:
            raise EvidenceError(f"{paths.stem} is already sealed (ledger entry {sealed.seq})")
        txt_bytes = _read(paths.txt)
        json_bytes = _read(paths.json)
        raw, view = parse_record_json(json_bytes, source=paths.json.name)
        if view.record_id != paths.stem:
            raise EvidenceError(f"{paths.json.name}: record_id is {view.record_id!r}")
        core = predicate_core(raw, view)
        subjects = [(paths.txt.name, txt_bytes), (paths.json.name, json_bytes)]
        subjects += [(extra.name, _read(extra)) for extra in extras]
        digests = {name: sha256_hex(data) for name, data in subjects}
        if lexists(paths.statement):
            statement = _resume(paths, ledger, core, digests)
        else:
            data = build_statement(
                subjects=subjects,
                core=core,
                seq=len(ledger.entries) + 1,
                prev_sha256=ledger.head_sha256,
                sealed_at=format_utc(now()),
            )
            statement = parse_statement(data, source=paths.statement.name)
            try:
                write_new_file(paths.statement, data)
            except FileExistsError as exc:
                raise EvidenceError(f"{paths.statement.name} already exists") from exc
            except OSError as exc:
                raise EvidenceError(f"{paths.statement}: cannot write ({exc.strerror})") from exc
        try:
            append_entry(ledger, ledger_line(statement))
        except OSError as exc:
            raise EvidenceError(f"{paths.ledger}: cannot write ({exc.strerror})") from exc
    return paths.statement
