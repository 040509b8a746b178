"""Where a decision record's files live: names, suffixes and the paths of one record.

A record is `<stem>.txt` and `<stem>.json`, an emergency override adds
`emergency_override_<stamp>.txt`, probe artifacts go to `<stem>_artifacts/<criterion>/<name>`.
Signing adds `<stem>.statement.json` (the sealed in-toto statement),
`<stem>.approval.<role>.<principal>.json` and its `.sig` (one per approver), and a line in
`ledger.jsonl` in the same folder. A record being written has a `pending_<stem>.json` plan.

This module imports nothing of gonogo but errors: the writer (`records.write`) and signing
(`core/signing/`) both depend on it, never on each other's layout.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from gonogo_tui.core.errors import EvidenceError

ARTIFACTS_SUFFIX = "_artifacts"
"""Probe artifacts go to `<record stem>_artifacts/<criterion id>/<name>`."""
PENDING_PREFIX = "pending_"
"""`pending_<stem>.json`: the plan of a record `gonogo check --record` is writing, or that a
crash interrupted (`records/pending.py`); it keeps the record's names taken."""
RECORDS_LOCK_NAME = ".records.lock"
"""Held (flock) by whoever writes or completes plan files in an evidence folder."""
STATEMENT_SUFFIX = ".statement.json"
APPROVAL_MARKER = ".approval."
LEDGER_NAME = "ledger.jsonl"
LEDGER_LOCK_NAME = ".ledger.lock"
_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9@._+-]")


def pending_plan_name(stem: str) -> str:
    """The name of the plan file of the record `stem`."""
    return f"{PENDING_PREFIX}{stem}.json"


@dataclass(frozen=True)
class RecordPaths:
    """The files of one decision record, all in one evidence folder."""

    directory: Path
    """The evidence folder."""
    stem: str
    """The record id, e.g. `go_decision_20261126_101500`."""

    @property
    def txt(self) -> Path:
        """The human-readable record."""
        return self.directory / f"{self.stem}.txt"

    @property
    def json(self) -> Path:
        """The machine-readable record."""
        return self.directory / f"{self.stem}.json"

    @property
    def statement(self) -> Path:
        """The sealed in-toto statement."""
        return self.directory / f"{self.stem}{STATEMENT_SUFFIX}"

    @property
    def ledger(self) -> Path:
        """The evidence folder's hash-chained ledger."""
        return self.directory / LEDGER_NAME

    def approval(self, role: str, principal: str) -> Path:
        """The approval document that `principal` signs as `role`.

        The principal is spelled in safe characters; when that changes it (non-ASCII or
        a long principal), a digest of the principal keeps two people apart (`张伟@x` and
        `李娜@x` are both `__@x` spelled safely).
        """
        return self.directory / approval_name(self.stem, role, principal)

    def approval_documents(self) -> list[Path]:
        """Every approval document present, signed or not, sorted by name."""
        return sorted(self.directory.glob(f"{_glob_escape(self.stem)}{APPROVAL_MARKER}*.json"))

    def approval_signatures(self) -> list[Path]:
        """Every approval signature present, sorted by name."""
        pattern = f"{_glob_escape(self.stem)}{APPROVAL_MARKER}*.json.sig"
        return sorted(self.directory.glob(pattern))


def approval_name(stem: str, role: str, principal: str) -> str:
    """The name of the approval document `principal` signs as `role` (`RecordPaths.approval`)."""
    slug = _UNSAFE_NAME_CHARS.sub("_", principal)[:80]
    if slug != principal:
        slug += "+" + hashlib.sha256(principal.encode("utf-8")).hexdigest()[:12]
    return f"{stem}{APPROVAL_MARKER}{role}.{slug}.json"


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def locate_record(path: Path) -> RecordPaths:
    """Find a record's files from any one of them (the .txt, the .json, the statement).

    Raises:
        EvidenceError: the name is not one of a record's files.
    """
    name = path.name
    if APPROVAL_MARKER in name:
        stem = name.split(APPROVAL_MARKER, 1)[0]
    elif name.endswith(STATEMENT_SUFFIX):
        stem = name[: -len(STATEMENT_SUFFIX)]
    elif name.endswith((".txt", ".json")):
        stem = path.stem
    else:
        raise EvidenceError(f"{path}: expected a record's .txt, .json or .statement.json file")
    if not stem:
        raise EvidenceError(f"{path}: not a record file name")
    return RecordPaths(path.parent.resolve(), stem)
