"""The session's waivers: who may grant one and for how long (`policy.waivers`), the ones
carried from the ledger when the meeting starts, and granting or revoking one in the
meeting. Plain Python (no Textual); the rules are the core's (`core/waiver_rules.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date

from gonogo_tui.core.checklist import Expiry, WaiverRules, parse_expiry
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.evaluation import waiver_refusal
from gonogo_tui.core.journal import FollowedJournal, Journal
from gonogo_tui.core.waiver_ledger import carry_rules, read_ledger_waivers
from gonogo_tui.core.waiver_rules import LedgerWaivers, carry_over, grant_refusal
from gonogo_tui.ui.deps import ReviewContext


@dataclass(frozen=True)
class Grant:
    """Who grants a waiver, in which role, until when."""

    approver: str
    role: str
    expiry: Expiry


class SessionWaivers:
    """The waiver rules of one meeting, with what the ledger says.

    Args:
        ctx: the review's dependencies (the evidence folder holds the ledger).
        journal: the session's journal; the carried waivers are written to it once, when
            the meeting starts (a read-only viewer's journal is only read).
        publish: re-evaluates and shows the session (after a grant or a revocation).
    """

    def __init__(
        self, ctx: ReviewContext, journal: Journal, publish: Callable[[Iterable[str]], None]
    ) -> None:
        self.ctx = ctx
        self.journal = journal
        self._publish = publish
        self.problem = ""
        """Why the ledger could not be read (nothing was carried then)."""
        try:
            self.ledger = read_ledger_waivers(ctx.evidence_dir, ctx.release)
        except EvidenceError as exc:
            self.ledger, self.problem = LedgerWaivers(), f"Waivers not carried: {exc}"
        state = journal.state
        if state.carried or state.finalized is not None or isinstance(journal, FollowedJournal):
            return
        now = ctx.clock()
        carried = carry_over(
            self.ledger,
            lambda cid: carry_rules(ctx.checklist, cid),
            self.today(),
            now,
            ctx.operator,
        )
        if carried.waivers or carried.lapsed:
            try:
                journal.carry(tuple(carried.waivers.values()), carried.lapsed, ctx.clock())
            except EvidenceError as exc:
                self.problem = f"Waivers not carried: journal not written: {exc}"

    def today(self) -> date:
        """The meeting's day (UTC): expiry dates are days in UTC."""
        return self.ctx.clock().astimezone(UTC).date()

    def rules(self, cid: str) -> WaiverRules:
        """Who may grant a waiver of `cid`, for how long."""
        return self.ctx.checklist.waiver_rules(cid)

    def in_a_row(self, cid: str) -> int:
        """The release in a row a waiver granted now would be, waiving `cid`."""
        return self.ledger.in_a_row(cid)

    def may_grant(self, cid: str) -> tuple[str, ...]:
        """The roles that may grant a waiver of `cid` now (past the limit: the CTO)."""
        return self.rules(cid).may_grant(self.in_a_row(cid))

    def roles(self, cid: str) -> tuple[str, ...]:
        """The roles the dialog offers: those that may grant it first, then the checklist's
        other roles (picking one of those is refused, saying who may)."""
        approvals = self.ctx.checklist.policy.approvals
        rules = self.rules(cid)
        known = [
            *self.may_grant(cid),
            *rules.granted_by,
            *rules.renewed_by,
            *approvals.review_requires,
            *approvals.go_requires,
            *approvals.no_go_any_of,
            *approvals.override_requires,
        ]
        return tuple(dict.fromkeys(known))

    def default_grant(self, cid: str) -> Grant:
        """What the dialog offers: the operator, the first role that may grant it, the
        policy's default expiry."""
        expiry = parse_expiry(self.rules(cid).default_expiry, self.today())
        return Grant(self.ctx.operator, self.may_grant(cid)[0], expiry)

    def refusal(self, cid: str, grant: Grant) -> str | None:
        """Why this grant of a waiver of `cid` is refused, or None."""
        checklist = self.ctx.checklist
        critical = waiver_refusal(checklist.section_of(cid), checklist.criterion(cid))
        if critical is not None:
            return critical
        if not grant.approver.strip():
            return "a waiver needs the name of who grants it"
        return grant_refusal(
            cid, self.rules(cid), grant.role, grant.expiry, self.in_a_row(cid), self.today()
        )

    def waive(self, cid: str, reason: str, grant: Grant | None = None) -> None:
        """Grant a waiver of `cid` in the meeting.

        Args:
            grant: who grants it, in which role, until when; None: the operator, in the
                first role that may grant it, for the policy's default expiry.

        Raises:
            EvidenceError: refused (critical, a role that may not grant it, an expiry past
                the policy's bounds) or no reason; nothing is written.
        """
        grant = grant or self.default_grant(cid)
        refusal = self.refusal(cid, grant)
        if refusal is not None:
            raise EvidenceError(refusal)
        self.journal.waive(
            cid,
            self.ctx.operator,
            self.ctx.clock(),
            reason,
            approver=" ".join(grant.approver.split()),
            role=grant.role,
            until=grant.expiry.until,
            releases=grant.expiry.releases if grant.expiry.until is None else None,
            in_a_row=self.in_a_row(cid),
        )
        self._publish([cid])


__all__ = ["Grant", "SessionWaivers"]
