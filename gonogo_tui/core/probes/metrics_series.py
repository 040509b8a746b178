"""Selection checks of the `metrics` probe: several gauge metrics, and matchers that filter nothing.

A criterion may name several gauge metrics (`gauge: [cpu_usage, memory_usage]` or
`gauge: '{__name__=~"cpu_usage|memory_usage"}'`): each is aggregated and compared on its
own, and the detail names the worst. A label matcher on a label that none of the metric's
series carries (`route!~"/health"` where the series carry `uri`) silently keeps or drops
every series: it is named in the detail, with the edit that puts the label the series
do carry in its place (`uri` for `route`) for `gonogo doctor`, and when it drops every
series the probe has no data (ERROR).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.findings import Suggestion, replace_name
from gonogo_tui.core.probes._ops import fmt_number, plural
from gonogo_tui.core.probes.metrics import Matcher, MetricsProbe, Selector, parse_selector
from gonogo_tui.core.probes.metrics_closest import no_series
from gonogo_tui.core.probes.metrics_parse import SUFFIXES, Sample


def aggregate(how: str, values: list[float]) -> float:
    """`sum`, `min`, `avg` or `max` (the default) of the values."""
    if how == "sum":
        return sum(values)
    if how == "min":
        return min(values)
    if how == "avg":
        return sum(values) / len(values)
    return max(values)


def _labels(sample: Sample) -> dict[str, str]:
    return {**sample.labels, "__name__": sample.name}


def _family(selector: Selector, samples: Sequence[Sample]) -> list[Sample]:
    """The series of the selector's metric before its label matchers (`x`, `x_bucket`...)."""
    if not selector.name:
        names = [m for m in selector.matchers if m.label == "__name__"]
        return [s for s in samples if all(m.matches(_labels(s)) for m in names)]
    base = selector.name
    return [
        s
        for s in samples
        if s.name == base or (s.name.startswith(base) and s.name[len(base) :] in SUFFIXES)
    ]


def _shown(matcher: Matcher) -> str:
    return f'{matcher.label}{matcher.op}"{matcher.value}"'


def selector_fields(spec: MetricsProbe) -> list[tuple[str, str]]:
    """Each selector of the probe with the field that holds it (`gauge[1]` in a list)."""
    fields = [
        (name, text)
        for name, text in (
            ("histogram", spec.histogram),
            ("numerator", spec.numerator),
            ("denominator", spec.denominator),
        )
        if text is not None
    ]
    if isinstance(spec.gauge, str):
        fields.append(("gauge", spec.gauge))
    else:
        fields += [(f"gauge[{index}]", text) for index, text in enumerate(spec.gauges)]
    if spec.capacity is not None:
        fields.append(("capacity", spec.capacity))
    return fields


LABEL_SYNONYMS = (
    frozenset({"route", "uri", "path", "endpoint", "handler", "url"}),
    frozenset({"status", "code", "status_code"}),
    frozenset({"method", "verb"}),
)
"""Label names exporters use for one thing: Prometheus clients' `route` and `handler`,
Micrometer's `uri`, `code` and `status`."""


def same_label(wanted: str, carried: Sequence[str]) -> str | None:
    """The carried label that stands for `wanted`: one of its synonyms, else the one spelled
    closest (`stauts` for `status`); None when nothing fits."""
    for group in LABEL_SYNONYMS:
        if wanted in group:
            synonyms = [label for label in carried if label in group]
            if synonyms:
                return synonyms[0]
    close = difflib.get_close_matches(wanted, carried, n=1, cutoff=0.8)
    return close[0] if close else None


def unknown_labels(
    fields: Sequence[tuple[str, str]], samples: Sequence[Sample]
) -> list[Suggestion]:
    """A suggestion for each matcher on a label no series of its metric carries: its `why`
    is the note for the detail, its edit puts the carried label that stands for the same
    thing in the matcher (the whole matcher is replaced: a label name alone could also occur
    inside a regex value). `fields` are (probe field, selector) pairs: `("gauge[1]", ...)`.

    Raises:
        ProbeError: such a matcher drops every series (`route="/x"` on series without
            `route`): no data.
    """
    found: list[Suggestion] = []
    for where, text in fields:
        selector = parse_selector(text)
        family = _family(selector, samples)
        if not family:
            continue  # no such metric: the measure says so
        carried = sorted({label for s in family for label in s.labels} - {"le", "quantile"})
        for matcher in selector.matchers:
            if matcher.label == "__name__" or matcher.label in carried:
                continue
            metric = selector.name or text
            they = f"its series carry {', '.join(carried)}" if carried else "it has no labels"
            written = matcher.written or _shown(matcher)
            label = same_label(matcher.label, carried)
            fitted = label + written[len(matcher.label) :] if label else None
            if not matcher.matches({}):
                why = (
                    f"no data: {_shown(matcher)} matches no {metric} series: no series carries"
                    f" label {matcher.label} ({they})"
                )
                raise ProbeError(why, suggestions=(Suggestion(where, written, fitted, why),))
            why = (
                f"{_shown(matcher)} filters nothing: no {metric} series carries label"
                f" {matcher.label} ({they})"
            )
            found.append(Suggestion(where, written, fitted, why))
    return found


def renamed_labels(
    found: Sequence[Suggestion], fields: Sequence[tuple[str, str]], samples: Sequence[Sample]
) -> list[Suggestion]:
    """The label findings a metric rename would bring next: each selector whose metric a
    suggestion renames, its matchers checked against the suggested metric's series. One
    doctor run then fits both (`http_request_duration_seconds{route!~"/health"}` ->
    `http_server_requests_seconds{uri!~"/health"}`) instead of one run per name."""
    texts = dict(fields)
    more: list[Suggestion] = []
    for suggestion in found:
        text = texts.get(suggestion.field)
        if text is None or suggestion.suggested is None:
            continue
        if parse_selector(text).name != suggestion.found:
            continue
        renamed = replace_name(text, suggestion.found, suggestion.suggested)
        try:
            more += unknown_labels([(suggestion.field, renamed)], samples)
        except ProbeError as exc:  # it would drop every series: the same edit fits it
            more += exc.suggestions
    return more


def measure_each(spec: MetricsProbe, samples: Sequence[Sample]) -> tuple[bool, str, str, str]:
    """Compare each gauge metric on its own: ok, the worst's value, the detail, the output.

    Raises:
        ProbeError: no series match a gauge selector (no data).
    """
    how = spec.effective_aggregate()
    measured: list[tuple[str, float, int]] = []
    listing: list[str] = []
    for position, text in enumerate(spec.gauges):
        selector = parse_selector(text)
        chosen = [s for s in _family(selector, samples) if selector.matches(_labels(s))]
        chosen = [
            s
            for s in chosen
            if not selector.name or s.name in (selector.name, selector.name + "_total")
        ]
        if not chosen:
            field = "gauge" if isinstance(spec.gauge, str) else f"gauge[{position}]"
            message = f"no data: no series match {text}"
            raise no_series(message, selector.name or text, samples, field)
        by_name: dict[str, list[Sample]] = {}
        for sample in chosen:
            by_name.setdefault(sample.name, []).append(sample)
        for name, series in by_name.items():
            number = aggregate(how, [s.value for s in series]) * spec.scale
            # One metric told apart by its labels (cpu, memory) is named as selected.
            shown = text.strip() if selector.name and len(by_name) == 1 else name
            measured.append((shown, number, len(series)))
            listing.append(f"{name}: {how} over {plural(len(series), 'series', 'series')}")
            listing += [f"  {_series(s)}" for s in series[:20]]
    failing = [item for item in measured if not _holds(spec, item[1])]
    worst = failing[0] if failing else _worst(spec, measured)
    value = f"{worst[0]} {fmt_number(worst[1])}{spec.unit}"
    each = ", ".join(f"{name} {fmt_number(number)}{spec.unit}" for name, number, _ in measured)
    if failing:
        names = ", ".join(name for name, _, _ in failing)
        detail = (
            f"{value} is not {spec.compare}{spec.unit} (not {spec.compare}{spec.unit}: {names};"
            f" {how} of each: {each})"
        )
    else:
        detail = f"worst {value} of {plural(len(measured), 'metric')} ({how} of each: {each})"
    return not failing, value, detail, "\n".join(listing)


def _holds(spec: MetricsProbe, value: float) -> bool:
    return not math.isnan(value) and spec.compare.holds(value)


def _worst(spec: MetricsProbe, measured: list[tuple[str, float, int]]) -> tuple[str, float, int]:
    """The one nearest to failing: the highest under `<`, the lowest under `>`."""
    if spec.compare.op in ("<", "<="):
        return max(measured, key=lambda item: item[1])
    if spec.compare.op in (">", ">="):
        return min(measured, key=lambda item: item[1])
    return measured[0]


def _series(sample: Sample) -> str:
    labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
    return f"{sample.name}{{{labels}}} {fmt_number(sample.value)}"


__all__ = [
    "LABEL_SYNONYMS",
    "aggregate",
    "measure_each",
    "renamed_labels",
    "same_label",
    "selector_fields",
    "unknown_labels",
]
