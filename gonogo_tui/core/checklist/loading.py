"""`load_checklist`: read, substitute, validate; and the checklist format's JSON Schema."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from gonogo_tui.core.checklist.model import Checklist
from gonogo_tui.core.checklist.roster import check_quorum, fill_from_roster
from gonogo_tui.core.checklist.source import (
    Lines,
    describe_validation,
    format_path,
    line_of,
    parse_yaml,
    read_checklist,
)
from gonogo_tui.core.checklist.variables import (
    declared_variables,
    secrets_in,
    substitute,
    unused_secrets,
)
from gonogo_tui.core.errors import ChecklistError
from gonogo_tui.core.redaction import Redactor


def load_checklist(path: str | Path, *, environ: Mapping[str, str] | None = None) -> Checklist:
    """Read, substitute and validate a checklist file.

    Args:
        path: the YAML file.
        environ: variables for `${VAR}`; default `os.environ`.

    Raises:
        ChecklistError: anything wrong, as `FILE:LINE: field.path: message`.
    """
    path = Path(path)
    raw = read_checklist(path)
    data, lines = parse_yaml(raw, path)
    env = os.environ if environ is None else environ
    variables = declared_variables(data, path, lines)
    secrets = unused_secrets(variables, env, path, lines)
    data = substitute(data, (), env, variables, path, lines, secrets)
    secrets.update(secrets_in(data, ()))
    redactor = Redactor(secrets)
    data = _redact_texts(fill_from_roster(data, path, lines), redactor)
    try:
        checklist = Checklist.model_validate(data)
    except ValidationError as exc:
        # A bad value may be a substituted secret (`timeout: ${TOKEN}`): the message quotes it.
        problems = tuple(
            redactor(problem) for problem in describe_validation(exc, data, path, lines)
        )
        more = len(problems) - 1
        text = problems[0] + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")
        raise ChecklistError(text, problems) from None
    _check_unique_ids(checklist, path, lines)
    _check_weights(checklist, path, lines)
    check_quorum(checklist, path, lines)
    checklist._path = path
    checklist._sha256 = hashlib.sha256(raw).hexdigest()
    checklist._redactor = redactor
    return checklist


_CHECKLIST_TEXTS = ("title", "description", "release")
_SECTION_TEXTS = ("title", "requirement", "owner")
_CRITERION_TEXTS = ("title", "hint", "runbook", "why_manual")


def _redact_texts(data: dict[str, Any], redactor: Redactor) -> dict[str, Any]:
    """Mask secrets substituted into the texts shown as written (titles, hints, runbooks).

    Probe results are redacted when they are made; these texts go straight to tables,
    JSON, JUnit and records, so a `${TOKEN}` in a title is masked here, once.
    """

    def masked(mapping: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
        return {
            key: redactor(value) if key in keys and isinstance(value, str) else value
            for key, value in mapping.items()
        }

    def person(mapping: dict[str, Any], key: str) -> dict[str, Any]:
        # An owner or deployer given as {role, name, principal}: every text shown.
        value = mapping.get(key)
        if isinstance(value, dict):
            mapping[key] = masked(value, ("role", "name", "principal"))
        return mapping

    result = person(masked(data, _CHECKLIST_TEXTS), "deployer")
    sections = result.get("sections")
    if not isinstance(sections, list):
        return result
    redacted_sections: list[Any] = []
    for section in sections:
        if isinstance(section, dict):
            section = person(masked(section, _SECTION_TEXTS), "owner")
            criteria = section.get("criteria")
            if isinstance(criteria, list):
                section["criteria"] = [
                    masked(c, _CRITERION_TEXTS) if isinstance(c, dict) else c for c in criteria
                ]
        redacted_sections.append(section)
    result["sections"] = redacted_sections
    return result


def checklist_json_schema() -> dict[str, Any]:
    """The JSON Schema of the checklist format, generated from the models."""
    schema = Checklist.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "gonogo checklist"
    return schema


def _check_unique_ids(checklist: Checklist, path: Path, lines: Lines) -> None:
    seen_sections: set[str] = set()
    seen_criteria: set[str] = set()
    for s_index, section in enumerate(checklist.sections):
        if section.id in seen_sections:
            at: tuple[str | int, ...] = ("sections", s_index, "id")
            raise ChecklistError(
                f"{path}:{line_of(lines, at)}: {format_path(at)}: duplicate section id "
                f"{section.id!r}"
            )
        seen_sections.add(section.id)
        for c_index, criterion in enumerate(section.criteria):
            if criterion.id in seen_criteria:
                at = ("sections", s_index, "criteria", c_index, "id")
                raise ChecklistError(
                    f"{path}:{line_of(lines, at)}: {format_path(at)}: duplicate criterion id "
                    f"{criterion.id!r}"
                )
            seen_criteria.add(criterion.id)


def _check_weights(checklist: Checklist, path: Path, lines: Lines) -> None:
    """`critical` and `advisory` exclude each other: a criterion cannot both stop the release
    whatever the count and never block it. A section of advisory criteria only would decide
    nothing yet count as GO, so it needs one criterion that blocks."""
    for s_index, section in enumerate(checklist.sections):
        for c_index, criterion in enumerate(section.criteria):
            if criterion.advisory and section.is_critical(criterion):
                at: tuple[str | int, ...] = ("sections", s_index, "criteria", c_index, "advisory")
                whose = "it is critical" if criterion.critical else "its section is critical"
                raise ChecklistError(
                    f"{path}:{line_of(lines, at)}: {format_path(at)}: a criterion cannot be "
                    f"both critical and advisory ({whose}); choose one"
                )
        if section.criteria and all(c.advisory for c in section.criteria):
            at = ("sections", s_index, "criteria")
            raise ChecklistError(
                f"{path}:{line_of(lines, at)}: {format_path(at)}: every criterion of section "
                f"{section.id!r} is advisory, so it would count as GO whatever they measure; "
                "make one of them blocking (drop its 'advisory') or move them to another section"
            )


__all__ = ["checklist_json_schema", "load_checklist"]
