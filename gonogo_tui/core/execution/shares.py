"""How a headless burst is shared between processes: whole kinds of work, balanced by
rough CPU estimates (`plan_shares`), and the concurrency each process may use
(`share_concurrency`). `process_pool` forks the workers and runs the shares.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from gonogo_tui.core.checklist import Criterion

IMPORT_MS = {0: 35.0, 1: 45.0, 2: 0.0}
"""Rough CPU milliseconds a process spends before its first probe of a start tier: the
client library's import (tier 0 httpx and prometheus_client, tier 1 psycopg and libpq)."""

PROBE_MS = {0: 2.5, 1: 7.0, 2: 2.0}
"""Rough CPU milliseconds of one probe of a start tier, measured on a 2-core VM: one HTTP
round trip and its parsing, one database connection and its queries, one file or
command."""

MIN_PROBES_TO_FORK = 8
"""Fewer probes than this run in this process: a worker would cost more than it saves."""

MIN_SHARE_MS = 25.0
"""A worker is forked only for a share estimated to take at least this much CPU."""


@dataclass
class Share:
    """The probes one process runs, with their estimated CPU cost."""

    criteria: list[Criterion] = field(default_factory=list)
    cost_ms: float = 0.0


def available_cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worker_count(requested: int | None, probes: int, concurrency: int) -> int:
    """How many processes may share a burst of `probes`: `requested`, or one per core.

    One when forking is unavailable, when there are too few probes to gain from it, or
    when the concurrency leaves nothing to share (`--concurrency 1` runs probes one after
    another, in one process).
    """
    if not hasattr(os, "fork") or probes < MIN_PROBES_TO_FORK:
        return 1
    wanted = available_cores() if requested is None else requested
    return max(1, min(wanted, concurrency))


def estimate_ms(tier: int, probes: int) -> float:
    """Rough CPU milliseconds of `probes` probes of one start tier in one process."""
    return IMPORT_MS.get(tier, 0.0) + PROBE_MS.get(tier, 2.0) * probes


def plan_shares(criteria: Iterable[Criterion], workers: int) -> list[list[Criterion]]:
    """Group the probed criteria into at most `workers` shares of about equal CPU cost.

    Each kind of work (start tier) goes whole to one share: the costliest first, each to
    the share that carries the least so far (timed probes are placed first, in the first
    share, and bring their kind with them). A share estimated under `MIN_SHARE_MS` joins
    the first one. Empty shares are dropped.
    """
    probed = [c for c in criteria if c.probe is not None]
    by_tier: dict[int, list[Criterion]] = {}
    for criterion in probed:
        by_tier.setdefault(_tier(criterion), []).append(criterion)
    shares = [Share() for _ in range(max(1, workers))]
    pinned = {_tier(c) for c in probed if c.probe is not None and c.probe.latency_budget}
    order = sorted(by_tier, key=lambda t: (t not in pinned, -estimate_ms(t, len(by_tier[t]))))
    for tier in order:
        share = shares[0] if tier in pinned else min(shares, key=lambda s: s.cost_ms)
        share.criteria.extend(by_tier[tier])
        share.cost_ms += estimate_ms(tier, len(by_tier[tier]))
    for share in shares[1:]:
        if share.criteria and share.cost_ms < MIN_SHARE_MS:
            shares[0].criteria.extend(share.criteria)
            shares[0].cost_ms += share.cost_ms
            share.criteria = []
    return [share.criteria for share in shares if share.criteria]


def share_concurrency(sizes: Sequence[int], concurrency: int) -> list[int]:
    """Each share's part of `concurrency`: half of an even split is kept for every share
    (never more than its probes, never less than 1), the rest goes in proportion to the
    probes still waiting for a part. The parts add up to at most `concurrency` when it
    allows one each."""
    floor = max(1, concurrency // (2 * len(sizes)))
    limits = [min(size, floor) for size in sizes]
    spare = concurrency - sum(limits)
    demand = [size - limit for size, limit in zip(sizes, limits, strict=True)]
    if spare > 0 and sum(demand) > 0:
        total = sum(demand)
        extra = [spare * want // total for want in demand]
        limits = [limit + add for limit, add in zip(limits, extra, strict=True)]
        spare -= sum(extra)
        for index in sorted(range(len(sizes)), key=lambda i: sizes[i] - limits[i], reverse=True):
            if spare <= 0:
                break
            add = min(spare, sizes[index] - limits[index])
            limits[index] += add
            spare -= add
    return [max(1, limit) for limit in limits]


def _tier(criterion: Criterion) -> int:
    probe = criterion.probe
    return 2 if probe is None else probe.start_tier


__all__ = [
    "MIN_PROBES_TO_FORK",
    "Share",
    "available_cores",
    "estimate_ms",
    "plan_shares",
    "share_concurrency",
    "worker_count",
]
