"""The text of a decision record (`.txt`) and of an emergency override, in the seed's format."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gonogo_tui.core.clock import iso_utc
from gonogo_tui.core.deltas import since_lines
from gonogo_tui.core.evaluation import CriterionOutcome, Decision, Evaluation, Waiver
from gonogo_tui.core.evaluation_export import (
    NEEDS_TICK,
    criterion_detail,
    criterion_expected,
    criterion_reading,
    criterion_reading_text,
    criterion_source,
    status_text,
)
from gonogo_tui.core.probes.base import Status
from gonogo_tui.core.records.model import NoGoDetails, Override, RecordMode
from gonogo_tui.core.records.poll_lines import poll_lines
from gonogo_tui.core.sparkline import samples_note, spark_line
from gonogo_tui.core.waiver_rules import in_a_row_text, waived_text


def seed_timestamp(moment: datetime) -> str:
    """`date -u` style, as the seed's template writes it: `Thu Nov 26 10:15:00 UTC 2026`."""
    return moment.astimezone(UTC).strftime("%a %b %d %H:%M:%S UTC %Y")


def render_record_text(
    data: dict[str, Any],
    evaluation: Evaluation,
    override: Override | None,
    no_go: NoGoDetails | None,
) -> str:
    decided_at = datetime.fromisoformat(data["decided_at"].replace("Z", "+00:00"))
    checks = f"{evaluation.sections_go}/{evaluation.sections_total}"
    approvers = ", ".join(f"{a['principal']} ({a['role']})" for a in data["approvals"])
    lines: list[str] = []
    if data["mode"] == RecordMode.EMERGENCY:
        assert override is not None
        names = ", ".join(f"{a.principal} ({a.role})" for a in override.approvers)
        lines += [
            "GO/NO-GO Decision: OVERRIDE ⚠️ (emergency override, not a plain GO)",
            f"Timestamp: {seed_timestamp(decided_at)}",
            f"Approver: {names}",
            f"Checks Passed: {checks}",
            f"Policy Decision: {data['policy_decision']}",
            *([f"Policy Reason: {evaluation.reason}"] if evaluation.reason else []),
            f"Override Reason: {override.reason}",
            f"Risk Assessment: {override.risk_assessment}",
            "Next Step: Canary Deployment (1% → 100%) under emergency override",
        ]
    elif data["decision"] == "GO":
        lines += [
            "GO/NO-GO Decision: GO ✅",
            f"Timestamp: {seed_timestamp(decided_at)}",
            f"Approver: {approvers or data['operator']}",
            f"Checks Passed: {checks}",
            "Next Step: Canary Deployment (1% → 100%)",
        ]
        if data["mode"] == RecordMode.REVIEW:
            lines.append("Policy Decision: REVIEW, approved by the CTO")
            lines += [
                f"Approval Comment: {a['principal']} ({a['role']}): {a['comment']}"
                for a in data["approvals"]
                if a["vote"] == "approve" and a["comment"]
            ]
    else:
        failed = [s.section.title for s in evaluation.failed_sections]
        reason = no_go.reason if no_go and no_go.reason.strip() else ""
        reason = reason or ("Failed checks: " + "; ".join(failed) if failed else "not approved")
        if evaluation.reason and evaluation.reason not in reason:
            reason = f"{evaluation.reason}. {reason}"
        lines += [
            "GO/NO-GO Decision: NO-GO ❌",
            f"Timestamp: {seed_timestamp(decided_at)}",
            f"Reason: {reason}",
            f"Action: {(no_go.action if no_go else '') or 'Investigation/Fix required'}",
            f"Next Review: {(no_go.next_review if no_go else '') or 'to be scheduled'}",
            f"Checks Passed: {checks}",
        ]
        if data["policy_decision"] == Decision.REVIEW.value:
            lines.append("Policy Decision: REVIEW (CTO approval required), not approved")
    if data.get("waivers_summary"):
        lines.append(f"Waivers: {data['waivers_summary']}")
    lines += [
        "",
        f"Record: {data['record_id']}",
        f"Checklist: {data['checklist']['title']} ({data['checklist']['path']}, "
        f"sha256 {data['checklist']['sha256'][:16]})",
        f"Release: {data['release'] or '-'}",
        *_valid_until(data),
        f"Operator: {data['operator']}",
        "Signatures: unsigned (approvers sign with `gonogo sign`; `gonogo verify` checks)",
        "",
        "Failed Checks:",
    ]
    lines += [
        f"- [{status_text(c)}]{' [critical]' * c.critical} {c.criterion.id}: "
        f"{c.criterion.title}: {_found(c)}"
        for c in evaluation.missing
    ] or ["- none"]
    if data.get("since_last_go") is not None:
        lines += ["", *since_lines(data["since_last_go"])]
    advisory = [c for s in evaluation.sections for c in s.criteria if c.advisory and not c.passed]
    if advisory:
        lines += ["", "Advisory (not blocking):"]
        lines += [
            f"- [{status_text(c)}] {c.criterion.id}: {c.criterion.title}: {_found(c)}"
            for c in advisory
        ]
    waived = [c for s in evaluation.sections for c in s.criteria if c.status is Status.WAIVED]
    if waived:
        lines += ["", "Waivers:"]
        lines += [
            f"- {c.criterion.id} ({c.underlying.value if c.underlying else '?'}) "
            + _waiver_line(c.waiver)
            for c in waived
            if c.waiver is not None
        ]
    if data["notes"]:
        lines += ["", "Notes:"]
        lines += [
            f"- {n['at']} {n['operator']}"
            + (f" on {n['criterion_id']}" if n["criterion_id"] else "")
            + f": {n['text']}"
            for n in data["notes"]
        ]
    if data.get("poll") is not None:
        lines += ["", *poll_lines(data["poll"])]
    lines += ["", "Sections:"]
    for section in evaluation.sections:
        lines.append(
            f"{section.number:>2}. {section.status.value:<5} {section.section.title} "
            f"({section.passed_count}/{len(section.criteria)})"
            + (f" | objection: {section.objection}" if section.objection is not None else "")
        )
    lines += ["", "Criteria:"]
    for section in evaluation.sections:
        for c in section.criteria:
            # The value as the screen showed it (`30 h old`); the JSON keeps the probe's own.
            value = criterion_reading(c)
            line = (
                f"[{status_text(c)}] {section.section.id}/{c.criterion.id}: {c.criterion.title}"
                f" | value: {(value if value != NEEDS_TICK else '') or '-'}"
                f" | expected: {criterion_expected(c)}"
                f" | source: {criterion_source(c)}"
            )
            if c.critical:
                line += " | critical"
            if c.advisory:
                line += " | advisory"
            if c.result is not None and c.result.samples:  # a sustained check's window
                line += f" | samples: {samples_note(spark_line(c.result.samples))}"
            if c.tick is not None:
                line += f" | ticked by {c.tick.operator} at {iso_utc(c.tick.at)}"
                if c.tick.note:
                    line += f" | tick note: {' '.join(c.tick.note.split())}"
            lines.append(line)
    return "\n".join(_printable(line) for line in lines) + "\n"


def _found(outcome: CriterionOutcome) -> str:
    """A failed check's line: the reading and threshold as the screen said them, then the
    probe's own words (`30 h old, needs < 24 h (probe: backup_age_hours = 30.00 ...)`)."""
    detail = criterion_detail(outcome)
    if outcome.status is not Status.FAIL or outcome.result is None or outcome.waiver:
        return detail
    shown = criterion_reading_text(outcome)
    if not shown or shown in detail:
        return detail
    return f"{shown} (probe: {detail})" if detail else shown


def _valid_until(data: dict[str, Any]) -> list[str]:
    """`Valid Until: ...` for a GO (or override): after it `gonogo verify` refuses the GO."""
    if data["decision"] != "GO" or not data.get("valid_until"):
        return []
    return [f"Valid Until: {data['valid_until']} (policy.valid_for; decide again after it)"]


def render_override_text(data: dict[str, Any], override: Override) -> str:
    decided_at = datetime.fromisoformat(data["decided_at"].replace("Z", "+00:00"))
    lines = [
        "EMERGENCY OVERRIDE ⚠️",
        f"Timestamp: {seed_timestamp(decided_at)}",
        f"Decision Record: {data['record_id']}.txt",
        f"Policy Decision: {data['policy_decision']}",
        "Override Decision: GO (OVERRIDE)",
        f"Checks Passed: {data['sections_go']}/{data['sections_total']}",
        f"Reason: {override.reason}",
        f"Risk Assessment: {override.risk_assessment}",
        "Approved by:",
    ]
    lines += [f"- {a.principal} ({a.role}) at {iso_utc(a.at)}" for a in override.approvers]
    return "\n".join(_printable(line) for line in lines) + "\n"


def _printable(line: str) -> str:
    """Drop control characters (ANSI escapes, NUL) so a record never carries them."""
    return "".join(ch if ch.isprintable() or ch == "\t" else f"\\x{ord(ch):02x}" for ch in line)


def _waiver_line(waiver: Waiver) -> str:
    """`waived by alice (cto), for 3 releases: CDN sets HSTS [at ..., 2nd release in a row
    waiving headers-hsts]`; a waiver from before they had an owner keeps its old line."""
    if not waiver.role:
        return f"waived by {waiver.operator} at {iso_utc(waiver.at)}: {waiver.reason}"
    row = in_a_row_text(waiver)
    extra = f"entered by {waiver.operator} at {iso_utc(waiver.at)}" + (f", {row}" if row else "")
    return f"{waived_text(waiver)} [{extra}]"
