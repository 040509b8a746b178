"""`gonogo history [EVIDENCE_DIR]`: the decisions sealed in an evidence folder, its waivers and
how long they have run, the criteria that erred or were waived most often, and how long the
meetings took."""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gonogo_tui.commands.parser import stream_is_utf8
from gonogo_tui.core.clock import format_duration
from gonogo_tui.core.sanitize import json_escape_invisible

if TYPE_CHECKING:
    from gonogo_tui.core.history import History, PastDecision, WaiverAge

DEFAULT_LIMIT = 20
"""Decisions the text lists (newest first); `--limit 0` lists all, `--json` always all."""
UNSTEADY_SHOWN = 10


def register(subparsers: Any) -> None:
    """Add the `history` subcommand."""
    parser = subparsers.add_parser(
        "history",
        help="past decisions of an evidence folder: approvers, waivers, flaky probes, timing",
        description="Read EVIDENCE_DIR's ledger and records: past decisions (date, release, "
        "decision, sections GO, approvers signed or not), waivers and how many releases in a "
        "row they ran, the criteria that erred or were waived most often, and the time from "
        "meeting start to decision. Exit 0, or 2 when the folder or its ledger is unusable.",
    )
    parser.add_argument(
        "directory", type=Path, nargs="?", default=Path("evidence"), metavar="EVIDENCE_DIR"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--since",
        type=since_arg,
        default=None,
        metavar="DATE",
        help="only decisions taken on or after DATE (2026-11-26, or an ISO time with a zone)",
    )
    parser.add_argument(
        "--limit",
        type=_limit_arg,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"decisions listed, newest first (default {DEFAULT_LIMIT}; 0: all)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="read every record again instead of the history index (kept in $GONOGO_CACHE_DIR, "
        "else ~/.cache/gonogo)",
    )
    parser.set_defaults(func=run)


def since_arg(text: str) -> datetime:
    """argparse type: a date (midnight UTC) or an ISO 8601 time with a zone."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return datetime.fromisoformat(text).replace(tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no time zone (add Z)")
    return moment.astimezone(UTC)


def _limit_arg(text: str) -> int:
    if not re.fullmatch(r"\d{1,9}", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
    return int(text)


def run(args: argparse.Namespace) -> int:
    """Run `gonogo history`; a `HistoryError` becomes one line and exit 2 in `cli`."""
    from gonogo_tui.core.history import history_to_dict, read_history
    from gonogo_tui.core.history_index import default_cache_dir

    cache_dir = None if args.no_cache else default_cache_dir()
    history = read_history(args.directory, since=args.since, cache_dir=cache_dir)
    if args.json:
        sys.stdout.write(_compact_json(history_to_dict(history)) + "\n")
    else:
        sys.stdout.write("\n".join(history_lines(history, limit=args.limit)) + "\n")
    return 0


def _compact_json(document: object) -> str:
    """One line of JSON: without indentation `json` uses its C encoder, ten times faster over
    10,000 decisions; invisible and bidirectional characters are escaped as in `json_text`."""
    text = json.dumps(document, ensure_ascii=not stream_is_utf8(sys.stdout), separators=(",", ":"))
    return json_escape_invisible(text)


def history_lines(history: History, *, limit: int = DEFAULT_LIMIT) -> list[str]:
    """The text `gonogo history` prints."""
    decisions = history.decisions
    skipped = f" ({history.skipped} earlier not shown: --since)" if history.skipped else ""
    if not decisions:
        return [f"{history.directory}: no sealed decisions{skipped}"]
    first, last = decisions[0].decided_at, decisions[-1].decided_at
    lines = [
        f"{history.directory}: {len(decisions)} decisions, {first:%Y-%m-%d} .. {last:%Y-%m-%d}"
        f"{skipped}",
        "",
    ]
    shown = list(reversed(decisions))[: limit or None]
    more = (
        f"; {len(shown)} of {len(decisions)}, --limit 0 for all"
        if len(shown) < len(decisions)
        else ""
    )
    lines.append(f"Decisions (newest first{more})")
    width = max(len(d.release or "-") for d in shown)
    for decision in shown:
        lines.append(_decision_line(decision, width))
    lines += ["", "Waivers (releases in a row up to the latest)"]
    pad = max((len(w.criterion) for w in history.waivers), default=0)
    lines += [_waiver_line(w, pad) for w in history.waivers] or ["  none"]
    lines += ["", f"Erred or waived most often: flaky-probe candidates (of {len(decisions)})"]
    unsteady = history.unsteady[:UNSTEADY_SHOWN]
    pad = max((len(u.criterion) for u in unsteady), default=0)
    lines += [
        f"  {u.criterion:<{pad}}  ERROR {u.errors}, waived {u.waivers}" for u in unsteady
    ] or ["  none"]
    lines.append("")
    median = history.median_seconds
    if median is None:
        lines.append("Time from meeting start to decision: unknown (no record says its start)")
    else:
        lines.append(
            f"Time from meeting start to decision: median {format_duration(median)},"
            f" longest {format_duration(max(history.times))} ({len(history.times)} decisions)"
        )
    return lines


def _decision_line(decision: PastDecision, width: int) -> str:
    took = decision.seconds_to_decision
    approvers = [
        f"{a.role} {a.principal}"
        + ("" if a.vote == "approve" else f" {a.vote}")
        + (" (signed)" if a.signed else " (unsigned)")
        for a in decision.approvers
    ]
    approvers += [f"{other} (signed)" for other in decision.other_signatures]
    return (
        f"  {decision.decided_at:%Y-%m-%d %H:%M}  {(decision.release or '-'):<{width}}"
        f"  {decision.decision:<8}  {decision.sections_go}/{decision.sections_total}"
        f"  {format_duration(took) if took is not None else '?':>5}"
        f"  {', '.join(approvers) or 'no approvers named'}"
    )


def _waiver_line(age: WaiverAge, pad: int) -> str:
    if age.releases_in_a_row:
        run = f"{age.releases_in_a_row} release{'s' * (age.releases_in_a_row != 1)} in a row"
        run += f" since {age.since}"
    else:
        run = "not in the latest release"
    return (
        f"  {age.criterion:<{pad}}  {run} (waived {age.times}x; last by {age.last_by or '?'}:"
        f" {age.last_reason!r})"
    )
