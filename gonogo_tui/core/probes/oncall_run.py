"""Runs the `oncall` probe: parse the schedule (markdown table or YAML), find who is on duty."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.findings import Suggestion
from gonogo_tui.core.probes.base import Observation, ProbeContext, one_line
from gonogo_tui.core.probes.confined import Confinement, Stop, in_thread, read_bounded
from gonogo_tui.core.probes.look_around import not_found
from gonogo_tui.core.probes.oncall import OnCallProbe
from gonogo_tui.core.probes.oncall_found import (
    Located,
    locate,
    role_value_suggestions,
    table_suggestions,
    tables_found,
)
from gonogo_tui.core.probes.window import check_timezone
from gonogo_tui.core.types import format_duration

MAX_SCHEDULE_BYTES = 4 * 1024 * 1024
"""Larger schedules are refused."""
NOBODY = {"", "-", "—", "–", "tbd", "tba", "?", "n/a", "na", "none", "nobody"}
_TZ_LINE_RE = re.compile(
    r"^\W*time\s*zone\W*:\s*\**\s*([A-Za-z_]+(?:/[A-Za-z0-9_+-]+)*)", re.I | re.M
)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WEEK_RE = re.compile(
    r"^\W*week\s+(?:of|starting|beginning|commencing)\W*(\d{4}-\d{2}-\d{2})"
    r"(?:\s*(?:-|–|—|to|until|through)\s*(\d{4}-\d{2}-\d{2}))?",
    re.I,
)
"""A `## Week of 2026-11-23` heading (an end date may follow): the dates of the undated
tables below it, a week from that day unless the end is given."""
WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class Shift:
    """One row of the schedule, its times in UTC."""

    start: dt.datetime
    end: dt.datetime
    people: dict[str, str]
    """Role -> name, as written (an empty string for nobody)."""
    where: str
    """`line 12` (markdown) or `shifts[3]` (YAML)."""


async def run_oncall_probe(spec: OnCallProbe, ctx: ProbeContext) -> Observation:
    """Find the shift covering now and check every role is staffed.

    Raises:
        ProbeError: the schedule cannot be parsed.
    """
    path = ctx.resolve(spec.path)
    confinement = Confinement.of(ctx, spec)
    text = await in_thread(ctx, lambda stop: _read(path, confinement, stop))
    if text is None:
        head = f"on-call schedule not found: {spec.path}"
        detail, output, fits = await not_found(ctx, head, spec.path, "path")
        return Observation(False, "no schedule", detail, output, suggestions=fits)
    try:
        shifts = parse_schedule(text, spec, path)
    except ProbeError as exc:
        # The detail may quote the file (the tables found): redacted, then cut.
        shown = ctx.redactor.excerpt(str(exc), 400)
        shown = "".join(char if char.isprintable() else "?" for char in shown)
        fitted = tuple(
            replace(item, why=ctx.redactor.excerpt(item.why, 400)) for item in exc.suggestions
        )
        raise ProbeError(shown, output=ctx.redactor(exc.output), suggestions=fitted) from None
    if not shifts:  # a schedule without a shift says nothing about who is on duty
        return Observation(
            False, "no shifts", f"no data: {path.name} lists 0 shifts", measured=False
        )
    now = ctx.now().astimezone(dt.UTC)
    current = [shift for shift in shifts if shift.start <= now < shift.end]
    if not current:
        later = sorted(shift.start for shift in shifts if shift.start > now)
        hint = f"; next shift starts {later[0]:%Y-%m-%d %H:%M} UTC" if later else ""
        return Observation(
            False, "nobody on duty", f"no shift covers {now:%Y-%m-%d %H:%M} UTC{hint}"
        )
    duty = {role: _on_duty(current, role) for role in spec.roles}
    names = {role: (shift.people[role] if shift else "") for role, shift in duty.items()}
    missing = [role for role, name in names.items() if name.strip().lower() in NOBODY]
    value = ", ".join(f"{role} {name or '-'}" for role, name in names.items())
    problems = []
    suggestions: tuple[Suggestion, ...] = ()
    if missing:
        places = sorted({shift.where for role in missing if (shift := duty[role]) is not None})
        at = f" at {', '.join(places)}" if places else ""
        problems.append(f"no {' and no '.join(missing)} on duty{at}")
        named = {role for shift in shifts for role in shift.people}
        if any(role not in named for role in missing):
            # The schedule calls the role otherwise: say what it calls its roles.
            shown = ctx.redactor.excerpt(", ".join(sorted(named)), 200)
            problems[-1] += f" (the schedule's roles: {shown})"
            suggestions = role_value_suggestions(spec.roles, named, problems[-1])
    staffed = [name.strip().lower() for role, name in names.items() if role not in missing]
    if spec.distinct and len(set(staffed)) < len(staffed):
        problems.append("the same person holds several roles")
    ends = [shift.end for role, shift in duty.items() if shift is not None and role not in missing]
    first_end = min(ends) if ends else now
    left = (first_end - now).total_seconds()
    if ends and left < spec.covered_for:
        problems.append(
            f"duty ends in {format_duration(left)}, need {format_duration(spec.covered_for)}"
        )
    where = ", ".join(sorted({shift.where for shift in duty.values() if shift is not None}))
    detail = "; ".join(problems) or (
        f"on duty per {where}; next hand-over in {format_duration(left)} "
        f"({first_end:%Y-%m-%d %H:%M} UTC)"
    )
    return Observation(not problems, value, detail, suggestions=suggestions)


def _on_duty(current: list[Shift], role: str) -> Shift | None:
    """The last row covering now that names this role (later rows override earlier ones)."""
    naming = [shift for shift in current if role in shift.people]
    return naming[-1] if naming else None


def _read(path: Path, confinement: Confinement, stop: Stop) -> str | None:
    """The schedule's text; None when there is no such file."""
    real = confinement.check(path)
    if not os.path.isfile(real):
        return None
    data, _ = read_bounded(
        real, MAX_SCHEDULE_BYTES, stop, shown=path.name, refuse_larger="an on-call schedule"
    )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProbeError(f"{path.name}: not UTF-8 text") from None


def parse_schedule(text: str, spec: OnCallProbe, path: Path) -> list[Shift]:
    """Every shift of a markdown or YAML schedule.

    Raises:
        ProbeError: no usable table, a bad time, or an unknown time zone.
    """
    fmt = spec.format
    if fmt == "auto":
        fmt = "yaml" if path.suffix.lower() in (".yaml", ".yml") else "markdown"
    if fmt == "yaml":
        return _yaml_shifts(text, spec, path.name)
    return _markdown_shifts(text, spec, path.name)


def _zone(name: str, where: str) -> ZoneInfo:
    try:
        return ZoneInfo(check_timezone(name))
    except ValueError as exc:
        raise ProbeError(f"{where}: {exc}") from None


def _markdown_shifts(text: str, spec: OnCallProbe, name: str) -> list[Shift]:
    declared = _TZ_LINE_RE.search(text)
    zone = _zone(declared.group(1) if declared else spec.timezone, name)
    lines = text.splitlines()
    found: list[Located] = []
    weekly: list[Shift] = []
    week: tuple[str, re.Match[str]] | None = None
    index = 0
    while index < len(lines):
        heading = _WEEK_RE.match(lines[index])
        if heading is not None:
            week = (f"{name}:{index + 1}", heading)
        elif lines[index].lstrip().startswith("#"):
            week = None  # another heading ends the week's part of the file
        header = _cells(lines[index])
        if header is not None and index + 1 < len(lines) and _is_rule(lines[index + 1]):
            cells = _table_rows(lines, index + 2)
            table = locate(index + 1, header, cells, spec.columns, dated=week is not None)
            found.append(table)
            start_col, end_col = table.start, table.end
            columns = [cell.lower().strip("* ") for cell in header]
            role_cols = {role: _role_col(columns, role) for role in spec.roles}
            role_col, name_col = table.role, table.name
            if start_col is None and week is not None:
                people = _people_reader(role_cols, role_col, name_col)
                if people is not None:
                    weekly += _week_rows(lines, index + 2, week, people, zone)
            elif start_col is None:
                pass
            elif None not in role_cols.values() and spec.columns.role is None:
                rows = _rows(lines, index + 2, start_col, end_col, role_cols, zone, name)
                return rows if end_col is not None else until_next_start(rows, name)
            elif role_col is not None and name_col is not None:
                rows = _role_rows(
                    lines, index + 2, start_col, end_col, role_col, name_col, zone, name
                )
                return rows if end_col is not None else until_next_start(rows, name)
        index += 1
    if weekly:
        return weekly
    wanted = ", ".join(["start", "end", *spec.roles])
    message = (
        f"{name}: no markdown table with columns {wanted} (or start, end, role, name;"
        " end may be left out: a shift then runs until the next row's start; or role,"
        " name under a 'Week of YYYY-MM-DD' heading);"
        f" {tables_found(found)}"
    )
    raise ProbeError(
        message,
        output="\n".join(f"line {t.line}: {' | '.join(t.header)}" for t in found),
        suggestions=table_suggestions(spec.roles, found, message),
    )


def _role_col(columns: list[str], role: str) -> int | None:
    """The column of one role (a table with a column per role)."""
    return next(
        (i for i, column in enumerate(columns) if column == role or column.split(" ")[0] == role),
        None,
    )


def _table_rows(lines: list[str], first: int) -> list[list[str]]:
    """The cells of a table's rows, from `first` to the first line that is not a row."""
    rows = []
    for number in range(first, len(lines)):
        cells = _cells(lines[number])
        if cells is None:
            break
        rows.append(cells)
    return rows


def _rows(
    lines: list[str],
    first: int,
    start_col: int,
    end_col: int | None,
    role_cols: dict[str, int | None],
    zone: ZoneInfo,
    name: str,
) -> list[Shift]:
    shifts = []
    for number in range(first, len(lines)):
        cells = _cells(lines[number])
        if cells is None:
            break
        where = f"{name}:{number + 1}"
        cell = _cell_reader(cells)
        start = _moment(cell(start_col), zone, where, is_end=False)
        end = start if end_col is None else _moment(cell(end_col), zone, where, is_end=True)
        people = {role: cell(column) for role, column in role_cols.items()}
        shifts.append(Shift(start, end, people, f"line {number + 1}"))
    return shifts


def _role_rows(
    lines: list[str],
    first: int,
    start_col: int,
    end_col: int | None,
    role_col: int,
    name_col: int,
    zone: ZoneInfo,
    name: str,
) -> list[Shift]:
    """Rows of `| Role | Name | From | To |`: one person in one role per row."""
    shifts = []
    for number in range(first, len(lines)):
        cells = _cells(lines[number])
        if cells is None:
            break
        where = f"{name}:{number + 1}"
        cell = _cell_reader(cells)
        start = _moment(cell(start_col), zone, where, is_end=False)
        end = start if end_col is None else _moment(cell(end_col), zone, where, is_end=True)
        role = cell(role_col).lower()
        shifts.append(Shift(start, end, {role: cell(name_col)}, f"line {number + 1}"))
    return shifts


_People = Callable[[Callable[[int | None], str]], dict[str, str]]


def _people_reader(
    role_cols: dict[str, int | None], role_col: int | None, name_col: int | None
) -> _People | None:
    """Who a row names, by role: a column per role, or a Role and a Name column."""
    if None not in role_cols.values():
        return lambda cell: {role: cell(column) for role, column in role_cols.items()}
    if role_col is not None and name_col is not None:
        return lambda cell: {cell(role_col).lower(): cell(name_col)}
    return None


def _week_rows(
    lines: list[str],
    first: int,
    week: tuple[str, re.Match[str]],
    people: _People,
    zone: ZoneInfo,
) -> list[Shift]:
    """The rows of an undated table under a `Week of DATE` heading: that week's shifts."""
    where, heading = week
    start = _moment(heading.group(1), zone, where, is_end=False)
    last = heading.group(2)
    end = _moment(last, zone, where, is_end=True) if last else start + WEEK
    shifts = []
    for number in range(first, len(lines)):
        cells = _cells(lines[number])
        if cells is None:
            break
        shifts.append(Shift(start, end, people(_cell_reader(cells)), f"line {number + 1}"))
    return shifts


def _cell_reader(row: list[str]) -> Callable[[int | None], str]:
    def cell(column: int | None) -> str:
        if column is None or column >= len(row):
            return ""
        return row[column].strip().strip("*_ ")

    return cell


def _cells(line: str) -> list[str] | None:
    stripped = line.strip()
    if not stripped.startswith("|"):
        return None
    body = stripped[1:-1] if stripped.endswith("|") and len(stripped) > 1 else stripped[1:]
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", body)]


def _is_rule(line: str) -> bool:
    cells = _cells(line)
    return cells is not None and all(re.fullmatch(r":?-{2,}:?", cell) for cell in cells if cell)


def until_next_start(shifts: list[Shift], name: str) -> list[Shift]:
    """End each shift where the next one (of the same roles) starts: a rotation written
    with a start column alone (`Week starting`). The last shift lasts as long as the one
    before it (the rotation's period).

    Raises:
        ProbeError: a rotation with a single row, so no period to go by.
    """
    chains: dict[tuple[str, ...], list[Shift]] = {}
    for shift in shifts:
        chains.setdefault(tuple(sorted(shift.people)), []).append(shift)
    ended: dict[int, Shift] = {}
    for chain in chains.values():
        starts = sorted({shift.start for shift in chain})
        if len(starts) < 2:
            raise ProbeError(
                f"{name}: a schedule without an end column needs two starts or more"
                " (a shift runs until the next row's start)"
            )
        period = starts[-1] - starts[-2]
        for shift in chain:
            later = [start for start in starts if start > shift.start]
            end = later[0] if later else shift.start + period
            ended[id(shift)] = Shift(shift.start, end, shift.people, shift.where)
    # The file's order is kept: where rows overlap, the later one still wins.
    return [ended[id(shift)] for shift in shifts]


def _moment(raw: object, zone: ZoneInfo, where: str, *, is_end: bool) -> dt.datetime:
    """A schedule time in UTC; a bare date is midnight, or the next midnight for an end."""
    if isinstance(raw, dt.datetime):
        moment = raw
    elif isinstance(raw, dt.date):
        moment = dt.datetime.combine(raw + dt.timedelta(days=int(is_end)), dt.time())
    else:
        text = str(raw).strip()
        if _DATE_RE.match(text):
            day = dt.date.fromisoformat(text) + dt.timedelta(days=int(is_end))
            moment = dt.datetime.combine(day, dt.time())
        else:
            try:
                moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise ProbeError(
                    f"{where}: {one_line(text, 40)!r} is not a time (use YYYY-MM-DD HH:MM)"
                ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(dt.UTC)


def _yaml_shifts(text: str, spec: OnCallProbe, name: str) -> list[Shift]:
    import yaml

    try:
        document: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProbeError(f"{name}: invalid YAML ({one_line(str(exc), 100)})") from None
    if not isinstance(document, dict) or not isinstance(document.get("shifts"), list):
        raise ProbeError(f"{name}: expected a mapping with a 'shifts' list")
    zone = _zone(str(document.get("timezone") or spec.timezone), name)
    shifts = []
    items: list[Any] = document["shifts"]
    # No shift with an end: a rotation, each shift running until the next one starts.
    rotation = all(isinstance(item, dict) and "end" not in item for item in items)
    for number, item in enumerate(items):
        where = f"{name}: shifts[{number}]"
        if not isinstance(item, dict) or "start" not in item or ("end" not in item) != rotation:
            raise ProbeError(f"{where}: needs 'start' and 'end' (or no shift has an 'end')")
        people = {
            role: "" if item.get(role) is None else str(item.get(role)) for role in spec.roles
        }
        shifts.append(
            Shift(
                _moment(item["start"], zone, where, is_end=False),
                _moment(item["start" if rotation else "end"], zone, where, is_end=not rotation),
                people,
                f"shifts[{number}]",
            )
        )
    return until_next_start(shifts, name) if rotation else shifts


__all__ = ["Shift", "parse_schedule", "run_oncall_probe"]
