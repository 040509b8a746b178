"""Crash-safe file writes: a file appears whole or not at all, and is never replaced by
accident; and the folder locks that keep two writers apart."""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from gonogo_tui.core.errors import EvidenceError

FILE_MODE = 0o644
"""Evidence files are readable by everyone who can read the evidence folder."""


def fsync_directory(directory: Path) -> None:
    """Flush a directory entry change (a rename or link) to disk."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_temp(directory: Path, name: str, data: bytes) -> Path:
    fd, temp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, FILE_MODE)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        os.unlink(temp_name)
        raise
    os.close(fd)
    return Path(temp_name)


def write_new_file(path: Path, data: bytes) -> None:
    """Create `path` holding exactly `data`, all at once, never replacing a file.

    The bytes go to a synced temp file in the same directory, which is then
    hard-linked to the final name: the link either appears whole or not at all,
    and fails if the name is taken.

    Raises:
        FileExistsError: `path` already exists.
        OSError: the file cannot be written.
    """
    temp = _write_temp(path.parent, path.name, data)
    try:
        os.link(temp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
    fsync_directory(path.parent)


def replace_file(path: Path, data: bytes) -> None:
    """Atomically replace (or create) `path` with `data`: readers see old or new, never half.

    Raises:
        OSError: the file cannot be written.
    """
    temp = _write_temp(path.parent, path.name, data)
    try:
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    fsync_directory(path.parent)


@contextlib.contextmanager
def exclusive_lock(path: Path, *, what: str) -> Iterator[None]:
    """Hold an exclusive flock on the lock file `path` (created if missing) for the block.

    The kernel releases it when the holder dies, kill -9 included, so whoever gets it knows
    that no live process is in the middle of the work it guards.

    Raises:
        EvidenceError: the lock file cannot be opened (`what` names what it guards).
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    except OSError as exc:
        raise EvidenceError(f"{path.parent}: cannot lock {what} ({exc.strerror})") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


__all__ = ["FILE_MODE", "exclusive_lock", "fsync_directory", "replace_file", "write_new_file"]
