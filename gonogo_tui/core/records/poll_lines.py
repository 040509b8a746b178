"""The poll as lines of text, from a record's `poll` (`core.poll.poll_record`): the `.txt`
record and the Markdown report list every owner's answer, objections first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def quorum_line(poll: Mapping[str, Any]) -> str:
    """`quorum met: 10 of 10 owners answered (policy: all)`, from the recorded poll."""
    quorum = poll.get("quorum") or {}
    got = f"{poll.get('answered', 0)} of {poll.get('owners', 0)} owners answered"
    required = quorum.get("required")
    if required is None:
        return f"{got} (no quorum required)"
    state = "met" if quorum.get("met") else f"NOT met, {quorum.get('needed')} needed"
    return f"quorum {state}: {got} (policy: {required})"


def answer_line(entry: Mapping[str, Any]) -> str:
    """One owner's answer: `OBJECTION security (Security: Sam Roy): NO-GO at ...: reason`."""
    role, owner = entry.get("role"), entry.get("owner")
    # An owner named by role alone (`owner: DevOps Lead`) is said once, not `Role: Role`.
    same = str(role or "").casefold().strip() == str(owner or "").casefold().strip()
    who = f"{owner}" if same or not role else f"{role}: {owner}"
    head = f"{'OBJECTION ' if entry.get('objection') else ''}{entry.get('section_id')} ({who})"
    answer = entry.get("answer")
    if answer is None:
        return f"{head}: not asked"
    text = f"{head}: "
    if entry.get("stand_in"):
        text += f"absent, stand-in {entry['stand_in']}: "
    text += f"{answer} at {entry.get('at')}"
    if entry.get("reason"):
        text += f": {entry['reason']}"
    overruled = entry.get("overruled")
    if isinstance(overruled, Mapping):
        text += (
            f"; overruled by {overruled.get('by')} (CTO) at {overruled.get('at')}:"
            f" {overruled.get('reason')}"
        )
    return text


def poll_lines(poll: Mapping[str, Any] | None) -> list[str]:
    """The record's poll as a titled list (empty when there was none)."""
    if not isinstance(poll, Mapping):
        return []
    lines = [f"Poll ({quorum_line(poll)}):"]
    lines += [f"- {answer_line(entry)}" for entry in poll.get("answers") or []] or ["- no owners"]
    deployer = poll.get("deployer")
    if isinstance(deployer, Mapping):
        lines.append(f"Deployer: {deployer.get('name')} ({deployer.get('principal') or '-'})")
    return lines


__all__ = ["answer_line", "poll_lines", "quorum_line"]
