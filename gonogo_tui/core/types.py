"""Value types shared by checklist models and probes: durations, comparisons, regexes."""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, WithJsonSchema

from gonogo_tui.core.clock import format_duration

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def parse_duration(value: object) -> float:
    """Turn `90`, `"90s"`, `"5m"`, `"24h"`, `"7d"` or `"250ms"` into seconds.

    Raises:
        ValueError: the value is not a non-negative duration.
    """
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30s, 5m, 24h or 7d")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        match = _DURATION_RE.match(value)
        if match is None:
            raise ValueError(f"{value!r} is not a duration (use e.g. 250ms, 30s, 5m, 24h, 7d)")
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2) or "s"]
    else:
        raise ValueError("expected a duration such as 30s, 5m, 24h or 7d")
    if seconds < 0 or not math.isfinite(seconds):
        raise ValueError("a duration must be a finite, non-negative number of seconds")
    return seconds


_DURATION_PATTERN = r"^\s*{nonzero}\d+(\.\d+)?\s*(ms|s|m|h|d|w)?\s*$"
_UNITS = "a number with a unit: ms, s, m, h, d, w"

Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": _DURATION_PATTERN.format(nonzero="")},
            ],
            "description": f"seconds, or {_UNITS}",
        }
    ),
]
"""A duration in seconds; YAML may say `30`, `30s`, `5m`, `24h`, `7d`."""

PositiveDuration = Annotated[
    Duration,
    Field(gt=0),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0},
                {"type": "string", "pattern": _DURATION_PATTERN.format(nonzero=r"(?=[\d.]*[1-9])")},
            ],
            "description": f"seconds (more than 0), or {_UNITS}",
        }
    ),
]
"""A duration that must be longer than 0 (a deadline: 0 would make every probe ERROR)."""


def _check_regex(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
    return pattern


Regex = Annotated[
    str, AfterValidator(_check_regex), WithJsonSchema({"type": "string", "format": "regex"})
]
"""A Python regular expression, compiled at load time so a bad one is a checklist error."""

_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}
_COMPARE_RE = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*(.+?)\s*$")


@dataclass(frozen=True)
class Comparison:
    """An expectation such as `>= 95` or `== success`."""

    op: str
    """One of >=, <=, ==, !=, >, <."""
    target: float | str
    """A number, or a string for == and != only."""

    def holds(self, measured: object) -> bool:
        """Whether `measured` satisfies the comparison.

        Raises:
            ValueError: `measured` is not a number where a number is compared.
        """
        compare = _OPERATORS[self.op]
        if isinstance(self.target, float):
            return compare(to_number(measured), self.target)
        return compare(str(measured), self.target)

    def __str__(self) -> str:
        target = self.target
        if isinstance(target, float) and target.is_integer():
            return f"{self.op} {int(target)}"
        return f"{self.op} {target}"


def to_number(value: object) -> float:
    """Convert a measured value to a float, accepting `95.2%` and `1,234`.

    Raises:
        ValueError: the value is not numeric.
    """
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().rstrip("%").replace(",", "").strip()
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{str(value)[:60]!r} is not a number") from None


class _NotComparable(ValueError):
    """A numeric target that no measured value can meaningfully be compared with."""


def _comparable_target(target: float, written: str) -> float:
    # Every comparison with NaN is false (and != always true): such a check could never
    # tell a met expectation from an unmet one.
    if math.isnan(target):
        raise _NotComparable(f"{written}: NaN cannot be compared with anything")
    return target


def parse_comparison(value: object) -> Comparison:
    """Parse `">= 95"`, `"< 0.8"`, `"== success"`; a bare number means `==`.

    Raises:
        ValueError: not a comparison.
    """
    if isinstance(value, Comparison):
        return value
    if isinstance(value, bool):
        raise ValueError("expected a comparison such as '>= 95' or '== success'")
    if isinstance(value, int | float):
        return Comparison("==", _comparable_target(float(value), repr(value)))
    if not isinstance(value, str):
        raise ValueError("expected a comparison such as '>= 95' or '== success'")
    match = _COMPARE_RE.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not a comparison (use e.g. '>= 95', '< 0.8', '== ok')")
    op, raw_target = match.groups()
    try:
        return Comparison(op, _comparable_target(float(raw_target.rstrip("%")), repr(value)))
    except _NotComparable:
        raise
    except ValueError:
        if op not in ("==", "!="):
            raise ValueError(f"{value!r}: {op} needs a number") from None
        return Comparison(op, raw_target.strip("'\""))


Compare = Annotated[
    Comparison,
    BeforeValidator(parse_comparison),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\s*(>=|<=|==|!=|>|<)\s*.+$"},
                {"type": "number"},
            ],
            "description": "an operator and a target: '>= 95', '< 0.8', '== success'",
        }
    ),
]
"""A comparison written `OP TARGET` in YAML."""

_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


def _check_header_name(name: str) -> str:
    if not _HEADER_NAME.match(name):
        raise ValueError(f"{name!r} is not an HTTP header name")
    return name


HeaderName = Annotated[str, AfterValidator(_check_header_name)]
"""An HTTP header name (a token: letters, digits and ``!#$%&'*+-.^_`|~``)."""


def _check_headers(headers: dict[str, str]) -> dict[str, str]:
    for name, value in headers.items():
        _check_header_name(name)
        # The value is not quoted: it may be a credential.
        if not value.isascii() or any(char in value for char in "\r\n\0"):
            raise ValueError(f"header {name}: the value must be ASCII text on one line")
    return headers


Headers = Annotated[dict[str, str], AfterValidator(_check_headers)]
"""Request headers, checked at load time as HTTP sends them: names are tokens, values ASCII."""


def _check_token(token: str) -> str:
    if not token.isascii() or any(char in token for char in "\r\n\0"):
        raise ValueError("a token must be ASCII text on one line (it is sent in a header)")
    return token


Token = Annotated[str, AfterValidator(_check_token)]
"""A credential sent as `Authorization: Bearer TOKEN`; never quoted in errors."""

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=80)]


def _check_title(title: str) -> str:
    if not title.strip():
        raise ValueError("a title needs a visible character, not only spaces")
    return title


Title = Annotated[str, Field(min_length=1), AfterValidator(_check_title)]
"""A title shown on the review's panels and in the record: never empty or blank."""
"""An id: letters, digits, `_`, `.`, `-`."""

__all__ = [
    "Compare",
    "Comparison",
    "Duration",
    "HeaderName",
    "Headers",
    "Identifier",
    "PositiveDuration",
    "Title",
    "Regex",
    "Token",
    "format_duration",
    "parse_comparison",
    "parse_duration",
    "to_number",
]
