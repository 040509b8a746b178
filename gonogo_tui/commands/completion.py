"""`gonogo completion SHELL`: print the shell code that completes gonogo's commands.

The completion comes from the argparse parser itself, through argcomplete: the shell code
calls `gonogo` with argcomplete's environment variables set, and `cli.run_command` hands
the parser to argcomplete, which prints the candidates and exits. So subcommands, options
and choices never drift from the parser, in bash, zsh and fish alike.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

SHELLS = ("bash", "zsh", "fish")

_INSTALL = {
    "bash": 'eval "$(gonogo completion bash)"   # in ~/.bashrc',
    "zsh": 'eval "$(gonogo completion zsh)"    # in ~/.zshrc, after compinit',
    "fish": "gonogo completion fish > ~/.config/fish/completions/gonogo.fish",
}


def register(subparsers: Any) -> None:
    """Add the `completion` subcommand."""
    parser = subparsers.add_parser(
        "completion",
        help="print shell code that completes gonogo's commands and options",
        description="Print the completion code for SHELL. Load it with:\n  "
        + "\n  ".join(_INSTALL.values()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("shell", choices=SHELLS, help="the shell to complete in")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print argcomplete's shell code for `gonogo`."""
    from argcomplete.shell_integration import shellcode

    sys.stdout.write(shellcode(["gonogo"], shell=args.shell))
    return 0


def complete_if_asked(parser: argparse.ArgumentParser) -> None:
    """When the shell asks for completions (argcomplete's `_ARGCOMPLETE` variable), print
    them and exit; otherwise return at once (argcomplete is not even imported)."""
    if "_ARGCOMPLETE" not in os.environ:
        return
    import argcomplete

    argcomplete.autocomplete(parser)
