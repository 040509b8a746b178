"""Secrets that no `${...}` carries: declared but unused, or only in gonogo's environment.

A command probe that prints its environment is the way such a value reaches output.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from gonogo_tui.core.checklist import load_checklist
from gonogo_tui.core.engine import ProbeRunner
from gonogo_tui.core.errors import ChecklistError
from tests.security.leaks import leaks

DECLARED = "uQ7zK4vW9pLx-3Rt"
GITHUB = "ghp_Zq8K3vW0pLx7Rt2Yb9Nc4Hd6Jf1Mg5Ts"
PRINT_ENV = "import os; [print(f'{k}={v}') for k, v in sorted(os.environ.items())]"


def env_checklist(folder: Path, *, env_block: str = "") -> Path:
    path = folder / "env.yaml"
    path.write_text(
        "title: environment\n"
        "variables:\n"
        "  UNUSED_SECRET: {secret: true}\n"
        "sections:\n"
        "  - id: s\n"
        "    title: S\n"
        "    criteria:\n"
        "      - id: env\n"
        "        title: A command that prints its environment\n"
        "        probe:\n"
        "          kind: command\n"
        f"          command: [{sys.executable!r}, '-c', {PRINT_ENV!r}]\n"
        "          stdout: ['^nomatch$']\n" + env_block
    )
    return path


async def run_env_probe(path: Path, environ: dict[str, str], tmp_path: Path) -> str:
    checklist = load_checklist(path, environ=environ)
    runner = ProbeRunner.for_checklist(checklist, root=tmp_path, retry_backoff=0)
    result = await runner.run(checklist.criterion("env"))
    await runner.aclose()
    return f"{result.value}\n{result.detail}\n{result.output}"


async def test_declared_unused_and_environment_secrets_never_show(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNUSED_SECRET", DECLARED)
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB)
    shown = await run_env_probe(env_checklist(tmp_path), dict(os.environ), tmp_path)
    assert "PATH=" in shown, shown
    assert not leaks(shown, DECLARED) and not leaks(shown, GITHUB), shown


async def test_secrets_passed_to_a_command_are_hidden_in_what_it_prints(tmp_path: Path) -> None:
    # Passed under other names: only the values tell that they are secrets.
    block = "          env: {A: '${UNUSED_SECRET}', B: '${GITHUB_TOKEN}'}\n"
    path = env_checklist(tmp_path, env_block=block)
    path.write_text(
        path.read_text().replace(
            "  UNUSED_SECRET: {secret: true}\n",
            "  UNUSED_SECRET: {secret: true}\n  GITHUB_TOKEN: {}\n",
        )
    )
    environ = {"UNUSED_SECRET": DECLARED, "GITHUB_TOKEN": GITHUB}
    shown = await run_env_probe(path, environ, tmp_path)
    assert "A=***" in shown and "B=***" in shown, shown
    assert not leaks(shown, DECLARED) and not leaks(shown, GITHUB), shown


async def test_a_declared_secret_is_hidden_even_when_nothing_uses_it(tmp_path: Path) -> None:
    checklist = load_checklist(env_checklist(tmp_path), environ={"UNUSED_SECRET": DECLARED})
    assert checklist.redactor(f"x {DECLARED} y") == "x *** y"
    environment_only = load_checklist(env_checklist(tmp_path), environ={"MY_API_TOKEN": GITHUB})
    assert environment_only.redactor(GITHUB) == "***"


async def test_commands_get_a_minimal_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB)
    monkeypatch.setenv("SOME_SETTING", "kept-out-of-commands")
    block = "          env: {EXTRA: given}\n"
    shown = await run_env_probe(env_checklist(tmp_path, env_block=block), {}, tmp_path)
    # `env`'s lines (the detail quotes one of them after words of its own).
    names = {line.split("=", 1)[0] for line in shown.splitlines() if re.match(r"[A-Z_]+=", line)}
    assert "PATH" in names and "HOME" in names and "EXTRA=given" in shown, shown
    assert "GITHUB_TOKEN" not in names and "SOME_SETTING" not in names, shown
    assert names <= {"PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "EXTRA", "PWD"}, names


@pytest.mark.parametrize("value", ["a", "ab"])
def test_a_declared_secret_shorter_than_3_characters_is_refused(value: str, tmp_path: Path) -> None:
    path = env_checklist(tmp_path)
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path, environ={"UNUSED_SECRET": value})
    assert str(caught.value).startswith(f"{path}:3: variables.UNUSED_SECRET: secret UNUSED_SECRET")
    assert "3 characters" in str(caught.value) and "\n" not in str(caught.value)
