"""Checklist YAML schema (pydantic models) and `load_checklist`.

Loading is strict: `yaml` safe loading with a node budget (aliases cannot blow up memory),
`${VAR}` / `${VAR:-default}` substitution from an explicit environment, pydantic validation
with unknown fields forbidden, and every error reported as `FILE:LINE: field.path: message`.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, PrivateAttr, ValidationError, model_validator
from pydantic_core import ErrorDetails

from gonogo_tui.core.errors import ChecklistError
from gonogo_tui.core.probes import AnyProbe
from gonogo_tui.core.probes.base import StrictModel
from gonogo_tui.core.redaction import (
    MIN_SECRET_LENGTH,
    Redactor,
    is_sensitive_key,
    secrets_in_text,
    secrets_of_header_value,
)
from gonogo_tui.core.types import Duration, Identifier, PositiveDuration, Title

MAX_CHECKLIST_BYTES = 8 * 1024 * 1024
"""Larger files are refused before parsing."""
MAX_YAML_NODES = 500_000
"""Expanded node budget: a document of aliases past this is refused."""

_VAR_RE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}")
_UNCLOSED_VAR_RE = re.compile(r"(?<!\$)\$\{(?![A-Za-z_][A-Za-z0-9_]*(?::?-[^}]*)?\})")
_ROLE = r"^[a-z][a-z0-9-]*$"
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML was built with it (about 10x faster), else PyYAML's."""


class VariableDecl(StrictModel):
    """A variable the checklist reads from the environment."""

    description: str = ""
    default: str | None = None
    """Used when the environment does not set it (an inline `${VAR:-x}` wins)."""
    secret: bool = False
    """Redact its value in every output."""


class Defaults(StrictModel):
    """Engine settings that criteria may override."""

    timeout: PositiveDuration = 10.0
    """Per-probe deadline in seconds."""
    retries: int = Field(default=0, ge=0, le=10)
    """Extra attempts after an ERROR (never after a FAIL)."""
    retry_backoff: Duration = Field(default=0.5, le=60)
    """Seconds before the first retry; doubles each time. At most a minute: with `retries`
    it is a wait the meeting sits through (an hour would hold `gonogo check` for days)."""
    concurrency: int = Field(default=64, ge=1, le=1024)
    """Probes running at once."""
    stale_after: Duration = 300.0
    """A result older than this is stale in the review."""
    allow_outside_root: bool = False
    """Let file-reading probes (file, coverage, junit, oncall) read outside `--root`; a
    probe's own `allow_outside_root` wins."""


class ApprovalPolicy(StrictModel):
    """Who must approve which decision (role ids: cto, devops-lead, product-owner, ...)."""

    go_requires: list[str] = Field(default_factory=lambda: ["cto", "devops-lead", "product-owner"])
    """Roles that must all approve a GO."""
    review_requires: list[str] = Field(default_factory=lambda: ["cto"])
    """Roles that must approve turning a REVIEW into GO."""
    no_go_any_of: list[str] = Field(
        default_factory=lambda: ["cto", "devops-lead", "product-owner", "senior-engineer"]
    )
    """Any one of these roles may sign a NO-GO record."""
    override_requires: dict[str, int] = Field(
        default_factory=lambda: {"cto": 1, "senior-engineer": 2}
    )
    """Distinct people per role for an emergency override."""

    @model_validator(mode="after")
    def _role_ids(self) -> ApprovalPolicy:
        roles = [*self.go_requires, *self.review_requires, *self.no_go_any_of]
        roles.extend(self.override_requires)
        for role in roles:
            if not re.match(_ROLE, role):
                raise ValueError(f"{role!r} is not a role id (lowercase words joined by '-')")
        if any(count < 1 for count in self.override_requires.values()):
            raise ValueError("override_requires counts must be at least 1")
        return self


class Policy(StrictModel):
    """The decision matrix (defaults: the seed's 10/10 GO, 9/10 REVIEW, fewer NO-GO)."""

    go_max_no_go: int = Field(default=0, ge=0)
    """At most this many NO-GO sections still give GO."""
    review_max_no_go: int = Field(default=1, ge=0)
    """At most this many NO-GO sections give REVIEW (CTO approval); more give NO-GO."""
    approvals: ApprovalPolicy = Field(default_factory=ApprovalPolicy)

    @model_validator(mode="after")
    def _ordered(self) -> Policy:
        if self.review_max_no_go < self.go_max_no_go:
            raise ValueError("review_max_no_go must be >= go_max_no_go")
        return self


class Criterion(StrictModel):
    """One pass criterion: measured by a probe, or ticked by a person."""

    id: Identifier
    """Unique across the checklist; used by `--tick ID`."""
    title: Title
    probe: AnyProbe | None = None
    manual: bool = False
    """Ticked by a person instead of a probe."""
    why_manual: str | None = None
    """Why no machine can check it (shown beside the tick box)."""
    timeout: PositiveDuration | None = None
    retries: int | None = Field(default=None, ge=0, le=10)
    hint: str | None = None
    """What to look at when it fails."""
    runbook: str | None = None
    """A link or path to the runbook."""

    @model_validator(mode="after")
    def _probe_or_manual(self) -> Criterion:
        if self.manual and self.probe is not None:
            raise ValueError("a criterion has either a 'probe' or 'manual: true', not both")
        if not self.manual and self.probe is None:
            raise ValueError("a criterion needs a 'probe' or 'manual: true'")
        return self

    @property
    def is_manual(self) -> bool:
        """Whether a person ticks it."""
        return self.probe is None


class Section(StrictModel):
    """A panel of the review: a requirement and its criteria."""

    id: Identifier
    title: Title
    requirement: str = ""
    owner: str | None = None
    criteria: list[Criterion] = Field(default_factory=list)


class Checklist(StrictModel):
    """A whole go/no-go checklist."""

    version: int = Field(default=1, ge=1, le=1)
    """Format version; only 1 exists."""
    title: Title
    description: str = ""
    release: str | None = None
    """Default release label; `--release` overrides it."""
    variables: dict[str, VariableDecl] = Field(default_factory=dict)
    defaults: Defaults = Field(default_factory=Defaults)
    policy: Policy = Field(default_factory=Policy)
    sections: list[Section] = Field(min_length=1)

    _path: Path | None = PrivateAttr(default=None)
    _sha256: str = PrivateAttr(default="")
    _redactor: Redactor = PrivateAttr(default_factory=Redactor)
    _index: dict[str, tuple[Section, Criterion]] | None = PrivateAttr(default=None)

    @property
    def path(self) -> Path | None:
        """The file it was loaded from."""
        return self._path

    @property
    def sha256(self) -> str:
        """Digest of the file's bytes."""
        return self._sha256

    @property
    def redactor(self) -> Redactor:
        """Hides this checklist's secrets in any text."""
        return self._redactor

    def criteria(self) -> Iterator[tuple[Section, Criterion]]:
        """Every criterion with its section, in order."""
        for section in self.sections:
            for criterion in section.criteria:
                yield section, criterion

    def criterion(self, criterion_id: str) -> Criterion:
        """The criterion with this id.

        Raises:
            KeyError: no such criterion.
        """
        return self._by_id()[criterion_id][1]

    def section_of(self, criterion_id: str) -> Section:
        """The section holding this criterion.

        Raises:
            KeyError: no such criterion.
        """
        return self._by_id()[criterion_id][0]

    def _by_id(self) -> dict[str, tuple[Section, Criterion]]:
        # Built once (the model is frozen): the review looks criteria up by id for every
        # probe it starts, a thousand at a time.
        if self._index is None:
            index: dict[str, tuple[Section, Criterion]] = {}
            for section, criterion in self.criteria():
                index.setdefault(criterion.id, (section, criterion))
            self._index = index
        return self._index


def load_checklist(path: str | Path, *, environ: Mapping[str, str] | None = None) -> Checklist:
    """Read, substitute and validate a checklist file.

    Args:
        path: the YAML file.
        environ: variables for `${VAR}`; default `os.environ`.

    Raises:
        ChecklistError: anything wrong, as `FILE:LINE: field.path: message`.
    """
    path = Path(path)
    raw = _read(path)
    data, lines = _parse(raw, path)
    env = os.environ if environ is None else environ
    variables = _declared_variables(data, path, lines)
    secrets = _unused_secrets(variables, env, path, lines)
    data = _substitute(data, (), env, variables, path, lines, secrets)
    secrets.update(_secrets_in(data, ()))
    redactor = Redactor(secrets)
    data = _redact_texts(data, redactor)
    try:
        checklist = Checklist.model_validate(data)
    except ValidationError as exc:
        # A bad value may be a substituted secret (`timeout: ${TOKEN}`): the message quotes it.
        problems = tuple(
            redactor(problem) for problem in _describe_validation(exc, data, path, lines)
        )
        more = len(problems) - 1
        text = problems[0] + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")
        raise ChecklistError(text, problems) from None
    _check_unique_ids(checklist, path, lines)
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

    result = masked(data, _CHECKLIST_TEXTS)
    sections = result.get("sections")
    if not isinstance(sections, list):
        return result
    redacted_sections: list[Any] = []
    for section in sections:
        if isinstance(section, dict):
            section = masked(section, _SECTION_TEXTS)
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


def _read(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise ChecklistError(f"{path}: is a folder, not a checklist file")
        size = path.stat().st_size
        if size > MAX_CHECKLIST_BYTES:
            raise ChecklistError(f"{path}: {size} bytes is too large for a checklist")
        return path.read_bytes()
    except FileNotFoundError:
        raise ChecklistError(f"{path}: no such file") from None
    except PermissionError:
        raise ChecklistError(f"{path}: permission denied") from None
    except OSError as exc:
        raise ChecklistError(f"{path}: cannot read: {exc.strerror or exc}") from None


Lines = dict[tuple[str | int, ...], int]


def _parse(raw: bytes, path: Path) -> tuple[dict[str, Any], Lines]:
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise ChecklistError(f"{path}:{line}: binary data (NUL byte); a checklist is YAML text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ChecklistError(f"{path}:{line}: not UTF-8 text (byte {exc.start})") from None
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        raise ChecklistError(f"{path}:1: the checklist is empty")
    try:
        loader = _SAFE_LOADER(text)
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise ChecklistError(
            f"{path}:{line}: invalid YAML: control character {exc.character!r} is not allowed"
        ) from None
    try:
        node = loader.get_single_node()
        if node is None:
            raise ChecklistError(f"{path}:1: the checklist is empty")
        lines: Lines = {(): node.start_mark.line + 1}
        _index_lines(node, (), lines, _Walk(path))
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise ChecklistError(f"{path}:{line}: invalid YAML: {problem}") from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise ChecklistError(
            f"{path}:{line}: invalid YAML: control character {exc.character!r} is not allowed"
        ) from None
    except yaml.YAMLError as exc:
        raise ChecklistError(f"{path}:1: invalid YAML: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise ChecklistError(f"{path}:1: invalid YAML: nested too deeply") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        kind = {list: "a list", type(None): "an empty document", str: "a string"}.get(
            type(data), f"a {type(data).__name__}"
        )
        raise ChecklistError(
            f"{path}:{lines[()]}: the top level must be a mapping with 'sections', not {kind}"
        )
    return data, lines


class _Walk:
    """State of one `_index_lines` walk: the file, the node budget and the nodes seen."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.nodes = 0
        self.seen: set[int] = set()


def _index_lines(
    node: yaml.Node,
    at: tuple[str | int, ...],
    lines: Lines,
    walk: _Walk,
    alias_at: tuple[str | int, ...] | None = None,
) -> None:
    """Record the line of every key and item; refuse duplicate keys and documents that
    expand past the budget (reported where the expanding alias is used: `alias_at`)."""
    walk.nodes += 1
    if walk.nodes > MAX_YAML_NODES:
        where = at if alias_at is None else alias_at
        raise ChecklistError(
            f"{walk.path}:{_line_of(lines, where)}: {format_path(where)}: document expands "
            f"past {MAX_YAML_NODES} nodes (aliases nested too deeply?)"
        )
    walk.seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        keys: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            child = (*at, key)
            if isinstance(key_node, yaml.ScalarNode) and key != "<<":
                if key in keys:
                    raise ChecklistError(
                        f"{walk.path}:{key_node.start_mark.line + 1}: {format_path(child)}: "
                        f"duplicate key {key!r}"
                    )
                keys.add(key)
            lines.setdefault(child, key_node.start_mark.line + 1)
            reused = alias_at is None and id(value_node) in walk.seen
            _index_lines(value_node, child, lines, walk, child if reused else alias_at)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*at, index)
            lines.setdefault(child, item.start_mark.line + 1)
            # An aliased item's mark is its anchor's, so the alias is reported at the list.
            reused = alias_at is None and id(item) in walk.seen
            _index_lines(item, child, lines, walk, at if reused else alias_at)


def _line_of(lines: Lines, at: tuple[str | int, ...]) -> int:
    probe = at
    while probe not in lines and probe:
        probe = probe[:-1]
    return lines.get(probe, 1)


def format_path(at: tuple[str | int, ...]) -> str:
    """`('sections', 3, 'criteria', 2, 'probe', 'url')` -> `sections[3].criteria[2].probe.url`."""
    text = ""
    for part in at:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def _declared_variables(data: dict[str, Any], path: Path, lines: Lines) -> dict[str, VariableDecl]:
    raw = data.get("variables")
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        line = _line_of(lines, ("variables",))
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
                f"{path}:{_line_of(lines, where)}: {format_path(where)}: {_message(first)}"
            ) from None
    return declared


def _substitute(
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
            k: _substitute(v, (*at, k), env, declared, path, lines, secrets)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            _substitute(v, (*at, i), env, declared, path, lines, secrets)
            for i, v in enumerate(value)
        ]
    if not isinstance(value, str) or "$" not in value:
        return value
    # In a command, `${...}` is often the shell's own: say how to leave it to the shell.
    shell = "; for the shell's own, write $${...}" if "command" in at else ""
    if _UNCLOSED_VAR_RE.search(value):
        raise ChecklistError(
            f"{path}:{_line_of(lines, at)}: {format_path(at)}: malformed variable reference "
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
                    f"{path}:{_line_of(lines, at)}: {format_path(at)}: variable {name} is not "
                    f"set and has no default (set it, or write ${{{name}:-default}}"
                    f"{shell.replace('...', name)})"
                )
        if current and decl is not None and decl.secret:
            _refuse_short_secret(name, current, path, _line_of(lines, at), format_path(at))
        if current and ((decl is not None and decl.secret) or is_sensitive_key(name)):
            secrets.add(current)
        return current

    return _VAR_RE.sub(replace, value)


ENV_SECRET_MIN_LENGTH = 8
"""Shortest value of an undeclared, unused environment variable with a secret's name
(`GITHUB_TOKEN`) that is hidden: shorter ones are switches (`TOKENIZERS_PARALLELISM=false`)."""


def _unused_secrets(
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
            _refuse_short_secret(name, value, path, _line_of(lines, at), format_path(at))
            found.add(value)
    return found


def _refuse_short_secret(name: str, value: str, path: Path, line: int, where: str) -> None:
    if len(value) < MIN_SECRET_LENGTH:
        raise ChecklistError(
            f"{path}:{line}: {where}: secret {name} is shorter than {MIN_SECRET_LENGTH} "
            "characters; so short a value cannot be hidden in output (use a real secret)"
        )


def _secrets_in(value: Any, at: tuple[str | int, ...]) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and is_sensitive_key(str(key)) and item:
                found |= secrets_of_header_value(item)
            found |= _secrets_in(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found |= _secrets_in(item, (*at, index))
    elif isinstance(value, str):
        found |= secrets_in_text(value)
    return found


def _strip_tags(loc: tuple[str | int, ...], data: Any) -> tuple[str | int, ...]:
    """Drop pydantic's discriminator tags from an error location, keeping real keys."""
    kept: list[str | int] = []
    current = data
    tagged: int | None = None
    for part in loc:
        # The tag comes first even when it is also a key (the `command` kind's `command`).
        if isinstance(current, dict) and current.get("kind") == part and id(current) != tagged:
            tagged = id(current)
            continue
        if isinstance(part, str) and not isinstance(current, dict):
            continue  # a union member's label (`int`, `list[str]`), not a key of the file
        if isinstance(current, dict) and isinstance(part, str) and part not in current:
            if part.startswith("function-"):
                continue
            kept.append(part)
            current = None
            continue
        kept.append(part)
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
        else:
            current = None
    return tuple(kept)


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    msg = error["msg"]
    if kind == "missing":
        return "field required"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "union_tag_invalid":
        ctx = error.get("ctx") or {}
        return (
            f"unknown probe kind {ctx.get('tag')!r} (expected one of: {ctx.get('expected_tags')})"
        )
    if kind == "union_tag_not_found":
        return "'kind' is required (file, command, http, sql, ...)"
    value = error.get("input")
    if kind == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
        # `id: 1`, `release: 2.4`: YAML read a number where text was meant.
        return f"input should be a valid string: YAML read {value!r} as a number; quote it"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return msg[:1].lower() + msg[1:]


def _describe_validation(
    exc: ValidationError, data: Any, path: Path, lines: Lines
) -> tuple[str, ...]:
    """Every validation error as a `FILE:LINE: field: message` line, in pydantic's order."""
    problems: list[str] = []
    for error in exc.errors():
        where = _strip_tags(tuple(error["loc"]), data)
        problems.append(f"{path}:{_line_of(lines, where)}: {format_path(where)}: {_message(error)}")
    return tuple(problems)


def _check_unique_ids(checklist: Checklist, path: Path, lines: Lines) -> None:
    seen_sections: set[str] = set()
    seen_criteria: set[str] = set()
    for s_index, section in enumerate(checklist.sections):
        if section.id in seen_sections:
            at: tuple[str | int, ...] = ("sections", s_index, "id")
            raise ChecklistError(
                f"{path}:{_line_of(lines, at)}: {format_path(at)}: duplicate section id "
                f"{section.id!r}"
            )
        seen_sections.add(section.id)
        for c_index, criterion in enumerate(section.criteria):
            if criterion.id in seen_criteria:
                at = ("sections", s_index, "criteria", c_index, "id")
                raise ChecklistError(
                    f"{path}:{_line_of(lines, at)}: {format_path(at)}: duplicate criterion id "
                    f"{criterion.id!r}"
                )
            seen_criteria.add(criterion.id)


__all__ = [
    "ApprovalPolicy",
    "Checklist",
    "Criterion",
    "Defaults",
    "Policy",
    "Section",
    "VariableDecl",
    "checklist_json_schema",
    "format_path",
    "load_checklist",
]
