"""Exit codes of `gonogo verify` and `gonogo verify-ledger`, from what core found.

0 verified; 1 integrity (altered file, bad or untrusted signature); 2 approvals do not meet
the policy; 3 the decision contradicts the rules or the expectation; 4 the ledger is broken
or lacks the record (see docs/signing.md).
"""

from __future__ import annotations

from gonogo_tui.core.signing.outcome import Failure

EXIT_OK = 0
EXIT_INTEGRITY = 1
EXIT_POLICY = 2
EXIT_DECISION = 3
EXIT_LEDGER = 4

_CODES = {
    Failure.INTEGRITY: EXIT_INTEGRITY,
    Failure.POLICY: EXIT_POLICY,
    Failure.DECISION: EXIT_DECISION,
    Failure.LEDGER: EXIT_LEDGER,
}


def exit_code(failure: Failure | None) -> int:
    """The exit code for `failure`; 0 for none."""
    return EXIT_OK if failure is None else _CODES[failure]


__all__ = [
    "EXIT_DECISION",
    "EXIT_INTEGRITY",
    "EXIT_LEDGER",
    "EXIT_OK",
    "EXIT_POLICY",
    "exit_code",
]
