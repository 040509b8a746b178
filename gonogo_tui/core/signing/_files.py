"""Canonical JSON, digests and safe file reads and writes for signed evidence
(`core/files.py`: no link or FIFO in the evidence folder is followed or opened)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from gonogo_tui.core.files import (
    FILE_MODE,
    fsync_directory,
    lexists,
    read_file,
    read_file_under,
    refuse_special,
    replace_file,
    write_new_file,
)


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


__all__ = [
    "FILE_MODE",
    "canonical_json",
    "fsync_directory",
    "lexists",
    "parse_json_strict",
    "read_file",
    "read_file_under",
    "refuse_special",
    "replace_file",
    "sha256_hex",
    "write_new_file",
]
