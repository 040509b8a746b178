"""`gonogo demo`: start a local environment that meets the shipped checklist's contract and
review it (the TUI), check it (`--check`), or keep it running for other tools."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gonogo_tui.commands.common import default_operator
from gonogo_tui.commands.shipped import shipped_file
from gonogo_tui.commands.signals import shielded, stop_signals_interrupt
from gonogo_tui.commands.trust_gate import add_trust_arguments
from gonogo_tui.commands.viewer_server import add_serve_arguments, check_free
from gonogo_tui.core.errors import GonogoError

if TYPE_CHECKING:
    from gonogo_tui.demo.environment import DemoEnvironment

SCENARIO_NAMES = ("green", "review", "red")
FLAVOUR_NAMES = ("contract", "foreign")
SHIPPED_CHECKLIST = "spark-trading.yaml"
"""The shipped checklist the demo reviews (`checklists/` in a checkout, package data in a wheel)."""
CONTRACT_SQL = "contract/spark_trading.sql"
"""The database objects the demo's PostgreSQL is loaded with."""


def register(subparsers: Any) -> None:
    """Add the `demo` subcommand."""
    parser = subparsers.add_parser(
        "demo",
        help="start a local environment meeting the shipped checklist's contract and review it",
        description="Start, on 127.0.0.1 and in a temp dir, every system the shipped checklist "
        "reads (web app, API, Grafana and GitHub APIs, PostgreSQL, pgBouncer, Prometheus, a "
        "repository root), then open the review on it. Everything is stopped and removed on "
        "exit, also after Ctrl-C. With --check: exit 0 GO, 1 NO-GO, 3 REVIEW, 2 bad input.",
    )
    parser.add_argument(
        "--scenario",
        choices=SCENARIO_NAMES,
        default="green",
        help="green: GO once manual criteria are ticked; review: one section NO-GO; "
        "red: several (default: green)",
    )
    parser.add_argument(
        "--flavour",
        choices=FLAVOUR_NAMES,
        default="contract",
        help="contract: the systems in the shapes the shipped checklist expects; foreign: the "
        "same facts in another team's shapes (column and metric names, file layouts), to try "
        "`gonogo doctor` on (default: contract)",
    )
    parser.add_argument(
        "--latency-ms",
        type=_latency_ms,
        default=0,
        metavar="N",
        help="delay every answer of the demo's HTTP services by N ms, like a remote stack",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="run `gonogo check` instead of the review and exit with its code",
    )
    parser.add_argument(
        "--tick",
        action="append",
        default=[],
        metavar="ID",
        help="with --check: tick a manual criterion (repeatable; '*' ticks them all)",
    )
    parser.add_argument("--json", action="store_true", help="with --check: print JSON")
    parser.add_argument(
        "--record", action="store_true", help="with --check: write a decision record"
    )
    parser.add_argument(
        "--keep-running",
        action="store_true",
        help="keep the environment up (after --check, or instead of the review) until "
        "Ctrl-C or SIGTERM; prints the variables to point other tools at it",
    )
    parser.add_argument(
        "--env-file",
        type=Path,
        metavar="FILE",
        help="write the variables (tokens included, mode 0600) to FILE once the environment "
        "is up; removed again on exit",
    )
    parser.add_argument(
        "--checklist",
        type=Path,
        default=None,
        help=f"checklist to review (default: the shipped checklists/{SHIPPED_CHECKLIST})",
    )
    parser.add_argument(
        "--evidence-dir",
        type=Path,
        default=None,
        help="where records and the journal go (default: a folder removed with the demo)",
    )
    parser.add_argument("--operator", default=None, help="who runs the review (default: $USER)")
    parser.add_argument("--release", default=None, help="release label in the record (e.g. v2.4.0)")
    add_serve_arguments(parser)
    add_trust_arguments(parser)
    parser.set_defaults(func=run)


def _latency_ms(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of ms") from None
    if not 0 <= value <= 60_000:
        raise argparse.ArgumentTypeError("must be between 0 and 60000")
    return value


def run(args: argparse.Namespace) -> int:
    """Run `gonogo demo`."""
    if not args.check and (args.tick or args.json or args.record):
        raise GonogoError("--tick, --json and --record go with --check")
    if args.serve is not None and (args.check or args.keep_running):
        raise GonogoError("--serve goes with the review, not with --check or --keep-running")
    checklist = args.checklist or shipped_file(SHIPPED_CHECKLIST)
    if checklist.is_dir():
        raise GonogoError(f"{checklist}: is a folder, not a checklist file")
    if not checklist.is_file():
        raise GonogoError(f"{checklist}: no such checklist")
    if args.env_file is not None:
        _check_env_file(args.env_file)
    if args.serve is not None:
        check_free(*args.serve)  # refused before the environment takes its ten seconds
    contract_sql = shipped_file(CONTRACT_SQL)
    from gonogo_tui.demo.environment import DemoEnvironment
    from gonogo_tui.demo.flavours import Flavour
    from gonogo_tui.demo.scenarios import Scenario

    environment = DemoEnvironment(
        Scenario(args.scenario),
        contract_sql=contract_sql,
        flavour=Flavour(args.flavour),
        latency=args.latency_ms / 1000,
        progress=_progress,
    )
    code = 0
    with stop_signals_interrupt(), contextlib.ExitStack() as cleanup:
        cleanup.callback(shielded, environment.stop)
        environment.start()
        cleanup.enter_context(_environ(environment.variables))
        if args.env_file is not None:
            environment.write_env_file(args.env_file)
            cleanup.callback(args.env_file.unlink, missing_ok=True)
        evidence_dir = args.evidence_dir or environment.evidence_dir
        _announce(environment, args, evidence_dir)
        if args.check:
            code = _check(args, checklist, environment, evidence_dir)
        elif not args.keep_running:
            code = _review(args, checklist, environment, evidence_dir)
        if args.keep_running:
            _wait_for_stop(environment)
    return code


def _check_env_file(path: Path) -> None:
    """Refuses, before anything starts, an --env-file that could never be written.

    Raises:
        GonogoError: `path` is a folder, or its folder does not exist.
    """
    if path.is_dir():
        raise GonogoError(f"--env-file {path}: is a folder, not a file")
    if not path.parent.is_dir():
        raise GonogoError(f"--env-file {path}: no such folder {path.parent}")


def _progress(line: str) -> None:
    print(f"demo: {line}", file=sys.stderr, flush=True)


def _announce(environment: DemoEnvironment, args: argparse.Namespace, evidence: Path) -> None:
    lines = [
        f"scenario {environment.scenario}: {environment.conditions.story}",
        *(
            [
                f"flavour {environment.flavour}: the same systems in another team's shapes "
                "(docs/demo.md#flavours); try `gonogo doctor` on it"
            ]
            if environment.flavour != "contract"
            else []
        ),
        *(f"  {line}" for line in environment.display_lines()),
        f"  --root {environment.root}",
        f"  --evidence-dir {evidence}",
    ]
    if args.latency_ms:
        lines.append(f"every HTTP answer is delayed by {args.latency_ms} ms")
    for missing in environment.missing:
        names = ", ".join(missing.variables)
        lines.append(
            f"{missing.name} is missing ({names} answer with an error): "
            f"apt-get install {missing.package}"
        )
    for line in lines:
        _progress(line)


def _check(
    args: argparse.Namespace, checklist: Path, environment: DemoEnvironment, evidence: Path
) -> int:
    from gonogo_tui.commands import check

    check_args = argparse.Namespace(
        checklist=checklist,
        json=args.json,
        junit=None,
        tick=args.tick,
        operator=args.operator,
        root=environment.root,
        record=args.record,
        evidence_dir=evidence,
        release=args.release,
        concurrency=None,
        workers=None,
        sustain_scale=1.0,
        changed_since_last_go=False,
        trust=args.trust,
        trusted_digests=args.trusted_digests,
        allow_host=args.allow_host,
    )
    return check.run(check_args)


def _review(
    args: argparse.Namespace, checklist: Path, environment: DemoEnvironment, evidence: Path
) -> int:
    from gonogo_tui.commands import review

    review_args = argparse.Namespace(
        checklist=checklist,
        operator=args.operator or default_operator(),
        release=args.release,
        duration=600.0,
        evidence_dir=evidence,
        root=environment.root,
        walkthrough=False,
        evidence_removed_on_exit=args.evidence_dir is None,
        serve=args.serve,
        max_viewers=args.max_viewers,
        trust=args.trust,
        trusted_digests=args.trusted_digests,
        allow_host=args.allow_host,
    )
    return review.run(review_args)


def _wait_for_stop(environment: DemoEnvironment) -> None:
    assert environment.workdir is not None
    env_file = environment.write_env_file(environment.workdir / "demo.env")
    _progress(f"load the variables into a shell with: . {env_file}")
    _progress("running; Ctrl-C (or SIGTERM) stops everything")
    while True:
        signal.pause()


@contextlib.contextmanager
def _environ(variables: Mapping[str, str]) -> Iterator[None]:
    """Sets `variables` in os.environ (the checklist reads them) and restores it afterwards."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
