"""The review's terminal: Textual's Linux driver made to let go of a terminal that went
away, and the stop signals handled on the app's event loop.

When the terminal goes away (its window closed, `tmux kill-server`, an SSH link dropped)
the kernel sends SIGHUP, then SIGCONT; from then on reading the terminal returns
end-of-file at once and writing it fails with EIO. A `gonogo demo` was seen to outlive
its terminal that way, orphaned, spinning a core: Textual's driver restarts its
application mode on every SIGCONT, suspended or not, which starts one more keyboard thread
(not a daemon) that its shutdown does not stop and that reads end-of-file in a loop; the
SIGHUP's KeyboardInterrupt, raised wherever the main thread was, had broken the app's
shutdown (a timer failed on a screen half taken down). Besides, the output thread ends at
its first failed write, after which the 31st write blocks its writer for good.

Here SIGCONT resumes only what SIGTSTP suspended, output to a terminal that failed once is
dropped, and a stop signal makes the app close the way quitting does.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

from textual.drivers.linux_driver import LinuxDriver

if TYPE_CHECKING:
    from textual.app import App
    from textual.driver import Driver

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
"""Signals that end the review once it has closed like quitting does."""


class TerminalOutput:
    """The terminal as the driver's output thread writes it: once a write or flush fails
    (EIO: the terminal hung up), everything after it is dropped instead of raising."""

    def __init__(self, file: IO[str]) -> None:
        self._file = file
        self.gone = False
        """A write or flush failed: the terminal is no longer there."""

    def write(self, text: str) -> int:
        """Write `text`, or drop it once the terminal is gone."""
        if not self.gone:
            try:
                self._file.write(text)
            except OSError:
                self.gone = True
        return len(text)

    def flush(self) -> None:
        """Flush, or do nothing once the terminal is gone."""
        if not self.gone:
            try:
                self._file.flush()
            except OSError:
                self.gone = True

    def fileno(self) -> int:
        """The terminal's file descriptor."""
        return self._file.fileno()

    def isatty(self) -> bool:
        """Whether the file is a terminal."""
        return self._file.isatty()


class ReviewDriver(LinuxDriver):
    """Textual's Linux driver, but SIGCONT resumes only after its own SIGTSTP, and output
    to a terminal that is gone is dropped (see the module's docstring)."""

    def __init__(
        self,
        app: App[Any],
        *,
        debug: bool = False,
        mouse: bool = True,
        size: tuple[int, int] | None = None,
    ) -> None:
        super().__init__(app, debug=debug, mouse=mouse, size=size)
        self._file: Any = TerminalOutput(self._file)
        self._suspended = False
        """SIGTSTP suspended the application mode: the next SIGCONT resumes it."""

    def _sigtstp_application(self, *args: Any) -> None:
        self._suspended = True
        super()._sigtstp_application(*args)

    def _sigcont_application(self, *args: Any) -> None:
        # A SIGCONT nobody asked for (the kernel sends one with a hangup's SIGHUP; `kill
        # -CONT`) would start the application mode a second time: a keyboard thread more.
        if not self._suspended:
            return
        self._suspended = False
        super()._sigcont_application(*args)


class StopSignals:
    """While the app runs, the first stop signal calls `stop()` on the app's event loop.

    The commands' own handler (`commands/signals.py`) raises KeyboardInterrupt wherever the
    main thread is: inside Textual's loop that may be a timer, a screen half mounted or the
    shutdown itself. Through the loop, the app closes the way quitting does (probes
    stopped, journal closed) and exits in order; the command then ends as interrupted.
    """

    def __init__(self, stop: Callable[[], None]) -> None:
        self._stop = stop
        self.wanted = False
        """Take the signals over when the app mounts (set by a run on a terminal, not by
        the tests' Pilot)."""
        self.received: str | None = None
        """The stop signal the app closed on (SIGHUP: the terminal went away; SIGTERM)."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous: dict[int, Any] = {}

    def install(self) -> None:
        """Take the stop signals over, if wanted; called on the running loop (main thread)."""
        if not self.wanted or self._loop is not None:
            return
        self._loop = loop = asyncio.get_running_loop()
        for signum in STOP_SIGNALS:
            self._previous[signum] = signal.getsignal(signum)
            loop.add_signal_handler(signum, self._received, signum)

    def _received(self, signum: int) -> None:
        if self.received is None:
            self.received = signal.Signals(signum).name
            self._stop()

    def restore(self) -> None:
        """Give the stop signals back to the handlers they had before `install`."""
        loop, self._loop = self._loop, None
        for signum, previous in self._previous.items():
            if loop is not None:
                loop.remove_signal_handler(signum)
            signal.signal(signum, signal.SIG_DFL if previous is None else previous)
        self._previous.clear()


def review_driver(default: type[Driver]) -> type[Driver]:
    """`ReviewDriver` where Textual would use its Linux driver (a terminal), else `default`
    (the headless driver, textual-serve's web driver)."""
    return ReviewDriver if default is LinuxDriver else default


__all__ = ["STOP_SIGNALS", "ReviewDriver", "StopSignals", "TerminalOutput", "review_driver"]
