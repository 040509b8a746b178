"""A walkthrough's summary as a chat message: the path to GO, posted before the call.

Built from the summary's JSON twin (`walkthrough_*.json`); every text is made inert for
Slack mrkdwn and markdown as the decision record's message is (`reports.chat_text`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gonogo_tui.core import files
from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.records.export import MAX_LISTED, chat_text
from gonogo_tui.core.walkthrough import WALKTHROUGH_FORMAT

_MARK = {"GO": "✅", "REVIEW": "⚠️", "NO-GO": "❌"}
_LISTS = ("fixes", "runs", "ticks", "waivers")


def is_walkthrough(path: Path) -> bool:
    """Whether `path` names a walkthrough summary (`walkthrough_*.md` or `.json`)."""
    return path.name.startswith("walkthrough_") and path.suffix in (".md", ".json")


def load_walkthrough(path: Path) -> Mapping[str, Any]:
    """Reads a walkthrough's JSON twin: `path` itself, or the `.json` beside the `.md`.

    Raises:
        EvidenceError: missing, unreadable, not JSON, or not a walkthrough summary.
    """
    json_path = path.with_suffix(".json")
    try:
        # Never through a planted link, never blocking on a FIFO (core/files.py).
        data = json.loads(files.read_file(json_path).decode("utf-8"))
    except FileNotFoundError:
        if json_path != path and path.exists():
            raise EvidenceError(
                f"{path}: its JSON twin {json_path.name} is missing "
                "(summaries written before gonogo had the path to GO have none)"
            ) from None
        raise EvidenceError(f"{path}: no such walkthrough summary") from None
    except OSError as exc:
        raise EvidenceError(f"{json_path}: cannot read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvidenceError(f"{json_path}: not a JSON walkthrough summary ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != WALKTHROUGH_FORMAT:
        raise EvidenceError(f"{json_path}: not a gonogo walkthrough ({WALKTHROUGH_FORMAT})")
    for key in ("decision", "estimate", "sections_go", "sections_total", *_LISTS):
        if key not in data:
            raise EvidenceError(f"{json_path}: walkthrough lacks {key}")
    for key in _LISTS:
        if not isinstance(data[key], list) or not all(isinstance(i, dict) for i in data[key]):
            raise EvidenceError(f"{json_path}: {key} is not a list of objects")
    return data


def walkthrough_markdown(data: Mapping[str, Any], *, link: str | None = None) -> str:
    """The message for the team before the call: where it stands, what the call will decide,
    the failures to fix (owner, runbook), the ticks to collect (from whom) and the waivers
    that would do instead (granted by whom)."""
    title = chat_text((data.get("checklist") or {}).get("title") or "GO/NO-GO review", 100)
    release = data.get("release")
    decision = str(data["decision"])
    mark = _MARK.get(decision, "")
    lines = [
        f"*Before the call: {title}*" + (f" (release {chat_text(release, 60)})" if release else ""),
        f"If the call were now: *{decision}{' ' + mark if mark else ''}* "
        f"({data['sections_go']}/{data['sections_total']} sections GO)",
        f"The call will decide: {chat_text(data['estimate'], 600)}",
        f"Walked through by {chat_text(data.get('operator'), 60)} at "
        f"{chat_text(data.get('at'), 40)}",
    ]
    if decision == "GO":
        lines += ["", "Nothing to change: every section is GO."]
    lines += _block(
        "Fix",
        [
            f"{_ref(c)} {chat_text(c.get('status'), 10)}: {chat_text(c.get('detail'))}"
            f" — owner {chat_text(c.get('who'), 60)}"
            + (f" — runbook {chat_text(c.get('runbook'), 200)}" if c.get("runbook") else "")
            for c in data["fixes"]
        ],
    )
    lines += _block(
        "Not run yet", [f"{_ref(c)} — from {chat_text(c.get('who'), 60)}" for c in data["runs"]]
    )
    lines += _block(
        "Ticks to collect",
        [f"{_ref(c)} — from {chat_text(c.get('who'), 60)}" for c in data["ticks"]],
    )
    lines += _block(
        "Or waive instead of fixing",
        [f"{_ref(c)} — granted by {chat_text(c.get('who'), 60)}" for c in data["waivers"]],
    )
    stale = [chat_text(cid, 60) for cid in data.get("stale") or []]
    lines += _block("Stale: rerun before the call", stale)
    if link:
        lines += ["", f"Summary: {chat_text(link, 300)}"]
    return "\n".join(lines) + "\n"


def _ref(change: Mapping[str, Any]) -> str:
    return (
        f"{chat_text(change.get('section_number'), 6)}. "
        f"{chat_text(change.get('section_title'), 60)}: {chat_text(change.get('id'), 60)} "
        f"({chat_text(change.get('title'), 80)})"
        + (" *critical*" if change.get("critical") is True else "")
    )


def _block(heading: str, items: Sequence[str]) -> list[str]:
    if not items:
        return []
    lines = ["", f"*{heading} ({len(items)})*"]
    lines += [f"- {item}" for item in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        lines.append(f"- … and {len(items) - MAX_LISTED} more (see the summary)")
    return lines


__all__ = ["is_walkthrough", "load_walkthrough", "walkthrough_markdown"]
