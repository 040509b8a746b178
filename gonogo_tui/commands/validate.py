"""`gonogo validate`: load and validate checklists without running a probe (pre-commit, CI)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from gonogo_tui.core.checklist import load_checklist
from gonogo_tui.core.errors import ChecklistError

EXIT_VALID = 0
EXIT_INVALID = 2


def register(subparsers: Any) -> None:
    """Add the `validate` subcommand."""
    parser = subparsers.add_parser(
        "validate",
        help="check that checklist files load and are valid, without running a probe",
        description="Load and validate each CHECKLIST as `gonogo check` would (YAML, "
        "variables, every field), without running a probe. Every file is reported: a line "
        "`FILE: valid (...)` on stdout, or one `FILE:LINE: field: message` line per problem "
        "on stderr. Exit codes: 0 all valid, 2 any invalid.",
    )
    parser.add_argument("checklists", type=Path, nargs="+", metavar="CHECKLIST")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing for a valid file")
    parser.set_defaults(func=run, fast_exit=True)


def run(args: argparse.Namespace) -> int:
    """Validate every named file; report all of them, not only the first invalid one."""
    code = EXIT_VALID
    for path in args.checklists:
        try:
            checklist = load_checklist(path)
        except ChecklistError as exc:
            code = EXIT_INVALID
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            continue
        if not args.quiet:
            criteria = sum(len(section.criteria) for section in checklist.sections)
            sections = len(checklist.sections)
            print(
                f"{path}: valid ({sections} section{'s' * (sections != 1)}, "
                f"{criteria} criteri{'a' if criteria != 1 else 'on'})"
            )
    return code
