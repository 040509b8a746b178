"""`diagnose`: everything `gonogo doctor` says about one checklist on one target."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from gonogo_tui.core.checklist import Checklist
from gonogo_tui.core.checklist.source import parse_yaml, read_checklist
from gonogo_tui.core.doctor.edits import (
    PATTERN_FIELDS,
    VAR_RE,
    Edit,
    Unplaced,
    apply_edits,
    companions,
    merge_added,
    plan_edit,
)
from gonogo_tui.core.doctor.probing import Probed, probe_once
from gonogo_tui.core.doctor.setup import (
    DefaultVariable,
    MissingFile,
    defaulted_variables,
    missing_files,
)
from gonogo_tui.core.errors import GonogoError
from gonogo_tui.core.findings import replace_name
from gonogo_tui.core.probes.base import ProbeContext, Status, utc_now


@dataclass(frozen=True)
class Diagnosis:
    """What doctor found: the edits that fit the target, the mismatches it could not place,
    the variables at their defaults, the missing files, and the criteria not passing for
    other reasons (unreachable, or measured and not met: doctor never changes those)."""

    checklist: Path
    edits: list[Edit] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    defaults: list[DefaultVariable] = field(default_factory=list)
    missing: list[MissingFile] = field(default_factory=list)
    other: list[Probed] = field(default_factory=list)
    """Criteria not passing without a shape mismatch (FAIL on a threshold, unreachable)."""
    probed: int = 0
    passing: tuple[str, ...] = ()
    """Criteria that pass although a filter they name filters nothing (a label matcher on
    a label the target's series do not carry): their edits and unplaced mismatches count
    as much as a failing criterion's, since the number they pass on is not what they name."""

    @property
    def needs_adapting(self) -> bool:
        """Whether the checklist must change (or files be provided) to fit the target."""
        return bool(self.edits or self.unplaced or self.missing)

    def edited_text(self) -> str:
        """The checklist's text with every file edit made."""
        text = self.checklist.read_bytes().decode("utf-8-sig")
        return apply_edits(text, self.edits)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (documented in docs/adapting.md)."""
        return {
            "checklist": str(self.checklist),
            "needs_adapting": self.needs_adapting,
            "probed": self.probed,
            "passing_but_mismatched": list(self.passing),
            "edits": [edit.to_dict() for edit in self.edits],
            "unplaced": [item.to_dict() for item in self.unplaced],
            "variables_at_default": [item.to_dict() for item in self.defaults],
            "missing_files": [item.to_dict() for item in self.missing],
            "not_passing_otherwise": [
                {
                    "criterion_id": p.criterion_id,
                    "kind": p.kind,
                    "status": p.status.value,
                    "detail": p.detail,
                }
                for p in self.other
            ],
        }


def diagnose(
    checklist: Checklist,
    *,
    root: Path,
    env: Mapping[str, str] | None = None,
    evidence_dir: Path | None = None,
    now: Callable[[], datetime] = utc_now,
) -> Diagnosis:
    """Run the probes once and plan the edits that fit the checklist to its target.

    Raises:
        ChecklistError: the file cannot be read again (it changed since it was loaded).
        GonogoError: the checklist was not read from a file.
    """
    env = os.environ if env is None else env
    path = checklist.path
    if path is None:
        raise GonogoError("doctor needs a checklist read from a file")
    raw, lines = parse_yaml(read_checklist(path), path)
    results = probe_once(checklist, root=root, evidence_dir=evidence_dir, now=now)
    edits: list[Edit] = []
    unplaced: list[Unplaced] = []
    other: list[Probed] = []
    seen: set[tuple[str, str, str, str | None]] = set()
    for probed in results:
        if probed.status is Status.PASS and not probed.suggestions:
            continue
        if not probed.suggestions:
            other.append(probed)
            continue
        extra = [more for s in probed.suggestions for more in companions(probed.at, s, raw)]
        for suggestion in [*probed.suggestions, *extra]:
            planned = plan_edit(
                probed.criterion_id,
                probed.at,
                suggestion,
                raw=raw,
                lines=lines,
                checklist=checklist,
                env=env,
            )
            if isinstance(planned, Edit):
                # One variable used by several criteria is one edit.
                # (A companion repeating a field's own suggestion is that same edit.)
                key = (planned.how, planned.path, suggestion.found, suggestion.suggested)
                if key in seen:
                    continue
                seen.add(key)
                edits.append(planned)
            elif suggestion not in extra:  # a companion naming nothing is no finding
                unplaced.append(planned)
    ctx = ProbeContext(root=root, allow_outside_root=checklist.defaults.allow_outside_root)
    edited = {edit.path for edit in edits}
    # A missing file an edit already points elsewhere is said once, by the edit.
    details = {probed.criterion_id: probed.detail for probed in results}
    missing = [
        replace(item, found=details.get(item.criterion_id, ""))
        for item in missing_files(checklist, ctx)
        if item.field not in edited
    ]
    named = {item.criterion_id for item in missing}
    edits = _chained(merge_added(edits))
    # A variable whose default an edit above changes is not "left at its default": the
    # edit is what to do about it, not the environment.
    defaults = [
        item
        for item in defaulted_variables(raw, env, checklist.redactor)
        if item.name not in edited_variables(edits)
    ]
    return Diagnosis(
        checklist=path,
        edits=edits,
        unplaced=unplaced,
        defaults=defaults,
        missing=missing,
        other=[probed for probed in other if probed.criterion_id not in named],
        probed=len(results),
        passing=tuple(p.criterion_id for p in results if p.status is Status.PASS and p.suggestions),
    )


def _chained(edits: list[Edit]) -> list[Edit]:
    """Several edits of one field (a metric renamed, then its label filter fitted) shown as
    made one after the other: each one's `before` is the previous one's `after` (a regex
    replaced whole is left as planned)."""
    last: dict[str, str] = {}
    chained: list[Edit] = []
    for edit in edits:
        suggested = edit.suggestion.suggested
        whole = PATTERN_FIELDS & {key for key in edit.at if isinstance(key, str)}
        if edit.how == "field" and edit.path in last and suggested is not None and not whole:
            before = last[edit.path]
            after = replace_name(before, edit.suggestion.found, suggested)
            edit = replace(edit, before=before, after=after)
        last[edit.path] = edit.after
        chained.append(edit)
    return chained


def edited_variables(edits: list[Edit]) -> set[str]:
    """The variables whose default an edit changes: in `variables:`, or inline
    (`${NAME:-default}` in the field an edit rewrites)."""
    names = {str(edit.at[1]) for edit in edits if edit.how == "variable_default"}
    for edit in edits:
        if edit.how == "field" and edit.before is not None:
            before = {m.group(1): m.group(0) for m in VAR_RE.finditer(edit.before)}
            after = {m.group(1): m.group(0) for m in VAR_RE.finditer(edit.after)}
            names |= {name for name, text in before.items() if after.get(name) != text}
    return names


__all__ = ["Diagnosis", "diagnose", "edited_variables"]
