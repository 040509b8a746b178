"""The `http` probe: status, headers, JSON fields and latency of an HTTP endpoint."""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from gonogo_tui.core.probes.base import ProbeSpec, StrictModel
from gonogo_tui.core.probes.json_query import compile_query
from gonogo_tui.core.types import Compare, HeaderName, Headers, Regex

_JSON_PATH_RE = re.compile(r"(?:[^.\[\]]+|\[-?\d+\])(?:\.[^.\[\]]+|\[-?\d+\])*")
_JSON_PATH_PART_RE = re.compile(r"\.?([^.\[\]]+)|\[(-?\d+)\]")


def parse_json_path(path: str) -> tuple[str | int, ...]:
    """Split `data.flags[0].enabled` into `("data", "flags", 0, "enabled")`.

    Raises:
        ValueError: the path is not keys joined by dots with optional `[N]` indexes.
    """
    if _JSON_PATH_RE.fullmatch(path) is None:
        raise ValueError(f"{path!r} is not a JSON path (use e.g. data.items[0].name)")
    parts: list[str | int] = []
    for match in _JSON_PATH_PART_RE.finditer(path):
        key, index = match.groups()
        parts.append(int(index) if index is not None else key)
    return tuple(parts)


class HeaderNumber(StrictModel):
    """A number inside a header, compared (HSTS `max-age=(\\d+)` >= 15552000)."""

    header: HeaderName
    regex: Regex
    """The first group (or the whole match) is the number."""
    compare: Compare


class JsonCheck(StrictModel):
    """A field of a JSON body, found by a simple `path` or a JMESPath `query` (one of them)."""

    path: str | None = Field(
        default=None,
        description="Dots between keys, [N] for list items, like data.flags[0].enabled; no *."
        " Give path or query.",
    )
    query: str | None = Field(
        default=None,
        description="A JMESPath query, e.g. features[?key=='FEATURE_OUTBOX'].canToggle | [0]:"
        " picks a list item by a key. A null result means nothing matched (missing; the"
        " detail names the top-level keys). Give path or query.",
    )
    equals: Any = None
    """The exact JSON value expected (`true`, `"on"`, `3`, `null`)."""
    compare: Compare | None = None
    """A comparison, e.g. `< 100`."""
    exists: bool = True
    """Set to false to require that the path is absent."""

    @field_validator("path")
    @classmethod
    def _valid_path(cls, path: str | None) -> str | None:
        if path is not None:
            parse_json_path(path)
        return path

    @field_validator("query")
    @classmethod
    def _valid_query(cls, query: str | None) -> str | None:
        if query is not None:
            compile_query(query)
        return query

    @property
    def target(self) -> str:
        """The path or the query, as written: how the detail names this check."""
        return self.path if self.path is not None else str(self.query)

    @property
    def checks_equality(self) -> bool:
        """Whether `equals` was written: `equals: null` expects JSON null, not "any value"."""
        return "equals" in self.model_fields_set

    @model_validator(mode="after")
    def _absent_has_no_value(self) -> JsonCheck:
        if (self.path is None) == (self.query is None):
            raise ValueError("give 'path' or 'query' (JMESPath), exactly one")
        if not self.exists and (self.checks_equality or self.compare is not None):
            raise ValueError("'exists: false' cannot be combined with 'equals' or 'compare'")
        return self


class HttpProbe(ProbeSpec):
    """Requests a URL and checks the answer."""

    kind: Literal["http"] = "http"
    start_tier: ClassVar[int] = 0
    url: str
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] = "GET"
    headers: Headers = Field(default_factory=dict)
    """Request headers; Authorization and token-like headers are redacted in output."""
    body: str | None = None
    """Request body as text."""
    json_body: Any = None
    """Request body as JSON (sets Content-Type unless given)."""
    status: int | list[int] | None = None
    """Expected status code(s); default: any status below 400."""

    headers_present: list[HeaderName] = Field(default_factory=list)
    """Response headers that must be present (case-insensitive)."""
    header_matches: dict[HeaderName, Regex] = Field(default_factory=dict)
    """Response header name -> regex its value must match."""
    header_numbers: list[HeaderNumber] = Field(default_factory=list)
    """Numbers inside response headers, compared."""
    body_contains: list[Regex] = Field(default_factory=list)
    """Regexes the response body must all match."""
    json_fields: list[JsonCheck] = Field(default_factory=list, alias="json")
    """Checks on the JSON body (YAML key: `json`)."""
    max_ms: float | None = Field(default=None, gt=0)
    """Maximum response time in milliseconds (time to the full body)."""
    insecure: bool = False
    """Skip TLS certificate verification (off by default; say why in the checklist)."""
    follow_redirects: bool = False

    secret_header_words: ClassVar[tuple[str, ...]] = (
        "authorization",
        "token",
        "api-key",
        "apikey",
        "cookie",
        "secret",
        "password",
    )

    @field_validator("status")
    @classmethod
    def _real_status_codes(cls, status: int | list[int] | None) -> int | list[int] | None:
        codes = [status] if isinstance(status, int) else status or []
        if status == []:
            raise ValueError("an empty list accepts no status; leave 'status' out for < 400")
        for code in codes:
            if not 100 <= code <= 599:
                raise ValueError(f"{code} is not an HTTP status code (100-599)")
        return status

    @model_validator(mode="after")
    def _one_body(self) -> HttpProbe:
        if self.body is not None and self.json_body is not None:
            raise ValueError("give 'body' or 'json_body', not both")
        return self

    @property
    def latency_budget(self) -> float | None:
        return None if self.max_ms is None else self.max_ms / 1000

    def source(self) -> str:
        return f"{self.method} {self.url}"

    def expectation(self) -> str:
        parts = []
        if self.status is None:
            parts.append("status < 400")
        elif isinstance(self.status, int):
            parts.append(f"status {self.status}")
        else:
            parts.append("status " + "|".join(str(code) for code in self.status))
        parts.extend(f"{name} present" for name in self.headers_present)
        parts.extend(f"{name} ~ /{rx}/" for name, rx in self.header_matches.items())
        parts.extend(f"{hn.header} {hn.compare}" for hn in self.header_numbers)
        for check in self.json_fields:
            if check.checks_equality:
                # As the checklist and the answer spell it (JSON): true, null, "text".
                parts.append(f"{check.target} == {json.dumps(check.equals, ensure_ascii=False)}")
            if check.compare is not None:
                parts.append(f"{check.target} {check.compare}")
            if not check.checks_equality and check.compare is None:
                parts.append(f"{check.target} {'present' if check.exists else 'absent'}")
        if self.max_ms is not None:
            parts.append(f"<= {self.max_ms:g} ms")
        return ", ".join(parts)
