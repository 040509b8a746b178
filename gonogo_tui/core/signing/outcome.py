"""What kind of check failed when a record or a ledger does not verify.

Core reports a `Failure`; `gonogo_tui/commands/exit_codes.py` turns it into the exit code
of `gonogo verify` and `gonogo verify-ledger` (exit codes belong to the command line).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable


class Failure(enum.Enum):
    """One kind of failed check, the most basic first."""

    INTEGRITY = "integrity"
    """A file was altered, a signature is bad or untrusted, a record cannot be read."""
    LEDGER = "ledger"
    """The ledger is broken, or lacks the record."""
    POLICY = "policy"
    """The approvals do not meet the approval rules."""
    DECISION = "decision"
    """The decision contradicts the rules, or is not what the caller expected."""


def most_basic(failures: Iterable[Failure]) -> Failure | None:
    """The most basic of `failures` (integrity before ledger, policy, decision), or None."""
    found = set(failures)
    return next((failure for failure in Failure if failure in found), None)


__all__ = ["Failure", "most_basic"]
