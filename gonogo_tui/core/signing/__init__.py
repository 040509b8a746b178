"""Signed decision records: sealing, approvals through ssh-keygen, the ledger and verification.

For `core/records/write.py`: `seal_record(txt, json, now=...)` right after writing a record.
For the finalize screen: `list_agent_keys`, `sign_record` / `sign_record_async` and
`approval_status`.
For the CLI and CI: `verify_record`, `verify_ledger` and `explain_commands`.
"""

from __future__ import annotations

from gonogo_tui.core.records.layout import RecordPaths, locate_record
from gonogo_tui.core.signing.allowed_signers import (
    AllowedSigner,
    AllowedSigners,
    load_allowed_signers,
    parse_allowed_signers,
)
from gonogo_tui.core.signing.approvals import (
    APPROVAL_PREDICATE_TYPE,
    NAMESPACE,
    sign_record,
    sign_record_async,
)
from gonogo_tui.core.signing.audit import LedgerReport, explain_commands, verify_ledger
from gonogo_tui.core.signing.keygen import AgentKey, list_agent_keys
from gonogo_tui.core.signing.ledger import LedgerError
from gonogo_tui.core.signing.outcome import Failure
from gonogo_tui.core.signing.policy import (
    PolicyOutcome,
    Requirement,
    Rule,
    SigningPolicy,
    Vote,
    evaluate_approvals,
)
from gonogo_tui.core.signing.seal import seal_record
from gonogo_tui.core.signing.statement import DECISION_PREDICATE_TYPE
from gonogo_tui.core.signing.status import ApprovalStatus, CheckedApproval, approval_status
from gonogo_tui.core.signing.verify import (
    Finding,
    VerifyResult,
    load_trusted_policy,
    verify_record,
)

__all__ = [
    "APPROVAL_PREDICATE_TYPE",
    "DECISION_PREDICATE_TYPE",
    "NAMESPACE",
    "AgentKey",
    "AllowedSigner",
    "AllowedSigners",
    "SigningPolicy",
    "ApprovalStatus",
    "CheckedApproval",
    "Failure",
    "Finding",
    "LedgerError",
    "LedgerReport",
    "PolicyOutcome",
    "RecordPaths",
    "Requirement",
    "Rule",
    "VerifyResult",
    "Vote",
    "approval_status",
    "evaluate_approvals",
    "explain_commands",
    "list_agent_keys",
    "load_allowed_signers",
    "load_trusted_policy",
    "locate_record",
    "parse_allowed_signers",
    "seal_record",
    "sign_record",
    "sign_record_async",
    "verify_ledger",
    "verify_record",
]
