"""`gonogo check`: run every probe headless, print the table and exit with the decision."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from gonogo_tui.commands.common import (
    default_operator,
    end_start_up,
    existing_dir,
    json_text,
    positive_int,
    redact_logs,
    tell_completed,
)
from gonogo_tui.commands.trust_gate import add_trust_arguments, require_trust
from gonogo_tui.core.checklist import Checklist, Defaults, load_checklist
from gonogo_tui.core.clock import utc_now
from gonogo_tui.core.deltas import Past, read_past, with_deltas
from gonogo_tui.core.engine import ProbeRunner
from gonogo_tui.core.errors import GonogoError
from gonogo_tui.core.evaluation import Decision, Evaluation, Tick, evaluate
from gonogo_tui.core.execution.process_pool import run_in_workers
from gonogo_tui.core.execution.sustain import is_sustained, sample_all
from gonogo_tui.core.probes.base import ProbeResult
from gonogo_tui.core.waiver_rules import Carried

EXIT_CODES = {Decision.GO: 0, Decision.NO_GO: 1, Decision.REVIEW: 3}
"""Exit code by decision; 2 is unusable input."""


def register(subparsers: Any) -> None:
    """Add the `check` subcommand."""
    parser = subparsers.add_parser(
        "check",
        help="run every probe headless and exit with the decision (0 GO, 1 NO-GO, 3 REVIEW)",
        description="Run every probe of CHECKLIST, print the results and the decision. "
        "Exit codes: 0 GO, 1 NO-GO, 3 REVIEW, 2 unusable input.",
    )
    parser.add_argument("checklist", type=Path, help="checklist YAML file")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead")
    parser.add_argument("--junit", type=Path, metavar="FILE", help="also write JUnit XML")
    parser.add_argument(
        "--tick",
        action="append",
        default=[],
        metavar="ID",
        help="tick a manual criterion (repeatable; '*' ticks every manual criterion)",
    )
    parser.add_argument("--operator", default=None, help="who ticks and records (default: $USER)")
    parser.add_argument(
        "--root",
        type=existing_dir,
        default=None,
        help="folder that relative paths resolve against (default: current folder)",
    )
    parser.add_argument("--record", action="store_true", help="write a decision record")
    parser.add_argument(
        "--evidence-dir", type=Path, default=Path("evidence"), help="where records go"
    )
    parser.add_argument("--release", default=None, help="release label for the record")
    parser.add_argument(
        "--concurrency",
        type=positive_int,
        default=None,
        metavar="N",
        help="probes at once (default: the checklist's defaults.concurrency, "
        f"{Defaults().concurrency} unless it sets one)",
    )
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        metavar="N",
        help="processes that share the probes (default: one per CPU core; 1 runs them all "
        "in this process)",
    )
    parser.add_argument(
        "--sustain-scale",
        type=scale_factor,
        default=1.0,
        metavar="FACTOR",
        help="multiply every sustained probe's window and interval (sustain: for/every), "
        "e.g. 0.01 so CI samples 2m every 15s as 1.2s every 0.15s (default 1)",
    )
    parser.add_argument(
        "--changed-since-last-go",
        action="store_true",
        help="compare with the last GO in --evidence-dir: a 'Last GO' column in the table; "
        "last_go, moved and worse on each criterion and since_last_go in the JSON",
    )
    add_trust_arguments(parser)
    parser.set_defaults(func=run, fast_exit=True)


def scale_factor(text: str) -> float:
    """argparse type for a factor > 0 and <= 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not above 0 and at most 1")
    return value


def resolve_ticks(
    checklist: Checklist, requested: Sequence[str], operator: str, now: datetime
) -> dict[str, Tick]:
    """Turn `--tick` arguments into ticks.

    Raises:
        GonogoError: an unknown id, or an id that is not a manual criterion.
    """
    manual_ids = [c.id for _, c in checklist.criteria() if c.is_manual]
    all_ids = {c.id for _, c in checklist.criteria()}
    ticked: list[str] = []
    for item in requested:
        if item == "*":
            ticked.extend(manual_ids)
        elif item not in all_ids:
            raise GonogoError(f"--tick {item}: no criterion with this id in {checklist.path}")
        elif item not in manual_ids:
            raise GonogoError(f"--tick {item}: not a manual criterion (a probe measures it)")
        else:
            ticked.append(item)
    return {cid: Tick(cid, operator, now) for cid in dict.fromkeys(ticked)}


def run(args: argparse.Namespace, *, now: Callable[[], datetime] = utc_now) -> int:
    """Run `gonogo check`."""
    checklist = load_checklist(args.checklist)
    redact_logs(checklist.redactor)
    operator = args.operator or default_operator()
    started_at = now()
    ticks = resolve_ticks(checklist, args.tick, operator, started_at)
    # Shell commands, or secrets sent outside the allow-list, only once trusted.
    require_trust(checklist, args, args.evidence_dir)
    if args.junit is not None:
        # Said before the probes run (and before a record is written), not after.
        _check_junit_target(args.junit, args.checklist)
    if args.record:
        # A record an earlier run left half written is completed before the probes run, so
        # that an unusable plan file stops the run before it takes minutes.
        from gonogo_tui.core.records.pending import complete_pending

        complete_pending(args.evidence_dir, on_completed=tell_completed)
    root = (args.root or Path.cwd()).resolve()
    # Read before this run's record is sealed: the last GO is the one before it.
    past = read_past(args.evidence_dir)

    def make_runner(concurrency: int) -> ProbeRunner:
        return ProbeRunner.for_checklist(
            checklist,
            root=root,
            now=now,
            evidence_dir=args.evidence_dir,
            concurrency=concurrency,
            head_start=False,
        )

    end_start_up()
    concurrency = args.concurrency or checklist.defaults.concurrency
    probed = [criterion for _, criterion in checklist.criteria() if criterion.probe is not None]
    # Sustained probes sample over their window after the burst (see core/execution/sustain).
    sustained = [criterion for criterion in probed if is_sustained(criterion)]
    probed = [criterion for criterion in probed if not is_sustained(criterion)]
    timed = [c for c in probed if c.probe is not None and c.probe.latency_budget]
    # Probes that time their target (http max_ms) run first, on their own: during the burst
    # the forked workers' start-up and the other probes hold both cores, and that wait would
    # be counted as the target's latency.
    results = {}
    if timed:
        results = run_in_workers(timed, make_runner, concurrency=concurrency, workers=1)
    results |= run_in_workers(
        [c for c in probed if c.id not in results],
        make_runner,
        concurrency=concurrency,
        workers=args.workers,
    )
    if sustained:
        results |= asyncio.run(
            sample_all(sustained, make_runner(concurrency), scale=args.sustain_scale)
        )
    carried = _carried(checklist, args, operator, now())
    evaluation = evaluate(checklist, results, ticks, carried.waivers, waiver_notes=carried.lapsed)
    record_path = None
    if args.record:
        record_path = _write_record(
            checklist, evaluation, results, args, operator, now(), started_at=started_at, past=past
        )
    if args.junit is not None:
        _write_junit(evaluation, checklist, args.junit)
    since = past if args.changed_since_last_go else None
    if args.json:
        _print_json(evaluation, record_path, since)
    else:
        from gonogo_tui.commands.check_table import print_table

        print_table(checklist, evaluation, record_path=record_path, past=since)
    return EXIT_CODES[evaluation.decision]


def _carried(
    checklist: Checklist, args: argparse.Namespace, operator: str, now: datetime
) -> Carried:
    """The waivers the evidence folder's ledger still holds for this release (docs/review.md,
    waivers); a ledger that cannot be read carries none, and says so on stderr."""
    from gonogo_tui.core.waiver_ledger import carried_waivers

    try:
        return carried_waivers(checklist, args.evidence_dir, args.release, now, operator)
    except GonogoError as exc:
        if not args.record:  # recording refuses that ledger itself, in one line, exit 2
            sys.stderr.write(f"gonogo check: no waiver carried: {exc}\n")
        return Carried()


def _write_record(
    checklist: Checklist,
    evaluation: Evaluation,
    results: dict[str, ProbeResult],
    args: argparse.Namespace,
    operator: str,
    decided_at: datetime,
    *,
    started_at: datetime | None = None,
    past: Past | None = None,
) -> Path:
    from gonogo_tui.core.records.build import build_record
    from gonogo_tui.core.records.pending import write_decision_record

    record = build_record(
        checklist,
        evaluation,
        operator=operator,
        decided_at=decided_at,
        release=args.release,
        started_at=started_at,
        past=past,
    )
    outcome = write_decision_record(
        record, args.evidence_dir, operator=operator, on_completed=tell_completed
    )
    return outcome.paths.txt


def _check_junit_target(path: Path, checklist: Path) -> None:
    if str(path) == "-":
        raise GonogoError("--junit -: give a file name (the table or --json goes to stdout)")
    if path.is_dir():
        raise GonogoError(f"--junit {path}: is a folder")
    if path.exists() and path.resolve() == Path(checklist).resolve():
        raise GonogoError(f"--junit {path}: is the checklist; it would be overwritten")
    if not path.parent.is_dir():
        raise GonogoError(f"--junit {path}: no folder {path.parent} to write it in")


def _write_junit(evaluation: Evaluation, checklist: Checklist, path: Path) -> None:
    from gonogo_tui.core.evaluation_export import evaluation_to_junit

    try:
        path.write_bytes(evaluation_to_junit(evaluation, name=checklist.title))
    except OSError as exc:
        raise GonogoError(f"--junit {path}: cannot write: {exc.strerror or exc}") from None


def _print_json(evaluation: Evaluation, record_path: Path | None, past: Past | None) -> None:
    from gonogo_tui.core.evaluation_export import evaluation_to_dict

    document = evaluation_to_dict(evaluation)
    if past is not None:
        with_deltas(document, past, evaluation)
    # Each probe's full findings (rows, bodies, the names the target has), redacted by
    # the engine like every other text; the record keeps its own bytes, without them.
    outputs = {
        outcome.criterion.id: outcome.result.output
        for section in evaluation.sections
        for outcome in section.criteria
        if outcome.result is not None
    }
    for section in document["sections"]:
        for criterion in section["criteria"]:
            if criterion["id"] in outputs:
                criterion["output"] = outputs[criterion["id"]]
    if record_path is not None:
        document["record_path"] = str(record_path)
    sys.stdout.write(json_text(document) + "\n")
