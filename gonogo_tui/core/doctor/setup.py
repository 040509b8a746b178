"""What a checklist leaves to the machine it runs on: variables left at their defaults, and
the files its probes read that are not there."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gonogo_tui.core.checklist import Checklist
from gonogo_tui.core.checklist.source import format_path
from gonogo_tui.core.doctor.edits import VAR_RE
from gonogo_tui.core.probes.base import ProbeContext
from gonogo_tui.core.redaction import Redactor, is_sensitive_key


@dataclass(frozen=True)
class DefaultVariable:
    """A `${NAME}` the environment does not set, so its default applies."""

    name: str
    value: str
    """The default in use (redacted when the variable holds a secret)."""
    used_at: tuple[str, ...]
    """Where the checklist uses it (`sections[0].criteria[1].probe.url`)."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"name": self.name, "value": self.value, "used_at": list(self.used_at)}


@dataclass(frozen=True)
class MissingFile:
    """A file or folder a probe reads that does not exist under the root."""

    criterion_id: str
    field: str
    """`sections[2].criteria[0].probe.path`."""
    path: str
    """The path as the probe has it."""
    resolved: str
    """Where it was looked for."""
    found: str = ""
    """What the probe found instead (its detail: the folder's files, the same name
    elsewhere), redacted."""

    def to_dict(self) -> dict[str, str]:
        """A JSON-ready dict."""
        return {
            "criterion_id": self.criterion_id,
            "field": self.field,
            "path": self.path,
            "resolved": self.resolved,
            "found": self.found,
        }


def defaulted_variables(
    raw: dict[str, Any], env: Mapping[str, str], redactor: Redactor
) -> list[DefaultVariable]:
    """Every variable used with its default because the environment does not set it."""
    declared = raw.get("variables") if isinstance(raw.get("variables"), dict) else {}
    assert isinstance(declared, dict)
    found: dict[str, tuple[str, list[str]]] = {}
    for at, text in _strings(raw, ()):
        for match in VAR_RE.finditer(text):
            name, operator, inline = match.group(1), match.group(2), match.group(3)
            current = env.get(name)
            if current is not None and not (operator == ":-" and current == ""):
                continue
            decl = declared.get(name) if isinstance(declared.get(name), dict) else None
            if operator is not None:
                value = inline
            elif decl is not None and decl.get("default") is not None:
                value = str(decl["default"])
            else:
                continue  # not set and no default: loading the checklist said so already
            secret = bool(decl and decl.get("secret")) or is_sensitive_key(name)
            shown = "(secret)" if secret and value else redactor(value)
            found.setdefault(name, (shown, []))[1].append(format_path(at))
    return [
        DefaultVariable(name, value, tuple(dict.fromkeys(places)))
        for name, (value, places) in sorted(found.items())
    ]


def _strings(value: Any, at: tuple[str | int, ...]) -> list[tuple[tuple[str | int, ...], str]]:
    if at == ("variables",):
        return []
    if isinstance(value, dict):
        return [item for k, v in value.items() for item in _strings(v, (*at, str(k)))]
    if isinstance(value, list):
        return [item for i, v in enumerate(value) for item in _strings(v, (*at, i))]
    return [(at, value)] if isinstance(value, str) and "${" in value else []


def missing_files(checklist: Checklist, ctx: ProbeContext) -> list[MissingFile]:
    """The files and folders the probes read (`path`, `newest_in.dir`) that do not exist;
    a `file` probe that expects its file to be absent (`exists: false`) is left out."""
    missing: list[MissingFile] = []
    for s_index, section in enumerate(checklist.sections):
        for c_index, criterion in enumerate(section.criteria):
            probe = criterion.probe
            if probe is None or getattr(probe, "exists", True) is False:
                continue
            at = ("sections", s_index, "criteria", c_index, "probe")
            targets: list[tuple[str, object]] = []
            if probe.kind in ("file", "coverage", "junit", "oncall"):
                targets.append(("path", getattr(probe, "path", None)))
                newest = getattr(probe, "newest_in", None)
                if newest is not None:
                    targets.append(("newest_in.dir", getattr(newest, "dir", None)))
            for field, path in targets:
                if not isinstance(path, str):
                    continue
                resolved = ctx.resolve(path)
                if not resolved.exists():
                    where = f"{format_path(at)}.{field}"
                    missing.append(MissingFile(criterion.id, where, path, str(resolved)))
    return missing


__all__ = ["DefaultVariable", "MissingFile", "defaulted_variables", "missing_files"]
