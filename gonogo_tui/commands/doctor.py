"""`gonogo doctor`: run the probes once and print the YAML edits that fit the target."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from gonogo_tui.commands.common import existing_dir, json_text, redact_logs
from gonogo_tui.commands.trust_gate import add_trust_arguments, require_trust, would_ask
from gonogo_tui.core.checklist import load_checklist
from gonogo_tui.core.errors import GonogoError

EXIT_FITS = 0
"""Nothing needs adapting."""
EXIT_ADAPT = 1
"""Something does: an edit, a mismatch without a close name, or a missing file."""


def register(subparsers: Any) -> None:
    """Add the `doctor` subcommand."""
    parser = subparsers.add_parser(
        "doctor",
        help="run the probes once and print the YAML edits that fit your stack "
        "(0 fits, 1 needs adapting)",
        description="Run every probe of CHECKLIST once. For each criterion that fails "
        "because the target's shape differs (a column, a metric, a table header), print the "
        "YAML edit that fits what the target has; never a threshold. Also list the "
        "variables left at their defaults and the files that are missing. Exit codes: "
        "0 nothing to adapt, 1 something to adapt, 2 unusable input.",
    )
    parser.add_argument("checklist", type=Path, help="checklist YAML file")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead")
    parser.add_argument(
        "--write",
        type=Path,
        metavar="FILE",
        help="write the checklist with the edits made to FILE (a new file; never overwrites)",
    )
    parser.add_argument(
        "--root",
        type=existing_dir,
        default=None,
        help="folder that relative paths resolve against (default: current folder)",
    )
    parser.add_argument(
        "--evidence-dir", type=Path, default=Path("evidence"), help="where records go"
    )
    add_trust_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run `gonogo doctor`."""
    from gonogo_tui.core.doctor.report import diagnose

    checklist = load_checklist(args.checklist)
    redact_logs(checklist.redactor)
    if args.write is not None:
        _check_write_target(args.write)
    require_trust(checklist, args, args.evidence_dir)
    root = (args.root or Path.cwd()).resolve()
    diagnosis = diagnose(checklist, root=root, env=os.environ, evidence_dir=args.evidence_dir)
    ask = False
    if args.write is not None:
        _write(args.write, diagnosis.edited_text())
        # A new file has a digest of its own: when it runs a shell command or sends secrets
        # off loopback, `gonogo check` asks for --trust again, whoever trusted the original.
        ask = would_ask(load_checklist(args.write), args, args.evidence_dir)
    if args.json:
        document = diagnosis.to_dict()
        if args.write is not None:
            document["written"] = str(args.write)
            document["needs_trust"] = ask
        sys.stdout.write(json_text(document) + "\n")
    else:
        from gonogo_tui.commands.doctor_text import print_diagnosis

        print_diagnosis(diagnosis, written=args.write, needs_trust=ask)
    return EXIT_ADAPT if diagnosis.needs_adapting else EXIT_FITS


def _check_write_target(path: Path) -> None:
    if path.exists():
        raise GonogoError(f"--write {path}: already exists; doctor never overwrites a file")
    if not path.parent.is_dir():
        raise GonogoError(f"--write {path}: no folder {path.parent} to write it in")


def _write(path: Path, text: str) -> None:
    try:
        with path.open("x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        raise GonogoError(
            f"--write {path}: already exists; doctor never overwrites a file"
        ) from None
    except OSError as exc:
        raise GonogoError(f"--write {path}: cannot write: {exc.strerror or exc}") from None
