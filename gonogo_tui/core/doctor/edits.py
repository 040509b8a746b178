"""Turn a probe's `Suggestion` into the YAML edit, or the variable to set, that fits it.

A suggestion names a probe field (`gauge`, `values[0].column`, `query`) and a name inside
it. The field is read as written in the file, before `${VAR}` substitution: when the name
is written there, the edit is to that field; when a variable brings it in, the edit is to
that variable (its default in the file, or its value in the environment); when the field
is not written at all (a kind's default), the edit adds it. Only names are ever replaced:
a comparison or a threshold is never part of an edit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from gonogo_tui.core.checklist import Checklist
from gonogo_tui.core.checklist.source import Lines, format_path, line_of
from gonogo_tui.core.findings import Suggestion, contains_name, replace_name

VAR_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}")
_FIELD_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")

How = Literal["field", "add_field", "variable_default", "environment"]

THRESHOLD_FIELDS = frozenset(
    {
        "compare", "rows", "max_age", "max_ms", "panels", "quantile", "scale", "max_firing",
        "alert_rules", "min_tests", "max_failed", "max_skipped", "covered_for", "status",
        "exit_code", "min_days", "max_lag", "per_page", "count",
    }
)  # fmt: skip
"""Probe fields that hold an expectation: no edit ever touches one."""


@dataclass(frozen=True)
class Edit:
    """One change that fits the checklist to the target."""

    criterion_id: str
    how: How
    """`field`: change the field in the file; `add_field`: add it under the probe;
    `variable_default`: change a variable's default in the file; `environment`: set the
    variable (the environment sets it, so the file cannot)."""
    path: str
    """Where: `sections[3].criteria[2].probe.gauge`, `variables.BACKUP_QUERY.default`, or
    the variable's name for `environment`."""
    at: tuple[str | int, ...]
    """The same, as keys (empty for `environment`)."""
    line: int
    """The line of the key in the file (the probe's for `add_field`; 0 for `environment`)."""
    before: str | None
    """The value as written (None when the field is not written)."""
    after: str
    suggestion: Suggestion

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "criterion_id": self.criterion_id,
            "how": self.how,
            "path": self.path,
            "line": self.line,
            "before": self.before,
            "after": self.after,
            **{key: value for key, value in self.suggestion.to_dict().items()},
        }


@dataclass(frozen=True)
class Unplaced:
    """A mismatch doctor could not turn into an edit: nothing close on the target, or the
    name is not written in the field nor in a variable it uses."""

    criterion_id: str
    path: str
    suggestion: Suggestion
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "criterion_id": self.criterion_id,
            "path": self.path,
            "reason": self.reason,
            **self.suggestion.to_dict(),
        }


def field_keys(field: str) -> tuple[str | int, ...]:
    """`values[0].column` -> `('values', 0, 'column')`."""
    keys: list[str | int] = []
    for match in _FIELD_PART.finditer(field):
        keys.append(match.group(1) if match.group(1) is not None else int(match.group(2)))
    return tuple(keys)


def _walk(data: Any, keys: tuple[str | int, ...]) -> tuple[bool, Any]:
    current = data
    for key in keys:
        if isinstance(key, int) and isinstance(current, list) and 0 <= key < len(current):
            current = current[key]
        elif isinstance(key, str) and isinstance(current, dict) and key in current:
            current = current[key]
        else:
            return False, None
    return True, current


def plan_edit(
    criterion_id: str,
    criterion_at: tuple[str | int, ...],
    suggestion: Suggestion,
    *,
    raw: dict[str, Any],
    lines: Lines,
    checklist: Checklist,
    env: Mapping[str, str],
) -> Edit | Unplaced:
    """The edit that carries out `suggestion` on the criterion at `criterion_at`."""
    at = (*criterion_at, "probe", *field_keys(suggestion.field))
    path = format_path(at)
    suggested = suggestion.suggested
    if THRESHOLD_FIELDS & {key for key in at[len(criterion_at) + 1 :] if isinstance(key, str)}:
        # Doctor fits names, never expectations: a suggestion on a threshold is refused.
        return Unplaced(criterion_id, path, suggestion, "a threshold is never edited")
    if suggested is None:
        return Unplaced(criterion_id, path, suggestion, "nothing on the target comes close")
    written, value = _walk(raw, at)
    if not written:
        return _add_field(
            criterion_id, criterion_at, at, suggestion, suggested, checklist, lines, raw
        )
    if not isinstance(value, str):
        return Unplaced(criterion_id, path, suggestion, "the field is not text")
    plain = VAR_RE.sub("", value)
    if contains_name(plain, suggestion.found):
        after = replace_name(value, suggestion.found, suggested)
        return Edit(criterion_id, "field", path, at, line_of(lines, at), value, after, suggestion)
    for match in VAR_RE.finditer(value):
        edit = _variable_edit(criterion_id, match, at, suggestion, suggested, raw, lines, env)
        if edit is not None:
            return edit
    return Unplaced(criterion_id, path, suggestion, f"{suggestion.found} is not written in {path}")


def companions(
    criterion_at: tuple[str | int, ...], suggestion: Suggestion, raw: dict[str, Any]
) -> list[Suggestion]:
    """The same rename in the probe's other fields that name the same thing: the fields that
    read an `sql` query's result column (`value.column`, `values[i].column`), and the other
    items of a list field (`gauge[1]` when `gauge[0]` was suggested: CPU and memory named
    by one metric). A probe stops at the first name it misses; without these the next run
    errs on the next one. The caller drops a companion that names nothing to change."""
    if suggestion.suggested is None:
        return []
    _, probe = _walk(raw, (*criterion_at, "probe"))
    if not isinstance(probe, dict):
        return []
    item = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)\[(\d+)\]", suggestion.field)
    if item is not None:
        siblings = probe.get(item.group(1))
        count = len(siblings) if isinstance(siblings, list) else 0
        return [
            replace(suggestion, field=f"{item.group(1)}[{index}]")
            for index in range(count)
            if index != int(item.group(2))
        ]
    if suggestion.field != "query":
        return []
    fields: list[tuple[str, Any]] = [("value", probe.get("value"))]
    values = probe.get("values")
    if isinstance(values, list):
        fields += [(f"values[{index}]", check) for index, check in enumerate(values)]
    return [
        replace(suggestion, field=f"{name}.column")
        for name, check in fields
        if isinstance(check, dict) and check.get("column") == suggestion.found
    ]


def _add_field(
    criterion_id: str,
    criterion_at: tuple[str | int, ...],
    at: tuple[str | int, ...],
    suggestion: Suggestion,
    suggested: str,
    checklist: Checklist,
    lines: Lines,
    raw: dict[str, Any],
) -> Edit | Unplaced:
    """A field the checklist leaves to the kind's default: add it, the default adapted."""
    path = format_path(at)
    keys = field_keys(suggestion.field)
    criterion = next((c for _, c in checklist.criteria() if c.id == criterion_id), None)
    current = getattr(criterion.probe, str(keys[0]), None) if criterion else None
    probe_at = (*criterion_at, "probe")
    if len(keys) == 2 and isinstance(keys[1], int) and isinstance(current, list):
        # One item of a list the kind defaults (`roles[1]`): the whole list is added.
        items = [str(item) for item in current]
        if keys[1] >= len(items) or items[keys[1]] != suggestion.found:
            return Unplaced(criterion_id, path, suggestion, f"{suggestion.found} is not {path}")
        items[keys[1]] = suggested
        return Edit(
            criterion_id, "add_field", format_path(at[:-1]), at[:-1],
            line_of(lines, probe_at), None, json.dumps(items), suggestion,
        )  # fmt: skip
    if len(keys) == 2 and isinstance(keys[1], str) and hasattr(current, keys[1]):
        # One key of a mapping the kind defaults (`columns.role`): the mapping is added.
        written, _ = _walk(raw, at[:-1])
        if written:  # the mapping is written without this key: a line must go inside it
            why = f"add `{keys[1]}: {suggested}` under {format_path(at[:-1])}"
            return Unplaced(criterion_id, path, suggestion, why)
        return Edit(
            criterion_id, "add_field", format_path(at[:-1]), at[:-1],
            line_of(lines, probe_at), None, json.dumps({keys[1]: suggested}), suggestion,
        )  # fmt: skip
    if len(keys) != 1 or not isinstance(current, str):
        return Unplaced(criterion_id, path, suggestion, f"{path} is not written in the file")
    if not contains_name(current, suggestion.found):
        return Unplaced(criterion_id, path, suggestion, f"{suggestion.found} is not in {path}")
    after = replace_name(current, suggestion.found, suggested)
    return Edit(
        criterion_id, "add_field", path, at, line_of(lines, probe_at), None, after, suggestion
    )


def _variable_edit(
    criterion_id: str,
    match: re.Match[str],
    at: tuple[str | int, ...],
    suggestion: Suggestion,
    suggested: str,
    raw: dict[str, Any],
    lines: Lines,
    env: Mapping[str, str],
) -> Edit | None:
    name, operator, inline = match.group(1), match.group(2), match.group(3)
    current = env.get(name)
    if operator == ":-" and current == "":
        current = None
    if current is not None:
        if not contains_name(current, suggestion.found):
            return None
        after = replace_name(current, suggestion.found, suggested)
        return Edit(criterion_id, "environment", name, (), 0, current, after, suggestion)
    if operator is not None:
        if not contains_name(inline, suggestion.found):
            return None
        _, written = _walk(raw, at)
        after = str(written).replace(
            match.group(0),
            match.group(0).replace(inline, replace_name(inline, suggestion.found, suggested)),
        )
        return Edit(
            criterion_id, "field", format_path(at), at, line_of(lines, at), written, after,
            suggestion,
        )  # fmt: skip
    default_at: tuple[str | int, ...] = ("variables", name, "default")
    found, default = _walk(raw, default_at)
    if not found or not isinstance(default, str) or not contains_name(default, suggestion.found):
        return None
    after = replace_name(default, suggestion.found, suggested)
    return Edit(
        criterion_id, "variable_default", format_path(default_at), default_at,
        line_of(lines, default_at), default, after, suggestion,
    )  # fmt: skip


def merge_added(edits: list[Edit]) -> list[Edit]:
    """One `add_field` edit per added list: the items several suggestions change in the
    kind's default list (`roles[0]`, `roles[1]`) are added together."""
    merged: list[Edit] = []
    lists: dict[tuple[str, str], int] = {}
    for edit in edits:
        if edit.how != "add_field" or not edit.after.startswith(("[", "{")):
            merged.append(edit)
            continue
        key = (edit.criterion_id, edit.path)
        if key not in lists:
            lists[key] = len(merged)
            merged.append(edit)
            continue
        first = merged[lists[key]]
        items, more = json.loads(first.after), json.loads(edit.after)
        index = field_keys(edit.suggestion.field)[-1]
        if isinstance(items, dict):
            items.update(more)  # `columns.role` and `columns.name`: one mapping
        else:
            assert isinstance(index, int)
            items[index] = more[index]
        both = Suggestion(
            first.suggestion.field.split("[")[0],
            f"{first.suggestion.found}, {edit.suggestion.found}",
            f"{first.suggestion.suggested}, {edit.suggestion.suggested}",
            first.suggestion.why,
        )
        merged[lists[key]] = replace(first, after=json.dumps(items), suggestion=both)
    return merged


def apply_edits(text: str, edits: list[Edit]) -> str:
    """The checklist's text with every file edit made (environment ones are not in the file).

    Each name is replaced where its key is written, so comments and layout stay; a field
    the file does not write is added under the probe's `kind:` line.
    """
    lines = text.splitlines(keepends=True)
    added: dict[int, list[str]] = {}
    for edit in edits:
        if edit.how == "environment":
            continue
        if edit.how == "add_field":
            flow = re.match(r"^(.*\bprobe\s*:\s*\{.*)\}(\s*(?:#.*)?\n?)$", lines[edit.line - 1])
            if flow:  # `probe: {kind: oncall, path: x}`: the field goes inside the braces
                lines[edit.line - 1] = f"{flow.group(1)}, {_added_value(edit)}}}{flow.group(2)}"
            else:
                added.setdefault(edit.line, []).append(_added_line(lines, edit))
            continue
        if not _replace_whole(lines, edit):
            _replace_from(lines, edit)
    out: list[str] = []
    for number, line in enumerate(lines, start=1):
        out.append(line)
        out.extend(added.get(number, []))
    return "".join(out)


PATTERN_FIELDS = frozenset({"contains", "date_regex", "stdout", "stderr", "regex"})
"""Fields holding a regex: a new pattern replaces the whole value, written anew."""


def _replace_whole(lines: list[str], edit: Edit) -> bool:
    """A regex replaced whole (`contains[1]`, `date_regex`): the value is written again as
    one single-quoted line (which YAML reads as written, backslashes and all), its folded
    continuation lines blanked; False for anything else, or a value in a flow collection."""
    names = [key for key in edit.at if isinstance(key, str)]
    if not names or names[-1] not in PATTERN_FIELDS or edit.before != edit.suggestion.found:
        return False
    assert edit.suggestion.suggested is not None
    start = edit.line - 1
    line = lines[start]
    if isinstance(edit.at[-1], int):
        head = re.match(r"^(\s*-\s+)", line)
    else:
        head = re.match(rf"^(\s*(?:-\s+)?{re.escape(names[-1])}\s*:\s*)", line)
    if head is None or line[head.end() :].lstrip().startswith(("[", "{")):
        return False
    quoted = "'" + edit.suggestion.suggested.replace("'", "''") + "'"
    lines[start] = f"{head.group(1)}{quoted}\n"
    depth = _indent(line)
    for index in range(start + 1, len(lines)):
        if lines[index].strip() and _indent(lines[index]) <= depth:
            break
        lines[index] = ""  # blanked, not removed: the other edits' line numbers hold
    return True


def _replace_from(lines: list[str], edit: Edit) -> None:
    """Replace every whole `found` in the key's value, and nowhere else: on the key's line
    only within its value (a flow mapping's other keys, a comparison among them, are left
    alone), and on the lines below indented deeper (a block scalar, a folded line)."""
    assert edit.suggestion.suggested is not None
    found, suggested = edit.suggestion.found, edit.suggestion.suggested
    last = edit.at[-1] if edit.at else None
    key = str(last) if isinstance(last, str) else None
    if key is None and len(edit.at) > 1 and isinstance(edit.at[-2], str):
        key = str(edit.at[-2])  # a list item: its list's key
    start = edit.line - 1
    line = lines[start]
    found_key = re.search(rf"(?<![\w-]){re.escape(key)}\s*:", line) if key else None
    offset = found_key.end() if found_key else 0
    flow = "{" in line[:offset] or line[offset:].lstrip().startswith("[")
    stop = _value_end(line, offset, in_list=isinstance(last, int)) if flow else len(line)
    lines[start] = line[:offset] + replace_name(line[offset:stop], found, suggested) + line[stop:]
    if flow:
        return  # a flow value ends on its line or is bracketed: nothing below is its own
    depth = _indent(line)
    for index in range(start + 1, len(lines)):
        below = lines[index]
        if below.strip() and _indent(below) <= depth:
            break
        lines[index] = replace_name(below, found, suggested)


def _value_end(line: str, offset: int, *, in_list: bool) -> int:
    """Where a flow value that starts at `offset` ends: its closing quote, the `]` of a
    list, or the next `,` / `}` outside quotes."""
    quote = ""
    depth = 0
    for position in range(offset, len(line)):
        char = line[position]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth <= 0 and in_list:
                return position
        elif char in ",}" and depth <= 0:
            return position
    return len(line)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _added_line(lines: list[str], edit: Edit) -> str:
    """`<indent><field>: "<value>"` under the probe, indented like its `kind:` key."""
    indent = "  "
    for line in lines[edit.line - 1 : edit.line + 20]:
        found = re.match(r"^(\s*)(?:-\s+)?kind\s*:", line)
        if found:
            indent = " " * len(line[: line.index("kind")])
            break
    return f"{indent}{_added_value(edit)}\n"


def _added_value(edit: Edit) -> str:
    """`field: value`, the value as JSON (which YAML reads as written)."""
    value = edit.after if edit.after.startswith(("[", "{")) else json.dumps(edit.after)
    return f"{edit.at[-1]}: {value}"


__all__ = [
    "Edit",
    "Unplaced",
    "apply_edits",
    "companions",
    "field_keys",
    "merge_added",
    "plan_edit",
]
