"""The `gonogo` command line: parse arguments and dispatch to a subcommand module."""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import importlib
import io
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from gonogo_tui import __version__
from gonogo_tui.commands.completion import complete_if_asked
from gonogo_tui.commands.parser import EXIT_USAGE, OneLineParser, stream_is_utf8
from gonogo_tui.core.errors import GonogoError

COMMANDS = {
    "check": "gonogo_tui.commands.check",
    "doctor": "gonogo_tui.commands.doctor",
    "review": "gonogo_tui.commands.review",
    "schema": "gonogo_tui.commands.schema",
    "seal": "gonogo_tui.commands.signing",
    "sign": "gonogo_tui.commands.signing",
    "verify": "gonogo_tui.commands.signing",
    "verify-ledger": "gonogo_tui.commands.signing",
    "demo": "gonogo_tui.commands.demo",
    "report": "gonogo_tui.commands.report",
    "view": "gonogo_tui.commands.view",
    "init": "gonogo_tui.commands.init",
    "validate": "gonogo_tui.commands.validate",
    "history": "gonogo_tui.commands.history",
    "completion": "gonogo_tui.commands.completion",
}
"""Each subcommand and the module that registers it (`register(subparsers)`): a command
named on the command line imports its own module only (`gonogo verify` and `gonogo history`
skip the checklist and probe modules `check` needs: about 0.25 s of start-up);
tests/test_cli_commands.py checks the map against what the modules register."""

COMMAND_MODULES = tuple(dict.fromkeys(COMMANDS.values()))
"""Modules that each add one or more subcommands through `register(subparsers)`."""

DEFAULT_COMMAND = "review"
"""What plain `gonogo` runs: the live review."""


def build_parser(only: str | None = None) -> tuple[argparse.ArgumentParser, set[str]]:
    """Build the parser with every subcommand registered (`only`: that module's alone);
    also return the command names registered."""
    parser = OneLineParser(prog="gonogo", description="Deployment GO/NO-GO review.")
    parser.add_argument("--version", action="version", version=f"gonogo {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug output to stderr")
    subparsers = parser.add_subparsers(dest="command", parser_class=OneLineParser)
    for module_name in COMMAND_MODULES if only is None else (only,):
        importlib.import_module(module_name).register(subparsers)
    for subparser in subparsers.choices.values():
        # `gonogo check x.yaml -v` as well as `gonogo -v check x.yaml`; unset, the
        # top-level value stands (SUPPRESS keeps the subcommand from resetting it).
        subparser.add_argument(
            "-v",
            "--verbose",
            action="store_true",
            default=argparse.SUPPRESS,
            help="log debug output to stderr",
        )
    return parser, set(subparsers.choices)


def _named_module(args: list[str]) -> str | None:
    """The module of the subcommand `args` name, when nothing else needs the whole parser
    (help, the version, the shell's completion, or plain `gonogo` running the review)."""
    if "_ARGCOMPLETE" in os.environ or any(a in ("-h", "--help", "--version") for a in args):
        return None
    first = next((arg for arg in args if not arg.startswith("-")), None)
    return COMMANDS.get(first) if first is not None else None


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run gonogo and return its exit code."""
    return run_command(argv)[0]


def run_command(argv: Sequence[str] | None = None) -> tuple[int, bool]:
    """Run gonogo; return its exit code and whether the command allows a fast exit."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser, _ = build_parser(_named_module(args_list))
    complete_if_asked(parser)  # the shell's completion asks: answers and exits
    args_list = _with_default_command(args_list, set(COMMANDS))
    args = parser.parse_args(args_list)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    fast_exit = bool(getattr(args, "fast_exit", False))
    if not fast_exit:
        gc.enable()
    try:
        code = int(args.func(args))
        # What the command printed must reach its reader: a full disk or a closed pipe
        # shows here, while the command can still say so, not in the flush at exit.
        sys.stdout.flush()
        return code, fast_exit
    except GonogoError as exc:
        _say(f"gonogo: {exc}")
        return EXIT_USAGE, fast_exit
    except KeyboardInterrupt:
        _say("gonogo: interrupted")
        return 130, False
    except OSError as exc:
        # The machine, not the input: standard output closed or full, a disk that fails.
        # Commands report the files they know about themselves; this is the last line.
        if not isinstance(exc, BrokenPipeError):  # the reader left (`| head`): say nothing
            _say(f"gonogo: {_describe_os_error(exc)}")
        return EXIT_USAGE, fast_exit


def _say(line: str) -> None:
    """One line on stderr, unless stderr itself is closed or broken."""
    with contextlib.suppress(OSError, ValueError):
        print(line, file=sys.stderr)


_OUTPUT_ERRORS = {errno.EPIPE, errno.ENOSPC, errno.EBADF, errno.EIO, errno.EFBIG, errno.EDQUOT}
"""Errors of writing to standard output (without a file name of their own)."""


def _describe_os_error(exc: OSError) -> str:
    reason = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename is not None:
        return f"{exc.filename}: {reason}"
    if exc.errno in _OUTPUT_ERRORS:
        return f"cannot write the output: {reason}"
    return reason


def _deliver(code: int) -> int:
    """Flush stdout and stderr before leaving; return the exit code to leave with.

    Output that cannot be delivered is exit code 2 (a pipeline must not read a decision's
    code when its JSON never arrived), and stdout then points at /dev/null so that the
    interpreter's own flush at exit does not fail again (exit code 120).
    """
    try:
        sys.stdout.flush()
    except (OSError, ValueError) as exc:
        if code != EXIT_USAGE and isinstance(exc, OSError) and exc.errno != errno.EPIPE:
            _say(f"gonogo: {_describe_os_error(exc)}")
        code = EXIT_USAGE
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    return code


class _ClosedStream(io.TextIOBase):
    """Stands for a standard stream the command was started without (`>&-`): writing to
    it fails as writing to a closed descriptor does, so the command says so."""

    def __init__(self, name: str) -> None:
        self.name = name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, f"{self.name} is closed")


def prepare_streams() -> None:
    """Standard streams that cannot turn text into a traceback.

    A closed stdout becomes one whose writes fail with a clear error; on a terminal or
    pipe whose encoding is not UTF-8 (`PYTHONIOENCODING=ascii`, a C locale), characters it
    cannot encode are written as escapes (`\\u2714`) instead of raising (JSON escapes them, see
    `commands.common.json_text`).
    """
    if sys.stdout is None:
        sys.stdout = _ClosedStream("standard output")
    if sys.stderr is None:
        sys.stderr = _ClosedStream("standard error")
    # stderr already escapes what it cannot encode (`backslashreplace`); so does stdout now.
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None and not stream_is_utf8(sys.stdout):
        reconfigure(errors="backslashreplace")


def entry() -> NoReturn:
    """The `gonogo` console script.

    Commands that own no process, thread or temporary folder (`check`: its files are
    closed by the code that writes them) leave without tearing down the interpreter, which
    costs about 80 ms after the work is done (tens of modules from pydantic, httpx,
    psycopg); `gonogo check` is timed against shell one-liners. Stdout, stderr and the log
    handlers are flushed first. Every other command exits normally (atexit hooks run).
    """
    # Start-up builds the objects of a few hundred modules, all long-lived: collections
    # during it free nothing and cost `gonogo check` 10-20 ms. A fast-exit command turns
    # collection back on when its start-up is over (`commands.common.end_start_up`), every
    # other command before it runs.
    gc.disable()
    prepare_streams()
    code, fast_exit = run_command()
    code = _deliver(code)
    if not fast_exit:
        sys.exit(code)
    logging.shutdown()
    code = _deliver(code)  # what logging's handlers wrote
    os._exit(code)
