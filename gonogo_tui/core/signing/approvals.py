"""Approvals: what each approver signs, signing through ssh-keygen, and checking signatures.

An approver signs an *approval document*, not the record itself: a small in-toto
Statement (predicateType `https://gonogo.dev/approval/v1`) whose subject is the sealed
statement's SHA-256 and whose predicate names the record, its decision, the role, the
principal, the vote, the comment, the key's fingerprint and the time. Role, principal and
vote are therefore inside the signed bytes. The document is
`<stem>.approval.<role>.<principal>.json` and the signature, made with
`ssh-keygen -Y sign -n gonogo-decision`, is the same name plus `.sig`: an auditor checks
it with plain `ssh-keygen -Y verify`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from gonogo_tui.core.clock import format_utc, parse_utc
from gonogo_tui.core.errors import EvidenceError, SigningError
from gonogo_tui.core.poll import self_approval_in_record
from gonogo_tui.core.records.layout import RecordPaths, locate_record
from gonogo_tui.core.signing._files import (
    canonical_json,
    lexists,
    parse_json_strict,
    read_file,
    refuse_special,
    replace_file,
    sha256_hex,
    write_new_file,
)
from gonogo_tui.core.signing.keygen import (
    DEFAULT_TIMEOUT,
    KeySource,
    sign_message,
    sign_message_async,
)
from gonogo_tui.core.signing.ledger import ledger_lock, read_ledger
from gonogo_tui.core.signing.policy import SigningPolicy
from gonogo_tui.core.signing.sshkeys import SshPublicKey, read_public_key
from gonogo_tui.core.signing.sshsig import parse_signature, verify_signature
from gonogo_tui.core.signing.statement import HEX64, STATEMENT_TYPE, Statement, parse_statement

NAMESPACE = "gonogo-decision"
"""The OpenSSH signature namespace of every gonogo approval."""
APPROVAL_PREDICATE_TYPE = "https://gonogo.dev/approval/v1"
VOTES = ("approve", "reject")
ROLE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
PRINCIPAL = re.compile(r"^[^\s,\"*?!\x00-\x1f][^\s,\"*?\x00-\x1f]{0,255}$")
_PREDICATE_KEYS = (
    "record_id",
    "decision",
    "release",
    "role",
    "principal",
    "vote",
    "comment",
    "key_fingerprint",
    "signed_at",
    "namespace",
)


def build_approval(
    statement: Statement,
    *,
    statement_name: str,
    role: str,
    principal: str,
    vote: str,
    comment: str,
    key_fingerprint: str,
    signed_at: str,
) -> bytes:
    """The exact bytes an approver signs (canonical JSON plus a newline)."""
    document = {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": statement_name, "digest": {"sha256": statement.sha256}}],
        "predicateType": APPROVAL_PREDICATE_TYPE,
        "predicate": {
            "record_id": statement.record_id,
            "decision": statement.decision,
            "release": statement.predicate.get("release"),
            "role": role,
            "principal": principal,
            "vote": vote,
            "comment": comment,
            "key_fingerprint": key_fingerprint,
            "signed_at": signed_at,
            "namespace": NAMESPACE,
        },
    }
    return canonical_json(document) + b"\n"


@dataclass(frozen=True)
class ApprovalDocument:
    """A parsed approval document."""

    statement_sha256: str
    """The sealed statement it approves."""
    record_id: str
    decision: str
    role: str
    principal: str
    vote: str
    comment: str
    key_fingerprint: str
    signed_at: str


def parse_approval(raw: bytes, *, source: str) -> ApprovalDocument:
    """Parse an approval document.

    Raises:
        EvidenceError: it is not a canonical gonogo approval document.
    """
    try:
        data = parse_json_strict(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EvidenceError(f"{source}: not valid JSON ({exc})") from exc
    ok = isinstance(data, dict) and canonical_json(data) + b"\n" == raw
    ok = ok and data.get("_type") == STATEMENT_TYPE
    ok = ok and data.get("predicateType") == APPROVAL_PREDICATE_TYPE
    subjects = data.get("subject") if ok else None
    ok = ok and isinstance(subjects, list) and len(subjects) == 1
    predicate: Any = data.get("predicate") if ok else None
    ok = ok and isinstance(predicate, dict) and set(predicate) == set(_PREDICATE_KEYS)
    if not ok or not isinstance(subjects, list) or not isinstance(predicate, dict):
        raise EvidenceError(f"{source}: not a gonogo approval document")
    digest = subjects[0].get("digest", {}) if isinstance(subjects[0], dict) else {}
    statement_sha256 = digest.get("sha256") if isinstance(digest, dict) else None
    text_fields = [k for k in _PREDICATE_KEYS if k != "release"]
    if (
        not isinstance(statement_sha256, str)
        or not HEX64.match(statement_sha256)
        or not all(isinstance(predicate[k], str) for k in text_fields)
        or predicate["vote"] not in VOTES
        or predicate["namespace"] != NAMESPACE
    ):
        raise EvidenceError(f"{source}: malformed approval document")
    try:
        parse_utc(predicate["signed_at"])
    except ValueError as exc:
        raise EvidenceError(f"{source}: signed_at: {exc}") from exc
    return ApprovalDocument(
        statement_sha256,
        predicate["record_id"],
        predicate["decision"],
        predicate["role"],
        predicate["principal"],
        predicate["vote"],
        predicate["comment"],
        predicate["key_fingerprint"],
        predicate["signed_at"],
    )


def load_sealed_statement(paths: RecordPaths) -> Statement:
    """The record's statement, provided the ledger holds its line.

    Raises:
        SigningError: the record is not sealed.
        EvidenceError: the statement or the ledger is broken.
    """
    try:
        raw = read_file(paths.statement)
    except FileNotFoundError as exc:
        if not lexists(paths.txt) and not lexists(paths.json):
            raise SigningError(f"{paths.txt}: no such record") from exc
        raise SigningError(
            f"{paths.stem} is not sealed: {paths.statement.name} is missing"
        ) from exc
    except OSError as exc:
        raise EvidenceError(f"{paths.statement}: cannot read ({exc.strerror})") from exc
    statement = parse_statement(raw, source=paths.statement.name)
    entry = read_ledger(paths.ledger).find(paths.stem)
    if entry is None or entry.statement_sha256 != statement.sha256:
        raise SigningError(f"{paths.stem} is not sealed: no matching line in {paths.ledger.name}")
    return statement


def _refuse_altered(paths: RecordPaths, statement: Statement) -> None:
    """An approver never signs a record whose files no longer match its sealed statement:
    the approval would name the sealed bytes, not the ones the approver was shown.

    Raises:
        SigningError: a file the statement seals is missing or was changed.
    """
    for name, digest in statement.subjects:
        try:
            data = read_file(paths.directory / name)
        except OSError as exc:
            raise SigningError(f"refusing to sign: {name}: cannot read ({exc.strerror})") from exc
        if sha256_hex(data) != digest:
            raise SigningError(
                f"refusing to sign: {name} was altered after it was sealed"
                " (`gonogo verify` shows what changed)"
            )


@dataclass(frozen=True)
class PreparedApproval:
    """An approval document ready for its signature."""

    document_path: Path
    signature_path: Path
    document: bytes
    """The exact bytes to sign."""
    key: SshPublicKey
    """The public key that is expected to sign."""


def prepare_approval(
    record_path: Path,
    *,
    role: str,
    principal: str,
    key_path: KeySource,
    vote: str,
    comment: str,
    now: Callable[[], datetime],
) -> PreparedApproval:
    """Check the request and build the approval document for `sign_record`.

    Raises:
        SigningError: bad role, principal or vote, record not sealed, already signed,
            or the key's public half cannot be read.
    """
    if vote not in VOTES:
        raise SigningError(f"vote must be approve or reject, not {vote!r}")
    if not ROLE_ID.match(role):
        raise SigningError(f"{role!r} is not a role id (e.g. cto, devops-lead)")
    if not PRINCIPAL.match(principal):
        raise SigningError(f"{principal!r} is not a usable principal (e.g. an email address)")
    paths = locate_record(record_path)
    statement = load_sealed_statement(paths)
    _refuse_altered(paths, statement)
    if vote == "approve":
        refusal = self_approval_in_record(read_file(paths.json), principal, role)
        if refusal is not None:
            raise SigningError(f"not signed: {refusal}")
    roles = SigningPolicy.from_mapping(statement.predicate["approval_policy"]).roles
    if role not in roles:
        raise SigningError(
            f"{role} is not a role in this record's policy ({', '.join(sorted(roles))})"
        )
    document_path = paths.approval(role, principal)
    signature_path = document_path.with_name(document_path.name + ".sig")
    refuse_special(signature_path)
    if signature_path.exists():
        raise SigningError(f"{principal} has already signed {paths.stem} as {role}")
    key = key_path if isinstance(key_path, SshPublicKey) else read_public_key(key_path)
    document = build_approval(
        statement,
        statement_name=paths.statement.name,
        role=role,
        principal=principal,
        vote=vote,
        comment=comment,
        key_fingerprint=key.fingerprint,
        signed_at=format_utc(now()),
    )
    return PreparedApproval(document_path, signature_path, document, key)


def store_approval(prepared: PreparedApproval, signature: bytes) -> Path:
    """Check the signature ssh-keygen made, then write the document and its signature.

    The document is written first and the signature last, each whole and never replacing
    a signed approval; an unsigned document left by a crash carries no weight and is
    replaced.

    Returns:
        The signature file.

    Raises:
        SigningError: the signature is not over the document, or was made by another key.
        EvidenceError: the files cannot be written.
    """
    parsed = parse_signature(signature)
    signer = verify_signature(parsed, prepared.document, NAMESPACE)
    if signer != prepared.key:
        raise SigningError(
            f"ssh-keygen signed with {signer.fingerprint},"
            f" not the expected {prepared.key.fingerprint}"
        )
    directory = prepared.document_path.parent
    try:
        with ledger_lock(directory):
            if lexists(prepared.signature_path):
                raise SigningError(f"{prepared.signature_path.name} already exists")
            # Any unsigned document there (or a link planted at its name) is replaced.
            if lexists(prepared.document_path):
                replace_file(prepared.document_path, prepared.document)
            else:
                write_new_file(prepared.document_path, prepared.document)
            write_new_file(prepared.signature_path, signature)
    except OSError as exc:
        raise EvidenceError(f"{prepared.signature_path}: cannot write ({exc.strerror})") from exc
    return prepared.signature_path


def sign_record(
    record_path: Path,
    *,
    role: str,
    principal: str,
    key_path: KeySource,
    vote: str = "approve",
    comment: str = "",
    now: Callable[[], datetime],
    timeout: float | None = DEFAULT_TIMEOUT,
    interactive: bool = False,
) -> Path:
    """Sign a sealed record as `principal` in `role`, through ssh-keygen.

    Args:
        record_path: Any file of the record (.txt, .json or statement).
        role: A role id of the record's policy, e.g. `cto`.
        principal: The signer's identity as in allowed_signers, e.g. an email address.
        key_path: A private key, a public key file whose private half is in ssh-agent or
            on a security key, or an agent key from `list_agent_keys()`.
        vote: `approve` or `reject`.
        comment: Free text, signed too.
        now: The clock.
        timeout: Seconds to wait for ssh-keygen (e.g. for a security key touch).
        interactive: Let ssh-keygen prompt on the terminal (the CLI; never the TUI).

    Returns:
        The new signature file (`<stem>.approval.<role>.<principal>.json.sig`).

    Raises:
        SigningError: the request is invalid, the record is not sealed, or signing fails.
        EvidenceError: the files cannot be written.
    """
    prepared = prepare_approval(
        record_path,
        role=role,
        principal=principal,
        key_path=key_path,
        vote=vote,
        comment=comment,
        now=now,
    )
    signature = sign_message(
        prepared.document, key_path, namespace=NAMESPACE, timeout=timeout, interactive=interactive
    )
    return store_approval(prepared, signature)


async def sign_record_async(
    record_path: Path,
    *,
    role: str,
    principal: str,
    key_path: KeySource,
    vote: str = "approve",
    comment: str = "",
    now: Callable[[], datetime],
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Path:
    """`sign_record` for an async worker: cancellable, never touches the terminal.

    Raises:
        SigningError: the request is invalid, the record is not sealed, or signing fails.
        EvidenceError: the files cannot be written.
    """
    prepared = prepare_approval(
        record_path,
        role=role,
        principal=principal,
        key_path=key_path,
        vote=vote,
        comment=comment,
        now=now,
    )
    signature = await sign_message_async(
        prepared.document, key_path, namespace=NAMESPACE, timeout=timeout
    )
    return store_approval(prepared, signature)
