"""What a probe measured, as a person reads it: a short value with its unit and, when the
check is not met, the threshold it missed (`max-age 86400 s`, `needs ≥ 15552000 s`).

Rows, the blockers lists and the presenter show these; the probe's own value and
expectation (which may name SQL columns, metric names and regexes) stay in the detail pane
and the record. Pure functions of the probe as written and its result: no I/O, no clock.

Units come from the probe where it states them (`unit:` of metrics and command extracts,
coverage percent, durations), else from the name of what is measured by the usual naming
conventions (`backup_age_hours` is hours and an age, `size_pct_per_day` percent per day,
`latency_ms` milliseconds, `*_bytes` bytes), else there is none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gonogo_tui.core.probes.base import ProbeResult, ProbeSpec, Status
from gonogo_tui.core.probes.command import CommandProbe
from gonogo_tui.core.probes.coverage import CoverageProbe
from gonogo_tui.core.probes.file import FileProbe
from gonogo_tui.core.probes.http.spec import HeaderNumber, HttpProbe
from gonogo_tui.core.probes.metrics import MetricsProbe
from gonogo_tui.core.probes.pgbouncer import PgBouncerProbe
from gonogo_tui.core.probes.sql import SqlProbe
from gonogo_tui.core.types import Comparison, format_duration, to_number

SYMBOLS = {">=": "≥", "<=": "≤", "==": "", "!=": "≠", ">": ">", "<": "<"}
"""How a threshold's operator reads: `== 1` is just `1`."""

_NAME_UNITS = {
    **dict.fromkeys(("seconds", "second", "secs", "sec", "s"), "s"),
    **dict.fromkeys(("milliseconds", "millis", "ms"), "ms"),
    **dict.fromkeys(("minutes", "minute", "mins", "min"), "min"),
    **dict.fromkeys(("hours", "hour", "hrs", "h"), "h"),
    **dict.fromkeys(("days", "day", "d"), "d"),
    **dict.fromkeys(("weeks", "week"), "w"),
    **dict.fromkeys(("pct", "percent", "percentage"), "%"),
    **dict.fromkeys(("bytes", "byte"), "B"),
}
_TIME_UNITS = ("ms", "s", "min", "h", "d", "w")
_BYTE_STEPS = ("B", "KiB", "MiB", "GiB", "TiB")
# A number glued to its unit (`39h`, `91.2%`, `511ms`), not inside a word (`k8s`, `p95`).
_GLUED = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(%|ms|min|s|m|h|d|w)(?![\w])")
_OPERATORS = re.compile(r"(>=|<=|==|!=)")
_EXPECTED = re.compile(r"\((?:expected|max) ([^()]+)\)|is not (.+?)(?: \(|$)")


@dataclass(frozen=True)
class Reading:
    """A measured value and, when not met, the threshold, both in human units."""

    value: str
    """`96.5 %`, `3 h old`, `6 rules`, `p95 99 ms`, `max-age 86400 s`."""
    needs: str = ""
    """The threshold the value missed (`≥ 15552000 s`); empty when met or unknown."""

    label: str = ""
    """What the value is of, when the title may not say it (`max-age`)."""

    @property
    def text(self) -> str:
        """`max-age 86400 s, needs ≥ 15552000 s`, or the value alone."""
        value = f"{self.label} {self.value}" if self.label else self.value
        if self.needs and value:
            return f"{value}, needs {self.needs}"
        return value or (f"needs {self.needs}" if self.needs else "")

    @property
    def brief(self) -> str:
        """`text` for a narrow row: no label, no aside in brackets (`1 alert, needs none`)."""
        value = re.sub(r"\s*\([^()]*\)", "", self.value).strip() or self.value
        return Reading(value, self.needs).text


def number_text(value: float) -> str:
    """A number without noise: `30`, `1.4`, `96.5`, `15552000`, `0.25`."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    magnitude = abs(value)
    digits = 0 if magnitude >= 100 else 1 if magnitude >= 10 else 2
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")


def with_unit(number: float, unit: str) -> str:
    """`86400 s`, `96.5 %`, `1.4 %/day`, `1.5 MiB` (bytes scale), `3` (no unit)."""
    if unit == "B" or unit.startswith("B/"):
        step = 0
        while abs(number) >= 1024 and step < len(_BYTE_STEPS) - 1:
            number, step = number / 1024, step + 1
        return f"{number_text(number)} {_BYTE_STEPS[step]}{unit[1:]}"
    return f"{number_text(number)} {unit}" if unit else number_text(number)


def threshold(comparison: Comparison, unit: str = "") -> str:
    """`≥ 15552000 s`, `< 24 h`, `1` (for `== 1`), `≠ failed`."""
    symbol = SYMBOLS[comparison.op]
    target = comparison.target
    shown = with_unit(target, unit) if isinstance(target, float) else target
    return f"{symbol} {shown}" if symbol else shown


def name_unit(name: str) -> tuple[str, bool]:
    """The unit a measured thing's name implies, and whether it is an age.

    `backup_age_hours` -> (`h`, True), `size_growth_pct_per_day` -> (`%/day`, False),
    `latency_ms` -> (`ms`, False), `rows` -> (``, False).
    """
    words = [word for word in re.split(r"[^a-z0-9]+", name.lower()) if word]
    per = ""
    if len(words) >= 3 and words[-2] == "per":
        per, words = "/" + words[-1], words[:-2]
    unit = _NAME_UNITS.get(words[-1], "") if len(words) > 1 else ""
    aged = unit in _TIME_UNITS and "age" in words
    return (unit + per if unit else ""), aged


def humanize(text: str) -> str:
    """A probe's own wording with readable operators and units: `age <= 7d` -> `age ≤ 7 d`."""
    text = re.sub(r"^==\s*", "", text)  # `== 1` is just `1`
    text = _OPERATORS.sub(lambda m: SYMBOLS[m.group(1)] or "=", text)
    return _GLUED.sub(lambda m: f"{m.group(1)} {'min' if m.group(2) == 'm' else m.group(2)}", text)


def _number(text: str) -> float | None:
    try:
        return to_number(text)
    except ValueError:
        return None


def _missed(detail: str) -> str:
    """The threshold a detail says was missed: `... (expected >= 15552000)` -> `>= 15552000`."""
    match = _EXPECTED.search(detail)
    if match is None:
        return ""
    return (match.group(1) or match.group(2) or "").strip()


def _named(name: str, raw: str, comparison: Comparison | None, failed: bool) -> Reading:
    """A value measured under a name (a column, a header's field), its unit from the name."""
    unit, aged = name_unit(name)
    number = _number(raw)
    if number is None:
        value = raw
    else:
        value = with_unit(number, unit) + (" old" if aged else "")
    needs = threshold(comparison, unit) if failed and comparison is not None else ""
    return Reading(value, needs)


def _sql(probe: SqlProbe, result: ProbeResult, failed: bool) -> Reading:
    value = result.value.strip()
    count = re.fullmatch(r"(\d+) rows?", value)
    if count is not None and probe.rows is not None and not probe.rows.holds(count.group(1)):
        needs = threshold(probe.rows, "rows")
        return Reading(value, "1 row" if needs == "1 rows" else needs)
    # `backup_age_hours = 30.00 (expected < 24)`: the failing column first.
    found = re.match(r"(\S+) = (.+?)(?: \(expected .*?\))?(?:;|$)", result.detail)
    for check in probe.column_checks:
        if found is not None and str(check.column) == found.group(1):
            return _named(found.group(1), found.group(2), check.compare, failed)
    if len(probe.column_checks) == 1:
        check = probe.column_checks[0]
        column = check.column if isinstance(check.column, str) else ""
        return _named(column, value, check.compare, failed)
    return Reading(humanize(value), humanize(probe.expectation()) if failed else "")


def _header_field(check: HeaderNumber) -> tuple[str, str, bool]:
    """The field a header regex reads (the text before its group: `max-age`), its unit and
    whether it is an age; HTTP's `max-age`/`Age` fields count seconds (RFC 9111)."""
    label = re.sub(r"[^A-Za-z0-9-]", "", check.regex.split("(", 1)[0]).strip("-")
    unit, aged = name_unit(label)
    if not unit and label.lower().split("-")[-1] in ("age", "maxage"):
        unit = "s"
    return label, unit, aged


def _header_reading(check: HeaderNumber, raw: str, failed: bool) -> Reading:
    """`max-age 86400 s`, and the threshold when it failed."""
    label, unit, aged = _header_field(check)
    number = _number(raw)
    shown = raw if number is None else with_unit(number, unit) + (" old" if aged else "")
    return Reading(shown, threshold(check.compare, unit) if failed else "", label)


def _http(probe: HttpProbe, result: ProbeResult, failed: bool) -> Reading:
    value, detail = result.value.strip(), result.detail
    header = re.match(r"header (\S+): (\S+) \(expected", detail) if failed else None
    for check in probe.header_numbers:
        if header is not None and header.group(1).lower() == check.header.lower():
            return _header_reading(check, header.group(2), failed)
        if not failed and f"{check.header} {value}" in detail:
            return _header_reading(check, value, failed)
    status = re.match(r"status (\d+) \(expected (.+?)\)", detail) if failed else None
    if status is not None:
        return Reading(f"HTTP {status.group(1)}", f"HTTP {status.group(2)}")
    if re.fullmatch(r"\d{3}", value):
        return Reading(f"HTTP {value}")
    if failed and probe.max_ms is not None and detail.startswith("took "):
        return Reading(humanize(value), f"≤ {number_text(probe.max_ms)} ms")
    return Reading(humanize(value), humanize(_missed(detail)) if failed else "")


def _metrics(probe: MetricsProbe, result: ProbeResult, failed: bool) -> Reading:
    value = result.value.strip()
    label = probe.label
    # A metric's name (`resource_utilization_ratio`) says nothing to the room: the criterion's
    # title does. Short labels (`p95`, `ratio`) stay.
    if value.startswith(label + " ") and re.search(r"[_/{:]", label):
        value = value[len(label) + 1 :]
    if value.startswith("ratio "):
        value = value[len("ratio ") :]
    # Several series (`gauge: [cpu, memory]`): the worst is named by its selector,
    # `resource_utilization_ratio{resource="memory"} 52%`; the room reads `memory 52 %`.
    named = _SERIES.fullmatch(value)
    if named is not None and re.search(r"[_:]", named["name"]):
        labels = ",".join(re.findall(r'="((?:[^"\\]|\\.)*)"', named["labels"] or ""))
        value = f"{labels} {named['rest']}" if labels else named["rest"]
    return Reading(humanize(value), threshold(probe.compare, probe.unit.strip()) if failed else "")


_SERIES = re.compile(r"(?P<name>[A-Za-z_:][\w:]*)(?P<labels>\{[^}]*\})?\s+(?P<rest>\S.*)")


def _coverage(probe: CoverageProbe, result: ProbeResult, failed: bool) -> Reading:
    value = humanize(result.value.strip())
    if not failed:
        return Reading(value)
    number = _number(result.value)
    if number is not None and probe.compare.holds(number) and probe.max_age:
        return Reading(value, f"report ≤ {humanize(format_duration(probe.max_age))} old")
    return Reading(value, threshold(probe.compare, "%"))


def _file(probe: FileProbe, result: ProbeResult, failed: bool) -> Reading:
    value = result.value.strip()
    # `spark-web-spark-api.json, 3h old`: the file's name is in the detail; the age is read.
    aged = re.search(r"(?:^|, )([^,]*\bold)$", value)
    if aged is not None:
        value = aged.group(1)
    if not failed:
        return Reading(humanize(value))
    if aged is not None and probe.max_age is not None:
        return Reading(humanize(value), f"≤ {humanize(format_duration(probe.max_age))} old")
    if value in ("absent", "no files"):
        return Reading(value, "exists")
    return Reading(humanize(value), humanize(probe.expectation()))


def _command(probe: CommandProbe, result: ProbeResult, failed: bool) -> Reading:
    value = humanize(result.value.strip())
    extract = probe.extract
    number = _number(result.value)
    if extract is not None and number is not None:
        unit = extract.unit.strip()
        needs = threshold(extract.compare, unit) if failed else ""
        return Reading(with_unit(number, unit), needs)
    return Reading(value, humanize(probe.expectation()) if failed else "")


def _pgbouncer(probe: PgBouncerProbe, result: ProbeResult, failed: bool) -> Reading:
    # `83% max (app/app)`: the pool's name is in the detail.
    value = humanize(re.sub(r"\s*\([^()]*\)$", "", result.value.strip()))
    if failed and "%" in value and probe.max_utilization is not None:
        return Reading(value, threshold(probe.max_utilization, "%"))
    return Reading(value, humanize(probe.expectation()) if failed else "")


def reading(probe: ProbeSpec | None, result: ProbeResult) -> Reading:
    """What `result` measured, in human units; for a FAIL, with the threshold it missed.

    An ERROR reads as its cause (`cannot measure` is the caller's to add).
    """
    if result.status is Status.ERROR:
        return Reading(result.detail.strip() or result.value.strip())
    found = _by_kind(probe, result, result.status is Status.FAIL)
    expected = result.expected.strip()
    if result.status is Status.FAIL and not found.needs and expected and "," not in expected:
        # The check could not be singled out, but the probe expected one thing only.
        if found.value.startswith("HTTP ") and expected.startswith("status "):
            expected = "HTTP " + expected.removeprefix("status ")
        return Reading(found.value, humanize(expected), found.label)
    return found


def _by_kind(probe: ProbeSpec | None, result: ProbeResult, failed: bool) -> Reading:
    if isinstance(probe, SqlProbe):
        return _sql(probe, result, failed)
    if isinstance(probe, HttpProbe):
        return _http(probe, result, failed)
    if isinstance(probe, MetricsProbe):
        return _metrics(probe, result, failed)
    if isinstance(probe, CoverageProbe):
        return _coverage(probe, result, failed)
    if isinstance(probe, FileProbe):
        return _file(probe, result, failed)
    if isinstance(probe, CommandProbe):
        return _command(probe, result, failed)
    if isinstance(probe, PgBouncerProbe):
        return _pgbouncer(probe, result, failed)
    # The other kinds word their values for people already (`6 rules`, `0/1 green`,
    # `1 alert (1 WARNING)`); their expectation is the threshold.
    value = humanize(result.value.strip())
    if not failed:
        return Reading(value)
    green = re.fullmatch(r"(\d+)/(\d+) green", value)
    if green is not None:
        return Reading(value, f"{green.group(2)}/{green.group(2)} green")
    expected = humanize(result.expected)
    # `no CRITICAL/WARNING alerts`, `none pending or failed in latest 5`: none of them.
    return Reading(value, "none" if re.match(r"(no|none) ", expected) else expected)


def expectation(probe: ProbeSpec) -> str:
    """What a probe not run yet must find, in human units (`≥ 95 %`, `< 24 h`)."""
    if isinstance(probe, SqlProbe) and len(probe.column_checks) == 1:
        check = probe.column_checks[0]
        unit, _ = name_unit(check.column if isinstance(check.column, str) else "")
        return threshold(check.compare, unit)
    if isinstance(probe, MetricsProbe):
        return threshold(probe.compare, probe.unit.strip())
    if isinstance(probe, CoverageProbe):
        return threshold(probe.compare, "%")
    if isinstance(probe, HttpProbe) and len(probe.header_numbers) == 1:
        header = probe.header_numbers[0]
        label, unit, _ = _header_field(header)
        return f"{label} {threshold(header.compare, unit)}".strip()
    # A regex says nothing to the room (it stays in the detail pane).
    parts = [part for part in probe.expectation().split(", ") if "~ /" not in part]
    return humanize(", ".join(parts))


__all__ = [
    "Reading",
    "expectation",
    "humanize",
    "name_unit",
    "number_text",
    "reading",
    "threshold",
    "with_unit",
]
