"""Writing a planned record's files (each atomically, never over another) and sealing it."""

from __future__ import annotations

import contextlib
import glob
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from gonogo_tui.core import files
from gonogo_tui.core.clock import utc_now
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.records.layout import STATEMENT_SUFFIX, locate_record
from gonogo_tui.core.records.model import DecisionRecord, WrittenRecord
from gonogo_tui.core.records.plan import RecordPlan, plan_record


def write_record(
    record: DecisionRecord,
    evidence_dir: Path,
    *,
    now: Callable[[], datetime] = utc_now,
    seal: bool = True,
) -> WrittenRecord:
    """Write the record's files atomically, never overwriting one, then seal it.

    Sealing writes `<stem>.statement.json` (the bytes approvers sign) and appends the
    record to `ledger.jsonl`; see `gonogo_tui.core.signing.seal_record`. A crash part way
    leaves part of the record; the review (`records/finalize.py`) and `gonogo check`
    (`records/pending.py`) avoid that by saving the `plan_record` first (in the session
    journal, in a plan file) and completing it with `write_plan` after a crash.

    Raises:
        EvidenceError: the folder cannot be created or written, or sealing failed.
    """
    make_evidence_folder(evidence_dir)
    return write_plan(plan_record(record, evidence_dir), evidence_dir, now=now, seal=seal)


def write_plan(
    plan: RecordPlan,
    evidence_dir: Path,
    *,
    now: Callable[[], datetime] = utc_now,
    seal: bool = True,
    completing: bool = False,
) -> WrittenRecord:
    """Write a planned record's files in order, each atomically, then seal the record.

    With `completing`, finish a plan that a crash interrupted: a file already there with
    exactly the planned bytes is kept, a record already in the ledger is not sealed again
    (a statement without its ledger line is adopted by sealing), and the hidden temp files
    the crash left for these names are removed. A file with other bytes is never replaced.

    Raises:
        EvidenceError: a file cannot be written or its name is taken, or sealing failed.
    """
    make_evidence_folder(evidence_dir)
    if completing:
        _remove_temp_files(plan, evidence_dir)
    for name, text in plan.files:
        path = evidence_dir / name
        data = text.encode("utf-8")
        if completing and _holds(path, data):
            continue
        if path.parent != evidence_dir:
            _make_subfolders(evidence_dir, path.parent)
        write_new_file(path, data)
    txt_path, json_path = evidence_dir / plan.txt, evidence_dir / plan.json
    override_path = None if plan.override is None else evidence_dir / plan.override
    statement = None
    if seal:
        from gonogo_tui.core.signing.ledger import read_ledger
        from gonogo_tui.core.signing.seal import seal_record

        located = locate_record(txt_path)
        if completing and read_ledger(located.ledger).find(plan.stem) is not None:
            statement = located.statement
        else:
            extra = [override_path] if override_path is not None else []
            statement = seal_record(txt_path, json_path, now=now, extra_files=extra)
    return WrittenRecord(txt=txt_path, json=json_path, override=override_path, statement=statement)


def make_evidence_folder(evidence_dir: Path) -> None:
    """Create the evidence folder (and its parents) if needed.

    Raises:
        EvidenceError: a file or a symbolic link has its name, or it cannot be created.
    """
    files.make_folder(evidence_dir)


def _make_subfolders(evidence_dir: Path, folder: Path) -> None:
    """Create `folder` inside `evidence_dir` one level at a time, refusing a link planted
    at any level (a record's artifacts would otherwise be written where it points)."""
    current = evidence_dir
    for part in folder.relative_to(evidence_dir).parts:
        current = current / part
        files.make_folder(current)


def _holds(path: Path, data: bytes) -> bool:
    """Whether `path` exists holding exactly `data` (written before a crash)."""
    try:
        return files.read_file(path) == data
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise EvidenceError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _remove_temp_files(plan: RecordPlan, evidence_dir: Path) -> None:
    """Remove the hidden temp files (`.<name>.<random>.tmp`, see `core/files.py`) that a
    crash left while writing this record's files or its statement; only the writer of the
    record uses these names."""
    names = [name for name, _ in plan.files] + [f"{plan.stem}{STATEMENT_SUFFIX}"]
    for name in names:
        path = evidence_dir / name
        if not path.parent.is_dir() or path.parent.is_symlink():
            continue
        for temp in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()


def write_new_file(path: Path, content: bytes) -> Path:
    """Write `content` to a new file atomically (temp file, fsync, link); never overwrite.

    Raises:
        EvidenceError: the file exists already, or the write failed.
    """
    try:
        files.write_new_file(path, content)
    except FileExistsError:
        raise EvidenceError(f"{path}: exists already; evidence is never overwritten") from None
    except OSError as exc:
        raise EvidenceError(f"{path}: cannot write: {exc.strerror or exc}") from None
    return path
