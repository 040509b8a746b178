"""Runs the `metrics` probe: scrape, parse with prometheus_client, compute, compare."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable, Sequence
from dataclasses import replace

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.execution.http_share import headers_key, shared_request
from gonogo_tui.core.findings import Suggestion
from gonogo_tui.core.probes._ops import connect_errors, fmt_number, http_client, plural
from gonogo_tui.core.probes.base import Observation, ProbeContext
from gonogo_tui.core.probes.metrics import MetricsProbe, Selector, parse_selector
from gonogo_tui.core.probes.metrics_closest import no_series
from gonogo_tui.core.probes.metrics_parse import Exposition, Sample, parse_exposition
from gonogo_tui.core.probes.metrics_series import aggregate as combine
from gonogo_tui.core.probes.metrics_series import (
    measure_each,
    renamed_labels,
    selector_fields,
    unknown_labels,
)
from gonogo_tui.core.probes.transient import http_failure

MAX_SCRAPE_BYTES = 32 * 1024 * 1024
"""A larger exposition is refused rather than parsed."""


async def run_metrics_probe(spec: MetricsProbe, ctx: ProbeContext) -> Observation:
    """Scrape the endpoint, compute the measure and compare it.

    Raises:
        ProbeError: the endpoint answered badly, the text does not parse, or no series match.
    """
    with connect_errors(spec.url):
        return await _run_metrics_probe(spec, ctx)


async def _run_metrics_probe(spec: MetricsProbe, ctx: ProbeContext) -> Observation:
    # Criteria that measure one endpoint share its scrape and its parsing (`http_share`).
    key = (
        "metrics",
        spec.url,
        headers_key(spec.headers),
        spec.token,
        spec.insecure,
        ctx.timeout,
    )
    text, exposition = await shared_request(ctx, key, lambda: _scrape_and_parse(spec, ctx))
    artifacts = {spec.artifact: text} if spec.artifact else {}
    try:
        if spec.several_gauges:
            ok, value, detail, output, found = _measure_several(spec, exposition)
            return Observation(
                ok, value, detail, output, artifacts=artifacts, suggestions=_redacted(ctx, found)
            )
        measured, note, output, found = _measure(spec, exposition)
    except ProbeError as exc:
        # What the target exposes instead is quoted: redacted, then cut. A metric renamed
        # brings its label filters' fit along (doctor fits both in one run).
        fields, samples = selector_fields(spec), exposition.samples
        found = [*exc.suggestions, *renamed_labels(exc.suggestions, fields, samples)]
        redact = ctx.redactor
        raise ProbeError(
            redact.excerpt(str(exc), 400),
            output=redact(exc.output),
            suggestions=_redacted(ctx, found),
        ) from None
    scaled = measured * spec.scale
    value = f"{spec.label} {fmt_number(scaled)}{spec.unit}"
    ok = not math.isnan(scaled) and spec.compare.holds(scaled)
    detail = note if ok else f"{value} is not {spec.compare}{spec.unit} ({note})"
    # A matcher that filters nothing is a finding even when the criterion passes: the
    # number is not what the criterion names (the health checks were not left out).
    return Observation(
        ok=ok,
        value=value,
        detail=detail,
        output=output,
        artifacts=artifacts,
        suggestions=_redacted(ctx, found),
    )


def _redacted(ctx: ProbeContext, found: Sequence[Suggestion]) -> tuple[Suggestion, ...]:
    redact = ctx.redactor
    return tuple(replace(s, why=redact.excerpt(s.why, 400)) for s in found)


async def _scrape_and_parse(spec: MetricsProbe, ctx: ProbeContext) -> tuple[str, Exposition]:
    text, content_type = await _scrape(spec, ctx)
    return text, await asyncio.to_thread(parse_exposition, text, content_type)


async def _scrape(spec: MetricsProbe, ctx: ProbeContext) -> tuple[str, str]:
    async with http_client(
        ctx, insecure=spec.insecure, headers=spec.headers, token=spec.token
    ) as client:
        async with client.stream("GET", spec.url, headers={"Accept": "text/plain"}) as response:
            if response.status_code != 200:
                raise http_failure(
                    response.status_code,
                    response.headers,
                    f"metrics endpoint answered {response.status_code}",
                )
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_SCRAPE_BYTES:
                    raise ProbeError(f"metrics endpoint sent more than {MAX_SCRAPE_BYTES} bytes")
                chunks.append(chunk)
            content_type = response.headers.get("content-type", "")
    try:
        return b"".join(chunks).decode("utf-8"), content_type
    except UnicodeDecodeError:
        raise ProbeError("metrics endpoint sent text that is not UTF-8") from None


def parse_samples(text: str, content_type: str = "text/plain") -> list[Sample]:
    """The samples of every family that parses (see `metrics_parse.parse_exposition`).

    Raises:
        ProbeError: the text does not parse at all.
    """
    return parse_exposition(text, content_type).samples


def measure_several(spec: MetricsProbe, exposition: Exposition) -> tuple[bool, str, str, str]:
    """Several gauge metrics, each compared (`metrics_series.measure_each`), with the notes
    on matchers that filter nothing.

    Raises:
        ProbeError: a family the gauges name did not parse, or a gauge has no data.
    """
    return _measure_several(spec, exposition)[:4]


def _measure_several(
    spec: MetricsProbe, exposition: Exposition
) -> tuple[bool, str, str, str, list[Suggestion]]:
    named = [name for text in spec.gauges if (name := parse_selector(text).name)]
    failures = exposition.failures_for(named)
    if failures:
        raise ProbeError("; ".join(failures))
    found = unknown_labels(selector_fields(spec), exposition.samples)
    ok, value, detail, output = measure_each(spec, exposition.samples)
    return ok, value, "; ".join([detail, *(s.why for s in found)]), output, found


def measure(spec: MetricsProbe, scraped: Exposition | Sequence[Sample]) -> tuple[float, str, str]:
    """The spec's measure (before `scale`), a note, and an output text listing what was used.

    Raises:
        ProbeError: a family the measure needs did not parse, no series match, or the measure
            is undefined (no observations, 0 / 0, a summary without that quantile).
    """
    return _measure(spec, scraped)[:3]


def _measure(
    spec: MetricsProbe, scraped: Exposition | Sequence[Sample]
) -> tuple[float, str, str, list[Suggestion]]:
    exposition = scraped if isinstance(scraped, Exposition) else Exposition(list(scraped))
    texts = [spec.histogram, spec.numerator, spec.denominator, *spec.gauges, spec.capacity]
    names = [parse_selector(text).name for text in texts if text is not None]
    failures = exposition.failures_for(names)
    if failures:
        raise ProbeError("; ".join(failures))
    # Before measuring: a matcher that drops every series is "no data", not a 0 ratio.
    found = unknown_labels(selector_fields(spec), exposition.samples)
    if spec.histogram is not None:
        assert spec.quantile is not None
        value, note, output = _quantile(spec.quantile, parse_selector(spec.histogram), exposition)
    elif spec.numerator is not None:
        assert spec.denominator is not None
        top, bottom = parse_selector(spec.numerator), parse_selector(spec.denominator)
        value, note, output = _ratio(top, bottom, exposition.samples)
    else:
        capacity = parse_selector(spec.capacity) if spec.capacity is not None else None
        value, note, output = _gauge(
            parse_selector(spec.gauges[0]), capacity, spec.effective_aggregate(), exposition.samples
        )
    note += "".join(f"; {s.why}" for s in found)
    lenient = {exposition.family_of(name) for name in names} & exposition.lenient.keys()
    for family in sorted(lenient):
        note += (
            f"; {family} read as Prometheus text, as Prometheus ingests it (strict OpenMetrics "
            f"refused it: {exposition.lenient[family]})"
        )
    return value, note, output, found


def select(selector: Selector, samples: Iterable[Sample], suffix: str = "") -> list[Sample]:
    """Samples named `selector.name + suffix` whose labels match; `_total` is tried as well."""
    chosen = list(samples)
    for name in (selector.name + suffix, selector.name + suffix + "_total"):
        found = [s for s in chosen if s.name == name and selector.matches(s.labels)]
        if found or suffix:
            return found
    return []


def histogram_quantile(q: float, buckets: Sequence[tuple[float, float]]) -> float:
    """PromQL's histogram_quantile over (upper bound, cumulative count) pairs.

    Linear interpolation inside the bucket holding the rank; the lowest bucket starts at 0
    (unless its upper bound is <= 0); a rank in the +Inf bucket gives the highest finite
    bound; no +Inf bucket, fewer than two buckets, or no observations give NaN.
    """
    if math.isnan(q):
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    ordered = sorted(buckets)
    if not ordered or not math.isinf(ordered[-1][0]):
        return math.nan
    merged: list[list[float]] = []
    for bound, count in ordered:
        if merged and merged[-1][0] == bound:
            merged[-1][1] += count
        else:
            merged.append([bound, count])
    highest = -math.inf
    for bucket in merged:  # counts must not decrease; PromQL takes the maximum so far
        highest = max(highest, bucket[1])
        bucket[1] = highest
    if len(merged) < 2:
        return math.nan
    observations = merged[-1][1]
    if observations == 0:
        return math.nan
    rank = q * observations
    index = next((i for i in range(len(merged) - 1) if merged[i][1] >= rank), len(merged) - 1)
    if index == len(merged) - 1:
        return merged[-2][0]
    if index == 0 and merged[0][0] <= 0:
        return merged[0][0]
    start, end, count = 0.0, merged[index][0], merged[index][1]
    if index > 0:
        start = merged[index - 1][0]
        count -= merged[index - 1][1]
        rank -= merged[index - 1][1]
    # 0/0 happens only for rank 0 in an empty lowest bucket; Go's float division gives NaN.
    return start + (end - start) * (rank / count if count else math.nan)


def _quantile(q: float, selector: Selector, exposition: Exposition) -> tuple[float, str, str]:
    samples = exposition.samples
    series = [s for s in select(selector, samples, "_bucket") if "le" in s.labels]
    if not series:
        return _summary_quantile(q, selector, exposition)
    by_bound: dict[float, float] = {}
    for sample in series:
        try:
            bound = float(sample.labels["le"])
        except ValueError:
            raise ProbeError(f"bucket bound le={sample.labels['le']!r} is not a number") from None
        by_bound[bound] = by_bound.get(bound, 0.0) + sample.value
    buckets = sorted(by_bound.items())
    result = histogram_quantile(q, buckets)
    if math.isnan(result):
        if not math.isinf(buckets[-1][0]):
            raise ProbeError(f'{selector.name} has no le="+Inf" bucket')
        if buckets[-1][1] == 0:
            raise ProbeError(
                f"no data: the histogram {selector.name} has 0 observations since the target"
                f" started ({plural(len(series), 'bucket series', 'bucket series')} at 0)"
            )
        raise ProbeError(f"{selector.name}: the quantile is undefined (NaN) for these buckets")
    total = buckets[-1][1]
    groups = len({_without(s.labels, "le") for s in series})
    note = (
        f"{fmt_number(total)} observations in {plural(len(buckets), 'bucket')}"
        f" over {plural(groups, 'series', 'series')}"
    )
    output = "le\tcumulative count\n" + "\n".join(
        f"{fmt_number(bound)}\t{fmt_number(count)}" for bound, count in buckets
    )
    return result, note, output


def _summary_quantile(
    q: float, selector: Selector, exposition: Exposition
) -> tuple[float, str, str]:
    """A summary's exported `quantile` series, when the "histogram" is a summary (Micrometer
    exports timers as summaries unless histogram buckets are enabled)."""
    name = selector.name
    counts = [s for s in exposition.samples if s.name == f"{name}_count"]
    if exposition.types.get(name) != "summary" and not counts:
        message = f"no {name}_bucket series match {_show(selector)}"
        raise no_series(message, name, exposition.samples, "histogram")
    if counts and not any(selector.matches(s.labels) for s in counts):
        raise ProbeError(f"summary {name} has no series matching {_show(selector)}")
    quantiles = [
        s
        for s in exposition.samples
        if s.name == name and "quantile" in s.labels and selector.matches(s.labels)
    ]
    wanted = [s for s in quantiles if _number(s.labels["quantile"]) == q]
    advice = f"enable percentiles-histogram or export quantile {q:g}"
    if not quantiles:
        raise ProbeError(f"{name} is a summary without quantiles; {advice}")
    if not wanted:
        have = ", ".join(sorted({s.labels["quantile"] for s in quantiles}, key=_number))
        raise ProbeError(f"{name} is a summary with quantiles {have} but not {q:g}; {advice}")
    values = [s.value for s in wanted if not math.isnan(s.value)]
    if not values:
        raise ProbeError(
            f'no data: {name}{{quantile="{q:g}"}} is NaN: 0 observations in the summary\'s window'
        )
    note = f'the summary\'s own quantile="{q:g}" series'
    if len(wanted) > 1:
        note += f", the highest of {len(wanted)} (a summary's quantiles cannot be merged)"
    return max(values), note, _listing("quantile", wanted)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def _ratio(top: Selector, bottom: Selector, samples: Sequence[Sample]) -> tuple[float, str, str]:
    numerator = select(top, samples)
    denominator = select(bottom, samples)
    if not denominator:
        raise no_series(f"no series match {_show(bottom)}", bottom.name, samples, "denominator")
    if not numerator and not _exposes(top.name, samples):
        # A numerator the target never exposes would sum to 0 and read as 0 % errors: a
        # name that does not fit the target is no data, not a pass. (A metric that is
        # there, whose matchers select nothing yet, does count 0: no 5xx so far.)
        raise no_series(f"no data: no series named {top.name}", top.name, samples, "numerator")
    total_top = sum(s.value for s in numerator)
    total_bottom = sum(s.value for s in denominator)
    if total_bottom == 0:
        raise ProbeError(f"{_show(bottom)} sums to 0: nothing counted yet")
    note = f"{fmt_number(total_top)} of {fmt_number(total_bottom)} counted"
    output = _listing("numerator", numerator) + "\n" + _listing("denominator", denominator)
    return total_top / total_bottom, note, output


def _exposes(name: str, samples: Sequence[Sample]) -> bool:
    """Whether the target exposes a series named `name` (or `name_total`), whatever labels."""
    return any(sample.name in (name, f"{name}_total") for sample in samples)


def _gauge(
    gauge: Selector, capacity: Selector | None, aggregate: str, samples: Sequence[Sample]
) -> tuple[float, str, str]:
    used = select(gauge, samples)
    if not used:
        missing = no_series(f"no series match {_show(gauge)}", gauge.name, samples, "gauge")
        if capacity is not None and not select(capacity, samples):
            # Both names miss: doctor gets both edits at once, the detail names the first.
            other = no_series(
                f"no series match {_show(capacity)}", capacity.name, samples, "capacity"
            )
            raise ProbeError(
                f"{missing}; {capacity.name} is missing too",
                output=f"{missing.output}\n{other.output}".strip(),
                suggestions=(*missing.suggestions, *other.suggestions),
            )
        raise missing
    if capacity is None:
        value = combine(aggregate, [s.value for s in used])
        note = f"{aggregate} over {plural(len(used), 'series', 'series')}"
        return value, note, _listing("gauge", used)
    limit_series = select(capacity, samples)
    if not limit_series:
        raise no_series(f"no series match {_show(capacity)}", capacity.name, samples, "capacity")
    # A negative capacity means "no limit" (Micrometer's jvm_memory_max_bytes -1): it is left
    # out of the sum, and so is the gauge series with the same labels, used against no limit.
    unlimited = [s for s in limit_series if s.value < 0]
    limit_series = [s for s in limit_series if s.value >= 0]
    if not limit_series:
        raise ProbeError(
            f"every {_show(capacity)} series is negative (no limit): nothing to compare against"
        )
    left_out = ""
    if unlimited:
        keys = {_without(s.labels, "") for s in unlimited}
        unmatched = [s for s in used if _without(s.labels, "") in keys]
        used = [s for s in used if _without(s.labels, "") not in keys]
        if not used:
            raise ProbeError(f"every {_show(gauge)} series has a negative (no limit) capacity")
        shown = ", ".join(_series(s) for s in unlimited[:3])
        left_out = f"; left out {shown} (negative: no limit)"
        if unmatched:
            left_out += " with " + ", ".join(_series(s) for s in unmatched[:3])
    value = combine(aggregate, [s.value for s in used])
    limit = combine(aggregate, [s.value for s in limit_series])
    if limit == 0:
        raise ProbeError(f"{_show(capacity)} is 0")
    output = _listing("gauge", used) + "\n" + _listing("capacity", limit_series)
    if unlimited:
        output += "\n" + _listing("left out (capacity below 0: no limit)", unlimited)
    note = f"{aggregate} over {plural(len(used), 'series', 'series')}"
    return value / limit, f"{fmt_number(value)} of {fmt_number(limit)} ({note}){left_out}", output


def _listing(title: str, samples: Sequence[Sample]) -> str:
    lines = [f"{title}:"]
    lines += [f"  {_series(sample)}" for sample in samples[:50]]
    if len(samples) > 50:
        lines.append(f"  ... {len(samples) - 50} more")
    return "\n".join(lines)


def _series(sample: Sample) -> str:
    labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
    return f"{sample.name}{{{labels}}} {fmt_number(sample.value)}"


def _without(labels: dict[str, str], drop: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in labels.items() if k != drop))


def _show(selector: Selector) -> str:
    inner = ",".join(f'{m.label}{m.op}"{m.value}"' for m in selector.matchers)
    return f"{selector.name}{{{inner}}}" if inner else selector.name


__all__ = [
    "Exposition",
    "Sample",
    "histogram_quantile",
    "measure",
    "parse_samples",
    "run_metrics_probe",
    "select",
]
