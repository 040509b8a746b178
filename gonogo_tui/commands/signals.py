"""Signals that end a command which started servers: each one runs the clean-up first.

Python's default for SIGTERM and SIGHUP is to die on the spot, skipping every `finally`: a
command that started servers would leave them running. Inside `stop_signals_interrupt()`
they raise KeyboardInterrupt like Ctrl-C does, so context managers stop what they started.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
"""Signals that end the command after its clean-up."""


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextlib.contextmanager
def stop_signals_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP raise KeyboardInterrupt like SIGINT while the block runs."""
    previous = {signum: signal.signal(signum, _interrupt) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def shielded(stop: Callable[[], None]) -> None:
    """Runs `stop` with the stop signals ignored, so a second Ctrl-C cannot cut it short."""
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in STOP_SIGNALS}
    try:
        stop()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


__all__ = ["STOP_SIGNALS", "shielded", "stop_signals_interrupt"]
