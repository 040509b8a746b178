"""The command palette (ctrl+p): the review's commands, every key's action found by name.

Not the command line, which is `gonogo_tui/commands/`.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from gonogo_tui.ui.screens.review import ReviewScreen

REVIEW_COMMANDS = (
    ("Rerun the selected probe", "rerun_selected", "r"),
    ("Rerun the selected section's probes", "rerun_section", "s"),
    ("Rerun all probes", "rerun_all", "R"),
    ("Tick or untick the selected manual criterion", "toggle_tick", "space"),
    ("Waive the selected criterion (reason required)", "waive", "w"),
    ("Add a note", "note", "n"),
    ("Show the selected criterion's detail full screen", "toggle_detail", "d"),
    ("Show only the criteria changed since the last GO (again: all)", "changed_only", "c"),
    ("Presenter mode", "presenter", "p"),
    ("Walkthrough, one section at a time", "walkthrough", "g"),
    ("Finalize: decide and write the record", "finalize", "f"),
    ("Emergency override (from NO-GO or REVIEW, via finalize)", "finalize", "f"),
    ("Help: list every key", "app.open_help", "?"),
)
"""(title, action on the review screen, key)."""


class ReviewCommands(Provider):
    """Offers the review's actions when the palette is opened over the review itself.

    Over a dialog, an action would open another dialog, and `f` would even cancel the
    finalize waiting for the first, dropping what was typed into it. Over the walkthrough
    or the presenter, "the selected criterion" would be the review's, not the one on
    screen: space in the walkthrough ticks its own selection, the palette would not.
    """

    def _review_actions(self) -> list[tuple[str, str, str]]:
        if not isinstance(self.screen, ReviewScreen):
            return []
        return [(f"{title} ({key})", action, key) for title, action, key in REVIEW_COMMANDS]

    def _run(self, action: str) -> None:
        for screen in reversed(self.app.screen_stack):
            if isinstance(screen, ReviewScreen):
                self.app.call_later(screen.run_action, action)
                return

    async def discover(self) -> Hits:
        for title, action, _ in self._review_actions():
            # No help line: the title says it all, key included (a help repeating the title
            # showed every entry twice; an action's internal name means nothing to a room).
            yield DiscoveryHit(title, partial(self._run, action))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, _ in self._review_actions():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._run, action))


__all__ = ["REVIEW_COMMANDS", "ReviewCommands"]
