"""The finalize dialog's release field: a choice key pressed at once is not a release."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.message import Message
from textual.widgets import Input


class ReleaseInput(Input):
    """The release field, which has the cursor when no release is known.

    While it is empty, a key that is one of the dialog's choices (`g` Record GO, `a`, `n`,
    `o`) is not typed: pressed at once, as someone who knows the dialog does, it would
    have made the release "g". The field posts `Held` instead (the dialog says the release
    comes first); the same key again types it, since a release may start with it.
    """

    class Held(Message):
        """A choice key was held back from the empty field."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, *, choice_keys: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._choice_keys = choice_keys
        self._held: str | None = None
        """The key held back last: pressed again at once, it is typed."""

    async def _on_key(self, event: events.Key) -> None:
        key = event.character
        if event.is_printable and key is not None:
            if not self.value and key in self._choice_keys and key != self._held:
                self._held = key
                event.stop()
                event.prevent_default()
                self.post_message(self.Held(key))
                return
            self._held = None
        await super()._on_key(event)


__all__ = ["ReleaseInput"]
