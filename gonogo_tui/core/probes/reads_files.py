"""The checklist side of the probe kinds that read files: `allow_outside_root`.

The run side (confinement, stoppable walks, bounded reads) is `confined`, imported only
when such a probe runs.
"""

from __future__ import annotations

from gonogo_tui.core.probes.base import ProbeSpec


class ReadsFiles(ProbeSpec):
    """Base of the probe kinds that read files under the root (file, coverage, junit,
    oncall)."""

    allow_outside_root: bool | None = None
    """Read paths outside `--root`: absolute paths, `..`, symbolic links leading out.
    Unset: the checklist's `defaults.allow_outside_root` (false unless set). Without it,
    such a path is an ERROR naming the path and the root."""


__all__ = ["ReadsFiles"]
