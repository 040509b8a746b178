"""Reading a checklist file: size and encoding checks, strict YAML with a node budget, the
line of every key (for `FILE:LINE: field.path: message`), and pydantic's errors in that form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from gonogo_tui.core.errors import ChecklistError

MAX_CHECKLIST_BYTES = 8 * 1024 * 1024
"""Larger files are refused before parsing."""
MAX_YAML_NODES = 500_000
"""Expanded node budget: a document of aliases past this is refused."""
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML was built with it (about 10x faster), else PyYAML's."""


def read_checklist(path: Path) -> bytes:
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


def parse_yaml(raw: bytes, path: Path) -> tuple[dict[str, Any], Lines]:
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
            f"{walk.path}:{line_of(lines, where)}: {format_path(where)}: document expands "
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


def line_of(lines: Lines, at: tuple[str | int, ...]) -> int:
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


def validation_message(error: ErrorDetails) -> str:
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


def describe_validation(
    exc: ValidationError, data: Any, path: Path, lines: Lines
) -> tuple[str, ...]:
    """Every validation error as a `FILE:LINE: field: message` line, in pydantic's order."""
    problems: list[str] = []
    for error in exc.errors():
        where = _strip_tags(tuple(error["loc"]), data)
        problems.append(
            f"{path}:{line_of(lines, where)}: {format_path(where)}: {validation_message(error)}"
        )
    return tuple(problems)


__all__ = [
    "MAX_CHECKLIST_BYTES",
    "MAX_YAML_NODES",
    "Lines",
    "describe_validation",
    "format_path",
    "line_of",
    "parse_yaml",
    "read_checklist",
    "validation_message",
]
