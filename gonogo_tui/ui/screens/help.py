"""The help screen: every key of every screen, taken from the bindings themselves, and what
the rows' symbols mean."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from gonogo_tui.ui.looks import (
    STALE_MARK,
    SYMBOLS,
    WEIGHT_MARKS,
    WEIGHT_TEXTS,
    WORDS,
    RowState,
)
from gonogo_tui.ui.screens.poll import PollScreen
from gonogo_tui.ui.screens.presenter import PresenterScreen
from gonogo_tui.ui.screens.review import ReviewScreen
from gonogo_tui.ui.screens.walkthrough import WalkthroughScreen

KEY_NAMES = {
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "question_mark": "?",
    "escape": "esc",
    "shift+tab": "shift+tab",
}


def key_names(binding: Binding) -> str:
    """`↑ / k` for `up,k`."""
    return " / ".join(KEY_NAMES.get(key.strip(), key.strip()) for key in binding.key.split(","))


def bindings_table(title: str, bindings: list[Binding]) -> Table:
    """Keys, what they do, and the longer explanation (the binding's tooltip)."""
    table = Table(title=title, title_justify="left", show_header=False, box=None, expand=True)
    table.add_column("key", style="bold", width=18, no_wrap=True)
    table.add_column("action", width=20)
    table.add_column("explanation", style="dim")
    seen: set[str] = set()
    for binding in bindings:
        if binding.description in seen:
            continue
        seen.add(binding.description)
        same = [b for b in bindings if b.description == binding.description]
        table.add_row(" / ".join(key_names(b) for b in same), binding.description, binding.tooltip)
    return table


class HelpScreen(ModalScreen[None]):
    """Lists the keys; escape, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", "Close help")]

    def on_mount(self) -> None:
        # The toasts that led here are about the screen below: at 80x24 two of them reached
        # the help's title. Those raised while it is open take the rows above it.
        self.app.clear_notifications()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -wide", id="help"):
            yield Label("Keys", classes="dialog-title")
            with VerticalScroll(id="help-keys"):
                yield Static(bindings_table("Review", _bindings(ReviewScreen)))
                yield Static(bindings_table("Walkthrough", _bindings(WalkthroughScreen)))
                yield Static(bindings_table("Presenter", _bindings(PresenterScreen)))
                yield Static(bindings_table("Poll (v in the review)", _bindings(PollScreen)))
                yield Static(
                    bindings_table(
                        "Everywhere",
                        [
                            Binding("ctrl+p", "", "Command palette: every action by name"),
                            Binding("escape", "", "Close a dialog without answering"),
                            Binding("ctrl+q", "", "Quit (asks first until finalized)"),
                        ],
                    )
                )
                yield Static(symbols_table())


def symbols_table() -> Table:
    """What a row's symbols mean: its state, its weight, and how it moved since the last GO."""
    table = Table(title="Row symbols", title_justify="left", show_header=False, box=None)
    table.add_column("symbol", style="bold", width=18, no_wrap=True)
    table.add_column("meaning")
    for state, meaning in STATE_MEANINGS.items():
        table.add_row(SYMBOLS[state], f"{WORDS[state]}: {meaning}")
    table.add_row(WEIGHT_MARKS["critical"], WEIGHT_TEXTS["critical"])
    table.add_row(WEIGHT_MARKS["advisory"], WEIGHT_TEXTS["advisory"])
    table.add_row("▲ ▼", "since the last GO the value rose / fell, the wrong way")
    table.add_row("✘ after a value", "since the last GO it went from passing to failing")
    table.add_row(STALE_MARK, "the result is older than stale_after: due a rerun")
    return table


STATE_MEANINGS = {
    RowState.PASS: "measured and met",
    RowState.FAIL: "measured and not met",
    RowState.ERROR: "could not measure",
    RowState.RUNNING: "the probe is running",
    RowState.PENDING: "not run yet",
    RowState.TICK: "manual: waiting for a person's tick",
    RowState.WAIVED: "waived with a reason",
}
"""What each row state means (docs/review.md says the same)."""


def _bindings(screen: type) -> list[Binding]:
    return [b for b in getattr(screen, "BINDINGS", []) if isinstance(b, Binding)]


__all__ = ["STATE_MEANINGS", "HelpScreen", "bindings_table", "key_names", "symbols_table"]
