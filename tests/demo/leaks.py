"""What a demo run may leave behind, seen from /proc and the temp folders (no psutil)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    state: str
    cmdline: str


def processes() -> dict[int, Proc]:
    """Every process this user can see, by pid."""
    found: dict[int, Proc] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            raw = (entry / "cmdline").read_bytes()
        except OSError:
            continue  # it ended while we looked
        # `pid (comm) state ppid ...`: comm may hold spaces and parentheses.
        fields = stat[stat.rindex(")") + 2 :].split()
        cmdline = raw.replace(b"\0", b" ").decode(errors="replace").strip()
        found[int(entry.name)] = Proc(int(entry.name), int(fields[1]), fields[0], cmdline)
    return found


def descendants(pid: int) -> set[int]:
    """Children, grandchildren, ... of `pid` right now."""
    table = processes()
    children: dict[int, list[int]] = {}
    for proc in table.values():
        children.setdefault(proc.ppid, []).append(proc.pid)
    found: set[int] = set()
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    """Those of `pids` still running (zombies count as gone)."""
    table = processes()
    return {pid for pid in pids if pid in table and table[pid].state != "Z"}


def mentioning(text: str) -> dict[int, str]:
    """Running processes (not us, not zombies) whose command line contains `text`."""
    return {
        proc.pid: proc.cmdline
        for proc in processes().values()
        if text in proc.cmdline and proc.pid != os.getpid() and proc.state != "Z"
    }


__all__ = ["alive", "descendants", "mentioning", "processes"]
