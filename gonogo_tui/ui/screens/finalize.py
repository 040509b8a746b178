"""Finalize dialogs: the decision and its reasons, CTO approval, NO-GO details, override.

Each dialog only collects answers; the core (`build_record`, `validate_override`) decides
what they mean, and the review screen's finalize worker chains the dialogs.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from gonogo_tui.core.blockers import BlockerKind, blockers
from gonogo_tui.core.checklist import Policy
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.evaluation import Decision, Evaluation, FinalizeChoice, SectionStatus
from gonogo_tui.core.records.model import (
    CTO,
    SENIOR_ENGINEER,
    Approval,
    Override,
    validate_override,
    validate_review_approval,
)
from gonogo_tui.core.waivers import (
    count_text,
    decision_without_waivers,
    waived,
    waiver_text,
    waivers_decide,
)
from gonogo_tui.ui.deps import Clock
from gonogo_tui.ui.looks import SYMBOLS, VERDICTS, WORDS, RowState, safe_text
from gonogo_tui.ui.screens.modals import FieldsModal, error_label, show_error
from gonogo_tui.ui.screens.no_go import NoGoModal
from gonogo_tui.ui.widgets.release_field import ReleaseInput

_BLOCKER_STATES = {
    BlockerKind.FAIL: RowState.FAIL,
    BlockerKind.ERROR: RowState.ERROR,
    BlockerKind.TICK: RowState.TICK,
    BlockerKind.PROBE: RowState.PENDING,
}


def waivers_text(evaluation: Evaluation, policy: Policy | None) -> Text:
    """`GO only because of 1 waiver (else REVIEW):` then each `TITLE waived by NAME: REASON`;
    empty without waivers."""
    found = waived(evaluation)
    text = Text(end="")
    if not found:
        return text
    if policy is not None and waivers_decide(evaluation, policy):
        without = decision_without_waivers(evaluation, policy)
        head = f"{evaluation.decision.value} only because of {count_text(len(found))}"
        text.append(f"{head} (else {without.value}):", style="bold")
    else:
        text.append(f"Waived ({len(found)}):", style="bold")
    for outcome in found:
        text.append(f"\n   {SYMBOLS[RowState.WAIVED]} {safe_text(waiver_text(outcome))}")
    return text


def reasons_text(evaluation: Evaluation, policy: Policy | None = None) -> Text:
    """What blocks GO, failures first (core `blockers`): FAIL with value and threshold, ERROR
    with what was found, then ticks and probes; then the sections that are not GO; then the
    waivers, saying when the decision rests on them."""
    found = blockers(evaluation)
    empty = [s for s in evaluation.sections if not s.criteria]
    waivers = waivers_text(evaluation, policy)
    if not found and not empty and not evaluation.failed_sections:
        if not waivers:
            return Text("Every section is GO: every criterion is PASS or WAIVED.")
        every = Text(f"Every section is GO, with {count_text(len(waived(evaluation)))}.\n")
        return every + waivers
    text = Text(end="")
    if evaluation.reason:  # a critical criterion decided it, whatever the count
        text.append(evaluation.reason, style="bold")
    if found:
        if text:
            text.append("\n")
        text.append(f"Missing for GO ({len(found)}), failures first:", style="bold")
    for blocker in found:
        state = _BLOCKER_STATES[blocker.kind]
        text.append(
            f"\n   {SYMBOLS[state]} {WORDS[state]:<6} "
            f"{safe_text(blocker.long, keep_newlines=False)}"
        )
    not_go = [s for s in evaluation.sections if s.status is SectionStatus.NO_GO]
    if not_go:
        if text:
            text.append("\n")
        text.append(f"Sections not GO ({len(not_go)}): ", style="bold")
        text.append(
            " · ".join(
                f"{s.number}. {safe_text(s.section.title, keep_newlines=False)}"
                + ("" if s.criteria else " (no criteria)")
                + (
                    f" (owner objects: {safe_text(s.objection, keep_newlines=False)})"
                    if s.objection is not None
                    else ""
                )
                for s in not_go
            )
        )
    if waivers:
        text.append("\n")
        text.append_text(waivers)
    return text


class FinalizeModal(ModalScreen[FinalizeChoice | None]):
    """Shows the decision and its reasons; offers the choices it is given (the core's
    `finalize_choices` says which a decision allows).

    The decision line and the buttons are docked at the top and bottom of the dialog and
    the reasons scroll between them, so every choice stays in view at 80x24 however many
    reasons there are (app.tcss); under 100 columns four buttons wrap onto two rows.
    """

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]

    BINDINGS = [
        Binding("escape", "choose(None)", "Cancel"),
        Binding("g", "choose('record-go')", "Record GO", show=False),
        Binding("a", "choose('cto-approval')", "CTO approval", show=False),
        Binding("n", "choose('record-no-go')", "Record NO-GO", show=False),
        Binding("o", "choose('override')", "Emergency override", show=False),
    ]

    def __init__(
        self,
        evaluation: Evaluation,
        allowed: tuple[FinalizeChoice, ...],
        *,
        running: int = 0,
        stale: int = 0,
        policy: Policy | None = None,
        release: str = "",
    ) -> None:
        super().__init__(classes="finalize-modal")
        self.policy = policy
        """The checklist's policy: to say when waivers alone make the decision."""
        waivers = len(waived(evaluation))
        self._waivers = f" · {count_text(waivers)}" if waivers else ""
        self.release = release
        """The release typed (or prefilled): read it after the dialog closes, cancelled too."""
        self.evaluation = evaluation
        self.allowed = allowed
        """The choices offered, in order (the core's `finalize_choices`)."""
        self._running_count = running
        self._stale_count = stale

    def compose(self) -> ComposeResult:
        evaluation = self.evaluation
        look = VERDICTS[evaluation.decision]
        with Vertical(classes="dialog -wide"):
            with Vertical(id="finalize-head"):
                yield Label("Finalize the decision", classes="dialog-title")
                yield Static(
                    Text(
                        f"{look.symbol} {look.word} by the policy · {evaluation.sections_go}/"
                        f"{evaluation.sections_total} sections GO{self._waivers} · "
                        f"{look.explanation}"
                    ),
                    id="finalize-verdict",
                    classes=look.css_class,
                )
                if self._running_count or self._stale_count:
                    yield Static(
                        f"Note: {self._running_count} probes still running, "
                        f"{self._stale_count} results stale.",
                        classes="dialog-hint",
                    )
            with Horizontal(id="finalize-release"):
                yield Label("Release ")
                yield ReleaseInput(
                    choice_keys="gano",
                    value=self.release,
                    placeholder="the version deployed, e.g. v2.4.0 (enter: on to the choices)",
                    id="release-input",
                    compact=True,
                )
            yield error_label()
            with VerticalScroll(id="finalize-reasons"):
                yield Static(reasons_text(evaluation, self.policy), markup=False)
            four = " -four" if len(self.allowed) > 2 else ""
            with Horizontal(id="finalize-buttons", classes=f"dialog-buttons{four}"):
                labels = {
                    FinalizeChoice.RECORD_GO: ("Record GO (g)", "success"),
                    FinalizeChoice.CTO_APPROVAL: ("CTO approves: GO (a)", "warning"),
                    FinalizeChoice.RECORD_NO_GO: ("Record NO-GO (n)", "error"),
                    FinalizeChoice.OVERRIDE: ("Emergency override (o)", "default"),
                }
                for choice in self.allowed:
                    label, variant = labels[choice]
                    yield Button(label, id=choice.value, variant=variant)  # type: ignore[arg-type]
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        # No release from the checklist or the flags: ask for it first. Once known, the
        # reasons have the keys (they scroll) and the one-key choices (g, a, n, o) work at
        # once; tab reaches the field.
        if not self.release:
            self.query_one("#release-input", Input).focus()
        else:
            self.query_one("#finalize-reasons", VerticalScroll).focus()

    @on(Input.Changed, "#release-input")
    def _release_typed(self, event: Input.Changed) -> None:
        self.release = event.value.strip()
        self.query_one(".dialog-error", Label).display = False

    @on(Input.Submitted, "#release-input")
    def _release_done(self) -> None:
        self.query_one("#finalize-buttons Button", Button).focus()

    @on(ReleaseInput.Held)
    def _release_first(self, event: ReleaseInput.Held) -> None:
        # One line at 80 columns.
        key = event.key
        show_error(self, f"Release first (then enter for the choices); {key} again types {key}")

    def action_choose(self, choice: str | None) -> None:
        if choice is None:
            self.dismiss(None)
        elif FinalizeChoice(choice) in self.allowed:
            self.dismiss(FinalizeChoice(choice))

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_choose(None if event.button.id == "cancel" else event.button.id)


class CtoApprovalModal(ModalScreen[Approval | None]):
    """REVIEW: the CTO's name and comment (both required) turn it into GO."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, now: Clock) -> None:
        super().__init__()
        self._now = now

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("REVIEW: CTO approval required", classes="dialog-title")
            yield Static(
                "One section is NO-GO. The deployment proceeds as GO only with the CTO's "
                "approval (name and comment); without it the meeting is recorded as NO-GO.",
                classes="dialog-text",
            )
            yield Label("CTO name")
            yield Input(id="cto-name", compact=True)
            yield Label("Comment (required)")
            yield Input(placeholder="why this may proceed", id="cto-comment", compact=True)
            yield error_label()
            with Horizontal(classes="dialog-buttons"):
                yield Button("Approve: GO", id="approve", variant="warning")
                yield Button("Cancel (esc)", id="cancel")

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#cto-name")
    def _next(self) -> None:
        self.query_one("#cto-comment", Input).focus()

    def answer(self) -> Approval:
        """The approval as typed (not yet validated)."""
        return Approval(
            CTO,
            self.query_one("#cto-name", Input).value.strip(),
            self._now(),
            "approve",
            self.query_one("#cto-comment", Input).value.strip(),
        )

    @on(Input.Submitted, "#cto-comment")
    @on(Button.Pressed, "#approve")
    def _approve(self) -> None:
        approval = self.answer()
        try:
            validate_review_approval(approval)
        except EvidenceError as exc:
            show_error(self, str(exc))
            missing = "#cto-comment" if approval.principal else "#cto-name"
            self.query_one(missing, Input).focus()
            return
        self.dismiss(approval)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class OverrideModal(FieldsModal[Override]):
    """Emergency override: the CTO and two senior engineers, a reason and a risk assessment."""

    FIELDS = (
        "override-cto",
        "override-senior-1",
        "override-senior-2",
        "override-reason",
        "override-risk",
    )

    def __init__(self, policy_decision: Decision, now: Clock) -> None:
        super().__init__(classes="override-modal")
        self._policy_decision = policy_decision
        self._now = now

    def on_mount(self) -> None:
        self.query_one("#override-cto", Input).focus()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -wide"):
            yield Label("⚠ EMERGENCY OVERRIDE", classes="dialog-title -danger")
            # The fields scroll between the title and the docked buttons, which stay in view
            # on a short screen (80x24) and come after the fields in the focus order.
            with VerticalScroll(id="override-fields"):
                yield Static(
                    f"Overrides a {self._policy_decision.value} decision. The record and the "
                    "screen will say OVERRIDE, never plain GO. Requires the CTO and two senior "
                    "engineers (three different people), a reason and a risk assessment.",
                    classes="dialog-text",
                )
                yield Label("CTO")
                yield Input(id="override-cto", compact=True)
                yield Label("Senior engineer")
                yield Input(id="override-senior-1", compact=True)
                yield Label("Second senior engineer")
                yield Input(id="override-senior-2", compact=True)
                yield Label("Reason")
                yield Input(id="override-reason", compact=True)
                yield Label("Risk assessment")
                yield Input(
                    placeholder="impact, likelihood, mitigation", id="override-risk", compact=True
                )
                yield error_label()
            with Horizontal(classes="dialog-buttons", id="override-buttons"):
                yield Button("Record OVERRIDE", id="override", variant="error")
                yield Button("Cancel (esc)", id="cancel")

    def answer(self) -> Override:
        """The override as typed (not yet validated)."""
        at = self._now()
        value = {f: self.query_one(f"#{f}", Input).value.strip() for f in self.FIELDS}
        return Override(
            reason=value["override-reason"],
            risk_assessment=value["override-risk"],
            approvers=(
                Approval(CTO, value["override-cto"], at),
                Approval(SENIOR_ENGINEER, value["override-senior-1"], at),
                Approval(SENIOR_ENGINEER, value["override-senior-2"], at),
            ),
        )

    @on(Button.Pressed, "#override")
    def _record(self) -> None:
        override = self.answer()
        try:
            validate_override(override)
        except EvidenceError as exc:
            show_error(self, str(exc))
            return
        self.dismiss(override)


__all__ = [
    "CtoApprovalModal",
    "FinalizeModal",
    "NoGoModal",
    "OverrideModal",
    "reasons_text",
]
