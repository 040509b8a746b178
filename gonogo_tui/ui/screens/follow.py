"""Screens that follow a review session: each new snapshot shown while the screen is up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import Screen

from gonogo_tui.ui.session import ReviewSession, ReviewSnapshot


def follow_snapshots(
    screen: Screen[Any], session: ReviewSession, show: Callable[[ReviewSnapshot], None]
) -> Callable[[], None]:
    """Show the session's snapshot now and each different one it publishes after.

    Call it on mount and the returned function on unmount. A screen being removed (popped)
    loses its widgets before it is unmounted: a snapshot published in between (the
    once-a-second tick) is not shown, or `show` would find its widgets gone.

    Returns:
        The function that stops following.
    """
    last = [session.snapshot]

    def published(snapshot: ReviewSnapshot, _changed: frozenset[str] | None) -> None:
        if screen._closing or screen._pruning or not screen.is_attached:
            return
        if snapshot != last[0]:
            last[0] = snapshot
            show(snapshot)

    unsubscribe = session.subscribe(published)
    show(session.snapshot)
    return unsubscribe


__all__ = ["follow_snapshots"]
