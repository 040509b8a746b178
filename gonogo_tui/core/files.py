"""Crash-safe file writes: a file appears whole or not at all, and is never replaced by accident."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

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


__all__ = ["FILE_MODE", "fsync_directory", "replace_file", "write_new_file"]
