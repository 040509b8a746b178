"""Kill -9 at a chosen file-system call: run work in a forked child that SIGKILLs itself just
before its Nth call of the os functions that write evidence."""

from __future__ import annotations

import os
import signal
import traceback
from collections.abc import Callable
from typing import Any

ARMED = ("open", "write", "fsync", "fchmod", "close", "link", "replace", "unlink", "mkdir")
"""The file-system calls the child counts; it SIGKILLs itself just before the Nth."""


def killed_at(kill_at: int, setup: Callable[[], Callable[[], object]]) -> int:
    """Run `setup()` in a forked child, then the work it returns with the calls of `ARMED`
    counted, SIGKILLing the child just before its `kill_at`-th call (0: before the work);
    returns the child's wait status (exit 0: the work finished; 1: it raised, see stderr).
    """
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            work = setup()
            calls = [0]

            def arm(name: str) -> None:
                real = getattr(os, name)

                def counted(*args: Any, **kwargs: Any) -> Any:
                    calls[0] += 1
                    if calls[0] == kill_at:
                        os.kill(os.getpid(), signal.SIGKILL)
                    return real(*args, **kwargs)

                setattr(os, name, counted)

            for name in ARMED:
                arm(name)
            if kill_at == 0:
                os.kill(os.getpid(), signal.SIGKILL)
            work()
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    return os.waitpid(pid, 0)[1]
