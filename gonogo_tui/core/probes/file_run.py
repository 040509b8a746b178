"""Runs a `file` probe: existence, content regexes and age of a file or a folder's newest file.

A missing file (or a folder without a matching file) is measured, so it is a FAIL. A
`date_regex` that finds no parseable date means the age cannot be measured: ERROR.
"""

from __future__ import annotations

import asyncio
import re
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.probes.base import Observation, ProbeContext, cap_text, iso_utc, one_line
from gonogo_tui.core.probes.file import FileProbe, NewestIn
from gonogo_tui.core.types import format_duration

READ_LIMIT = 4 * 1024 * 1024
"""Bytes of a file searched by `contains` and `date_regex`; the rest is not read."""


@dataclass(frozen=True)
class _Target:
    """The file the checks apply to, with what `stat` said about it."""

    path: Path
    mtime: datetime
    size: int
    is_dir: bool


@dataclass(frozen=True)
class _Content:
    """The start of a file, decoded, and whether it was cut at READ_LIMIT."""

    text: str
    truncated: bool


async def run_file_probe(spec: FileProbe, ctx: ProbeContext) -> Observation:
    """Check a file (or the newest file matching a glob) as the spec says.

    Args:
        spec: The probe as written in the checklist.
        ctx: Root folder and clock.

    Returns:
        The observation: `present`/`absent`, or the age when `max_age` is set.

    Raises:
        ProbeError: `date_regex` found no parseable date, or the glob is unusable.
        OSError: the file exists but cannot be read.
    """
    if spec.newest_in is not None:
        folder = ctx.resolve(spec.newest_in.dir)
        target = await asyncio.to_thread(_newest_match, folder, spec.newest_in)
        if target is None:
            reason = "does not exist" if not folder.is_dir() else "has no matching file"
            return Observation(
                ok=not spec.exists,
                value="no files",
                detail=f"folder {folder} {reason} (glob {spec.newest_in.glob!r})",
            )
    else:
        assert spec.path is not None  # the model validator guarantees one target
        path = ctx.resolve(spec.path)
        target = await asyncio.to_thread(_stat, path)
        if target is None:
            return Observation(ok=not spec.exists, value="absent", detail=f"{path} does not exist")

    if not spec.exists:
        return Observation(
            ok=False,
            value="present",
            detail=f"{target.path} exists but must not",
            output=_describe(target),
        )
    return await _check_present(spec, ctx, target)


async def _check_present(spec: FileProbe, ctx: ProbeContext, target: _Target) -> Observation:
    content: _Content | None = None
    if spec.contains or spec.date_regex is not None:
        if target.is_dir:
            raise ProbeError(f"{target.path} is a folder; 'contains' and 'date_regex' need a file")
        content = await asyncio.to_thread(_read_start, target.path)

    output = _describe(target)
    name = target.path.name if spec.newest_in is not None else ""
    present_value = name or "present"

    if content is not None:
        for pattern in spec.contains:
            if re.search(pattern, content.text, re.MULTILINE) is None:
                searched = f" (first {READ_LIMIT // (1024 * 1024)} MB searched)"
                return Observation(
                    ok=False,
                    value=present_value,
                    detail=f"{target.path}: no match for /{pattern}/"
                    + (searched if content.truncated else ""),
                    output=output,
                )

    if spec.max_age is None:
        detail = f"{target.path} exists"
        if spec.contains:
            detail += f" and matches {len(spec.contains)} pattern(s)"
        return Observation(ok=True, value=present_value, detail=detail, output=output)

    if spec.date_regex is not None:
        assert content is not None
        dated = _find_date(content.text, spec.date_regex, spec.date_format, target.path)
        origin = f"dated {iso_utc(dated)}"
    else:
        dated = target.mtime
        origin = f"modified {iso_utc(dated)}"
    age = max((ctx.now() - dated).total_seconds(), 0.0)
    age_text = f"{format_duration(age)} old"
    value = f"{name}, {age_text}" if name else age_text
    limit = format_duration(spec.max_age)
    ahead = (dated - ctx.now()).total_seconds()
    if spec.date_regex is not None and ahead > FUTURE_TOLERANCE:
        # A typed date far ahead (2062 for 2026) would otherwise stay "fresh" for years.
        return Observation(
            ok=False,
            value=f"{name}, in the future" if name else "in the future",
            detail=f"{target.path} {origin}: {format_duration(ahead)} in the future",
            output=output,
        )
    if age > spec.max_age:
        return Observation(
            ok=False,
            value=value,
            detail=f"{target.path} {origin}: {age_text}, older than {limit}",
            output=output,
        )
    return Observation(
        ok=True,
        value=value,
        detail=f"{target.path} {origin}: {age_text}, within {limit}",
        output=output,
    )


FUTURE_TOLERANCE = 86400.0
"""Seconds a date found in a file may lie ahead of the clock (a date written in another
time zone) before the probe fails it as in the future."""


def _stat(path: Path) -> _Target | None:
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return _Target(
        path=path,
        mtime=datetime.fromtimestamp(info.st_mtime, UTC),
        size=info.st_size,
        is_dir=path.is_dir(),
    )


def _newest_match(folder: Path, where: NewestIn) -> _Target | None:
    if not folder.is_dir():
        return None
    try:
        candidates = folder.rglob(where.glob) if where.recursive else folder.glob(where.glob)
        newest: _Target | None = None
        for candidate in candidates:
            if not candidate.is_file():
                continue
            found = _stat(candidate)
            if found is not None and (newest is None or found.mtime > newest.mtime):
                newest = found
    except (ValueError, NotImplementedError) as exc:
        raise ProbeError(f"unusable glob {where.glob!r}: {exc}") from None
    return newest


def _read_start(path: Path) -> _Content:
    # Opening a named pipe blocks until something writes to it, in a thread that no
    # deadline can stop: only regular files are read.
    if not stat.S_ISREG(path.stat().st_mode):
        raise ProbeError(f"{path} is not a regular file (a pipe or a device); it is not read")
    with path.open("rb") as handle:
        data = handle.read(READ_LIMIT + 1)
    truncated = len(data) > READ_LIMIT
    return _Content(text=data[:READ_LIMIT].decode("utf-8", errors="replace"), truncated=truncated)


def _find_date(text: str, pattern: str, date_format: str | None, path: Path) -> datetime:
    """The first date matched by `pattern` that parses; naive dates are UTC."""
    seen: list[str] = []
    for match in re.finditer(pattern, text, re.MULTILINE):
        raw = (match.group(1) if match.re.groups else match.group(0)) or ""
        raw = raw.strip()
        parsed = _parse_date(raw, date_format)
        if parsed is not None:
            return parsed
        seen.append(raw)
    if not seen:
        raise ProbeError(f"{path}: no date matching /{pattern}/")
    expected = f"format {date_format!r}" if date_format else "ISO 8601"
    raise ProbeError(one_line(f"{path}: {seen[0][:60]!r} is not a date ({expected})"))


def _parse_date(raw: str, date_format: str | None) -> datetime | None:
    try:
        if date_format:
            moment = datetime.strptime(raw, date_format)
        else:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _describe(target: _Target) -> str:
    kind = "folder" if target.is_dir else "file"
    return cap_text(
        f"{kind}: {target.path}\nsize: {target.size} bytes\nmodified: {iso_utc(target.mtime)}"
    )


__all__ = ["READ_LIMIT", "run_file_probe"]
