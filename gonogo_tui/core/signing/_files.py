"""Canonical JSON, digests, UTC timestamps and crash-safe file writes for signed evidence."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FILE_MODE = 0o644
"""Evidence files are readable by everyone who can read the evidence folder."""


def canonical_json(value: Any) -> bytes:
    """Serialise `value` canonically: sorted keys, no whitespace, UTF-8, no NaN.

    Raises:
        ValueError: the value holds NaN or infinity.
        TypeError: the value holds something JSON cannot express.
    """
    text = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def sha256_hex(data: bytes) -> str:
    """Return the lowercase hex SHA-256 of `data` (what `sha256sum` prints)."""
    return hashlib.sha256(data).hexdigest()


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def parse_json_strict(data: bytes) -> Any:
    """Parse UTF-8 JSON, refusing duplicate keys, NaN and Infinity.

    Raises:
        ValueError: the bytes are not strict UTF-8 JSON.
    """
    text = data.decode("utf-8")
    return json.loads(text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)


def format_utc(moment: datetime) -> str:
    """Render an aware datetime as `2026-11-26T10:15:00Z` (whole seconds, UTC).

    Raises:
        ValueError: the datetime is naive.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str) -> datetime:
    """Parse an ISO 8601 timestamp that carries a zone (`Z` or an offset) into UTC.

    Raises:
        ValueError: the text is not an ISO 8601 timestamp with a zone.
    """
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no timezone")
    return moment.astimezone(UTC)


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
