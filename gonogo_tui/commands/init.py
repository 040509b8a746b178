"""`gonogo init`: start a team's own checklist from a shipped one, in its repository."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from gonogo_tui.commands.common import existing_dir
from gonogo_tui.commands.shipped import shipped_checklists, shipped_file
from gonogo_tui.core.errors import GonogoError
from gonogo_tui.core.files import write_new_file

DEFAULT_STARTER = "spark-trading"
TARGET_DIR = Path("checklists")
"""Where the files go inside the repository: where `gonogo review` looks by default."""

_CONTRACTS = {"spark-trading": ("README.md", "contract/spark_trading.sql")}
"""A starter's target contract (markdown) and the files it points to, in the shipped folder."""


def register(subparsers: Any) -> None:
    """Add the `init` subcommand."""
    parser = subparsers.add_parser(
        "init",
        help="write a starter checklist and its target contract into a repository",
        description="Write a copy of a shipped checklist into DIR/checklists/, with its "
        "target contract beside it (a markdown page of every variable, file, endpoint and "
        "database object it reads). Asks nothing, and never writes over an existing file: "
        "when one of the files exists, nothing is written (exit 2).",
    )
    parser.add_argument(
        "--from",
        dest="starter",
        default=DEFAULT_STARTER,
        metavar="NAME",
        help=f"the shipped checklist to start from (default: {DEFAULT_STARTER})",
    )
    parser.add_argument(
        "--dir",
        type=existing_dir,
        default=Path("."),
        help="the repository to write into (default: the current folder)",
    )
    parser.set_defaults(func=run)


def starter_files(starter: str) -> dict[str, str]:
    """What `init --from starter` writes: shipped name -> name under `checklists/`."""
    files = {f"{starter}.yaml": f"{starter}.yaml"}
    contract = _CONTRACTS.get(starter)
    if contract is not None:
        page, *others = contract
        files[page] = f"{starter}.md"
        files.update({other: other for other in others})
    return files


def run(args: argparse.Namespace) -> int:
    """Write the starter's files; refuse (write nothing) when any of them exists."""
    shipped = shipped_checklists()
    if args.starter not in shipped:
        raise GonogoError(
            f"--from {args.starter}: no such checklist (shipped: {', '.join(shipped)})"
        )
    target = args.dir / TARGET_DIR
    plan = {
        target / name: shipped_file(source) for source, name in starter_files(args.starter).items()
    }
    taken = [path for path in plan if path.exists() or path.is_symlink()]
    if taken:
        names = ", ".join(_shown(path) for path in taken)
        raise GonogoError(
            f"{names}: already there; gonogo init writes over no file (move it, or --dir)"
        )
    for path, source in plan.items():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_new_file(path, source.read_bytes())
        except FileExistsError:
            raise GonogoError(f"{_shown(path)}: appeared while writing; left as it is") from None
        print(f"wrote {_shown(path)}")
    checklist = _shown(target / f"{args.starter}.yaml")
    print(
        "\nNext: adapt it to your systems (its target contract, "
        f"{_shown(target / f'{args.starter}.md')}, lists what it reads), then\n"
        f"  gonogo validate {checklist}    # in pre-commit and CI: no probe runs\n"
        f"  gonogo check {checklist}       # runs every probe: exit 0 GO, 1 NO-GO, 3 REVIEW\n"
        f"  gonogo review {checklist}      # the meeting screen"
    )
    return 0


def _shown(path: Path) -> str:
    """`path` relative to the current folder when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return os.fspath(path)
