"""What a failed command's arguments name that is not there.

`ls -la -- SUMMARY.txt docs/SIGNOFF.md` exiting 2 says `exit 2 (expected exit 0): ls:
cannot access 'docs/SIGNOFF.md'`; the team still has to find where its own sign-off lives.
For a command given as an argv list (never a shell string, which gonogo does not parse)
that did not exit as expected, each argument that names a relative file or folder that
does not exist in the command's folder is looked around for (`look_around`): the detail
names what is there, and `gonogo doctor` gets the argument to use instead when one file of
the same (or a similar) name stands out (`command[5]`).
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

from gonogo_tui.core.probes.base import Observation, ProbeContext, one_line
from gonogo_tui.core.probes.command import CommandProbe
from gonogo_tui.core.probes.look_around import not_found

MAX_ARGUMENTS = 3
"""Missing arguments looked around for (the first ones)."""
_PATH_LIKE = re.compile(r"^(?!-)[^\s*?\[\]=:'\"]*(?:/[^\s*?\[\]=:'\"]+|\.[A-Za-z0-9]{1,6})$")


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


__all__ = ["missing_arguments"]
