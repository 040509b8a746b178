"""`gonogo doctor`'s text report: each edit as the YAML line before and after."""

from __future__ import annotations

from pathlib import Path

from gonogo_tui.core.doctor.edits import Edit
from gonogo_tui.core.doctor.report import Diagnosis


def print_diagnosis(
    diagnosis: Diagnosis, *, written: Path | None = None, needs_trust: bool = False
) -> None:
    """Print the diagnosis for a person: edits, unplaced mismatches, defaults, files."""
    name = diagnosis.checklist
    say = print
    if not diagnosis.needs_adapting:
        say(f"{name}: fits the target ({diagnosis.probed} probes run); nothing to adapt.")
    else:
        count = len(diagnosis.edits)
        say(f"{name}: {count} edit{'s' * (count != 1)} fit the target "
            f"({diagnosis.probed} probes run); no threshold is changed.")  # fmt: skip
    passing = set(diagnosis.passing)
    for edit in diagnosis.edits:
        say("")
        say(_edit_text(name, edit, passes=edit.criterion_id in passing))
    for item in diagnosis.unplaced:
        say("")
        say(f"{item.criterion_id}: {item.path}: {item.suggestion.found} does not fit, "
            f"and no edit is suggested ({item.reason})")  # fmt: skip
        if item.criterion_id in passing:
            say(f"  {PASSES_BUT}")
        say(f"  found: {item.suggestion.why}")
    if diagnosis.missing:
        say("")
        say("Missing files:")
        for missing in diagnosis.missing:
            say(f"  {missing.criterion_id}: {missing.field}: {missing.path} "
                f"(looked for {missing.resolved})")  # fmt: skip
            if missing.found:
                say(f"    found: {missing.found}")
    if diagnosis.defaults:
        say("")
        say("Variables left at their defaults (set them in the environment to change them):")
        for variable in diagnosis.defaults:
            used = ", ".join(variable.used_at[:3])
            more = f" and {len(variable.used_at) - 3} more" if len(variable.used_at) > 3 else ""
            say(f"  {variable.name}={variable.value}  (used at {used}{more})")
    if diagnosis.other:
        say("")
        say("Not passing for other reasons (doctor does not change these):")
        for probed in diagnosis.other:
            say(f"  {probed.criterion_id}: {probed.status.value}: {probed.detail}")
            if probed.kind == "command":
                # Its own words are all doctor knows: a command is not rewritten.
                say("    (the command's own output: fix the command, or what it checks)")
    if written is not None:
        say("")
        if needs_trust:
            check = f"gonogo check {written} --trust"
            say(f"Wrote the edited checklist to {written}; check it with: {check}")
            say(
                "  (a new file: it runs a shell command or sends secrets off this machine, as the "
                "original did; read the edits above, then --trust records its digest)"
            )
        else:
            say(f"Wrote the edited checklist to {written}; check it with: gonogo check {written}")


LONG_HEAD = 120
"""Characters of an edit's `id: found -> suggested` line beyond which it names the field."""


PASSES_BUT = (
    "passes, but its filter filters nothing: the number it passes on is not the one it names"
)
"""Said of a passing criterion with a mismatch (only a label matcher on a label the series
do not carry passes with one)."""


def _edit_text(checklist: Path, edit: Edit, *, passes: bool = False) -> str:
    suggestion = edit.suggestion
    head = f"{edit.criterion_id}: {suggestion.found} -> {suggestion.suggested}"
    if len(head) > LONG_HEAD:  # a regex: the lines below show both in full
        head = f"{edit.criterion_id}: {suggestion.field} fitted to what the target writes"
    lines = [head, *([f"  {PASSES_BUT}"] if passes else []), f"  found: {suggestion.why}"]
    if edit.how == "environment":
        lines.append(f"  set {edit.path} in the environment (it overrides the file):")
        lines.append(f"    export {edit.path}={_shell_quote(edit.after)}")
        return "\n".join(lines)
    where = f"{checklist}:{edit.line}: {edit.path}"
    if edit.how == "add_field" and edit.after.startswith("{"):
        lines.append(f"  {where}: add:")
        lines.append(f"    + {edit.path.rsplit('.', 1)[-1]}: {edit.after}")
        return "\n".join(lines)
    if edit.how == "add_field":
        lines.append(f"  {where}: add (the kind's default, adapted):")
        lines.append(f"    + {edit.path.rsplit('.', 1)[-1]}: {edit.after}")
        return "\n".join(lines)
    lines.append(f"  {where}:")
    lines.extend(f"    - {line}" for line in (edit.before or "").splitlines() or [""])
    lines.extend(f"    + {line}" for line in edit.after.splitlines() or [""])
    return "\n".join(lines)


def _shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"
