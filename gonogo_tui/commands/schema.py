"""`gonogo schema`: print the checklist format's JSON Schema."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from gonogo_tui.core.checklist import checklist_json_schema


def register(subparsers: Any) -> None:
    """Add the `schema` subcommand."""
    parser = subparsers.add_parser(
        "schema",
        help="print the checklist JSON Schema (for editor validation and completion)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the schema."""
    sys.stdout.write(json.dumps(checklist_json_schema(), indent=2) + "\n")
    return 0
