"""`gonogo view`: follow an operator's review read-only (what `review --serve` shows each
browser)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gonogo_tui.commands.review import find_default_checklist
from gonogo_tui.core.checklist import load_checklist


def register(subparsers: Any) -> None:
    """Add the `view` subcommand."""
    parser = subparsers.add_parser(
        "view",
        help="follow a review read-only (what `gonogo review --serve` shows in browsers)",
        description="Show the review of CHECKLIST that an operator runs with the same "
        "--evidence-dir, following its session journal. Nothing can be ticked, waived, rerun "
        "or finalized here: only the operator's terminal changes the meeting.",
    )
    parser.add_argument(
        "checklist",
        type=Path,
        nargs="?",
        help="checklist YAML file (default: the only file in checklists/)",
    )
    parser.add_argument(
        "--evidence-dir",
        type=Path,
        default=Path("evidence"),
        help="the operator's evidence folder (default: evidence)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run `gonogo view` until the viewer quits."""
    from gonogo_tui.core.engine import ProbeRunner
    from gonogo_tui.ui.viewer_app import ViewerApp

    checklist = load_checklist(args.checklist or find_default_checklist())
    runner = ProbeRunner.for_checklist(checklist, root=Path.cwd(), evidence_dir=args.evidence_dir)
    app = ViewerApp(checklist, runner, evidence_dir=args.evidence_dir)
    app.run()
    if app.stop_signals.received is not None:  # SIGHUP (the terminal went away), SIGTERM
        raise KeyboardInterrupt(app.stop_signals.received)
    return app.return_code or 0
