"""What a probe found when the target's shape differs from what the checklist names.

A probe that meets a column, metric or header the target does not have says so in its
one-line detail for people; for `gonogo doctor` it also returns each mismatch as data: the
probe field that names it, the name as written, the closest name the target has, and why.
`gonogo doctor` turns these into YAML edits without parsing any detail text.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Suggestion:
    """One name in a probe's YAML that the target does not have, and what it has instead.

    The edit it stands for replaces `found`, as a whole name, by `suggested` inside the
    probe field `field`; it never touches a comparison or a threshold.
    """

    field: str
    """The probe field that names it, relative to the probe: `query`, `gauge`, `gauge[1]`,
    `numerator`, `value.column`, `values[0].column`, `columns.role`."""
    found: str
    """The name as the checklist writes it (`last_backup_at`)."""
    suggested: str | None
    """The closest name the target has (`finished_at`); None when nothing comes close."""
    why: str
    """One line: what the probe found (`backup_status has finished_at (timestamptz), ...`)."""

    def to_dict(self) -> dict[str, str | None]:
        """A JSON-ready dict."""
        return {
            "field": self.field,
            "found": self.found,
            "suggested": self.suggested,
            "why": self.why,
        }


def closest_first(wanted: str, names: Iterable[str]) -> list[str]:
    """`names`, the closest to `wanted` first (difflib's ratio, shared `_` words weigh in),
    ties in their given order; a name is compared up to its first space or `(`."""
    wanted_low = wanted.lower()
    words = set(wanted_low.split("_")) - {""}

    def score(name: str) -> float:
        low = re.split(r"[\s(]", name.lower(), maxsplit=1)[0]
        ratio = difflib.SequenceMatcher(None, wanted_low, low).ratio()
        shared = len(words & set(low.split("_"))) / max(len(words), 1)
        return ratio + shared

    listed = list(dict.fromkeys(names))
    return sorted(listed, key=lambda name: -score(name))


def replace_name(text: str, found: str, suggested: str) -> str:
    """`text` with every whole-name occurrence of `found` replaced by `suggested` (a name
    inside a longer one, `status` in `status_code`, is left alone)."""
    pattern = re.compile(rf"(?<![A-Za-z0-9_:]){re.escape(found)}(?![A-Za-z0-9_:])")
    return pattern.sub(lambda _: suggested, text)


def contains_name(text: str, found: str) -> bool:
    """Whether `found` occurs in `text` as a whole name."""
    return replace_name(text, found, "\0") != text


__all__ = ["Suggestion", "closest_first", "contains_name", "replace_name"]
