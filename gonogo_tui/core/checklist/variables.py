"""`${VAR}` / `${VAR:-default}` interpolation from an explicit environment, and the secrets
it brings in (declared `secret: true` variables, values of variables named like secrets)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from gonogo_tui.core.checklist.model import VariableDecl
from gonogo_tui.core.checklist.source import Lines, format_path, line_of, validation_message
from gonogo_tui.core.errors import ChecklistError
from gonogo_tui.core.redaction import (
    MIN_SECRET_LENGTH,
    is_sensitive_key,
    secrets_in_text,
    secrets_of_header_value,
)

_VAR_RE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}")
_UNCLOSED_VAR_RE = re.compile(r"(?<!\$)\$\{(?![A-Za-z_][A-Za-z0-9_]*(?::?-[^}]*)?\})")


def declared_variables(data: dict[str, Any], path: Path, lines: Lines) -> dict[str, VariableDecl]:
    raw = data.get("variables")
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        line = line_of(lines, ("variables",))
        raise ChecklistError(f"{path}:{line}: variables: must be a mapping of NAME: {{...}}")
    declared: dict[str, VariableDecl] = {}
    for name, decl in raw.items():
        at = ("variables", name)
        try:
            declared[str(name)] = VariableDecl.model_validate(decl or {})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = (*at, *first["loc"])
            raise ChecklistError(
                f"{path}:{line_of(lines, where)}: {format_path(where)}: {validation_message(first)}"
            ) from None
    return declared


def substitute(
    value: Any,
    at: tuple[str | int, ...],
    env: Mapping[str, str],
    declared: Mapping[str, VariableDecl],
    path: Path,
    lines: Lines,
    secrets: set[str],
) -> Any:
    if at == ("variables",):
        return value
    if isinstance(value, dict):
        return {
            k: substitute(v, (*at, k), env, declared, path, lines, secrets)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            substitute(v, (*at, i), env, declared, path, lines, secrets)
            for i, v in enumerate(value)
        ]
    if not isinstance(value, str) or "$" not in value:
        return value
    # In a command, `${...}` is often the shell's own: say how to leave it to the shell.
    shell = "; for the shell's own, write $${...}" if "command" in at else ""
    if _UNCLOSED_VAR_RE.search(value):
        raise ChecklistError(
            f"{path}:{line_of(lines, at)}: {format_path(at)}: malformed variable reference "
            f"(use ${{NAME}} or ${{NAME:-default}}{shell})"
        )

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, operator, inline_default = match.group(1), match.group(2), match.group(3)
        decl = declared.get(name)
        current = env.get(name)
        if operator == ":-" and current == "":
            current = None
        if current is None:
            if operator is not None:
                current = inline_default
            elif decl is not None and decl.default is not None:
                current = decl.default
            else:
                raise ChecklistError(
                    f"{path}:{line_of(lines, at)}: {format_path(at)}: variable {name} is not "
                    f"set and has no default (set it, or write ${{{name}:-default}}"
                    f"{shell.replace('...', name)})"
                )
        if current and decl is not None and decl.secret:
            _refuse_short_secret(name, current, path, line_of(lines, at), format_path(at))
        if current and ((decl is not None and decl.secret) or is_sensitive_key(name)):
            secrets.add(current)
        return current

    return _VAR_RE.sub(replace, value)


ENV_SECRET_MIN_LENGTH = 8
"""Shortest value of an undeclared, unused environment variable with a secret's name
(`GITHUB_TOKEN`) that is hidden: shorter ones are switches (`TOKENIZERS_PARALLELISM=false`)."""


def unused_secrets(
    declared: Mapping[str, VariableDecl], env: Mapping[str, str], path: Path, lines: Lines
) -> set[str]:
    """Values hidden whether or not the checklist uses them: every declared secret (a
    command probe may print its environment) and long values of environment variables
    whose names say they hold a secret."""
    found = {
        value
        for name, value in env.items()
        if len(value) >= ENV_SECRET_MIN_LENGTH and is_sensitive_key(name)
    }
    for name, decl in declared.items():
        value = env.get(name) or decl.default
        if decl.secret and value:
            at = ("variables", name)
            _refuse_short_secret(name, value, path, line_of(lines, at), format_path(at))
            found.add(value)
    return found


def _refuse_short_secret(name: str, value: str, path: Path, line: int, where: str) -> None:
    if len(value) < MIN_SECRET_LENGTH:
        raise ChecklistError(
            f"{path}:{line}: {where}: secret {name} is shorter than {MIN_SECRET_LENGTH} "
            "characters; so short a value cannot be hidden in output (use a real secret)"
        )


def secrets_in(value: Any, at: tuple[str | int, ...]) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and is_sensitive_key(str(key)) and item:
                found |= secrets_of_header_value(item)
            found |= secrets_in(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found |= secrets_in(item, (*at, index))
    elif isinstance(value, str):
        found |= secrets_in_text(value)
    return found


__all__ = [
    "ENV_SECRET_MIN_LENGTH",
    "declared_variables",
    "secrets_in",
    "substitute",
    "unused_secrets",
]
