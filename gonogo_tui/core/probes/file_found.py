"""What a `file` probe's `newest_in` found when its glob matched nothing: the folder's
files, and the glob that matches them when one suffix stands out."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from gonogo_tui.core.findings import Suggestion
from gonogo_tui.core.probes.confined import Stop

MAX_FILES = 200
"""Files of a folder listed for a `newest_in` that matched none of them."""


def folder_files(folder: Path, recursive: bool, stop: Stop) -> list[str]:
    """The regular files of a folder (and its sub-folders when `recursive`), relative to
    it, sorted, at most `MAX_FILES`; no symbolic link is followed."""
    names: list[str] = []
    for current, folders, files in os.walk(folder):
        stop.check()
        base = os.path.relpath(current, folder)
        for name in files:
            if os.path.isfile(os.path.join(current, name)):
                names.append(name if base == "." else f"{base}/{name}")
        if not recursive or len(names) >= MAX_FILES:
            break
        folders.sort()
    return sorted(names)[:MAX_FILES]


def glob_suggestion(
    names: list[str], glob: str, why: str, redact: Callable[[str], str]
) -> tuple[str, tuple[Suggestion, ...]]:
    """A clause naming the folder's files, and the `newest_in.glob` that matches them: for
    a `*<suffix>` glob (`*.test.ts`), the one compound suffix every file of the same
    extension has (`*.spec.ts`); nothing when they differ or none has that extension."""
    if not names:
        return "the folder holds no file", ()
    shown = ", ".join(names[:5]) + (f" (and {len(names) - 5} more)" if len(names) > 5 else "")
    clause = redact(f"the folder holds: {shown}")
    if not glob.startswith("*") or any(char in glob[1:] for char in "*?[/"):
        return clause, ()
    extension = os.path.splitext(glob)[1]
    same = [os.path.basename(name) for name in names if name.endswith(extension) and extension]
    suffixes = {name[name.index(".") :] for name in same if name.index(".") > 0}
    if len(suffixes) != 1 or len(same) != sum(1 for name in same if name.index(".") > 0):
        return clause, ()
    fitted = "*" + suffixes.pop()
    if fitted == glob or redact(fitted) != fitted:
        return clause, ()
    return clause, (Suggestion("newest_in.glob", glob, fitted, f"{why[:-1]}; {clause})"),)


__all__ = ["folder_files", "glob_suggestion"]
