"""Runs a `file` probe: existence, content regexes and age of a file or a folder's newest file.

A missing file (or a folder without a matching file) is measured, so it is a FAIL. A
`date_regex` that finds no parseable date means the age cannot be measured: ERROR.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.findings import Suggestion
from gonogo_tui.core.probes.base import Observation, ProbeContext, cap_text, iso_utc
from gonogo_tui.core.probes.confined import (
    Confinement,
    Stop,
    excerpt,
    glob_paths,
    in_thread,
    read_bounded,
    split_pattern,
)
from gonogo_tui.core.probes.file import FileProbe, NewestIn
from gonogo_tui.core.probes.file_found import folder_files, glob_suggestion
from gonogo_tui.core.probes.look_around import not_found
from gonogo_tui.core.probes.near_lines import describe_near
from gonogo_tui.core.probes.pattern_fit import line_suggestion, valued_lines
from gonogo_tui.core.types import format_duration

READ_LIMIT = 4 * 1024 * 1024
"""Bytes of a file searched by `contains` and `date_regex`; the rest is not read."""


@dataclass(frozen=True)
class _Target:
    """The file the checks apply to, with what `stat` said about it."""

    path: Path
    """As the checklist names it (under the root), for details."""
    real: str
    """Where it resolves to: what is read."""
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

    Every path is confined to the root (see `confined`), and the walk and the read run in a
    thread that stops when the probe is cancelled or passes its deadline.

    Args:
        spec: The probe as written in the checklist.
        ctx: Root folder and clock.

    Returns:
        The observation: `present`/`absent`, or the age when `max_age` is set.

    Raises:
        ProbeError: `date_regex` found no parseable date, the glob is unusable, or a path
            resolves outside the root.
        OSError: the file exists but cannot be read.
    """
    confinement = Confinement.of(ctx, spec)
    if spec.newest_in is not None:
        where = spec.newest_in
        folder = ctx.resolve(where.dir)
        if not where.glob or where.glob.startswith("/"):
            raise ProbeError(f"unusable glob {where.glob!r}: give a pattern relative to the folder")
        found = await in_thread(ctx, lambda stop: _newest_match(folder, where, confinement, stop))
        if found is None:
            head = f"folder {folder} {_no_match_reason(folder)} (glob {where.glob!r})"
            if not spec.exists:
                return Observation(ok=True, value="no files", detail=head)
            detail, output, fits = await _around_folder(ctx, head, folder, where)
            return Observation(False, "no files", detail, output, suggestions=fits)
        target = found
    else:
        assert spec.path is not None  # the model validator guarantees one target
        path = ctx.resolve(spec.path)
        single = await in_thread(ctx, lambda stop: _stat(path, confinement.check(path)))
        if single is None:
            if not spec.exists:
                return Observation(ok=True, value="absent", detail=f"{path} does not exist")
            detail, output, fits = await not_found(ctx, f"{path} does not exist", spec.path, "path")
            return Observation(False, "absent", detail, output, suggestions=fits)
        target = single

    if not spec.exists:
        return Observation(
            ok=False,
            value="present",
            detail=f"{target.path} exists but must not",
            output=_describe(target),
        )
    return await _check_present(spec, ctx, target)


async def _around_folder(
    ctx: ProbeContext, head: str, folder: Path, where: NewestIn
) -> tuple[str, str, tuple[Suggestion, ...]]:
    """What a `newest_in` that found nothing found instead: for a missing folder, the
    folders of that name elsewhere; for a folder without a match, its files and the glob
    that matches them."""
    if not folder.is_dir():
        return await not_found(ctx, head, where.dir, "newest_in.dir", want_dir=True)
    names = await in_thread(ctx, lambda stop: folder_files(folder, where.recursive, stop))
    clause, fits = glob_suggestion(names, where.glob, head, ctx.redactor)
    return f"{head[:-1]}; {clause})" if clause else head, "\n".join(names), fits


def _no_match_reason(folder: Path) -> str:
    return "has no matching file" if folder.is_dir() else "does not exist"


async def _check_present(spec: FileProbe, ctx: ProbeContext, target: _Target) -> Observation:
    content: _Content | None = None
    if spec.contains or spec.date_regex is not None:
        if target.is_dir:
            raise ProbeError(f"{target.path} is a folder; 'contains' and 'date_regex' need a file")
        content = await in_thread(ctx, lambda stop: _read_start(target, stop))

    output = _describe(target)
    name = target.path.name if spec.newest_in is not None else ""
    present_value = name or "present"

    if content is not None:
        for index, pattern in enumerate(spec.contains):
            if re.search(pattern, content.text, re.MULTILINE) is None:
                # The line that nearly matches shows how this document says it.
                near, listing = describe_near(
                    content.text, pattern, lambda line: excerpt(line, ctx.redactor)
                )
                detail = (
                    f"{target.path}: no match for /{pattern}/ "
                    f"({_found(content, ctx.redactor)}{'; ' + near if near else ''})"
                )
                fits = line_suggestion(
                    content.text, f"contains[{index}]", pattern, ctx.redactor, detail
                )
                return Observation(
                    ok=False,
                    value=present_value,
                    detail=detail,
                    output=f"{output}\n{listing}" if listing else output,
                    suggestions=(fits,) if fits else (),
                )

    if spec.max_age is None:
        detail = f"{target.path} exists"
        if spec.contains:
            detail += f" and matches {len(spec.contains)} pattern(s)"
        return Observation(ok=True, value=present_value, detail=detail, output=output)

    if spec.date_regex is not None:
        assert content is not None
        dated, origin, latest = _pick_date(spec, content, target.path, ctx.redactor)
    else:
        dated = latest = target.mtime
        origin = f"modified {iso_utc(dated)}"
    age = max((ctx.now() - dated).total_seconds(), 0.0)
    age_text = f"{format_duration(age)} old"
    value = f"{name}, {age_text}" if name else age_text
    limit = format_duration(spec.max_age)
    ahead = (latest - ctx.now()).total_seconds()
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


def _stat(path: Path, real: str) -> _Target | None:
    """What `stat` says of `real`, shown as `path`; None when it does not exist."""
    try:
        info = os.stat(real)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return _Target(
        path=path,
        real=real,
        mtime=datetime.fromtimestamp(info.st_mtime, UTC),
        size=info.st_size,
        is_dir=stat.S_ISDIR(info.st_mode),
    )


def _newest_match(
    folder: Path, where: NewestIn, confinement: Confinement, stop: Stop
) -> _Target | None:
    """The newest regular file matching the glob, walked entry by entry (stoppable)."""
    confinement.check(folder)
    if not folder.is_dir():
        return None
    prefix, parts = split_pattern(where.glob)
    if where.recursive:
        parts = ["**", *parts]
    start = os.path.join(folder, prefix) if prefix else str(folder)
    if prefix:
        confinement.check(start)
    newest: _Target | None = None
    for candidate in glob_paths(start, parts, confinement, stop, hidden=True):
        stop.check()
        try:
            info = os.stat(candidate)
        except OSError:  # gone since it was listed, or a dangling link
            continue
        if not stat.S_ISREG(info.st_mode):
            continue
        mtime = datetime.fromtimestamp(info.st_mtime, UTC)
        if newest is None or mtime > newest.mtime:
            newest = _Target(Path(candidate), candidate, mtime, info.st_size, is_dir=False)
    if newest is not None:
        # A match reached through a symbolic link was checked as it was listed; the file
        # read is the one it resolves to now.
        newest = _Target(
            newest.path, confinement.check(newest.path), newest.mtime, newest.size, False
        )
    return newest


def _read_start(target: _Target, stop: Stop) -> _Content:
    data, truncated = read_bounded(target.real, READ_LIMIT, stop, shown=str(target.path))
    return _Content(text=data.decode("utf-8", errors="replace"), truncated=truncated)


def _found(content: _Content, redact: Callable[[str], str]) -> str:
    """What the file holds, for a detail: its size in lines and a short excerpt of its
    first non-blank line (never more of its content)."""
    lines = content.text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    counted = f"{len(lines)} line{'s' * (len(lines) != 1)}"
    if content.truncated:
        counted = f"first {READ_LIMIT // (1024 * 1024)} MB searched, {counted}"
    if not first:
        return f"{counted}, all blank" if lines else "empty file"
    return f"{counted}; first: {excerpt(first, redact)}"


def _find_date(
    content: _Content,
    pattern: str,
    date_format: str | None,
    path: Path,
    redact: Callable[[str], str],
) -> datetime:
    """The first date matched by `pattern` that parses; naive dates are UTC."""
    seen: list[str] = []
    for match in re.finditer(pattern, content.text, re.MULTILINE):
        raw = (match.group(1) if match.re.groups else match.group(0)) or ""
        raw = raw.strip()
        parsed = _parse_date(raw, date_format)
        if parsed is not None:
            return parsed
        seen.append(raw)
    if not seen:
        # The lines holding a date show how this document dates it; doctor gets the
        # pattern that reads the closest one.
        head = f"{path}: no date matching /{pattern}/ ({_found(content, redact)}"
        clause, listing, fits = valued_lines(
            content.text,
            "date_regex",
            pattern,
            redact,
            lambda raw: _parse_date(raw.strip(), date_format) is not None,
            lambda clause: f"{head}; {clause})",
        )
        message = f"{head}; {clause})" if clause else f"{head})"
        raise ProbeError(message, output=listing, suggestions=fits)
    expected = f"format {date_format!r}" if date_format else "ISO 8601"
    raise ProbeError(f"{path}: {excerpt(seen[0], redact)} is not a date ({expected})")


def _pick_date(
    spec: FileProbe, content: _Content, path: Path, redact: Callable[[str], str]
) -> tuple[datetime, str, datetime]:
    """The date that gives the age (per `date_match`), how the detail names it, and the
    latest date found (checked against the future).

    Raises:
        ProbeError: no match parses, or with `all` one match is not a date.
    """
    assert spec.date_regex is not None
    if spec.date_match == "first":
        dated = _find_date(content, spec.date_regex, spec.date_format, path, redact)
        return dated, f"dated {iso_utc(dated)}", dated
    found: list[tuple[datetime, int]] = []
    for match in re.finditer(spec.date_regex, content.text, re.MULTILINE):
        raw = ((match.group(1) if match.re.groups else match.group(0)) or "").strip()
        parsed = _parse_date(raw, spec.date_format)
        line = content.text.count("\n", 0, match.start()) + 1
        if parsed is not None:
            found.append((parsed, line))
        elif spec.date_match == "all":
            expected = f"format {spec.date_format!r}" if spec.date_format else "ISO 8601"
            raise ProbeError(f"{path}:{line}: {excerpt(raw, redact)} is not a date ({expected})")
    if not found:
        # The same errors as for the first match: nothing matched, or nothing parsed.
        dated = _find_date(content, spec.date_regex, spec.date_format, path, redact)
        found.append((dated, 0))
    newest = max(found)
    chosen, line = newest if spec.date_match == "newest" else min(found)
    which = "newest" if spec.date_match == "newest" else "oldest"
    return chosen, f"{which} of {len(found)} dates {iso_utc(chosen)} (line {line})", newest[0]


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
