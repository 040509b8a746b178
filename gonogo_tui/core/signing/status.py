"""Checking the approvals next to a record, and the approval status the TUI shows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gonogo_tui.core.clock import parse_utc
from gonogo_tui.core.errors import EvidenceError, SigningError
from gonogo_tui.core.records.layout import RecordPaths, locate_record
from gonogo_tui.core.signing._files import lexists, read_file
from gonogo_tui.core.signing.allowed_signers import AllowedSigners, load_allowed_signers
from gonogo_tui.core.signing.approvals import (
    NAMESPACE,
    ApprovalDocument,
    load_sealed_statement,
    parse_approval,
)
from gonogo_tui.core.signing.outcome import Failure
from gonogo_tui.core.signing.policy import (
    PolicyOutcome,
    SigningPolicy,
    Vote,
    evaluate_approvals,
    find_conflicts,
)
from gonogo_tui.core.signing.sshsig import parse_signature, verify_signature
from gonogo_tui.core.signing.statement import Statement


@dataclass(frozen=True)
class CheckedApproval:
    """One approval found next to a record, and what checking it showed."""

    document: Path
    signature: Path | None
    """None when the document has no signature (it then counts for nothing)."""
    approval: ApprovalDocument | None
    """The parsed document, when it could be parsed."""
    key_fingerprint: str | None
    """The key that actually signed, when the signature could be read."""
    failure: Failure | None
    """None fine, INTEGRITY a bad signature, another record or an untrusted key."""
    problem: str | None
    """One line, when there is something to say."""
    counted: bool
    """Whether this signed vote counts towards the policy."""

    @property
    def vote(self) -> Vote | None:
        """The signed vote, if this approval counts."""
        if not self.counted or self.approval is None:
            return None
        return Vote(
            self.approval.role, self.approval.principal, self.approval.vote, self.key_fingerprint
        )


def _check_one(
    document: Path,
    paths: RecordPaths,
    statement: Statement,
    allowed: AllowedSigners | None,
) -> CheckedApproval:
    signature_path = document.with_name(document.name + ".sig")
    name = document.name
    if not lexists(signature_path):
        return CheckedApproval(
            document, None, None, None, None, f"{name}: not signed, ignored", False
        )

    def fail(
        message: str, approval: ApprovalDocument | None = None, fp: str | None = None
    ) -> CheckedApproval:
        return CheckedApproval(
            document, signature_path, approval, fp, Failure.INTEGRITY, f"{name}: {message}", False
        )

    try:
        raw = read_file(document)
        parsed = parse_signature(read_file(signature_path))
        key = verify_signature(parsed, raw, NAMESPACE)
    except OSError as exc:
        return fail(f"cannot read ({exc.strerror})")
    except SigningError as exc:
        return fail(f"signature invalid: {exc}")
    try:
        approval = parse_approval(raw, source=name)
    except EvidenceError as exc:
        return fail(str(exc), fp=key.fingerprint)
    if approval.statement_sha256 != statement.sha256 or approval.record_id != paths.stem:
        return fail(f"signs record {approval.record_id}, not this sealed record", approval)
    if approval.decision != statement.decision:
        return fail(
            f"approves {approval.decision}, but the record is {statement.decision}", approval
        )
    if approval.key_fingerprint != key.fingerprint:
        return fail(f"signed by {key.fingerprint}, not by {approval.key_fingerprint}", approval)
    if allowed is not None:
        times = [parse_utc(str(statement.predicate["decided_at"])), parse_utc(approval.signed_at)]
        try:
            allowed.check(key, approval.principal, NAMESPACE, times)
        except SigningError as exc:
            return fail(f"not trusted: {exc}", approval, key.fingerprint)
    return CheckedApproval(document, signature_path, approval, key.fingerprint, None, None, True)


def check_approvals(
    paths: RecordPaths, statement: Statement, allowed: AllowedSigners | None
) -> list[CheckedApproval]:
    """Check every approval next to a record.

    Args:
        paths: The record's files.
        statement: Its sealed statement.
        allowed: The trust root; None checks signatures and binding but not who signed.

    Returns:
        One result per approval document, plus one per signature without a document.
    """
    results = [_check_one(doc, paths, statement, allowed) for doc in paths.approval_documents()]
    documents = {doc.name for doc in paths.approval_documents()}
    for signature in paths.approval_signatures():
        if signature.name.removesuffix(".sig") not in documents:
            results.append(
                CheckedApproval(
                    signature.with_name(signature.name.removesuffix(".sig")),
                    signature,
                    None,
                    None,
                    Failure.INTEGRITY,
                    f"{signature.name}: signature without its approval document",
                    False,
                )
            )
    return results


def recorded_votes(statement: Statement) -> list[Vote]:
    """The votes the meeting wrote into the record (they count only as rejections)."""
    return [
        Vote(str(a["role"]), str(a["principal"]), str(a["vote"]))
        for a in statement.predicate["approvals"]
    ]


def evaluate_statement(
    statement: Statement, approvals: list[CheckedApproval], policy: SigningPolicy | None = None
) -> PolicyOutcome:
    """Apply the approval rules to a sealed statement and its checked approvals."""
    predicate = statement.predicate
    override = predicate.get("override")
    return evaluate_approvals(
        policy or SigningPolicy.from_mapping(predicate["approval_policy"]),
        decision=str(predicate["decision"]),
        policy_decision=str(predicate["policy_decision"]),
        mode=str(predicate["mode"]),
        override=override if isinstance(override, dict) else None,
        signed=[a.vote for a in approvals if a.vote is not None],
        recorded=recorded_votes(statement),
    )


@dataclass(frozen=True)
class ApprovalStatus:
    """Which approvals a record has and which it still needs (for the finalize screen)."""

    record_id: str
    decision: str
    outcome: PolicyOutcome
    """The policy verdict; `outcome.requirements` lists each role and who approved."""
    approvals: tuple[CheckedApproval, ...]
    """Every approval found, with its problem if any."""
    trusted: bool
    """Whether signers were checked against an allowed_signers file."""

    @property
    def satisfied(self) -> bool:
        """Whether the approvals present meet the rule and none is broken."""
        return self.outcome.satisfied and not self.problems

    @property
    def missing(self) -> tuple[str, ...]:
        """Still needed, e.g. (`devops-lead`, `1 more senior-engineer`)."""
        return self.outcome.missing

    @property
    def problems(self) -> tuple[str, ...]:
        """One line per approval that is broken or untrusted."""
        return tuple(a.problem for a in self.approvals if a.failure is not None and a.problem)

    def conflict_with(self, role: str, principal: str) -> str | None:
        """What `gonogo verify` would refuse if `principal` now signed as `role`: one person
        in two roles (e.g. `carol@example.com signs as both cto and devops-lead`), or None."""
        votes = [a.vote for a in self.approvals if a.vote is not None]
        before = set(find_conflicts(votes))
        after = find_conflicts([*votes, Vote(role, principal, "approve")])
        return next((conflict for conflict in after if conflict not in before), None)


def approval_status(
    record_path: Path, allowed_signers: Path | AllowedSigners | None = None
) -> ApprovalStatus:
    """Tell which required approvals a sealed record has and which are missing.

    Args:
        record_path: Any file of the record.
        allowed_signers: The trust root, or None to check signatures without checking
            who may sign (fine for showing progress, never for a verdict).

    Raises:
        SigningError: the record is not sealed, or allowed_signers is unreadable or
            inside the evidence folder.
        EvidenceError: the statement or the ledger is broken.
    """
    paths = locate_record(record_path)
    if isinstance(allowed_signers, Path) and allowed_signers.resolve().is_relative_to(
        paths.directory
    ):
        raise SigningError(f"refusing {allowed_signers}: it is inside the evidence folder")
    statement = load_sealed_statement(paths)
    allowed = (
        load_allowed_signers(allowed_signers)
        if isinstance(allowed_signers, Path)
        else allowed_signers
    )
    approvals = check_approvals(paths, statement, allowed)
    return ApprovalStatus(
        paths.stem,
        statement.decision,
        evaluate_statement(statement, approvals),
        tuple(approvals),
        allowed is not None,
    )
