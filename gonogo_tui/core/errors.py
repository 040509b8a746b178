"""The gonogo exception tree.

GonogoError
├── ChecklistError       a checklist file cannot be used (file:line: field: message)
├── ProbeConfigError     a probe spec is valid YAML but cannot run as written
├── ProbeError           a probe could not measure (becomes an ERROR result, never raised out)
│   └── TransientError   ... for a reason that may pass on its own (the engine retries it)
├── EvidenceError        a record or journal cannot be written or read
└── SigningError         a signature cannot be made or checked
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gonogo_tui.core.findings import Suggestion


class GonogoError(Exception):
    """Base class of every error gonogo reports to the operator."""

    title = "gonogo error"
    """A short heading for dialogs."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ChecklistError(GonogoError):
    """A checklist file is missing, unreadable or invalid.

    `problems` lists every problem found, one `FILE:LINE: field: message` line each (the
    message names the first and counts the rest); `gonogo validate` prints them all.
    """

    title = "Invalid checklist"

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems or (message,)


class ProbeConfigError(GonogoError):
    """A probe cannot run as configured."""

    title = "Probe configuration error"


class ProbeError(GonogoError):
    """A probe could not measure; the engine turns it into an ERROR result.

    `output` is the longer text the result's output carries (the detail pane, JSON): what
    the probe found, in full, where the one-line message names only the closest.
    `suggestions` are the same mismatches as data, for `gonogo doctor`.
    """

    title = "Probe error"

    def __init__(
        self, message: str, output: str = "", suggestions: tuple[Suggestion, ...] = ()
    ) -> None:
        super().__init__(message)
        self.output = output
        self.suggestions = suggestions


class TransientError(ProbeError):
    """A probe could not measure for a reason that may be gone next time: a refused or
    reset connection, a timeout, a 5xx or 429 answer, a PostgreSQL connection or
    serialization failure. Only these are retried (`retries`); any other `ProbeError`
    would fail the same way again. `core/probes/transient.py` decides which are.

    `retry_after` is the wait the server asked for (a 429's or 503's `Retry-After`), in
    seconds; None for the checklist's own backoff.
    """

    def __init__(self, message: str, output: str = "", retry_after: float | None = None) -> None:
        super().__init__(message, output)
        self.retry_after = retry_after


class EvidenceError(GonogoError):
    """Evidence (records, journals, ledgers) cannot be written or read."""

    title = "Evidence error"


class SigningError(GonogoError):
    """A signature cannot be made or checked."""

    title = "Signing error"


__all__ = [
    "ChecklistError",
    "EvidenceError",
    "GonogoError",
    "ProbeConfigError",
    "ProbeError",
    "SigningError",
    "TransientError",
]
