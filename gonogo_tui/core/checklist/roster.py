"""Owners' names from a roster file, and the poll's rules checked at load time.

A checklist may name a section's owner by role only (`owner: {role: DBA}`) and take the
name from `roster: owners.yaml`, a YAML mapping beside the checklist:

    DBA: Alice Ng
    Security: {name: Sam Roy, principal: sam@example.com}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from gonogo_tui.core.checklist.model import Checklist
from gonogo_tui.core.checklist.source import Lines, format_path, line_of
from gonogo_tui.core.errors import ChecklistError

MAX_ROSTER_BYTES = 1024 * 1024


def fill_from_roster(data: dict[str, Any], path: Path, lines: Lines) -> dict[str, Any]:
    """Give each role-only owner (sections and `deployer`) the roster's name and principal.

    Raises:
        ChecklistError: the roster is unreadable or malformed, or an owner has no name
            and the roster does not know the role, as `FILE:LINE: field: message`.
    """
    roster_value = data.get("roster")
    if roster_value is None:
        return data
    at: tuple[str | int, ...] = ("roster",)
    where = f"{path}:{line_of(lines, at)}: roster"
    if not isinstance(roster_value, str) or not roster_value.strip():
        raise ChecklistError(f"{where}: must be the path of a YAML file")
    roster = _read_roster(path.parent / roster_value, where)
    result = dict(data)
    sections = data.get("sections")
    if isinstance(sections, list):
        result["sections"] = [
            _filled(section, "owner", roster, ("sections", index), path, lines, roster_value)
            if isinstance(section, dict)
            else section
            for index, section in enumerate(sections)
        ]
    filled = _filled(result, "deployer", roster, (), path, lines, roster_value)
    return filled


def _read_roster(file: Path, where: str) -> dict[str, dict[str, str]]:
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ChecklistError(f"{where}: cannot read {file}: {exc.strerror or exc}") from None
    if len(raw) > MAX_ROSTER_BYTES:
        raise ChecklistError(f"{where}: {file} is too large for a roster")
    try:
        loaded = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ChecklistError(f"{where}: {file}{line} is not a YAML roster") from None
    if not isinstance(loaded, dict):
        raise ChecklistError(f"{where}: {file} must map roles to names (`DBA: Alice Ng`)")
    roster: dict[str, dict[str, str]] = {}
    for role, entry in loaded.items():
        if isinstance(entry, str) and entry.strip():
            roster[str(role)] = {"name": entry}
        elif isinstance(entry, dict) and isinstance(entry.get("name"), str):
            extra = set(entry) - {"name", "principal"}
            if extra:
                raise ChecklistError(
                    f"{where}: {file}: {role}: unknown field {sorted(extra)[0]!r}"
                    " (a roster entry has name and principal)"
                )
            roster[str(role)] = {k: str(v) for k, v in entry.items()}
        else:
            raise ChecklistError(f"{where}: {file}: {role}: expected a name or {{name: ...}}")
    return roster


def _filled(
    mapping: dict[str, Any],
    key: str,
    roster: dict[str, dict[str, str]],
    at: tuple[str | int, ...],
    path: Path,
    lines: Lines,
    roster_name: str,
) -> dict[str, Any]:
    owner = mapping.get(key)
    if not isinstance(owner, dict) or owner.get("name"):
        return mapping
    role = owner.get("role")
    entry = roster.get(str(role)) if isinstance(role, str) else None
    if entry is None:
        field = (*at, key, "role")
        raise ChecklistError(
            f"{path}:{line_of(lines, field)}: {format_path(field)}: no name given and the "
            f"roster {roster_name} has no {role!r}"
        )
    merged = {**owner, "name": entry["name"]}
    if "principal" in entry and not owner.get("principal"):
        merged["principal"] = entry["principal"]
    return {**mapping, key: merged}


def check_quorum(checklist: Checklist, path: Path, lines: Lines) -> None:
    """A numeric quorum cannot ask for more answers than there are section owners.

    Raises:
        ChecklistError: it does, at `policy.quorum`'s line.
    """
    quorum = checklist.policy.quorum
    owners = sum(1 for section in checklist.sections if section.poll_owner is not None)
    at: tuple[str | int, ...] = ("policy", "quorum")
    if quorum is not None and owners == 0:
        raise ChecklistError(
            f"{path}:{line_of(lines, at)}: {format_path(at)}: a quorum needs section owners to"
            " answer the poll, and no section names an 'owner'"
        )
    if isinstance(quorum, int) and quorum > owners:
        raise ChecklistError(
            f"{path}:{line_of(lines, at)}: {format_path(at)}: {quorum} answers asked for, but"
            f" only {owners} section{'s' * (owners != 1)} name an owner"
        )
    if checklist.policy.no_self_approval and (
        checklist.deployer is None or not checklist.deployer.signer
    ):
        at = ("policy", "no_self_approval")
        raise ChecklistError(
            f"{path}:{line_of(lines, at)}: {format_path(at)}: needs a top-level 'deployer' with"
            " a name or principal (whose signature is refused)"
        )


__all__ = ["check_quorum", "fill_from_roster"]
