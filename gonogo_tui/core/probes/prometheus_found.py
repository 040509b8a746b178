"""For a `prometheus` query that returned no samples: the metric names it uses that the
server does not have, and the closest ones it has, with their label names.

An empty answer is often a name the server never stored (`http_request_duration` where the
target exports `http_server_requests_seconds`); asking the server's name index says which,
so the detail can name what is there instead of only what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from gonogo_tui.core.findings import Suggestion
from gonogo_tui.core.probes._ops import HttpSession, json_body
from gonogo_tui.core.probes.metrics_closest import rank_names

SHORT_NAMES = 3
"""Closest names the detail quotes per unknown name; the output lists up to 50."""
_TOKEN = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_KEYWORDS = frozenset(
    {
        "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
        "and", "or", "unless", "inf", "nan", "atan2",
    }
)  # fmt: skip


def metric_names_in(query: str) -> list[str]:
    """The names a PromQL query selects by (not functions, label names, keywords, strings
    or durations)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', query)
    text = re.sub(r"\{[^}]*\}", "{}", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "[]", text)  # ranges and subqueries
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = []
    for match in _TOKEN.finditer(text):
        name = match.group(0)
        rest = text[match.end() :].lstrip()
        if name.lower() in _KEYWORDS or rest.startswith("("):
            continue
        if match.start() > 0 and text[match.start() - 1].isdigit():
            continue  # a duration unit or an exponent (5m, 1e3)
        names.append(name)
    return list(dict.fromkeys(names))


@dataclass(frozen=True)
class UnknownNames:
    """The query's metric names the server lacks: a clause for the detail, the output's
    fuller list, and one suggestion per name (the closest the server has)."""

    clause: str = ""
    listing: str = ""
    suggestions: tuple[Suggestion, ...] = ()


async def describe_unknown_names(client: HttpSession, base: str, query: str) -> UnknownNames:
    """The query's metrics the server lacks and the closest it has (`no series named X;
    closest: a{job}, b{route}`); empty when every name exists or the server's name index
    cannot be read."""
    try:
        known = await _get(client, f"{base}/api/v1/label/__name__/values", {})
    except Exception:  # only a hint: the empty answer is the finding
        return UnknownNames()
    if not isinstance(known, list):
        return UnknownNames()
    names = [str(name) for name in known]
    missing = [name for name in metric_names_in(query) if name not in set(names)]
    if not missing or not names:
        return UnknownNames()
    clauses, listing, suggestions = [], [], []
    for name in missing[:3]:
        ranked = rank_names(name, names)
        labels = await _label_names(client, base, ranked[:SHORT_NAMES])
        shown = ", ".join(_with_labels(n, labels) for n in ranked[:SHORT_NAMES])
        clauses.append(f"no series named {name}; closest: {shown}")
        listing.append(f"metric names on the server, closest to {name} first:")
        listing += [f"  {_with_labels(n, labels)}" for n in ranked[:50]]
        suggestions.append(Suggestion("query", name, ranked[0], clauses[-1]))
    return UnknownNames("; ".join(clauses), "\n".join(listing), tuple(suggestions))


async def _label_names(client: HttpSession, base: str, names: list[str]) -> dict[str, list[str]]:
    if not names:
        return {}
    selector = '{__name__=~"' + "|".join(re.escape(n) for n in names) + '"}'
    try:
        series = await _get(client, f"{base}/api/v1/series", {"match[]": selector})
    except Exception:  # only a hint: names without labels still help
        return {}
    found: dict[str, set[str]] = {}
    for item in series if isinstance(series, list) else []:
        if isinstance(item, dict):
            labels = found.setdefault(str(item.get("__name__", "")), set())
            labels.update(str(key) for key in item if key != "__name__")
    return {name: sorted(labels) for name, labels in found.items()}


def _with_labels(name: str, labels: dict[str, list[str]]) -> str:
    have = labels.get(name)
    return f"{name}{{{','.join(have[:6])}}}" if have else name


async def _get(client: HttpSession, url: str, params: dict[str, str]) -> Any:
    response = await client.get(url, params=params)
    document = json_body(response, "Prometheus")
    if not isinstance(document, dict) or document.get("status") != "success":
        raise ValueError("not a success")
    return document.get("data")


__all__ = ["UnknownNames", "describe_unknown_names", "metric_names_in"]
