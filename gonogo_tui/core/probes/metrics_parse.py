"""Parses a Prometheus text or OpenMetrics exposition one metric family at a time.

One family that breaks a rule must not take the others down: the exposition is split into
families, each parsed on its own with prometheus_client. An OpenMetrics family that the strict
parser refuses (a histogram over negative values has a negative `_sum`, which OpenMetrics 1.0
forbids and Prometheus ingests anyway) is parsed again as Prometheus text, as Prometheus would
take it; a family that parses neither way is left out and named by the criteria that need it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gonogo_tui.core.errors import ProbeError

SUFFIXES = ("_total", "_bucket", "_count", "_sum", "_created", "_gcount", "_gsum", "_info")
"""Sample name suffixes that belong to their family (`x_bucket` is family `x`'s)."""
_METADATA = re.compile(r"#\s+(HELP|TYPE|UNIT)\s+(\S+)")
_SAMPLE_NAME = re.compile(r'\s*(?:\{\s*"((?:[^"\\]|\\.)*)"|([^\s{]+))')
_EXEMPLAR = re.compile(r"\s+#\s+\{.*$")


@dataclass(frozen=True)
class Sample:
    """One parsed sample: its full name (with `_bucket`, `_total`...), labels and value."""

    name: str
    labels: dict[str, str]
    value: float


@dataclass
class Exposition:
    """What a scrape held: the samples of every family that parsed, and the ones that did not."""

    samples: list[Sample] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)
    """Family name to its declared type (`histogram`, `summary`...)."""
    failed: dict[str, str] = field(default_factory=dict)
    """Family name to why it could not be parsed; its samples are left out."""
    lenient: dict[str, str] = field(default_factory=dict)
    """OpenMetrics families read as Prometheus text, and the strict parser's objection."""

    def family_of(self, name: str) -> str:
        """The family a sample or selector name belongs to (`x_bucket` -> `x`, if `x` exists)."""
        for suffix in SUFFIXES:
            if name.endswith(suffix) and name[: -len(suffix)] in self.types:
                return name[: -len(suffix)]
        return name

    def failures_for(self, names: Iterable[str]) -> list[str]:
        """`family X could not be parsed: <reason>` for the failed families these names need."""
        wanted = {_base(name) for name in names} | set(names)
        return [
            f"family {family} could not be parsed: {why}"
            for family, why in self.failed.items()
            if family in wanted or _base(family) in wanted
        ]


def parse_exposition(text: str, content_type: str = "text/plain") -> Exposition:
    """Every family of the text parsed on its own.

    Raises:
        ProbeError: no family parsed at all and at least one failed (the text is not metrics).
    """
    openmetrics = content_type.startswith("application/openmetrics-text")
    exposition = Exposition()
    for family, chunk in split_families(text):
        try:
            families = _parse(chunk, openmetrics)
        except _Refused as strict:
            if not openmetrics:
                exposition.failed[family] = strict.reason
                continue
            try:
                families = _parse(_as_text(chunk), False)
            except _Refused:
                exposition.failed[family] = strict.reason
                continue
            exposition.lenient[family] = strict.reason
        for parsed in families:
            if parsed.type != "unknown" or parsed.name not in exposition.types:
                exposition.types.setdefault(parsed.name, parsed.type)
            exposition.samples.extend(
                Sample(s.name, dict(s.labels), float(s.value)) for s in parsed.samples
            )
    if exposition.failed and not exposition.samples and not exposition.types:
        family, why = next(iter(exposition.failed.items()))
        raise ProbeError(f"metrics text does not parse: family {family}: {why}")
    return exposition


def split_families(text: str) -> list[tuple[str, str]]:
    """The exposition cut into (family name, its lines); `# EOF` ends it."""
    chunks: list[tuple[str, list[str]]] = []
    current: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped == "# EOF":
            break
        metadata = _METADATA.match(stripped)
        if metadata is not None:
            name = metadata.group(2)
        elif stripped.startswith("#"):
            if chunks:
                chunks[-1][1].append(line)
            continue
        else:
            found = _SAMPLE_NAME.match(stripped)
            name = (found.group(1) or found.group(2)) if found else stripped
            if current is not None and (name == current or _base(name) == current):
                chunks[-1][1].append(line)
                continue
        if name != current:
            chunks.append((name, []))
            current = name
        chunks[-1][1].append(line)
    return [(name, "\n".join(lines) + "\n") for name, lines in chunks]


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _parse(chunk: str, openmetrics: bool) -> list[Any]:
    from prometheus_client import parser as text_parser
    from prometheus_client.openmetrics import parser as openmetrics_parser

    try:
        if openmetrics:
            return list(openmetrics_parser.text_string_to_metric_families(chunk + "# EOF\n"))  # type: ignore[no-untyped-call]
        return list(text_parser.text_string_to_metric_families(chunk))
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        raise _Refused(" ".join(str(exc).split()) or type(exc).__name__) from None


def _as_text(chunk: str) -> str:
    """An OpenMetrics family as Prometheus text: no exemplars, no `# UNIT`."""
    lines = []
    for line in chunk.splitlines():
        if line.startswith("# UNIT "):
            continue
        lines.append(line if line.startswith("#") else _EXEMPLAR.sub("", line))
    return "\n".join(lines) + "\n"


def _base(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


__all__ = ["SUFFIXES", "Exposition", "Sample", "parse_exposition", "split_families"]
