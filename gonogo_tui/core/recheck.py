"""Re-checking a sealed GO at deploy time (`gonogo verify --recheck`).

The record names its checklist and the checklist's SHA-256. The verifier gives the
checklist (or it is read from the path the record names); it must be that very file, so the
probes rerun are the ones the meeting decided on. The criteria rerun are those with
`recheck: true`, and by default every critical one (`Section.is_rechecked`). A criterion
that PASSed in the meeting and does not PASS now is what the deploy must not go past.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from gonogo_tui.core.checklist import Checklist, load_checklist
from gonogo_tui.core.engine import ProbeRunner
from gonogo_tui.core.errors import GonogoError
from gonogo_tui.core.execution.process_pool import run_in_workers
from gonogo_tui.core.probes.base import Status


class RecheckSetupError(GonogoError):
    """The checklist to recheck with cannot be used: missing, invalid, or not the record's."""


@dataclass(frozen=True)
class Rechecked:
    """One criterion rerun at deploy time."""

    id: str
    recorded: str
    """Its status in the record (PASS, WAIVED, ...)."""
    status: str
    """Its status now."""
    detail: str
    """What the probe found now."""

    @property
    def regressed(self) -> bool:
        """It no longer passes: PASS in the meeting, not PASS now (a criterion waived or
        advisory in the meeting is reported, but the GO did not rest on it passing)."""
        return self.recorded == Status.PASS.value and self.status != Status.PASS.value

    def to_dict(self) -> dict[str, str]:
        """The JSON form (`gonogo verify --json`'s `recheck`)."""
        return {
            "id": self.id,
            "recorded": self.recorded,
            "status": self.status,
            "detail": self.detail,
        }


def recorded_statuses(record: Mapping[str, Any]) -> dict[str, str]:
    """Each criterion's status in the record's JSON, by id."""
    statuses: dict[str, str] = {}
    for section in record.get("sections") or []:
        for criterion in section.get("criteria") or [] if isinstance(section, dict) else []:
            if isinstance(criterion, dict):
                statuses[str(criterion.get("id"))] = str(criterion.get("status"))
    return statuses


def checklist_for_record(record: Mapping[str, Any], given: Path | None) -> Checklist:
    """Load the checklist the record was decided on: `given`, or the path it names.

    Raises:
        RecheckSetupError: no checklist, it does not load, or its SHA-256 is not the one
            the record names (another checklist, or another version of it).
    """
    named: Mapping[str, Any] = record.get("checklist") or {}
    if not isinstance(named, Mapping):
        named = {}
    recorded_sha = str(named.get("sha256") or "")
    path = given if given is not None else Path(str(named.get("path") or ""))
    if not str(path) or str(path) == ".":
        raise RecheckSetupError("--recheck: the record names no checklist; pass --checklist")
    if not path.is_file():
        raise RecheckSetupError(f"--recheck: checklist {path} not found; pass --checklist PATH")
    try:
        checklist = load_checklist(path)
    except GonogoError as exc:
        raise RecheckSetupError(f"--recheck: {exc}") from exc
    if checklist.sha256 != recorded_sha:
        raise RecheckSetupError(
            f"--recheck: {path} (sha256 {checklist.sha256[:16]}) is not the checklist the"
            f" record was decided on (sha256 {recorded_sha[:16]})"
        )
    return checklist


def recheck(
    checklist: Checklist,
    record: Mapping[str, Any],
    *,
    root: Path,
    evidence_dir: Path,
    now: Callable[[], datetime],
) -> list[Rechecked]:
    """Rerun the checklist's rechecked criteria against the live systems, in checklist order.

    Must be called with no event loop running (the probes run in their own).
    """
    chosen = [c for section, c in checklist.criteria() if section.is_rechecked(c)]
    if not chosen:
        return []

    def make_runner(concurrency: int) -> ProbeRunner:
        return ProbeRunner.for_checklist(
            checklist,
            root=root,
            now=now,
            evidence_dir=evidence_dir,
            concurrency=concurrency,
            head_start=False,
        )

    results = run_in_workers(
        chosen, make_runner, concurrency=checklist.defaults.concurrency, workers=1
    )
    recorded = recorded_statuses(record)
    found = []
    for criterion in chosen:
        result = results.get(criterion.id)
        status = result.status.value if result is not None else Status.ERROR.value
        detail = result.detail if result is not None else "the probe did not report"
        found.append(Rechecked(criterion.id, recorded.get(criterion.id, "absent"), status, detail))
    return found


def recheck_reason(found: list[Rechecked]) -> str | None:
    """One line naming every rechecked criterion that no longer passes, or None."""
    failing = [r for r in found if r.regressed]
    if not failing:
        return None
    # Details are redacted by the runner; cut after that, so that the line stays one line.
    listed = "; ".join(f"{r.id} {r.status}: {_one_line(r.detail)}" for r in failing)
    return f"recheck: {len(failing)} of {len(found)} no longer pass: {listed}"


def _one_line(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
