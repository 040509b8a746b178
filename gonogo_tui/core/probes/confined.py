"""File access for the probes that read files: confined to the root, stoppable, bounded.

A checklist (or a repository it points at) is input, and may be hostile. Three rules:

- **Root confinement.** Every path a probe reads, and every file a glob matches, is
  resolved (`..` and symbolic links followed) and must lie inside the real `--root`, unless
  the probe (or the checklist's `defaults`) sets `allow_outside_root: true`.
- **Work that stops.** A thread cannot be killed, so the walks and reads here check a
  `Stop` at every directory entry and every chunk: when the engine's deadline cancels the
  probe, or the review quits, the thread ends within milliseconds instead of walking `/`
  to the end while the table (or the quit) waits for it.
- **Excerpts, not copies.** A detail may quote file content only as a short excerpt,
  redacted before it is cut, on one line, control characters replaced.
"""

from __future__ import annotations

import asyncio
import math
import os
import re
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TypeVar

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.probes.base import ProbeContext
from gonogo_tui.core.probes.reads_files import ReadsFiles

T = TypeVar("T")

CHUNK = 1024 * 1024
"""Bytes read between two checks of the stop signal."""
EXCERPT_LIMIT = 40
"""Characters of file content a detail may quote."""
_EXCERPT_SCAN = 4096
"""Characters redacted before an excerpt is cut (a secret cannot start before the cut and
end past this)."""
_MAGIC = re.compile(r"[*?[]")


class Stopped(Exception):
    """The work was cancelled or ran past its deadline."""


class Stop:
    """Tells a worker thread to give up: set on cancellation, or passed its deadline."""

    def __init__(self, seconds: float | None = None) -> None:
        self._event = threading.Event()
        self._until = time.monotonic() + seconds if seconds else math.inf

    def set(self) -> None:
        """Ask the work to stop at its next check."""
        self._event.set()

    def check(self) -> None:
        """Raise `Stopped` if the work must end now."""
        if self._event.is_set() or time.monotonic() > self._until:
            raise Stopped


async def in_thread(ctx: ProbeContext, work: Callable[[Stop], T]) -> T:
    """Run `work(stop)` in a worker thread; cancelling the caller stops the thread too.

    Raises:
        TimeoutError: the work passed the probe's deadline before the engine noticed.
    """
    stop = Stop(ctx.timeout)
    try:
        return await asyncio.to_thread(work, stop)
    except Stopped:
        raise TimeoutError from None
    finally:
        # On cancellation (the engine's deadline, a quit) `to_thread` returns at once while
        # the thread runs on: this makes it end at its next check.
        stop.set()


@dataclass(frozen=True)
class Confinement:
    """Which paths a probe may read: those inside the root, or any if allowed."""

    root: Path
    allow_outside: bool
    real_root: str

    @classmethod
    def of(cls, ctx: ProbeContext, spec: ReadsFiles) -> Confinement:
        """The confinement of `spec` run with `ctx` (the probe's setting wins over the
        checklist's default)."""
        allow = spec.allow_outside_root
        if allow is None:
            allow = ctx.allow_outside_root
        return cls(ctx.root, allow, os.path.realpath(ctx.root))

    def check(self, path: str | Path) -> str:
        """The real path of `path`, after checking it lies inside the root.

        Raises:
            ProbeError: it resolves outside the root (and that is not allowed).
        """
        real = os.path.realpath(path)
        if self.allow_outside or _inside(real, self.real_root):
            return real
        raise ProbeError(
            f"{path} is outside the root {self.root} (it resolves to {real}); "
            "set allow_outside_root: true on the probe to read it"
        )


def _inside(real: str, real_root: str) -> bool:
    return real == real_root or real.startswith(real_root.rstrip("/") + "/")


def split_pattern(pattern: str) -> tuple[str, list[str]]:
    """A glob as its literal leading folders and the parts from the first wildcard on.

    `reports/junit/*.xml` -> (`reports/junit`, [`*.xml`]); `a.xml` -> (``, [`a.xml`]).
    """
    parts = [part for part in pattern.split("/") if part not in ("", ".")]
    literal: list[str] = []
    while len(parts) > 1 and not _MAGIC.search(parts[0]):
        literal.append(parts.pop(0))
    prefix = "/".join(literal)
    return ("/" + prefix if pattern.startswith("/") else prefix), parts


def glob_paths(
    start: str, parts: list[str], confinement: Confinement, stop: Stop, *, hidden: bool
) -> Iterator[str]:
    """Paths under the folder `start` matching the glob `parts`, walked with a stop check
    at every entry.

    `**` matches any number of folders (symbolic links to folders are not followed, as
    `pathlib` does). `hidden`: wildcards match names starting with a dot (`pathlib`);
    otherwise they do not (`glob`). A match that is a symbolic link, and a literal part
    such as `..`, is confined.

    Raises:
        ProbeError: a match or a folder on the way resolves outside the root.
        Stopped: the stop was set or its deadline passed.
    """
    merged: list[str] = []
    for part in parts:
        if not (part == "**" and merged and merged[-1] == "**"):
            merged.append(part)
    if not merged:
        return
    seen: set[str] = set()
    stack: list[tuple[str, int]] = [(start, 0)]
    while stack:
        stop.check()
        directory, index = stack.pop()
        part = merged[index]
        last = index == len(merged) - 1
        if part == "**":
            if last:
                if directory not in seen:
                    seen.add(directory)
                    yield directory
            else:
                stack.append((directory, index + 1))
            for entry in _entries(directory, stop):
                if (hidden or not entry.name.startswith(".")) and _is_dir(entry, follow=False):
                    stack.append((entry.path, index))
        elif not _MAGIC.search(part):
            candidate = os.path.join(directory, part)
            try:
                link = stat.S_ISLNK(os.lstat(candidate).st_mode)
            except OSError:  # absent (or unreadable): nothing to match or enter
                continue
            if link or part == "..":
                # `directory` is inside the root; only these can step out of it.
                confinement.check(candidate)
            if last:
                if candidate not in seen:
                    seen.add(candidate)
                    yield candidate
            elif os.path.isdir(candidate):
                stack.append((candidate, index + 1))
        else:
            for entry in _entries(directory, stop):
                name = entry.name
                if name.startswith(".") and not hidden and not part.startswith("."):
                    continue
                if not fnmatchcase(name, part):
                    continue
                if entry.is_symlink():
                    confinement.check(entry.path)
                if last:
                    if entry.path not in seen:
                        seen.add(entry.path)
                        yield entry.path
                elif _is_dir(entry, follow=True):
                    stack.append((entry.path, index + 1))


def _entries(directory: str, stop: Stop) -> Iterator[os.DirEntry[str]]:
    """The entries of a folder; one that cannot be listed (gone, no permission) has none."""
    try:
        with os.scandir(directory) as listing:
            for entry in listing:
                stop.check()
                yield entry
    except OSError:
        return


def _is_dir(entry: os.DirEntry[str], *, follow: bool) -> bool:
    try:
        return entry.is_dir(follow_symlinks=follow)
    except OSError:
        return False


def read_bounded(
    real: str, limit: int, stop: Stop, *, shown: str, refuse_larger: str = ""
) -> tuple[bytes, bool]:
    """The first `limit` bytes of a regular file, and whether there was more.

    The file is opened without following a last symbolic link (`real` is already resolved)
    and without blocking (a named pipe would wait for a writer), then checked to be a
    regular file: a device or a pipe is never read.

    Args:
        real: The resolved path (from `Confinement.check`).
        limit: Bytes kept.
        stop: Checked between chunks.
        shown: The path as the detail names it.
        refuse_larger: When given (e.g. `a JUnit report`), a file larger than `limit` is
            refused with this name instead of cut.

    Raises:
        ProbeError: not a regular file, or too large.
        OSError: it cannot be opened or read.
        Stopped: the stop was set or its deadline passed.
    """
    fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ProbeError(f"{shown} is not a regular file (a pipe or a device); it is not read")
        if refuse_larger and info.st_size > limit:
            raise ProbeError(f"{shown}: {info.st_size} bytes is too large for {refuse_larger}")
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            stop.check()
            chunk = os.read(fd, min(CHUNK, remaining))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    return data[:limit], len(data) > limit


def excerpt(text: str, redact: Callable[[str], str], limit: int = EXCERPT_LIMIT) -> str:
    """File content as a detail may quote it: redacted, then cut, on one line, quoted.

    Control and other unprintable characters (terminal escapes, zero-width marks) become
    `?`, so an excerpt can neither move a cursor nor hide text.
    """
    flat = " ".join(redact(text[:_EXCERPT_SCAN]).split())
    shown = "".join(char if char.isprintable() else "?" for char in flat)
    if len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    return repr(shown)


__all__ = [
    "EXCERPT_LIMIT",
    "Confinement",
    "Stop",
    "Stopped",
    "excerpt",
    "glob_paths",
    "in_thread",
    "read_bounded",
    "split_pattern",
]
