"""`gonogo review`: the live GO/NO-GO review in the terminal (what plain `gonogo` runs)."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from gonogo_tui.commands.common import (
    default_operator,
    duration_arg,
    existing_dir,
    redact_logs,
    tell_completed,
)
from gonogo_tui.commands.trust_gate import add_trust_arguments, untrusted_plan
from gonogo_tui.commands.viewer_server import add_serve_arguments
from gonogo_tui.core import files
from gonogo_tui.core.checklist import load_checklist
from gonogo_tui.core.clock import utc_now
from gonogo_tui.core.engine import ProbeRunner
from gonogo_tui.core.errors import GonogoError

CHECKLISTS_DIR = Path("checklists")
"""Where a checklist is looked for when none is named."""
DEFAULT_DURATION = "10m"
REVIEW_FPS = 120
"""Frame cap for the review (Textual's default is 60); TEXTUAL_FPS overrides it."""


def register(subparsers: Any) -> None:
    """Add the `review` subcommand."""
    parser = subparsers.add_parser(
        "review",
        help="open the live go/no-go review (the default command)",
        description="Open the live review of CHECKLIST: probes run in the background, the "
        "operator ticks, waives and notes, and finalizing writes the decision record.",
    )
    parser.add_argument(
        "checklist",
        type=Path,
        nargs="?",
        help="checklist YAML file (default: the only file in checklists/)",
    )
    parser.add_argument("--operator", default=None, help="who runs the meeting (default: $USER)")
    parser.add_argument("--release", default=None, help="release label (default: the checklist's)")
    parser.add_argument(
        "--duration",
        type=duration_arg,
        default=duration_arg(DEFAULT_DURATION),
        metavar="DURATION",
        help=f"meeting length for the countdown, e.g. 10m or 90s (default: {DEFAULT_DURATION})",
    )
    parser.add_argument(
        "--evidence-dir",
        type=Path,
        default=Path("evidence"),
        help="where the journal, walkthrough summary and decision record go (default: evidence)",
    )
    parser.add_argument(
        "--root",
        type=existing_dir,
        default=None,
        help="folder that relative paths resolve against (default: current folder)",
    )
    parser.add_argument(
        "--walkthrough",
        action="store_true",
        help="start with the walkthrough: one section at a time, a summary at the end",
    )
    add_serve_arguments(parser)
    add_trust_arguments(parser)
    parser.set_defaults(func=run, evidence_removed_on_exit=False)


def find_default_checklist(folder: Path = CHECKLISTS_DIR) -> Path:
    """The only checklist file in `folder`.

    Raises:
        GonogoError: none, or more than one.
    """
    files = sorted(
        path
        for path in (folder.iterdir() if folder.is_dir() else ())
        if path.is_file() and path.suffix in (".yaml", ".yml")
    )
    if len(files) == 1:
        return files[0]
    if not files:
        raise GonogoError(f"no CHECKLIST given and no checklist file in {folder}/")
    names = ", ".join(path.name for path in files)
    raise GonogoError(f"no CHECKLIST given and {folder}/ holds {len(files)} ({names}): name one")


class _EvidenceLog(logging.FileHandler):
    """A log file in the evidence folder, opened without following a link at its name
    (`core/files.py`): probe output never lands in the file a planted link points to."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, encoding="utf-8")

    def _open(self) -> Any:
        return files.open_append_text(Path(self.baseFilename))


def _log_to_file(evidence_dir: Path) -> None:
    """Send log records to `evidence/gonogo.log`: stderr belongs to the screen while it runs."""
    root_logger = logging.getLogger()
    level = root_logger.level if root_logger.level != logging.NOTSET else logging.WARNING
    for handler in list(root_logger.handlers):
        if isinstance(handler, logging.StreamHandler) and not isinstance(
            handler, logging.FileHandler
        ):
            root_logger.removeHandler(handler)
    files.refuse_link(evidence_dir)  # one line, exit 2, before the screen takes over
    try:
        evidence_dir.mkdir(parents=True, exist_ok=True)
        handler = _EvidenceLog(evidence_dir / "gonogo.log")
    except files.UnsafeFileError as exc:
        raise GonogoError(str(exc)) from None
    except OSError:
        root_logger.addHandler(logging.NullHandler())
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root_logger.addHandler(handler)
    root_logger.setLevel(min(level, logging.INFO))


def run(args: argparse.Namespace, *, now: Callable[[], datetime] = utc_now) -> int:
    """Run `gonogo review` until the operator quits."""
    if args.duration <= 0:
        raise GonogoError("--duration must be longer than 0s")
    checklist_path = args.checklist or find_default_checklist()
    checklist = load_checklist(checklist_path)
    # Not trusted here: the review opens on what the checklist will execute and send where.
    trust = untrusted_plan(checklist, args, args.evidence_dir)
    # A record `gonogo check --record` left half written is completed before the meeting
    # (on stderr, which the screen does not hide yet); an unusable plan file stops here.
    from gonogo_tui.core.records.pending import complete_pending

    complete_pending(args.evidence_dir, on_completed=tell_completed)
    root = (args.root or Path.cwd()).resolve()
    runner = ProbeRunner.for_checklist(
        checklist, root=root, now=now, evidence_dir=args.evidence_dir, isolate_timed=True
    )
    # Textual reads its frame cap when first imported: 120 frames a second halves the wait
    # between a key and its frame (measured p95 30-38 ms -> 17-24 ms in-process under load).
    os.environ.setdefault("TEXTUAL_FPS", str(REVIEW_FPS))
    from gonogo_tui.ui.app import GonogoApp

    _log_to_file(args.evidence_dir)
    # httpx logs each request's URL at INFO into gonogo.log: a token in a URL is masked.
    redact_logs(checklist.redactor)
    app = GonogoApp(
        checklist,
        runner,
        evidence_dir=args.evidence_dir,
        operator=args.operator or default_operator(),
        clock=now,
        release=args.release,
        duration=args.duration,
        walkthrough=args.walkthrough,
        tune_gc=True,
        trust=trust,
        evidence_removed_on_exit=args.evidence_removed_on_exit,
    )
    with contextlib.ExitStack() as serving:
        if getattr(args, "serve", None) is not None:
            from gonogo_tui.commands.viewer_server import serving_viewers

            host, port = args.serve
            url = serving.enter_context(
                serving_viewers(
                    host,
                    port,
                    checklist_path,
                    args.evidence_dir,
                    max_viewers=args.max_viewers,
                )
            )
            print(f"gonogo: attendees follow the review read-only at {url}", file=sys.stderr)
            app.notice = f"Attendees follow the review read-only at {url}"
        app.run()
    if app.stop_signals.received is not None:
        # SIGHUP (the terminal went away) or SIGTERM: the app closed as quitting does; the
        # command ends as interrupted, the demo's clean-up included.
        raise KeyboardInterrupt(app.stop_signals.received)
    if app.error is not None:
        # Printed here, not as the app's exit message: Rich would wrap it at the width of
        # the terminal (80 columns when stderr is a file) into several lines.
        raise GonogoError(app.error)
    return app.return_code or 0
