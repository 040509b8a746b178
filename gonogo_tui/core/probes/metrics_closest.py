"""The metric names a target exposes that come closest to one a selector named.

`no series match database_connections_in_use` sends the user off to curl the endpoint;
`...; closest: db_connections_active{pool}, pg_stat_database_numbackends{datname}` lets
them fit the checklist at once. Names are compared by shared words (a stem counts:
`connection` and `connections`), common prefix and edit distance, after the suffixes and
units a family or a convention adds (`_total`, `_bucket`, `_count`, `_sum`, `_seconds`,
`_ratio`...) are set aside, so `http_request_duration` finds
`http_request_duration_seconds` and `errors` finds `errors_total`.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.findings import Suggestion
from gonogo_tui.core.probes.metrics_parse import Sample

SHORT_NAMES = 3
"""Names the one-line detail quotes; the output lists up to `FULL_NAMES`."""
FULL_NAMES = 100
_FAMILY_SUFFIXES = ("_bucket", "_count", "_sum", "_created")
_SUFFIX_WORDS = frozenset(
    {"total", "bucket", "count", "sum", "created", "info", "seconds", "ratio", "bytes"}
)
_FAMILY_LABELS = frozenset({"le", "quantile"})
_LABELS_SHOWN = 6


_RESEMBLES = 0.25
"""The least score (`_score`) a name needs to be offered as the edit: below it the names share
no word, stem or prefix worth the name, and doctor says nothing comes close rather than
proposing an unrelated metric (`database_connections_in_use` is not `pg_pool_active`)."""


@dataclass(frozen=True)
class Exposed:
    """One metric as a checklist would name it, with the label names its series carry."""

    name: str
    labels: tuple[str, ...]
    histogram: bool = False
    """A family with `_bucket` series: only a `histogram` field can name it, and only it."""

    def __str__(self) -> str:
        shown = ",".join(self.labels[:_LABELS_SHOWN])
        more = ",…" if len(self.labels) > _LABELS_SHOWN else ""
        return f"{self.name}{{{shown}{more}}}" if self.labels else self.name


def exposed(samples: Sequence[Sample]) -> list[Exposed]:
    """Every metric the samples hold, histogram and summary parts folded into their family
    (`x_bucket`, `x_count`, `x_sum` are `x`), with the label names of its series."""
    names = {sample.name for sample in samples}
    labels: dict[str, set[str]] = {}
    for sample in samples:
        name = _family(sample.name, names)
        found = labels.setdefault(name, set())
        found.update(label for label in sample.labels if label not in _FAMILY_LABELS)
    return [
        Exposed(name, tuple(sorted(found)), f"{name}_bucket" in names)
        for name, found in sorted(labels.items())
    ]


def rank_names(wanted: str, names: Sequence[str]) -> list[str]:
    """`names`, the closest to `wanted` first (as `closest` ranks metrics)."""
    return sorted(dict.fromkeys(names), key=lambda name: -_score(wanted, name))


def closest(
    wanted: str, samples: Sequence[Sample], *, histogram: bool | None = None
) -> list[Exposed]:
    """The exposed metrics, the closest to `wanted` first; with `histogram` given, those of
    the kind the field reads (a histogram, or a gauge/counter) before the others."""
    scored = [
        (histogram is None or item.histogram == histogram, _score(wanted, item.name), item)
        for item in exposed(samples)
    ]
    scored.sort(key=lambda triple: (not triple[0], -triple[1]))
    return [item for _, _, item in scored]


def no_series(message: str, wanted: str, samples: Sequence[Sample], field: str) -> ProbeError:
    """A `no series match` error naming the closest metrics the target exposes; the output
    lists up to `FULL_NAMES` of them, closest first, and its suggestion replaces `wanted`
    by the closest in the probe's `field` (`gauge`, `numerator`...)."""
    histogram = field.startswith("histogram")
    ranked = closest(wanted, samples, histogram=histogram)
    if not ranked:
        why = f"{message}; the target exposes no series"
        return ProbeError(why, suggestions=(Suggestion(field, wanted, None, why),))
    short = ", ".join(str(item) for item in ranked[:SHORT_NAMES])
    lines = [f"metrics the target exposes, closest to {wanted} first:"]
    lines += [f"  {item}" for item in ranked[:FULL_NAMES]]
    if len(ranked) > FULL_NAMES:
        lines.append(f"  … {len(ranked) - FULL_NAMES} more")
    why = f"{message}; closest: {short}"
    best = ranked[0]
    fits = best.histogram == histogram and _score(wanted, best.name) >= _RESEMBLES
    suggestion = Suggestion(field, wanted, best.name if fits else None, why) if wanted else None
    return ProbeError(why, output="\n".join(lines), suggestions=(suggestion,) if suggestion else ())


def _family(name: str, names: set[str]) -> str:
    for suffix in _FAMILY_SUFFIXES:
        base = name.removesuffix(suffix)
        if base != name and (f"{base}_bucket" in names or f"{base}_count" in names):
            return base
    return name


def _words(name: str) -> list[str]:
    words = [word for word in name.lower().split("_") if word]
    kept = [word for word in words if word not in _SUFFIX_WORDS]
    return kept or words


_SYNONYMS = (
    frozenset({"capacity", "max", "maximum", "limit"}),
    frozenset({"use", "used", "active", "busy"}),
)
"""Words exporters use for one meaning: a pool's `capacity` is its `max`, connections `in
use` are `active` (HikariCP, pgbouncer-exporter, Micrometer)."""


def _word_match(word: str, others: Sequence[str]) -> float:
    best = 0.0
    for other in others:
        if word == other:
            return 1.0
        if any(word in group and other in group for group in _SYNONYMS):
            best = max(best, 0.9)
            continue
        short, long = sorted((word, other), key=len)
        if len(short) >= 3 and long.startswith(short):
            best = max(best, 0.8)  # a stem or an abbreviation: `connection`, `conn`
        else:
            ratio = difflib.SequenceMatcher(None, word, other).ratio()
            if ratio >= 0.8:
                best = max(best, ratio * 0.8)
    return best


def _score(wanted: str, name: str) -> float:
    mine, theirs = _words(wanted), _words(name)
    shared = sum(_word_match(word, theirs) for word in mine) / max(len(mine), 1)
    plain_wanted, plain_name = "_".join(mine), "_".join(theirs)
    edit = difflib.SequenceMatcher(None, plain_wanted, plain_name).ratio()
    prefix = 0
    for left, right in zip(wanted.lower(), name.lower(), strict=False):
        if left != right:
            break
        prefix += 1
    return 0.5 * shared + 0.3 * edit + 0.2 * prefix / max(len(wanted), 1)


__all__ = ["Exposed", "closest", "exposed", "no_series", "rank_names"]
