"""`gonogo verify --recheck`: rerun a sealed GO's critical (or `recheck: true`) probes
against the live systems at deploy time; exit 3 naming each one that no longer passes."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gonogo_tui.commands.common import existing_dir

if TYPE_CHECKING:
    from gonogo_tui.core.recheck import Rechecked
    from gonogo_tui.core.signing.verify import VerifyResult


def add_recheck_arguments(parser: argparse.ArgumentParser) -> None:
    """Add `--recheck`, `--checklist` and `--root` to `gonogo verify`."""
    parser.add_argument(
        "--recheck",
        action="store_true",
        help="rerun the record's critical (or `recheck: true`) probes now; exit 3 naming "
        "each one that no longer passes",
    )
    parser.add_argument(
        "--checklist",
        type=Path,
        default=None,
        metavar="PATH",
        help="the checklist the record was decided on (its SHA-256 must match the record's; "
        "default: the path the record names)",
    )
    parser.add_argument(
        "--root",
        type=existing_dir,
        default=None,
        help="folder that the checklist's relative paths resolve against (default: current)",
    )


def apply_recheck(
    args: argparse.Namespace, result: VerifyResult, now: Callable[[], datetime]
) -> tuple[VerifyResult, list[Rechecked] | None]:
    """Recheck when asked and the record is intact; the result with any new finding added.

    A record that failed an integrity or ledger check is not rechecked: nothing is probed
    on behalf of a record that is not what was sealed.
    """
    from gonogo_tui.commands.trust_gate import require_trust
    from gonogo_tui.core.errors import GonogoError
    from gonogo_tui.core.recheck import checklist_for_record, recheck, recheck_reason
    from gonogo_tui.core.records.layout import locate_record
    from gonogo_tui.core.signing import Failure, Finding

    if not args.recheck or any(
        f.failure in (Failure.INTEGRITY, Failure.LEDGER) for f in result.findings
    ):
        return result, None
    paths = locate_record(args.record)
    record: dict[str, Any] = json.loads(paths.json.read_text(encoding="utf-8"))
    try:
        checklist = checklist_for_record(record, args.checklist)
        # A checklist that runs shell commands reruns them only if it is trusted, as when it
        # was reviewed (its digest recorded in the evidence folder, or --trusted-digests).
        require_trust(checklist, argparse.Namespace(), paths.directory)
    except GonogoError as exc:
        return _with(result, Finding(Failure.POLICY, str(exc))), None
    root = (args.root or Path.cwd()).resolve()
    found = recheck(checklist, record, root=root, evidence_dir=paths.directory, now=now)
    reason = recheck_reason(found)
    if reason is not None:
        result = _with(result, Finding(Failure.DECISION, reason))
    return result, found


def _with(result: VerifyResult, finding: Any) -> VerifyResult:
    return replace(result, findings=(*result.findings, finding))


def recheck_note(found: list[Rechecked] | None) -> str:
    """What the OK line adds: how many probes were rerun and passed."""
    if found is None:
        return ""
    return f"; recheck: {len(found)} rerun, all still pass" if found else "; recheck: none to rerun"
