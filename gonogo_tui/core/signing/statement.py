"""The sealed statement: an in-toto Statement v1 naming a record's files by SHA-256.

It is built once, written as canonical JSON bytes (sorted keys, no whitespace, UTF-8,
one trailing newline) and never re-serialised: its SHA-256 is what approvers sign and
what the ledger chains.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gonogo_tui import __version__
from gonogo_tui.core.clock import parse_utc
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.signing._files import canonical_json, parse_json_strict, sha256_hex
from gonogo_tui.core.signing.policy import SigningPolicy
from gonogo_tui.core.signing.record import RecordJson

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
DECISION_PREDICATE_TYPE = "https://gonogo.dev/decision/v1"
HEX64 = re.compile(r"^[0-9a-f]{64}$")
SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+@-]*$")
"""A subject is a plain file name in the evidence folder, never a path."""
GENESIS_SHA256 = "0" * 64
"""`prev_sha256` of the first ledger entry."""

_CORE_KEYS = (
    "record_id",
    "decision",
    "policy_decision",
    "mode",
    "release",
    "decided_at",
    "operator",
    "checklist",
    "policy_sha256",
    "approval_policy",
    "approvals",
    "override",
    "sections",
    "record_tool_version",
)


def predicate_core(raw: Mapping[str, Any], view: RecordJson) -> dict[str, Any]:
    """The part of the predicate that is derived from the record's JSON alone.

    Raises:
        EvidenceError: the record's approval policy is malformed.
    """
    policy = raw["policy"]
    try:
        approval_policy = SigningPolicy.from_mapping(policy.get("approvals"))
    except ValueError as exc:
        raise EvidenceError(f"{view.record_id}.json: policy.approvals: {exc}") from exc
    return {
        "record_id": view.record_id,
        "decision": view.decision,
        "policy_decision": view.policy_decision,
        "mode": view.mode,
        "release": view.release,
        "decided_at": view.decided_at,
        "operator": view.operator,
        "checklist": raw["checklist"],
        "policy_sha256": sha256_hex(canonical_json(policy)),
        "approval_policy": approval_policy.to_json(),
        "approvals": raw["approvals"],
        "override": raw["override"],
        "sections": {
            "go": view.sections_go,
            "total": view.sections_total,
            "no_go": [section.id for section in view.sections if section.status == "NO-GO"],
        },
        "record_tool_version": view.tool_version,
    }


def build_statement(
    *,
    subjects: Sequence[tuple[str, bytes]],
    core: Mapping[str, Any],
    seq: int,
    prev_sha256: str,
    sealed_at: str,
) -> bytes:
    """Build the statement's exact bytes.

    Args:
        subjects: (file name, bytes) of the record's .txt, its .json, and any other file
            of the record (an emergency override's text), all in the evidence folder.
        core: `predicate_core(...)` of the record.
        seq: The ledger sequence number this record will take.
        prev_sha256: SHA-256 of the ledger's previous line (GENESIS_SHA256 for the first).
        sealed_at: When it is sealed (`YYYY-MM-DDTHH:MM:SSZ`).
    """
    statement = {
        "_type": STATEMENT_TYPE,
        "subject": [
            {"name": name, "digest": {"sha256": sha256_hex(data)}} for name, data in subjects
        ],
        "predicateType": DECISION_PREDICATE_TYPE,
        "predicate": {
            **core,
            "ledger": {"seq": seq, "prev_sha256": prev_sha256},
            "sealed_at": sealed_at,
            "tool": {"name": "gonogo", "version": __version__},
        },
    }
    return canonical_json(statement) + b"\n"


@dataclass(frozen=True)
class Statement:
    """A parsed statement, holding the exact bytes it was parsed from."""

    raw: bytes
    """The file's bytes."""
    sha256: str
    """SHA-256 of `raw`."""
    subjects: tuple[tuple[str, str], ...]
    """(file name, sha256) of each file the statement seals: the .txt, the .json, extras."""
    predicate: Mapping[str, Any]
    """The decision predicate."""

    @property
    def record_id(self) -> str:
        """The record this statement seals."""
        return str(self.predicate["record_id"])

    @property
    def decision(self) -> str:
        """`GO` or `NO-GO`."""
        return str(self.predicate["decision"])

    @property
    def seq(self) -> int:
        """Its ledger sequence number."""
        return int(self.predicate["ledger"]["seq"])

    @property
    def prev_sha256(self) -> str:
        """The previous ledger line's SHA-256."""
        return str(self.predicate["ledger"]["prev_sha256"])

    @property
    def sealed_at(self) -> str:
        """When it was sealed."""
        return str(self.predicate["sealed_at"])

    def core(self) -> dict[str, Any]:
        """The predicate's record-derived part, comparable with `predicate_core`."""
        return {key: self.predicate.get(key) for key in _CORE_KEYS}


def _is_time(value: object) -> bool:
    try:
        return isinstance(value, str) and parse_utc(value) is not None
    except ValueError:
        return False


def _expect(condition: bool, source: str, message: str) -> None:
    if not condition:
        raise EvidenceError(f"{source}: {message}")


def parse_statement(raw: bytes, *, source: str) -> Statement:
    """Parse and validate a statement's bytes.

    Raises:
        EvidenceError: the bytes are not a canonical gonogo decision statement.
    """
    try:
        data = parse_json_strict(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EvidenceError(f"{source}: not valid JSON ({exc})") from exc
    _expect(isinstance(data, dict), source, "not a JSON object")
    _expect(canonical_json(data) + b"\n" == raw, source, "not in canonical form")
    _expect(data.get("_type") == STATEMENT_TYPE, source, "not an in-toto Statement v1")
    _expect(data.get("predicateType") == DECISION_PREDICATE_TYPE, source, "wrong predicateType")
    subjects = data.get("subject")
    _expect(isinstance(subjects, list) and len(subjects) >= 2, source, "expected subjects")
    pairs = []
    for subject in subjects:
        ok = isinstance(subject, dict) and isinstance(subject.get("name"), str)
        digest = subject.get("digest") if ok else None
        ok = (
            ok
            and isinstance(digest, dict)
            and HEX64.match(str(digest.get("sha256", ""))) is not None
        )
        _expect(ok, source, "malformed subject")
        pairs.append((subject["name"], subject["digest"]["sha256"]))
    predicate = data.get("predicate")
    _expect(isinstance(predicate, dict), source, "missing predicate")
    missing = [key for key in (*_CORE_KEYS, "ledger", "sealed_at") if key not in predicate]
    _expect(not missing, source, f"predicate lacks {', '.join(missing)}")
    ledger = predicate["ledger"]
    _expect(
        isinstance(ledger, dict)
        and type(ledger.get("seq")) is int
        and ledger["seq"] >= 1
        and HEX64.match(str(ledger.get("prev_sha256", ""))) is not None,
        source,
        "malformed ledger position",
    )
    record_id = predicate["record_id"]
    _expect(isinstance(record_id, str) and bool(record_id), source, "malformed record_id")
    names = [name for name, _ in pairs]
    _expect(
        names[:2] == [f"{record_id}.txt", f"{record_id}.json"]
        and len(set(names)) == len(names)
        and all(SAFE_NAME.match(name) for name in names),
        source,
        "subjects are not its record's files",
    )
    _expect(predicate["decision"] in ("GO", "NO-GO"), source, "malformed decision")
    _expect(
        predicate["policy_decision"] in ("GO", "REVIEW", "NO-GO")
        and predicate["mode"] in ("normal", "review", "emergency"),
        source,
        "malformed policy decision or mode",
    )
    _expect(
        _is_time(predicate["decided_at"]) and _is_time(predicate["sealed_at"]), source, "bad time"
    )
    _expect(
        predicate["override"] is None or isinstance(predicate["override"], dict),
        source,
        "bad override",
    )
    try:
        SigningPolicy.from_mapping(predicate["approval_policy"])
    except ValueError as exc:
        raise EvidenceError(f"{source}: approval_policy: {exc}") from exc
    approvals = predicate["approvals"]
    _expect(
        isinstance(approvals, list)
        and all(
            isinstance(a, dict)
            and all(isinstance(a.get(k), str) for k in ("role", "principal", "vote"))
            for a in approvals
        ),
        source,
        "malformed approvals",
    )
    return Statement(raw, sha256_hex(raw), tuple(pairs), predicate)
