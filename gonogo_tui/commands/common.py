"""Helpers shared by subcommands: operator names, clocks, argument types."""

from __future__ import annotations

import argparse
import gc
import getpass
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from gonogo_tui.commands.parser import stream_is_utf8
from gonogo_tui.core.sanitize import json_escape_invisible
from gonogo_tui.core.types import parse_duration

if TYPE_CHECKING:
    from gonogo_tui.core.records.finalize import FinalizeOutcome
    from gonogo_tui.core.redaction import Redactor


def end_start_up() -> None:
    """Turn garbage collection back on once a command's start-up is over (`cli.entry`
    turns it off for start-up).

    What start-up built is frozen first: collections never scan it again, and a forked
    probe worker's collections do not touch (and so copy) its memory.
    """
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def json_text(document: object) -> str:
    """`document` as indented JSON for stdout: characters stdout cannot encode (its
    encoding is not UTF-8), and bidirectional and invisible characters always, are written
    as JSON escapes."""
    text = json.dumps(document, indent=2, ensure_ascii=not stream_is_utf8(sys.stdout))
    return json_escape_invisible(text)


def default_operator() -> str:
    """$USER, else the login name, else `operator`."""
    name = os.environ.get("USER") or os.environ.get("LOGNAME")
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"


def duration_arg(text: str) -> float:
    """argparse type for `10m`, `24h`, `90s`."""
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def existing_dir(text: str) -> Path:
    """argparse type for a folder that must exist."""
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: no such folder")
    return path


def positive_int(text: str) -> int:
    """argparse type for an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def redact_logs(redactor: Redactor) -> None:
    """Mask a checklist's secrets in every log line (`-v` shows httpx's request URLs)."""
    from gonogo_tui.core.redaction import RedactingFilter

    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactingFilter(redactor))


def tell_completed(outcome: FinalizeOutcome) -> None:
    """Tell the operator, in one line on stderr, that an interrupted record was completed."""
    finalized = outcome.finalized
    print(
        f"gonogo: completed the {finalized.display_decision} record {finalized.record_id} "
        f"that an interrupted run left half written: {outcome.paths.txt}",
        file=sys.stderr,
    )
