"""The `command` probe: run a program (argv list; a shell only when asked) and check it."""

from __future__ import annotations

import re
import shlex
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from gonogo_tui.core.probes.base import ProbeSpec, StrictModel
from gonogo_tui.core.types import Compare, Regex


def shell_source(command: str) -> str:
    """A `shell: true` command as the shell command it is: `sh -c '...'`, quoted as sh
    takes it (in double quotes when it holds single quotes, which read badly escaped)."""
    if "'" not in command:
        return f"sh -c {shlex.quote(command)}"
    return 'sh -c "' + re.sub(r'([\\"$`])', r"\\\1", command) + '"'


class Extract(StrictModel):
    """A number taken from the output by a regex and compared."""

    regex: Regex
    """The first group (or the whole match) is the number, e.g. `All files\\s*\\|\\s*([\\d.]+)`."""
    compare: Compare
    """The expectation, e.g. `>= 95`."""
    stream: Literal["stdout", "stderr"] = "stdout"
    """Which output to search."""
    unit: str = ""
    """Shown after the value, e.g. `%`."""


class CommandProbe(ProbeSpec):
    """Runs a command and checks its exit code and output."""

    kind: Literal["command"] = "command"
    start_tier: ClassVar[int] = 2
    command: list[str] | str
    """An argv list; a single string only with `shell: true`."""
    shell: bool = False
    """Run `command` (a string) through /bin/sh. Logged when used."""
    cwd: str | None = None
    """Working directory, relative to the root; default: the root."""
    env: dict[str, str] = Field(default_factory=dict)
    """Extra environment variables for the command."""
    exit_code: int | None = 0
    """Expected exit code; null accepts any."""
    stdout: list[Regex] = Field(default_factory=list)
    """Regexes that must all match stdout."""
    stderr: list[Regex] = Field(default_factory=list)
    """Regexes that must all match stderr."""
    extract: Extract | None = None
    """A number taken from the output and compared."""

    @model_validator(mode="after")
    def _shell_needs_string(self) -> CommandProbe:
        if isinstance(self.command, str) and not self.shell:
            raise ValueError("a command string needs 'shell: true'; otherwise give an argv list")
        if isinstance(self.command, list) and not self.command:
            raise ValueError("'command' must not be empty")
        if self.shell and isinstance(self.command, list):
            raise ValueError("'shell: true' takes the command as one string")
        words = [self.command] if isinstance(self.command, str) else self.command
        # The kernel takes C strings: a NUL byte cannot be passed, only cut the text short.
        if any("\0" in text for text in [*words, *self.env, *self.env.values(), self.cwd or ""]):
            raise ValueError("'command', 'env' and 'cwd' cannot hold a NUL byte")
        return self

    def source(self) -> str:
        # Every view (table, JSON, detail pane, walkthrough, record) shows this.
        if isinstance(self.command, str):
            return shell_source(self.command)
        return shlex.join(self.command)

    def expectation(self) -> str:
        parts = []
        if self.exit_code is not None:
            parts.append(f"exit {self.exit_code}")
        if self.stdout or self.stderr:
            parts.append("output matches")
        if self.extract is not None:
            parts.append(f"{self.extract.compare}{self.extract.unit}")
        return ", ".join(parts) or "runs"
