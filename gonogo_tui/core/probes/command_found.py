"""What a failed command's arguments name that is not there.

`ls -la -- SUMMARY.txt docs/SIGNOFF.md` exiting 2 says `exit 2 (expected exit 0): ls:
cannot access 'docs/SIGNOFF.md'`; the team still has to find where its own sign-off lives.
For a command given as an argv list (never a shell string, which gonogo does not parse)
that did not exit as expected, each argument that names a relative file or folder that
does not exist in the command's folder is looked around for (`look_around`): the detail
names what is there, and `gonogo doctor` gets the argument to use instead when one file of
the same (or a similar) name stands out (`command[5]`).

A command, shell or not, whose last words blame a file (`docs/SIGNOFF.md: no completed
Sign-off line`) said what it expected; the detail adds what that file holds: the line
closest to the complaint's words, else its last line (`Status: PENDING`), so two documents
failing one check do not look alike. Only a relative file inside the root is read, its
first `MAX_READ` bytes, quoted redacted and cut.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.probes._ops import plural
from gonogo_tui.core.probes.base import Observation, ProbeContext, one_line
from gonogo_tui.core.probes.command import CommandProbe
from gonogo_tui.core.probes.confined import excerpt, in_thread, read_bounded
from gonogo_tui.core.probes.look_around import not_found
from gonogo_tui.core.probes.near_lines import near_lines

MAX_ARGUMENTS = 3
"""Missing arguments looked around for (the first ones)."""
_PATH_LIKE = re.compile(r"^(?!-)[^\s*?\[\]=:'\"]*(?:/[^\s*?\[\]=:'\"]+|\.[A-Za-z0-9]{1,6})$")
MAX_READ = 256 * 1024
"""Bytes of a file the command's last words name that are read to say what it holds."""
_BLAMED = re.compile(r"\(expected exit -?\d+\): ([^\s:'\"]+\.[A-Za-z0-9]{1,6}): (.+)$")
_NOT_WORDS = frozenset(
    {"and", "the", "not", "nor", "any", "line", "lines", "with", "for", "from", "found", "under"}
)
"""Words of a complaint that say nothing of what the file should hold."""


async def missing_arguments(
    spec: CommandProbe, ctx: ProbeContext, cwd: Path, observation: Observation
) -> Observation:
    """`observation` with what lies around each argument naming a missing file, when the
    command exited otherwise than expected; unchanged otherwise."""
    if observation.ok or spec.exit_code is None or not isinstance(spec.command, list):
        return observation
    if not observation.detail.startswith(("exit ", "killed by")):
        return observation  # it exited as expected: an output pattern failed instead
    real_root, real_cwd = os.path.realpath(ctx.root), os.path.realpath(cwd)
    if os.path.commonpath([real_root, real_cwd]) != real_root:
        return observation  # a folder outside the root is never walked
    missing = [
        (index, word)
        for index, word in enumerate(spec.command)
        if index > 0
        and _PATH_LIKE.match(word)
        and not os.path.isabs(word)
        and ".." not in Path(word).parts
        and not os.path.lexists(cwd / word)
    ][:MAX_ARGUMENTS]
    if not missing:
        return observation
    clauses: list[str] = []
    fits = list(observation.suggestions)
    for index, word in missing:
        head = f"{word} is missing"
        detail, _, found = await not_found(ctx, head, word, f"command[{index}]", root=cwd)
        clauses.append(detail)
        fits.extend(found)
    detail = one_line(f"{observation.detail}; {ctx.redactor('; '.join(clauses))}", 500)
    return replace(observation, detail=detail, suggestions=tuple(fits))


async def blamed_file(ctx: ProbeContext, cwd: Path, observation: Observation) -> Observation:
    """`observation` with what the file its last words blame holds (`; docs/SIGNOFF.md:
    closest line 3: 'Signed off: ...'`), when the command exited otherwise than expected
    and named a relative file inside the root; unchanged otherwise."""
    blamed = _BLAMED.search(observation.detail)
    if observation.ok or blamed is None:
        return observation
    name, complaint = blamed.group(1), blamed.group(2)
    if os.path.isabs(name) or ".." in Path(name).parts:
        return observation
    real_root, real = os.path.realpath(ctx.root), os.path.realpath(cwd / name)
    if os.path.commonpath([real_root, real]) != real_root or not os.path.isfile(real):
        return observation  # outside the root, or not there (missing_arguments says so)
    try:
        data, _ = await in_thread(ctx, lambda stop: read_bounded(real, MAX_READ, stop, shown=name))
    except (OSError, ProbeError):  # TimeoutError (the deadline) is an OSError
        return observation
    lines = data.decode("utf-8", errors="replace").splitlines()
    words = [
        word for word in re.findall(r"[A-Za-z]{3,}", complaint) if word.lower() not in _NOT_WORDS
    ]
    near = near_lines("\n".join(lines), " ".join(words), 1) if words else []
    filled = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    if near:
        number, line = near[0]
        holds = f"closest line {number}"
    elif filled:
        number, line = filled[-1]
        holds = f"{plural(len(lines), 'line')}; last, line {number}"
    else:
        return replace(observation, detail=one_line(f"{observation.detail}; {name} is empty", 500))
    quoted = excerpt(line, ctx.redactor, 100)
    return replace(
        observation, detail=one_line(f"{observation.detail}; {name}: {holds}: {quoted}", 500)
    )


__all__ = ["blamed_file", "missing_arguments"]
