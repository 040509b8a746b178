"""Verify a decision record end to end, and the ledger of a whole evidence folder.

Exit codes: 0 valid; 1 bytes or signature integrity; 2 approvals do not meet the policy;
3 decision or expectation mismatch; 4 ledger broken or record not sealed. When several
checks fail, the reason shown is the first of the most basic kind, in the order 1, 4, 2, 3:
a tampered record is reported as tampered, not as stale.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from gonogo_tui.core.clock import parse_utc
from gonogo_tui.core.errors import EvidenceError, SigningError
from gonogo_tui.core.records.layout import RecordPaths, locate_record
from gonogo_tui.core.signing._files import lexists, read_file, read_file_under, sha256_hex
from gonogo_tui.core.signing.allowed_signers import AllowedSigners, load_allowed_signers
from gonogo_tui.core.signing.ledger import LedgerError, ledger_line, read_ledger
from gonogo_tui.core.signing.outcome import Failure, most_basic
from gonogo_tui.core.signing.policy import PolicyOutcome, SigningPolicy
from gonogo_tui.core.signing.poll_checks import poll_findings
from gonogo_tui.core.signing.record import RecordJson, parse_record_json
from gonogo_tui.core.signing.statement import Statement, parse_statement, predicate_core
from gonogo_tui.core.signing.status import CheckedApproval, check_approvals, evaluate_statement
from gonogo_tui.core.signing.validity import expiry_problem
from gonogo_tui.core.signing.waiver_checks import waiver_findings

FUTURE_SKEW = timedelta(minutes=5)
"""How far in the future `decided_at` may be before the clocks are considered wrong."""
_THRESHOLDS = ("go_max_no_go", "review_max_no_go")
_SEVERITY = {"GO": 0, "REVIEW": 1, "NO-GO": 2}


def _critical_not_passing(raw: dict[str, Any]) -> list[str]:
    """The ids of the record's critical criteria that did not PASS (each alone is NO-GO)."""
    found = []
    for section in raw.get("sections") or []:
        criteria = section.get("criteria") if isinstance(section, dict) else None
        for criterion in criteria if isinstance(criteria, list) else []:
            if not isinstance(criterion, dict) or criterion.get("critical") is not True:
                continue
            if criterion.get("status") != "PASS":
                found.append(str(criterion.get("id")))
    return found


_TXT_DECISION = re.compile(r"^GO/NO-GO Decision:\s*(NO-GO|GO|OVERRIDE)\b", re.MULTILINE)


@dataclass(frozen=True)
class Finding:
    """One failed check."""

    failure: Failure
    message: str


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of `verify_record`."""

    record_id: str
    decision: str | None
    """The sealed decision, when the statement could be read."""
    findings: tuple[Finding, ...]
    """Every failed check (empty when valid)."""
    approvals: tuple[CheckedApproval, ...] = ()
    outcome: PolicyOutcome | None = None

    @property
    def failure(self) -> Failure | None:
        """None, or the most basic failure found (`commands/exit_codes.py` maps it)."""
        return most_basic(f.failure for f in self.findings)

    @property
    def ok(self) -> bool:
        """Whether the record verified."""
        return not self.findings

    @property
    def reason(self) -> str:
        """One line: why it failed, or what was verified."""
        failure = self.failure
        if failure is not None:
            return next(f.message for f in self.findings if f.failure is failure)
        detail = self.outcome.reason if self.outcome else ""
        return f"{self.record_id}: sealed {self.decision}, {detail}"


def inside(path: Path, directory: Path) -> bool:
    """Whether `path` (after resolving links) is `directory` or below it."""
    return path.resolve().is_relative_to(directory.resolve())


def load_trusted_policy(path: Path) -> SigningPolicy:
    """Read approval rules from a file outside the evidence folder (YAML or JSON).

    The file may be a checklist (`policy: {approvals: ...}`), a policy block
    (`approvals: ...`) or the approvals mapping itself.

    Raises:
        SigningError: the file is unreadable or malformed.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        reason = exc.strerror or exc
        raise SigningError(f"{path}: cannot read the approval policy ({reason})") from exc
    except UnicodeDecodeError as exc:
        raise SigningError(f"{path}: the approval policy is not UTF-8 text") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not YAML"
        raise SigningError(
            f"{path}{where}: invalid YAML in the approval policy: {problem}"
        ) from exc
    if isinstance(data, dict) and ("sections" in data or "policy" in data):
        policy = data.get("policy") or {}
        data = policy.get("approvals") or {} if isinstance(policy, dict) else None
    elif isinstance(data, dict) and "approvals" in data:
        data = data["approvals"]
    if not isinstance(data, dict):
        raise SigningError(f"{path}: expected a checklist or an approvals mapping")
    try:
        return SigningPolicy.from_mapping(data, strict=True)
    except ValueError as exc:
        raise SigningError(f"{path}: {exc}") from exc


def trusted_checklist_sha256(path: Path) -> str | None:
    """The SHA-256 of a trusted policy file that is a whole checklist (it has `sections`),
    or None for a policy-only file: a checklist binds the record to that very checklist.

    Raises:
        SigningError: the file is unreadable or not YAML.
    """
    try:
        raw = path.read_bytes()
        data = yaml.safe_load(raw)
    except OSError as exc:
        reason = exc.strerror or exc
        raise SigningError(f"{path}: cannot read the approval policy ({reason})") from exc
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SigningError(f"{path}: invalid YAML in the approval policy") from exc
    if isinstance(data, dict) and "sections" in data:
        return sha256_hex(raw)
    return None


def format_age(delta: timedelta) -> str:
    """Render a duration compactly: `45s`, `12m`, `26h`, `3d`."""
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= 2 * size or (unit == "m" and seconds >= size):
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


class _Verification:
    """The checks of one `verify_record` call, collecting findings."""

    def __init__(self, paths: RecordPaths) -> None:
        self.paths = paths
        self.findings: list[Finding] = []
        self.record: dict[str, Any] = {}
        """The record's JSON, once parsed (for its `valid_until`)."""

    def fail(self, failure: Failure, message: str) -> None:
        self.findings.append(Finding(failure, message))

    def read(self, path: Path) -> bytes | None:
        try:
            return read_file(path)
        except OSError as exc:
            self.fail(Failure.INTEGRITY, f"{path.name}: cannot read ({exc.strerror})")
            return None

    def check_files(self, statement: Statement, txt: bytes, json_bytes: bytes) -> None:
        actual = {self.paths.txt.name: txt, self.paths.json.name: json_bytes}
        for name, digest in statement.subjects:
            data = actual[name] if name in actual else self.read(self.paths.directory / name)
            if data is not None and sha256_hex(data) != digest:
                self.fail(
                    Failure.INTEGRITY, f"{name} was altered: it does not match its sealed statement"
                )
        try:
            raw, view = parse_record_json(json_bytes, source=self.paths.json.name)
            core = predicate_core(raw, view)
        except EvidenceError as exc:
            self.fail(Failure.INTEGRITY, str(exc))
            return
        self.record = raw
        self.check_artifacts(raw)
        if view.decision == "GO":
            self.check_rules_decision(raw, view)
        differing = sorted(k for k, v in statement.core().items() if core.get(k) != v)
        if differing:
            self.fail(
                Failure.INTEGRITY,
                f"{self.paths.statement.name} does not describe {self.paths.json.name}"
                f" ({', '.join(differing)} differ)",
            )
        match = _TXT_DECISION.search(txt.decode("utf-8", "replace"))
        says = match.group(1) if match else None
        if says is not None and (says if says != "OVERRIDE" else "GO") != statement.decision:
            self.fail(
                Failure.DECISION,
                f"{self.paths.txt.name} says {says} but the record's decision is"
                f" {statement.decision}",
            )

    def check_rules_decision(self, raw: dict[str, Any], view: RecordJson) -> None:
        """A GO must not rest on a rules' decision kinder than its own sections give: a
        record written as REVIEW (the CTO alone) or GO with two sections NO-GO is refused."""
        from gonogo_tui.core.checklist import Policy
        from gonogo_tui.core.evaluation import decide

        name = self.paths.json.name
        no_go = sum(1 for section in view.sections if section.status == "NO-GO")
        total = len(view.sections)
        if view.sections_total != total or view.sections_go != total - no_go:
            self.fail(
                Failure.INTEGRITY,
                f"{name}: sections_go {view.sections_go}/{view.sections_total} does not match"
                f" its sections ({total - no_go}/{total} GO)",
            )
            return
        thresholds = {k: raw["policy"][k] for k in _THRESHOLDS if k in raw["policy"]}
        critical = _critical_not_passing(raw)
        try:
            policy = Policy.model_validate(thresholds)
            rules = decide(policy, no_go, total, critical_blocking=len(critical))
        except ValueError:
            self.fail(Failure.INTEGRITY, f"{name}: policy: malformed decision thresholds")
            return
        if critical and _SEVERITY[rules] > _SEVERITY.get(view.policy_decision, 0):
            self.fail(
                Failure.DECISION,
                f"{name} says the rules gave {view.policy_decision}, but critical"
                f" {', '.join(critical)} did not pass: the rules give NO-GO",
            )
        elif _SEVERITY[rules] > _SEVERITY.get(view.policy_decision, 0):
            self.fail(
                Failure.DECISION,
                f"{name} says the rules gave {view.policy_decision}, but {no_go} of {total}"
                f" sections NO-GO give {rules} by its policy",
            )

    def check_artifacts(self, raw: dict[str, Any]) -> None:
        """The probe artifacts beside the record: the sealed JSON lists each one's SHA-256, so
        a changed or missing artifact is as much an alteration as a changed JSON."""
        from gonogo_tui.core.records.layout import ARTIFACTS_SUFFIX

        artifacts = raw.get("artifacts") or {}
        if not isinstance(artifacts, dict):
            self.fail(Failure.INTEGRITY, f"{self.paths.json.name}: 'artifacts' is not an object")
            return
        folder = self.paths.directory / f"{self.paths.stem}{ARTIFACTS_SUFFIX}"
        for relative, digest in sorted(artifacts.items()):
            name = f"{folder.name}/{relative}"
            parts = Path(relative).parts
            if not parts or Path(relative).is_absolute() or ".." in parts:
                self.fail(
                    Failure.INTEGRITY,
                    f"{self.paths.json.name}: artifact {relative!r} is not inside {folder.name}",
                )
                continue
            try:
                data = read_file_under(self.paths.directory, f"{folder.name}/{relative}")
            except OSError as exc:
                self.fail(Failure.INTEGRITY, f"{name}: cannot read ({exc.strerror})")
                continue
            if sha256_hex(data) != digest:
                self.fail(
                    Failure.INTEGRITY, f"{name} was altered: it does not match its record's SHA-256"
                )

    def check_ledger(self, statement: Statement, approvals: list[CheckedApproval]) -> None:
        try:
            ledger = read_ledger(self.paths.ledger)
        except LedgerError as exc:
            self.fail(Failure.LEDGER, f"ledger broken: {exc}")
            return
        entry = ledger.find(self.paths.stem)
        if entry is None:
            self.fail(Failure.LEDGER, f"{self.paths.stem} is not sealed: no entry in ledger.jsonl")
        elif entry.statement_sha256 != statement.sha256:
            # Valid signatures over this statement show that the ledger is what changed.
            if any(a.counted for a in approvals):
                self.fail(
                    Failure.LEDGER, f"ledger broken: entry {entry.seq} names another statement"
                )
            else:
                self.fail(
                    Failure.INTEGRITY,
                    f"{self.paths.statement.name} is not the statement sealed in ledger entry"
                    f" {entry.seq}",
                )
        elif entry.line != ledger_line(statement):
            self.fail(
                Failure.LEDGER, f"ledger broken: entry {entry.seq} does not match its statement"
            )

    def check_expectations(
        self,
        statement: Statement,
        now: Callable[[], datetime],
        expect_decision: str | None,
        max_age: timedelta | None,
    ) -> None:
        if expect_decision is not None and statement.decision != expect_decision:
            self.fail(
                Failure.DECISION,
                f"decision is {statement.decision}, expected {expect_decision}",
            )
        decided_at = parse_utc(str(statement.predicate["decided_at"]))
        age = now() - decided_at
        if age < -FUTURE_SKEW:
            self.fail(
                Failure.DECISION, f"decided_at {decided_at:%Y-%m-%dT%H:%M:%SZ} is in the future"
            )
        elif max_age is not None and age > max_age:
            self.fail(
                Failure.DECISION,
                f"decision is {format_age(age)} old, older than --max-age {format_age(max_age)}",
            )
        expired = expiry_problem(self.record, statement.decision, now())
        if expired is not None:
            self.fail(Failure.DECISION, expired)


def verify_record(
    record_path: Path,
    allowed_signers: Path,
    *,
    now: Callable[[], datetime],
    expect_decision: str | None = None,
    max_age: timedelta | None = None,
    trusted_policy: Path | None = None,
) -> VerifyResult:
    """Verify a decision record: bytes, signatures, signers, policy, ledger, expectations.

    Args:
        record_path: The record's .txt (or its .json or statement).
        allowed_signers: The trust root; refused if it lies inside the evidence folder.
        now: The clock, for `max_age`.
        expect_decision: Fail (exit 3) unless the decision is this (`GO` or `NO-GO`).
        max_age: Fail (exit 3) if the decision is older than this.
        trusted_policy: Approval rules from outside the evidence folder; the record's own
            rules must equal them.

    Returns:
        The result, whose `failure` and `reason` are what `gonogo verify` reports.
    """
    try:
        paths = locate_record(record_path)
    except EvidenceError as exc:
        return VerifyResult(record_path.name, None, (Finding(Failure.INTEGRITY, str(exc)),))
    if not any(lexists(path) for path in (paths.txt, paths.json, paths.statement)):
        # Said before anything about the trust files, which are judged against this folder.
        reason = f"{record_path}: no such record (no {paths.txt.name}, .json or statement)"
        return VerifyResult(paths.stem, None, (Finding(Failure.INTEGRITY, reason),))
    check = _Verification(paths)
    for label, trust_file in (("allowed_signers", allowed_signers), ("policy", trusted_policy)):
        if trust_file is not None and inside(trust_file, paths.directory):
            check.fail(
                Failure.INTEGRITY,
                f"refusing {label} file {trust_file}: it is inside the evidence folder",
            )
            return VerifyResult(paths.stem, None, tuple(check.findings))
    try:
        allowed: AllowedSigners = load_allowed_signers(allowed_signers)
        policy = load_trusted_policy(trusted_policy) if trusted_policy else None
        checklist_sha256 = trusted_checklist_sha256(trusted_policy) if trusted_policy else None
    except SigningError as exc:
        return VerifyResult(paths.stem, None, (Finding(Failure.INTEGRITY, str(exc)),))
    txt, json_bytes = check.read(paths.txt), check.read(paths.json)
    if not lexists(paths.statement):
        check.fail(Failure.LEDGER, f"{paths.stem} is not sealed: {paths.statement.name} is missing")
    statement_bytes = check.read(paths.statement) if lexists(paths.statement) else None
    if txt is None or json_bytes is None or statement_bytes is None:
        return VerifyResult(paths.stem, None, tuple(check.findings))
    try:
        statement = parse_statement(statement_bytes, source=paths.statement.name)
    except EvidenceError as exc:
        check.fail(Failure.INTEGRITY, str(exc))
        return VerifyResult(paths.stem, None, tuple(check.findings))
    check.check_files(statement, txt, json_bytes)
    approvals = check_approvals(paths, statement, allowed)
    check.check_ledger(statement, approvals)
    for approval in approvals:
        if approval.failure is not None and approval.problem:
            check.fail(approval.failure, approval.problem)
    recorded_policy = SigningPolicy.from_mapping(statement.predicate["approval_policy"])
    if policy is not None and replace(policy, role_principals=()) != recorded_policy:
        check.fail(
            Failure.POLICY,
            f"the record's approval policy differs from the trusted {trusted_policy}",
        )
    checklist = statement.predicate["checklist"]
    recorded_sha256 = checklist.get("sha256") if isinstance(checklist, dict) else None
    if checklist_sha256 is not None and recorded_sha256 != checklist_sha256:
        title = checklist.get("title") if isinstance(checklist, dict) else None
        check.fail(
            Failure.POLICY,
            f"the record is of checklist {title!r} (sha256 {str(recorded_sha256)[:16]}),"
            f" not of the trusted {trusted_policy} (sha256 {checklist_sha256[:16]})",
        )
    outcome = evaluate_statement(statement, approvals, policy)
    if outcome.failure is not None:
        prefix = "approvals do not meet the policy: " if outcome.failure is Failure.POLICY else ""
        check.fail(outcome.failure, prefix + outcome.reason)
    for finding in poll_findings(json_bytes, approvals):
        check.fail(Failure.POLICY, finding)
    for failure, finding in waiver_findings(json_bytes, paths.json.name):
        check.fail(failure, finding)
    check.check_expectations(statement, now, expect_decision, max_age)
    return VerifyResult(
        paths.stem, statement.decision, tuple(check.findings), tuple(approvals), outcome
    )
