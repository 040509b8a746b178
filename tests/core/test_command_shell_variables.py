"""A `${...}` in a command that is no checklist variable: the error says `$${...}` (issue 21)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gonogo_tui.core.checklist import load_checklist
from gonogo_tui.core.errors import ChecklistError
from gonogo_tui.core.probes.command import CommandProbe

CHECKLIST = """title: Shell variables
sections:
  - id: build
    title: Build
    criteria:
      - id: fresh
        title: Artifacts are fresh
        probe:
          kind: command
          shell: true
          command: {command}
"""


def _write(tmp_path: Path, command: str) -> Path:
    path = tmp_path / "checklist.yaml"
    path.write_text(CHECKLIST.format(command=command))
    return path


def test_an_unknown_variable_in_a_command_suggests_the_shell_escape(tmp_path: Path) -> None:
    path = _write(tmp_path, "'test -n \"${BUILD_DIR}\"'")
    with pytest.raises(ChecklistError) as error:
        load_checklist(path, environ={})
    assert str(error.value) == (
        f"{path}:11: sections[0].criteria[0].probe.command: variable BUILD_DIR is not set "
        "and has no default (set it, or write ${BUILD_DIR:-default}; "
        "for the shell's own, write $${BUILD_DIR})"
    )


def test_a_shell_expansion_in_a_command_suggests_the_shell_escape(tmp_path: Path) -> None:
    path = _write(tmp_path, "'echo ${name%%.*}'")
    with pytest.raises(ChecklistError) as error:
        load_checklist(path, environ={})
    assert str(error.value).endswith(
        "probe.command: malformed variable reference "
        "(use ${NAME} or ${NAME:-default}; for the shell's own, write $${...})"
    )


def test_the_escape_reaches_the_shell_as_written(tmp_path: Path) -> None:
    checklist = load_checklist(_write(tmp_path, "'echo $${name%%.*} $${BUILD_DIR}'"), environ={})
    probe = checklist.sections[0].criteria[0].probe
    assert isinstance(probe, CommandProbe)
    assert probe.command == "echo ${name%%.*} ${BUILD_DIR}"


def test_outside_commands_the_error_is_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "checklist.yaml"
    path.write_text(
        "title: t\nsections:\n  - id: s\n    title: s\n    criteria:\n      - id: c\n"
        "        title: c\n        probe: {kind: http, url: '${APP_URL}'}\n"
    )
    with pytest.raises(ChecklistError) as error:
        load_checklist(path, environ={})
    assert str(error.value).endswith("(set it, or write ${APP_URL:-default})")
