"""The `metrics` probe: scrape a Prometheus text endpoint and compare a quantile, ratio or gauge."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, Field, WithJsonSchema, model_validator

from gonogo_tui.core.probes.base import ProbeSpec
from gonogo_tui.core.types import Compare, Headers, Token

_NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_MATCHER_RE = re.compile(
    r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)'
)


@dataclass(frozen=True)
class Matcher:
    """One label matcher of a selector: `name="v"`, `name!="v"`, `name=~"re"`, `name!~"re"`."""

    label: str
    op: str
    value: str
    written: str = field(default="", compare=False)
    """The matcher as the selector writes it (`route !~ "/health"`, escapes and spaces as
    written): what an edit of the checklist replaces; empty when built in code."""

    def matches(self, labels: dict[str, str]) -> bool:
        """Whether a series' labels satisfy this matcher (a missing label is `""`)."""
        actual = labels.get(self.label, "")
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        found = re.fullmatch(self.value, actual) is not None
        return found if self.op == "=~" else not found


@dataclass(frozen=True)
class Selector:
    """A PromQL-style series selector: `metric{label="value", other=~"re.*"}`."""

    name: str
    matchers: tuple[Matcher, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        """Whether every matcher holds for these labels."""
        return all(matcher.matches(labels) for matcher in self.matchers)


def parse_selector(text: str) -> Selector:
    """Parse `name{l="v",l2=~"re"}` (the braces are optional).

    Raises:
        ValueError: not a selector, or a bad regex.
    """
    text = text.strip()
    match = _NAME_RE.match(text)
    if match is None and not text.startswith("{"):
        raise ValueError(f'{text!r} is not a selector (expected metric_name{{label="value"}})')
    rest = text[match.end() :].strip() if match is not None else text
    matchers: list[Matcher] = []
    if rest:
        if not (rest.startswith("{") and rest.endswith("}")):
            raise ValueError(f"{text!r}: labels go inside {{...}} after the metric name")
        body = rest[1:-1]
        position = 0
        while body[position:].strip():
            found = _MATCHER_RE.match(body, position)
            if found is None:
                raise ValueError(f"{text!r}: bad label matcher near {body[position:][:30]!r}")
            label, op, raw, _ = found.groups()
            value = re.sub(r"\\(.)", r"\1", raw)
            if op in ("=~", "!~"):
                try:
                    re.compile(value)
                except re.error as exc:
                    raise ValueError(f"{text!r}: invalid regex {value!r}: {exc}") from None
            written = body[found.start(1) : found.end(3) + 1]
            matchers.append(Matcher(label, op, value, written))
            position = found.end()
    if match is None and not any(m.label == "__name__" and m.op in ("=", "=~") for m in matchers):
        raise ValueError(f'{text!r}: without a metric name, give {{__name__=~"a|b"}}')
    return Selector(match.group(0) if match is not None else "", tuple(matchers))


def _check_selector(text: str) -> str:
    parse_selector(text)
    return text


SelectorText = Annotated[
    str,
    AfterValidator(_check_selector),
    WithJsonSchema({"type": "string", "description": 'metric_name{label="value",l2=~"re"}'}),
]
"""A series selector, checked at load time."""


class MetricsProbe(ProbeSpec):
    """Scrapes a Prometheus text (or OpenMetrics) endpoint once and compares one number.

    Give exactly one measure: `histogram` with `quantile`, `numerator` with `denominator`,
    or `gauge` (optionally over `capacity`). Samples are scraped totals since the target
    started, so a quantile covers every observation the process has made.
    """

    kind: Literal["metrics"] = "metrics"
    start_tier: ClassVar[int] = 0
    url: str
    """The endpoint, e.g. `${API_URL}/api/public/metrics.prom`."""
    token: Token | None = None
    """Bearer token, if the endpoint needs one (redacted)."""
    headers: Headers = Field(default_factory=dict)
    """Extra request headers; Authorization and token-like headers are redacted."""
    insecure: bool = False
    """Skip TLS certificate verification (off by default)."""

    histogram: SelectorText | None = None
    """A histogram's base name and labels, e.g. `http_request_duration_seconds{route!="/health"}`;
    its `_bucket` series are summed by `le` across matching series."""
    quantile: float | None = Field(default=None, ge=0, le=1)
    """The quantile of `histogram`, e.g. `0.95`, interpolated as PromQL's histogram_quantile."""
    numerator: SelectorText | None = None
    """Counter series summed on top of the ratio, e.g. `http_requests_total{status=~"5.."}`."""
    denominator: SelectorText | None = None
    """Counter series summed below the ratio, e.g. `http_requests_total`."""
    gauge: SelectorText | Annotated[list[SelectorText], Field(min_length=1)] | None = Field(
        default=None,
        description="Gauge series, e.g. database_connections_active. Several metrics, each"
        " compared on its own (the detail names the worst): a list [cpu_usage, memory_usage]"
        ' or a name regex {__name__=~"cpu_usage|memory_usage"}.',
    )
    capacity: SelectorText | None = None
    """Compare `gauge / capacity` instead of the gauge itself, e.g. `database_connections_max`."""
    aggregate: Literal["sum", "max", "min", "avg"] | None = None
    """How matching gauge series combine; default `max` alone, `sum` over a `capacity`."""

    compare: Compare
    """The expectation after `scale`, e.g. `< 200` (ms) or `< 1` (%)."""
    scale: float = Field(default=1.0, gt=0, allow_inf_nan=False)
    """Multiply the measured number first: `1000` turns seconds into ms, `100` a ratio into %."""
    unit: str = ""
    """Shown after the value, e.g. ` ms` or `%`."""
    artifact: str | None = "baseline_metrics.txt"
    """Keep the scraped text as evidence under this name; null keeps nothing."""

    secret_fields: ClassVar[tuple[str, ...]] = ("token",)

    @model_validator(mode="after")
    def _one_measure(self) -> MetricsProbe:
        measures = [
            self.histogram is not None,
            self.numerator is not None or self.denominator is not None,
            self.gauge is not None,
        ]
        if sum(measures) != 1:
            raise ValueError("give exactly one of 'histogram', 'numerator'/'denominator', 'gauge'")
        if (self.histogram is None) != (self.quantile is None):
            raise ValueError("'histogram' and 'quantile' go together")
        if (self.numerator is None) != (self.denominator is None):
            raise ValueError("'numerator' and 'denominator' go together")
        if self.capacity is not None and self.gauge is None:
            raise ValueError("'capacity' needs 'gauge'")
        if self.capacity is not None and self.several_gauges:
            raise ValueError("'capacity' goes with one gauge metric, not several")
        named = (self.histogram, self.numerator, self.denominator, self.capacity)
        if any(text is not None and not parse_selector(text).name for text in named):
            raise ValueError("only 'gauge' may name its metrics by a {__name__=~...} regex")
        if self.aggregate is not None and self.gauge is None:
            raise ValueError("'aggregate' applies to 'gauge' only")
        if self.artifact is not None and not re.fullmatch(r"[A-Za-z0-9_.-]+", self.artifact):
            raise ValueError("'artifact' must be a plain file name (letters, digits, _ . -)")
        return self

    @property
    def label(self) -> str:
        """The measure's short name for values: `p95`, `ratio`, or the gauge's name."""
        if self.quantile is not None:
            return f"p{self.quantile * 100:g}"
        if self.numerator is not None:
            return "ratio"
        if self.several_gauges:
            return "each of " + ", ".join(self.gauges)
        name = parse_selector(self.gauges[0]).name
        return f"{name}/capacity" if self.capacity is not None else name

    @property
    def gauges(self) -> list[str]:
        """The gauge selectors as written (one, or the list)."""
        if self.gauge is None:
            return []
        return [self.gauge] if isinstance(self.gauge, str) else list(self.gauge)

    @property
    def several_gauges(self) -> bool:
        """Whether the gauge names several metrics, each compared on its own."""
        gauges = self.gauges
        return len(gauges) > 1 or any(not parse_selector(text).name for text in gauges)

    def effective_aggregate(self) -> str:
        """The aggregation applied to gauge series."""
        if self.aggregate is not None:
            return self.aggregate
        return "sum" if self.capacity is not None else "max"

    def source(self) -> str:
        if self.histogram is not None:
            what = f"histogram_quantile({self.quantile:g}, {self.histogram})"
        elif self.numerator is not None:
            what = f"{self.numerator} / {self.denominator}"
        else:
            what = ", ".join(f"{self.effective_aggregate()}({text})" for text in self.gauges)
            if self.capacity is not None:
                what += f" / {self.effective_aggregate()}({self.capacity})"
        return f"{self.url} {what}"

    def expectation(self) -> str:
        return f"{self.label} {self.compare}{self.unit}"


__all__ = ["Matcher", "MetricsProbe", "Selector", "parse_selector"]
