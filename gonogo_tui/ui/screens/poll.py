"""The poll: one section owner at a time, large, with the section's state and what blocks it.

One key per answer: `g` GO, `n` NO-GO (asks for the reason, which is required), `x` ABSTAIN,
`a` absent (asks for a stand-in, who then answers), `G` and `X` the same with a reason; the
poll moves on to the next owner not yet asked. `o` lets the CTO overrule an objection. The
rules are the core's (`core/poll.py`); every answer goes to the journal before the screen
changes (`SessionPoll`), so a kill -9 and a resume keep it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Footer, Static

from gonogo_tui.core.blockers import blockers
from gonogo_tui.core.evaluation import SectionStatus
from gonogo_tui.core.journal import FollowedJournal
from gonogo_tui.core.poll import Answer, Overrule, PollAnswer, Seat, is_objection
from gonogo_tui.core.probes.base import Status
from gonogo_tui.ui.looks import PANEL_LABELS, panel_counts, panel_state, safe_text
from gonogo_tui.ui.screens.follow import follow_snapshots
from gonogo_tui.ui.screens.poll_ask import AskModal
from gonogo_tui.ui.screens.requests import journal_write
from gonogo_tui.ui.session import ReviewSession, ReviewSnapshot

ANSWER_MARKS = {
    Answer.GO: "✔ GO",
    Answer.NO_GO: "✘ NO-GO",
    Answer.ABSTAIN: "– ABSTAIN",
    Answer.ABSENT: "∅ ABSENT",
}
"""An answer in a word, with a shape that carries it without colour."""
MAX_BLOCKERS = 4
"""Blockers listed on the card; the rest are counted."""


def answer_text(answer: PollAnswer | None, *, objection: bool, overrule: Overrule | None) -> str:
    """`✘ NO-GO: HSTS is short — OBJECTION: the section is NO-GO unless the CTO overrules`."""
    if answer is None:
        return "○ not asked yet"
    text = ANSWER_MARKS[answer.answer]
    if answer.stand_in:
        text += f" (stand-in {answer.stand_in})"
    if answer.reason:
        text += f": {answer.reason}"
    text += f" · {answer.at:%H:%M:%S}"
    if objection:
        text += (
            f" · OBJECTION overruled by {overrule.by} (CTO): {overrule.reason}"
            if overrule is not None
            else " · OBJECTION: the section is NO-GO unless the CTO overrules it (o)"
        )
    return text


def roll_lines(items: list[str], width: int) -> str:
    """The roll in lines of `width` cells, broken between owners, never inside one."""
    lines: list[str] = []
    for item in items:
        if lines and cell_len(lines[-1]) + 2 + cell_len(item) <= width:
            lines[-1] += "  " + item
        else:
            lines.append(item)
    return "\n".join(lines)


class PollScreen(Screen[None]):
    """Going around the room: owner N of M, in checklist order."""

    CSS_PATH = "poll.tcss"
    BINDINGS = [
        Binding("g", "answer('GO')", "GO", tooltip="The owner answers GO"),
        Binding("n", "answer('NO-GO', True)", "NO-GO", tooltip="NO-GO; the reason is required"),
        Binding("x", "answer('ABSTAIN')", "Abstain", tooltip="The owner abstains"),
        Binding("a", "absent", "Absent", tooltip="Absent; asks for a stand-in who answers"),
        Binding("G", "answer('GO', True)", "GO+reason", show=False, tooltip="GO with a reason"),
        Binding(
            "X", "answer('ABSTAIN', True)", "Abstain+reason", show=False, tooltip="With a reason"
        ),
        Binding("o", "overrule", "Overrule", tooltip="The CTO overrules an objection (why)"),
        Binding("left,up,k", "move(-1)", "Prev", show=False, tooltip="Previous owner"),
        Binding("right,down,j,tab", "move(1)", "Next", key_display="←→", tooltip="Next owner"),
        Binding("escape,v", "app.pop_screen", "Back", tooltip="Back to the review"),
        Binding("question_mark", "app.open_help", "Help", show=False, tooltip="List every key"),
    ]

    index: var[int] = var(0)
    """The seat being asked."""

    def __init__(self, session: ReviewSession, *, read_only: bool = False) -> None:
        super().__init__()
        self.session = session
        self.read_only = read_only
        """An attendee's view: no answer keys, and it follows the room (below)."""
        self._follow_room = read_only
        """Show the owner being asked (the first not asked yet) until the viewer moves."""
        self.seats: tuple[Seat, ...] = session.poll.seats
        self._unsubscribe: Callable[[], None] | None = None
        self._stand_in = ""
        """Who answers for the seat being asked (its owner is absent)."""
        answered = session.poll.answers()
        first_open = next(
            (i for i, seat in enumerate(self.seats) if seat.section.id not in answered), 0
        )
        self.set_reactive(PollScreen.index, first_open)

    def compose(self) -> ComposeResult:
        yield Static(id="poll-title", markup=False)
        yield Static(id="poll-owner", markup=False)
        yield Static(id="poll-section", markup=False)
        yield Static(id="poll-answer", markup=False)
        yield Static(id="poll-roll", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self._unsubscribe = follow_snapshots(self, self.session, self._show)
        self._journal_focus()

    def _journal_focus(self) -> None:
        """The section whose owner is asked is the one discussed: its agenda time runs, and
        the attendees' views show that owner as the one being asked."""
        seat = self.seat
        if seat is not None and not self.read_only:
            problem = self.session.focus_on("", section_id=seat.section.id)
            if problem is not None:
                self.notify(problem, severity="error")

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    def watch_index(self) -> None:
        if self.is_mounted:
            self._journal_focus()
            self._show(self.session.snapshot)

    @property
    def seat(self) -> Seat | None:
        """The seat being asked (None: no section names an owner)."""
        return self.seats[self.index] if self.seats else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.read_only and action in ("answer", "absent", "overrule"):
            return False
        return True

    def _show(self, snapshot: ReviewSnapshot) -> None:
        poll = self.session.poll
        title = self.query_one("#poll-title", Static)
        if self._follow_room and self.seats:
            # The owner the operator's poll shows (the section it journaled as discussed),
            # else the first not asked yet.
            answered = poll.answers()
            focus = self.session.journal.state.focus
            discussed = focus[-1][0] if focus else None
            being_asked = next(
                (i for i, s in enumerate(self.seats) if s.section.id == discussed),
                next((i for i, s in enumerate(self.seats) if s.section.id not in answered), None),
            )
            if being_asked is not None and being_asked != self.index:
                self.set_reactive(PollScreen.index, being_asked)
        seat = self.seat
        if seat is None:
            title.update("Poll: no section of this checklist names an owner (`owner:`).")
            return
        answers, overrules = poll.answers(), poll.overrules()
        following = " · READ-ONLY, following the room" if self.read_only else ""
        title.update(
            Text(
                f"POLL · owner {self.index + 1} of {len(self.seats)} · {poll.quorum().text}"
                + following,
                no_wrap=True,
                overflow="ellipsis",
            )
        )
        owner = seat.owner
        asked = f"{safe_text(owner.role).upper()}?"
        # A plain-string owner is a role with no name: the card names the section instead.
        who = safe_text(owner.name or seat.section.title)
        if self._stand_in:
            who = f"{safe_text(self._stand_in)} standing in for {safe_text(owner.who)} (absent)"
        self.query_one("#poll-owner", Static).update(Text(f"{asked}\n{who}", justify="center"))
        sid = seat.section.id
        measured = snapshot.measured.sections[seat.number - 1]
        shown = snapshot.evaluation.sections[seat.number - 1]
        state = panel_state(shown, snapshot.running)
        lines = [
            f"{seat.number}. {safe_text(seat.section.title)} · {PANEL_LABELS[state]}"
            f" · {panel_counts(shown)}"
        ]
        section_ids = {c.criterion.id for c in measured.criteria}
        found = [
            b
            for b in blockers(snapshot.measured, snapshot.running)
            if b.outcome.criterion.id in section_ids
        ]
        lines += [f"  ✘ {safe_text(b.short, keep_newlines=False)}" for b in found[:MAX_BLOCKERS]]
        if len(found) > MAX_BLOCKERS:
            lines.append(f"  … and {len(found) - MAX_BLOCKERS} more")
        if not found and measured.status is SectionStatus.GO:
            waived_here = sum(1 for c in measured.criteria if c.status is Status.WAIVED)
            lines.append(
                f"  every criterion passes but {waived_here} waived (the owner may object)"
                if waived_here
                else "  every criterion passes"
            )
        self.query_one("#poll-section", Static).update(Text("\n".join(lines)))
        answer = answers.get(sid)
        objection = is_objection(measured.status, answer)
        self.query_one("#poll-answer", Static).update(
            Text(
                safe_text(
                    answer_text(answer, objection=objection, overrule=overrules.get(sid)),
                    keep_newlines=False,
                )
            )
        )
        self.query_one("#poll-answer", Static).set_class(
            objection and sid not in overrules, "-objection"
        )
        roll = []
        roles = [other.owner.role for other in self.seats]
        for number, other in enumerate(self.seats):
            given = answers.get(other.section.id)
            mark = ANSWER_MARKS[given.answer].split()[0] if given else "○"
            here = "▶" if number == self.index else " "
            role = safe_text(other.owner.role)
            if roles.count(other.owner.role) > 1:  # one role owning several sections: which
                role += f" ({other.number})"
            roll.append(f"{here}{mark} {role}")
        width = max(self.app.size.width - 6, 20)  # the roll's margins
        self.query_one("#poll-roll", Static).update(Text(roll_lines(roll, width), no_wrap=True))

    # Keys.

    def action_move(self, delta: int) -> None:
        self._follow_room = False
        if self.seats:
            self._stand_in = ""
            self.index = (self.index + delta) % len(self.seats)

    def action_answer(self, word: str, ask_reason: bool = False) -> None:
        seat = self.seat
        if seat is None:
            return
        answer = Answer(word)
        if not ask_reason:
            self._record(seat, answer, "")
            return
        required = answer is Answer.NO_GO
        label = "Reason (required)" if required else "Reason (optional)"
        who = self._stand_in or seat.owner.who

        def answered(values: tuple[str, ...] | None) -> None:
            if values is not None:
                self._record(seat, answer, values[0])

        self.app.push_screen(
            AskModal(
                f"{word} from {who} ({seat.owner.role})",
                [(label, "what would have to change" if required else "", required)],
            ),
            answered,
        )

    def action_absent(self) -> None:
        seat = self.seat
        if seat is None:
            return

        def answered(values: tuple[str, ...] | None) -> None:
            if values is None:
                return
            stand_in = values[0].strip()
            failed = journal_write(
                self,
                lambda: self.session.poll.answer(seat.section.id, Answer.ABSENT, "", stand_in),
            )
            if failed is not None:
                return
            if stand_in:
                self._stand_in = stand_in  # the stand-in answers next, for this section
                self._show(self.session.snapshot)
            else:
                self._advance()

        self.app.push_screen(
            AskModal(
                f"{seat.owner.who} ({seat.owner.role}) is absent",
                [("Stand-in (empty: nobody answers for them)", "name", False)],
            ),
            answered,
        )

    def action_overrule(self) -> None:
        seat = self.seat
        if seat is None:
            return
        snapshot = self.session.snapshot
        measured = snapshot.measured.sections[seat.number - 1]
        answer = self.session.poll.answers().get(seat.section.id)
        if not is_objection(measured.status, answer):
            self.notify("No objection to overrule on this section.", severity="warning")
            return

        def answered(values: tuple[str, ...] | None) -> None:
            if values is not None:
                journal_write(
                    self, lambda: self.session.poll.overrule(seat.section.id, *values[:2])
                )

        self.app.push_screen(
            AskModal(
                f"Overrule {seat.owner.who}'s objection on {seat.section.title}",
                [("CTO (name)", "who overrules", True), ("Reason (required)", "why", True)],
            ),
            answered,
        )

    def _record(self, seat: Seat, answer: Answer, reason: str) -> None:
        stand_in = self._stand_in
        sid = seat.section.id
        before = self.session.poll.answers().get(sid)
        failed = journal_write(
            self, lambda: self.session.poll.answer(sid, answer, reason, stand_in)
        )
        if failed is not None:
            return
        role = seat.owner.role
        if before is not None and before.answer is not answer:
            self.notify(f"{role}: answer changed from {before.answer} to {answer}.")
        measured = self.session.snapshot.measured.sections[seat.number - 1]
        if is_objection(measured.status, self.session.poll.answers().get(sid)):
            self.notify(
                f"Objection: {seat.section.title} is NO-GO unless the CTO overrules it"
                " (← back to it, then o).",
                severity="warning",
                timeout=8,
            )
        self._advance()

    def _advance(self) -> None:
        """On to the next owner not asked yet (after this one), else simply the next."""
        self._stand_in = ""
        answered = self.session.poll.answers()
        count = len(self.seats)
        for step in range(1, count + 1):
            candidate = (self.index + step) % count
            if self.seats[candidate].section.id not in answered:
                self.index = candidate
                return
        if self.index < count - 1:
            self.index += 1
        else:
            self._show(self.session.snapshot)
            self.notify(f"Every owner has answered: {self.session.poll.quorum().text}.")


def open_poll(screen: Any) -> None:
    """`v` on the review (a screen with a `session`): its poll; read-only on an attendee's
    view, whose journal is the operator's, followed."""
    session: ReviewSession = screen.session
    read_only = isinstance(session.journal, FollowedJournal)
    screen.app.push_screen(PollScreen(session, read_only=read_only))


__all__ = ["PollScreen", "answer_text", "open_poll"]
