"""Probe building blocks: statuses, observations, results, the run context and the spec base."""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gonogo_tui.core.clock import iso_utc, parse_iso, utc_now
from gonogo_tui.core.findings import Suggestion
from gonogo_tui.core.probes import registry
from gonogo_tui.core.redaction import Redactor
from gonogo_tui.core.types import PositiveDuration

T = TypeVar("T")

MAX_SAMPLES = 1000
"""The most samples one sustained check may take (`for` / `every`)."""
OUTPUT_CAP = 64 * 1024
"""Raw output kept per probe run, in characters; the rest is dropped and counted."""


class Status(enum.StrEnum):
    """The status of one criterion."""

    PASS = "PASS"
    """Measured and met."""
    FAIL = "FAIL"
    """Measured and not met."""
    ERROR = "ERROR"
    """Could not measure (timeout, refused, unparseable). Never counts as passed."""
    PENDING = "PENDING"
    """Not run yet, or manual and not ticked."""
    WAIVED = "WAIVED"
    """A person waived it with a reason."""


def cap_text(text: str, limit: int = OUTPUT_CAP) -> str:
    """Keep at most `limit` characters, saying how much was dropped."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n… [{len(text) - limit} more characters not kept]"


def one_line(text: str, limit: int = 300) -> str:
    """Collapse whitespace so a detail stays on one line, capped at `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@dataclass(frozen=True)
class Observation:
    """What a probe measured, before the engine adds timing and identity."""

    ok: bool
    """Whether the expectation was met."""
    value: str
    """The measured value, short, for tables (e.g. `200`, `96.4%`, `3 rules`)."""
    detail: str = ""
    """One line saying what was found, or why it failed."""
    output: str = ""
    """Raw output (body, stdout, rows), capped by the engine."""
    artifacts: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Named texts to keep as evidence (e.g. `baseline_metrics.txt`)."""
    measured: bool = True
    """False when there was nothing to compare (no data, no baseline yet): the result is
    ERROR whatever `ok` says, never a pass, and its artifacts are still kept."""
    transient: bool = False
    """A FAIL that may differ next time (an HTTP 5xx or 429 the probe did not expect): the
    engine retries it like a transient ERROR (see `core/probes/transient.py`)."""
    retry_after: float | None = None
    """Seconds the server asked to wait before asking again (`Retry-After`), if it did."""
    suggestions: tuple[Suggestion, ...] = ()
    """Names the checklist gives that the target lacks, with the closest it has
    (`gonogo doctor` turns them into YAML edits)."""


@dataclass(frozen=True)
class Sample:
    """One measurement of a sustained check (`sustain:`), kept with the result."""

    at: datetime
    status: Status
    value: str
    detail: str = ""

    def to_dict(self) -> dict[str, str]:
        """A JSON-ready dict."""
        return {
            "at": iso_utc(self.at),
            "status": self.status.value,
            "value": self.value,
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Sample:
        """Rebuild a sample written by `to_dict`."""
        return cls(
            at=parse_iso(str(data["at"])),
            status=Status(data["status"]),
            value=str(data.get("value", "")),
            detail=str(data.get("detail", "")),
        )


@dataclass(frozen=True)
class ProbeResult:
    """The outcome of one probe run: always a value, never an exception."""

    criterion_id: str
    status: Status
    """PASS, FAIL or ERROR."""
    value: str
    expected: str
    source: str
    detail: str
    started_at: datetime
    duration_ms: float
    output: str = ""
    attempts: int = 1
    artifacts: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    samples: tuple[Sample, ...] = ()
    """A sustained check's samples, oldest first (empty for a single measurement)."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (timestamps in ISO 8601 UTC); `samples` only when sampled."""
        sampled = {"samples": [s.to_dict() for s in self.samples]} if self.samples else {}
        return {
            "criterion_id": self.criterion_id,
            "status": self.status.value,
            "value": self.value,
            "expected": self.expected,
            "source": self.source,
            "detail": self.detail,
            "started_at": iso_utc(self.started_at),
            "duration_ms": round(self.duration_ms, 1),
            "output": self.output,
            "attempts": self.attempts,
            "artifacts": dict(self.artifacts),
            **sampled,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProbeResult:
        """Rebuild a result written by `to_dict` (used by the journal)."""
        return cls(
            criterion_id=str(data["criterion_id"]),
            status=Status(data["status"]),
            value=str(data.get("value", "")),
            expected=str(data.get("expected", "")),
            source=str(data.get("source", "")),
            detail=str(data.get("detail", "")),
            started_at=parse_iso(str(data["started_at"])),
            duration_ms=float(data.get("duration_ms", 0.0)),
            output=str(data.get("output", "")),
            attempts=int(data.get("attempts", 1)),
            artifacts=MappingProxyType(dict(data.get("artifacts") or {})),
            samples=tuple(Sample.from_dict(item) for item in data.get("samples") or ()),
        )


class SharedResources:
    """Clients that probes share within one event loop (an HTTP connection pool, say).

    Building a TLS-capable HTTP client costs milliseconds of CPU; a thousand probes should
    not pay it a thousand times. The engine owns this and closes it with `aclose`.
    """

    def __init__(self) -> None:
        self._items: dict[Hashable, Any] = {}

    def get(self, key: Hashable, factory: Callable[[], T]) -> T:
        """The resource under `key`, made by `factory` on first use."""
        if key not in self._items:
            self._items[key] = factory()
        item: T = self._items[key]
        return item

    async def aclose(self) -> None:
        """Close every resource that has an `aclose` coroutine; later `get`s make new ones."""
        items = list(self._items.values())
        self._items.clear()
        for item in items:
            close = getattr(item, "aclose", None)
            if close is not None:
                await close()


@dataclass(frozen=True)
class ProbeContext:
    """Everything a probe may depend on, passed in so tests can fix each one."""

    root: Path
    """Folder that relative paths in the checklist resolve against."""
    allow_outside_root: bool = False
    """Whether file probes may read outside `root` (the checklist's `defaults`)."""
    now: Callable[[], datetime] = utc_now
    """The clock (timezone-aware UTC)."""
    evidence_dir: Path | None = None
    """Where earlier evidence lives (for probes comparing with a previous run)."""
    timeout: float = 10.0
    """This run's deadline in seconds; probes size their own client timeouts from it."""
    shared: SharedResources | None = None
    """Clients shared between probes, when the engine provides them."""
    redactor: Redactor = field(default_factory=Redactor)
    """The checklist's secrets: a probe shortening a text it shows redacts it first
    (`redactor.excerpt`), since a cut secret is no longer recognised."""

    def resolve(self, path: str | Path) -> Path:
        """Resolve a checklist path against `root` (absolute paths stay as they are)."""
        candidate = Path(path).expanduser()
        return candidate if candidate.is_absolute() else self.root / candidate


class StrictModel(BaseModel):
    """Base for checklist models: unknown fields are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Sustain(StrictModel):
    """`sustain: {for: 2m, every: 15s}`: sample again every `every` and pass only when
    every sample in the `for` window passed."""

    window: PositiveDuration = Field(
        alias="for", description="How long every sample must pass, e.g. 2m."
    )
    every: PositiveDuration = Field(
        description="Time from one sample's start to the next's, e.g. 15s."
    )

    @model_validator(mode="after")
    def _every_within_window(self) -> Sustain:
        if self.every > self.window:
            raise ValueError("'every' must not be longer than 'for'")
        if self.window / self.every > MAX_SAMPLES:
            raise ValueError(f"'for' / 'every' gives more than {MAX_SAMPLES} samples")
        return self

    def count(self) -> int:
        """How many samples the window takes: `for / every`, rounded up (2m every 15s: 8)."""
        return max(1, math.ceil(round(self.window / self.every, 6)))


class ProbeSpec(StrictModel):
    """Base class of every probe kind.

    A kind subclasses it with `kind: Literal["name"]`, implements `source` and
    `expectation`, and names its runner in `registry.RUNNERS`; `run` imports that runner
    on first use, so loading a checklist imports no client library. (A kind that is not
    registered, such as a test's, may override `run` instead.)
    """

    kind: str
    timeout: PositiveDuration | None = None
    """Per-probe deadline in seconds; overrides the criterion's and the checklist's."""
    sustain: Sustain | None = None
    """Sample again every `every` for `for`; passes only when every sample passed."""

    secret_fields: ClassVar[tuple[str, ...]] = ()
    """Names of fields whose values are secrets (redacted in every output)."""

    start_tier: ClassVar[int] = 1
    """When a burst of probes starts, lower tiers go first: 0 for kinds that ask a web API
    (their answers take longest to come, and they share one HTTP client), 1 for database
    kinds, 2 for work on this machine (files, commands, clocks), which fills the wait."""

    async def prepare(self, ctx: ProbeContext) -> None:
        """Warm up what `run` needs (imports, shared clients) outside any timing."""
        prepare = registry.preparer_for(self.kind)
        if prepare is not None:
            await prepare(self, ctx)

    @property
    def latency_budget(self) -> float | None:
        """Seconds within which the target must answer, when the probe times it.

        The engine starts such probes a little ahead of the others, so that their timing
        measures the target rather than a busy event loop.
        """
        return None

    def source(self) -> str:
        """What is measured (URL, query, command, path), for tables and records."""
        raise NotImplementedError

    def expectation(self) -> str:
        """What counts as passing, in a few words (e.g. `status 204`, `>= 95%`)."""
        raise NotImplementedError

    async def run(self, ctx: ProbeContext) -> Observation:
        """Measure once.

        Raises:
            ProbeError: could not measure (the engine records ERROR with the message).
            OSError, TimeoutError: likewise ERROR.
            KeyError: the kind has no registered runner and does not override `run`.
        """
        observation: Observation = await registry.runner_for(self.kind)(self, ctx)
        return observation


__all__ = [
    "OUTPUT_CAP",
    "Observation",
    "ProbeContext",
    "ProbeResult",
    "ProbeSpec",
    "Sample",
    "SharedResources",
    "Status",
    "StrictModel",
    "Sustain",
    "cap_text",
    "iso_utc",
    "one_line",
    "parse_iso",
    "utc_now",
]
