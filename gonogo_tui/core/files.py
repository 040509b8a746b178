"""Evidence files, opened safely: a file appears whole or not at all and is never replaced
by accident; a symbolic link or a FIFO planted at an evidence file's name is refused, never
followed or blocked on; and the folder locks that keep two writers apart.

Anyone who can write to the evidence folder can plant names in it. Every evidence file is
therefore opened with `O_NOFOLLOW` (a link at the name is refused, dangling or not) and
`O_NONBLOCK` (a FIFO cannot hang the open), then checked to be a regular file; new files
are created with `O_EXCL` or by linking a temp file to the name, neither of which follows
a link. A record's next free name is chosen with `lexists`, so a dangling link counts as
taken instead of blocking the write.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from gonogo_tui.core.errors import EvidenceError

FILE_MODE = 0o644
"""Evidence files are readable by everyone who can read the evidence folder."""
_SAFE = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class UnsafeFileError(OSError):
    """A symbolic link, FIFO, folder or device sits where an evidence file belongs."""

    def __init__(self, path: Path, found: str) -> None:
        super().__init__(
            errno.ELOOP if found == "a symbolic link" else errno.EINVAL,
            f"{found} is there, not a regular file; gonogo never follows links or opens "
            "special files in the evidence folder: remove it",
            str(path),
        )

    def __str__(self) -> str:
        return f"{self.filename}: {self.strerror}"


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISREG(mode):
        return "a file"
    return "a device"


def open_fd(path: Path, flags: int, mode: int = FILE_MODE) -> int:
    """Open the regular file `path` without following a link at its name or blocking.

    Returns:
        A descriptor in blocking mode.

    Raises:
        FileNotFoundError: nothing is at `path` (without `O_CREAT`).
        FileExistsError: something is at `path` (with `O_CREAT | O_EXCL`).
        UnsafeFileError: a link, FIFO, folder or device is at `path`.
        OSError: it cannot be opened.
    """
    try:
        fd = os.open(path, flags | _SAFE, mode)
    except OSError as exc:
        # ELOOP: a link at the name; ENXIO: a FIFO opened for writing with no reader.
        if exc.errno in (errno.ELOOP, errno.ENXIO, errno.EISDIR):
            raise UnsafeFileError(path, _kind(os.lstat(path).st_mode)) from None
        raise
    try:
        found = os.fstat(fd).st_mode
        if not stat.S_ISREG(found):
            raise UnsafeFileError(path, _kind(found))
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_file(path: Path) -> bytes:
    """Read the regular file `path` whole (see `open_fd`).

    Raises:
        FileNotFoundError: nothing is at `path`.
        UnsafeFileError: a link, FIFO, folder or device is at `path`.
        OSError: it cannot be read.
    """
    with os.fdopen(open_fd(path, os.O_RDONLY), "rb") as handle:
        return handle.read()


def read_file_under(root: Path, relative: str) -> bytes:
    """Read `root/relative`, refusing a link at any level below `root` (a record's artifact
    is read from its own folder, never through a link planted for one of its folders).

    Raises:
        FileNotFoundError: nothing is there.
        UnsafeFileError: a link, FIFO, folder or device is there, or at a folder's name.
        OSError: it cannot be read.
    """
    path = root
    parts = Path(relative).parts
    for part in parts[:-1]:
        path = path / part
        found = os.lstat(path).st_mode
        if not stat.S_ISDIR(found):
            raise UnsafeFileError(path, _kind(found))
    return read_file(root / relative)


def refuse_special(path: Path) -> None:
    """Refuse a link, FIFO, folder or device at `path`; nothing or a file there is fine.

    Raises:
        UnsafeFileError: something other than a regular file is at `path`.
    """
    try:
        found = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(found):
        raise UnsafeFileError(path, _kind(found))


def open_binary(path: Path, flags: int) -> IO[bytes]:
    """`open_fd` as a binary file object: `os.O_RDONLY` reads, `os.O_RDWR` updates,
    `os.O_RDWR | os.O_CREAT | os.O_EXCL` creates a new file."""
    mode = "r+b" if flags & os.O_RDWR else "rb"
    return os.fdopen(open_fd(path, flags), mode)


def open_append_text(path: Path) -> IO[str]:
    """Open (creating if missing) the regular file `path` for appending UTF-8 text."""
    fd = open_fd(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    return os.fdopen(fd, "a", encoding="utf-8")


def lexists(path: Path) -> bool:
    """Whether anything, a dangling link included, has the name `path`."""
    return os.path.lexists(path)


def refuse_link(path: Path) -> None:
    """Refuse a symbolic link at the evidence folder's (or a subfolder's) name.

    Raises:
        EvidenceError: one line naming the path.
    """
    if os.path.islink(path):
        raise EvidenceError(
            f"{path}: is a symbolic link; gonogo does not follow links in the evidence "
            "folder (give the real folder's path)"
        )


def check_folder(path: Path) -> None:
    """Refuse `path` unless it is a real folder (a link to one is refused too).

    Raises:
        EvidenceError: one line naming the path and what is there instead.
    """
    refuse_link(path)
    try:
        found = os.lstat(path).st_mode
    except OSError as exc:
        raise EvidenceError(f"{path}: cannot use: {exc.strerror or exc}") from None
    if not stat.S_ISDIR(found):
        raise EvidenceError(f"{path}: not a folder ({_kind(found)} has that name)")


def make_folder(path: Path) -> None:
    """Create the folder `path` (and its parents) if needed, refusing a link at its name.

    Raises:
        EvidenceError: a file or link has its name, or it cannot be created.
    """
    if not os.path.lexists(path):
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            if not isinstance(exc, FileExistsError):
                raise EvidenceError(f"{path}: cannot create: {exc.strerror or exc}") from None
    check_folder(path)


def fsync_directory(directory: Path) -> None:
    """Flush a directory entry change (a rename or link) to disk."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_temp(directory: Path, name: str, data: bytes) -> Path:
    # mkstemp opens with O_CREAT | O_EXCL under a random name: it never follows a link.
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
    and fails if the name is taken (by a link too, dangling or not: it is not followed).

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

    A link at `path` is replaced by the file, never written through.

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
    that no live process is in the middle of the work it guards. A link or FIFO at the
    lock's name is refused (a dangling link would otherwise create its target).

    Raises:
        EvidenceError: the lock file cannot be opened (`what` names what it guards).
    """
    try:
        fd = open_fd(path, os.O_RDWR | os.O_CREAT)
    except UnsafeFileError as exc:
        raise EvidenceError(f"{path}: cannot lock {what}: {exc.strerror}") from None
    except OSError as exc:
        raise EvidenceError(f"{path.parent}: cannot lock {what} ({exc.strerror})") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


__all__ = [
    "FILE_MODE",
    "UnsafeFileError",
    "check_folder",
    "exclusive_lock",
    "fsync_directory",
    "lexists",
    "make_folder",
    "open_append_text",
    "open_binary",
    "open_fd",
    "read_file",
    "read_file_under",
    "refuse_link",
    "refuse_special",
    "replace_file",
    "write_new_file",
]
