"""The command line imports only the module of the command it runs, and the map that says
which module that is stays true."""

from __future__ import annotations

import subprocess
import sys

from gonogo_tui import cli


def test_the_command_map_is_what_the_modules_register() -> None:
    _, everything = cli.build_parser()
    assert everything == set(cli.COMMANDS)
    for name, module in cli.COMMANDS.items():
        _, alone = cli.build_parser(module)
        assert name in alone, f"{module} does not register {name}"


def test_a_named_command_imports_its_own_module_only() -> None:
    probe = (
        "import sys\n"
        "from gonogo_tui import cli\n"
        "try:\n"
        "    cli.main(['verify', '--help-nothing'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('gonogo_tui.commands.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = done.stdout.strip()
    assert "gonogo_tui.commands.signing" in loaded
    assert "gonogo_tui.commands.check'" not in loaded and "commands.review'" not in loaded, loaded


def test_help_and_the_default_command_still_see_every_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gonogo_tui", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0
    for name in cli.COMMANDS:
        assert name in done.stdout, name
    assert cli._named_module(["x.yaml"]) is None  # plain `gonogo x.yaml`: the review
    assert cli._named_module(["-v", "history", "evidence"]) == "gonogo_tui.commands.history"
