"""What is there when a file or folder a probe reads is not: its folder's files, and files
or folders of the same name elsewhere under the root.

`coverage report not found: coverage/coverage-summary.json` sends the user to look;
`coverage report not found: coverage/coverage-summary.json (coverage/ holds: lcov.info)`
shows at once that the team writes lcov, and `reports/junit.xml` missing with
`found elsewhere: test-results/junit.xml` shows where its CI writes the report. The walk
is bounded (entries, depth), skips the usual dependency and cache folders, follows no
symbolic link, never leaves the root, and only names entries: it reads no file unless a
kind asks whether it can read one (`accepts`).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from gonogo_tui.core.findings import Suggestion
from gonogo_tui.core.probes.base import ProbeContext
from gonogo_tui.core.probes.confined import Stop, in_thread

SKIPPED = frozenset(
    {".git", ".hg", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".cache", ".mypy_cache"}
)
"""Folders never searched: dependencies and caches hold copies, not the team's files."""
MAX_ENTRIES = 20_000
MAX_DEPTH = 8
SHOWN = 5
"""Names a detail shows; the output lists them all (up to `MAX_LISTED`)."""
MAX_LISTED = 50


@dataclass(frozen=True)
class Around:
    """What lies around a missing path."""

    folder: str
    """The closest existing folder on the path, relative to the root (`coverage/`), or ''
    when it is the root itself."""
    holds: list[str] = field(default_factory=list)
    """That folder's entries (folders end with `/`), sorted."""
    elsewhere: list[str] = field(default_factory=list)
    """Entries of the same name elsewhere (else of a similar name), relative to the root."""
    readable: list[str] = field(default_factory=list)
    """Files in the folder the kind could read (`accepts`), relative to the root."""

    def clause(self) -> str:
        """`coverage/ holds: lcov.info; found elsewhere: test-results/junit.xml` ('' if
        nothing is around)."""
        parts = []
        if self.elsewhere:
            parts.append(f"found elsewhere: {_names(self.elsewhere)}")
        if self.elsewhere:
            pass  # where it is says more than what the folder holds (the output has both)
        elif self.holds:
            parts.append(f"{self.folder or 'the root'} holds: {_names(self.holds)}")
        elif self.folder:
            parts.append(f"{self.folder} is empty")
        return "; ".join(parts)

    def listing(self) -> str:
        """Every name found, for the output (detail pane, JSON)."""
        lines = [f"{self.folder or './'} holds: {', '.join(self.holds) or 'nothing'}"]
        if self.elsewhere:
            lines.append(f"same name elsewhere: {', '.join(self.elsewhere)}")
        return "\n".join(lines)

    def suggestion(self, field_name: str, wanted: str, why: str) -> Suggestion | None:
        """The path to use instead: the only entry of the same name elsewhere, else the
        only file in the folder the kind reads; None when there is no single one."""
        if len(self.elsewhere) == 1:
            return Suggestion(field_name, wanted, self.elsewhere[0].rstrip("/"), why)
        if not self.elsewhere and len(self.readable) == 1:
            return Suggestion(field_name, wanted, self.readable[0], why)
        return None


def _names(names: list[str]) -> str:
    more = f" (and {len(names) - SHOWN} more)" if len(names) > SHOWN else ""
    return ", ".join(names[:SHOWN]) + more


def look_around(
    root: Path,
    wanted: str,
    stop: Stop,
    *,
    want_dir: bool = False,
    accepts: Callable[[str], bool] | None = None,
) -> Around | None:
    """What lies around `wanted` (a path relative to the root; its last part may be a
    glob); None for a path outside the root (absolute, or climbing out with `..`).

    Args:
        root: The root folder.
        wanted: The path the probe was given.
        stop: Ends the walk when the probe is cancelled or past its deadline.
        want_dir: The probe wants a folder (same-named folders are looked for).
        accepts: Whether the kind can read a file (given its real path); the folder's
            files it accepts are the candidates when nothing of the same name exists.
    """
    parts = Path(wanted).parts
    if not parts or Path(wanted).is_absolute() or ".." in parts:
        return None
    real_root = os.path.realpath(root)
    folder = real_root
    depth = 0
    for part in parts[:-1]:
        candidate = os.path.join(folder, part)
        if os.path.islink(candidate) or not os.path.isdir(candidate):
            break
        folder, depth = candidate, depth + 1
    relative = "/".join(parts[:depth])
    holds = _entries(folder)
    readable = []
    if accepts is not None:
        for name in holds:
            stop.check()
            path = os.path.join(folder, name)
            if not name.endswith("/") and not os.path.islink(path) and accepts(path):
                readable.append(f"{relative}/{name}" if relative else name)
    plain = not any(char in parts[-1] for char in "*?[")
    # A glob's name would match every report of its kind anywhere: only a plain name is
    # looked for elsewhere.
    elsewhere = _same_name(real_root, parts[-1], want_dir, stop) if plain else []
    shown_folder = f"{relative}/" if relative else ""
    return Around(shown_folder, holds, elsewhere, readable)


async def not_found(
    ctx: ProbeContext,
    head: str,
    wanted: str,
    field_name: str,
    *,
    want_dir: bool = False,
    accepts: Callable[[str], bool] | None = None,
    root: Path | None = None,
) -> tuple[str, str, tuple[Suggestion, ...]]:
    """The detail, output and suggestion for a path that is not there: `head` with what
    lies around it (redacted), and the path to use instead when one stands out.

    Args:
        ctx: The probe's context (its root, redactor, deadline).
        head: The detail as the probe words it (`coverage report not found: ...`).
        wanted: The path the probe was given.
        field_name: The probe field that names it (`path`, `newest_in.dir`).
        want_dir: The probe wants a folder.
        accepts: Whether the kind could read a file (see `look_around`).
        root: Where `wanted` is relative to, when not the root (a command's folder).
    """
    base = ctx.root if root is None else root
    around = await in_thread(
        ctx,
        lambda stop: look_around(base, wanted, stop, want_dir=want_dir, accepts=accepts),
    )
    if around is None:
        return head, "", ()
    clause = ctx.redactor(around.clause())
    if not clause:
        detail = head
    elif head.endswith(")"):  # `... (glob '*.json')`: one bracket says it all
        detail = f"{head[:-1]}; {clause})"
    else:
        detail = f"{head} ({clause})"
    fits = around.suggestion(field_name, wanted, detail)
    if fits is not None and ctx.redactor(fits.suggested or "") != fits.suggested:
        fits = None  # a name the redactor hides is not proposed
    return detail, ctx.redactor(around.listing()), (fits,) if fits else ()


def _entries(folder: str) -> list[str]:
    try:
        with os.scandir(folder) as listing:
            names = [
                entry.name + ("/" if entry.is_dir(follow_symlinks=False) else "")
                for entry in listing
            ]
    except OSError:
        return []
    return sorted(names)[:MAX_LISTED]


def _same_name(root: str, name: str, want_dir: bool, stop: Stop) -> list[str]:
    """Entries under the root named `name`, files or folders as wanted, the shallowest
    first; when there is none, those of a similar name (the same regardless of case, `-`
    and `_`; or a file with the same extension whose name is at least 80% alike by
    difflib's ratio: `coverage_summary.json`, `ONCALL.md` for `oncall.md`)."""
    exact: list[str] = []
    similar: list[str] = []
    seen = 0
    pending: list[tuple[str, int]] = [(root, 0)]
    while pending and seen < MAX_ENTRIES:
        folder, depth = pending.pop(0)
        stop.check()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            seen += 1
            is_dir = entry.is_dir(follow_symlinks=False)
            shown = os.path.relpath(entry.path, root) + ("/" if is_dir else "")
            if is_dir == want_dir and entry.name == name:
                exact.append(shown)
            elif is_dir == want_dir and _alike(entry.name, name):
                similar.append(shown)
            if is_dir and entry.name not in SKIPPED and depth < MAX_DEPTH:
                pending.append((entry.path, depth + 1))
    return (exact or similar)[:MAX_LISTED]


def _alike(found: str, wanted: str) -> bool:
    def plain(text: str) -> str:
        return text.lower().replace("-", "_")

    if plain(found) == plain(wanted):
        return True
    stem, extension = os.path.splitext(plain(found))
    wanted_stem, wanted_extension = os.path.splitext(plain(wanted))
    if extension != wanted_extension:
        return False
    return difflib.SequenceMatcher(None, stem, wanted_stem).ratio() >= SIMILAR


SIMILAR = 0.8
"""How alike two file names' stems must be (difflib's ratio) to be named as similar."""


__all__ = ["Around", "look_around", "not_found"]
