"""The history index: what `gonogo history` read from each sealed record, kept between runs.

Reading 10,000 records' JSON and checking a 10,000-line ledger chain takes seconds; the
index keeps, outside the evidence folder (a user cache: `gonogo history` only reads the
evidence), the ledger's SHA-256 and each record's summary under its statement's SHA-256.
When the ledger's bytes are those the index was built from, its chain was checked then
and nothing is read again; when the ledger changed (a new decision), the chain is checked
again and only the records whose statement is new are read. The index is a cache for a
report, never evidence: `gonogo verify` and `gonogo verify-ledger` check, and a damaged or
foreign index is ignored and rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gonogo_tui.core.errors import GonogoError
from gonogo_tui.core.records.layout import LEDGER_NAME

INDEX_FORMAT = "gonogo-history-index/3"
"""/2: times as `iso_utc` texts and the seconds to decision; /3: the approvers an override's
and a plain GO's operator too (as the `.txt` names them). An index of another is rebuilt."""
CACHE_ENV = "GONOGO_CACHE_DIR"
"""Where the index is kept; else `$XDG_CACHE_HOME/gonogo`, else `~/.cache/gonogo`."""


class HistoryError(GonogoError):
    """The evidence folder cannot be read as a history: missing, broken ledger, bad record."""


Reader = Callable[[Path, int, str], dict[str, Any]]
"""Reads one record's summary: (evidence folder, ledger seq, record id)."""


def default_cache_dir(environ: dict[str, str] | os._Environ[str] | None = None) -> Path:
    """The folder the history index is kept in."""
    env = os.environ if environ is None else environ
    if env.get(CACHE_ENV):
        return Path(env[CACHE_ENV])
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gonogo"


def index_path(cache_dir: Path, directory: Path) -> Path:
    """The index file of one evidence folder (named by its resolved path's digest)."""
    key = hashlib.sha256(str(directory.resolve()).encode("utf-8")).hexdigest()[:24]
    return cache_dir / f"history-{key}.json"


def sealed_summaries(
    directory: Path, cache_dir: Path | None, read: Reader
) -> list[tuple[str, dict[str, Any]]]:
    """(record id, summary) of every sealed record, in ledger order.

    Raises:
        HistoryError: the ledger is broken, or `read` refused a record.
    """
    ledger_path = directory / LEDGER_NAME
    try:
        ledger_bytes = ledger_path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise HistoryError(f"{ledger_path}: cannot read ({exc.strerror})") from None
    digest = hashlib.sha256(ledger_bytes).hexdigest()
    path = index_path(cache_dir, directory) if cache_dir is not None else None
    index = _load(path) if path is not None else None
    records: dict[str, Any] = index["records"] if index else {}
    if index and index["ledger_sha256"] == digest:
        return [(record_id, records[sha]) for record_id, sha in index["entries"]]
    # Only now: the signing package loads `cryptography`, a second of start-up on a busy machine.
    from gonogo_tui.core.signing.ledger import LedgerError, read_ledger

    try:
        ledger = read_ledger(ledger_path)
    except LedgerError as exc:
        raise HistoryError(f"{ledger_path}: {exc}") from None
    entries, fresh = [], {}
    for entry in ledger.entries:
        sha = entry.statement_sha256
        summary = records.get(sha)
        if summary is None:
            summary = read(directory, entry.seq, entry.record_id)
        fresh[sha] = summary
        entries.append((entry.record_id, sha))
    if path is not None:
        _save(path, {"ledger_sha256": digest, "entries": entries, "records": fresh})
    return [(record_id, fresh[sha]) for record_id, sha in entries]


def _load(path: Path) -> dict[str, Any] | None:
    """The index, or None when it is missing, damaged or of another format."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    ok = (
        isinstance(data, dict)
        and data.get("format") == INDEX_FORMAT
        and isinstance(data.get("ledger_sha256"), str)
        and isinstance(data.get("entries"), list)
        and isinstance(data.get("records"), dict)
        and all(
            isinstance(e, list) and len(e) == 2 and e[1] in data["records"] for e in data["entries"]
        )
    )
    return data if ok else None


def _save(path: Path, content: dict[str, Any]) -> None:
    """Write the index whole (temp file, rename); a cache that cannot be written is skipped."""
    data = json.dumps({"format": INDEX_FORMAT, **content}, separators=(",", ":")).encode()
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".history-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temp, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temp)
