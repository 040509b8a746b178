"""The `gonogo` command line: parse arguments and dispatch to a subcommand module."""

from __future__ import annotations

import argparse
import importlib
import io
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from gonogo_tui import __version__
from gonogo_tui.core.errors import GonogoError

COMMAND_MODULES = (
    "gonogo_tui.commands.check",
    "gonogo_tui.commands.review",
    "gonogo_tui.commands.schema",
    "gonogo_tui.commands.signing",
    "gonogo_tui.commands.demo",
    "gonogo_tui.commands.report",
    "gonogo_tui.commands.view",
)
"""Modules that each add one or more subcommands through `register(subparsers)`."""

DEFAULT_COMMAND = "review"
"""What plain `gonogo` runs: the live review."""

EXIT_USAGE = 2


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> tuple[argparse.ArgumentParser, set[str]]:
    """Build the parser with every subcommand registered; also return the command names."""
    parser = OneLineParser(prog="gonogo", description="Deployment GO/NO-GO review.")
    parser.add_argument("--version", action="version", version=f"gonogo {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug output to stderr")
    subparsers = parser.add_subparsers(dest="command", parser_class=OneLineParser)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser, set(subparsers.choices)


def _with_default_command(args: list[str], commands: set[str]) -> list[str]:
    """Insert the default subcommand when none is named (`gonogo x.yaml`)."""
    if any(arg in ("-h", "--help", "--version") for arg in args):
        return args
    for index, arg in enumerate(args):
        if not arg.startswith("-"):
            if arg in commands:
                return args
            return [*args[:index], DEFAULT_COMMAND, *args[index:]]
    return [*args, DEFAULT_COMMAND]


def _escape_what_the_output_cannot_encode() -> None:
    """On a stream that is not UTF-8 (PYTHONIOENCODING=ascii, a legacy console), write ✔ or
    ✅ as `\u2714` escapes instead of ending the command with a UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if encoding != "utf8" and isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    """Run gonogo and return its exit code."""
    return run_command(argv)[0]


def run_command(argv: Sequence[str] | None = None) -> tuple[int, bool]:
    """Run gonogo; return its exit code and whether the command allows a fast exit."""
    _escape_what_the_output_cannot_encode()
    parser, commands = build_parser()
    args_list = _with_default_command(list(sys.argv[1:] if argv is None else argv), commands)
    args = parser.parse_args(args_list)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    fast_exit = bool(getattr(args, "fast_exit", False))
    try:
        return int(args.func(args)), fast_exit
    except GonogoError as exc:
        print(f"gonogo: {exc}", file=sys.stderr)
        return EXIT_USAGE, fast_exit
    except KeyboardInterrupt:
        print("gonogo: interrupted", file=sys.stderr)
        return 130, False


def entry() -> NoReturn:
    """The `gonogo` console script.

    Commands that own no process, thread or temporary folder (`check`: its files are
    closed by the code that writes them) leave without tearing down the interpreter, which
    costs about 80 ms after the work is done (tens of modules from pydantic, httpx,
    psycopg); `gonogo check` is timed against shell one-liners. Stdout, stderr and the log
    handlers are flushed first. Every other command exits normally (atexit hooks run).
    """
    code, fast_exit = run_command()
    if not fast_exit:
        sys.exit(code)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing left to deliver
            code = code or 1
    os._exit(code)
