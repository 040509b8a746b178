"""The stoppable walk matches what `pathlib` and `glob` match, and stops when told.

`glob_paths` replaces `Path.glob`/`rglob` (the `file` probe) and `glob.glob` (the `junit`
probe), which cannot be interrupted; it must find the same files.
"""

from __future__ import annotations

import asyncio
import glob
import os
import threading
import time
from pathlib import Path

import pytest

from gonogo_tui.core.probes.base import ProbeContext
from gonogo_tui.core.probes.confined import (
    Confinement,
    Stop,
    Stopped,
    glob_paths,
    in_thread,
    split_pattern,
)

FILES = [
    "a.json",
    "b.txt",
    ".hidden.json",
    "x/a.json",
    "x/y/b.json",
    "x/y/z/c.json",
    "x/.h/d.json",
    ".dot/e.json",
    "pacts/one.json",
    "pacts/two.txt",
]
PATTERNS = [
    "*",
    "*.json",
    "**/*.json",
    "x/*/b.json",
    "*/y/*",
    "[ab].*",
    "?.txt",
    "pacts/*.json",
    ".dot/*",
    "x/**/c.json",
    "a.json",
    "x/y/b.json",
]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name in FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    return tmp_path


def _walk(root: Path, pattern: str, *, hidden: bool) -> set[str]:
    confinement = Confinement(root, False, os.path.realpath(root))
    prefix, parts = split_pattern(pattern)
    start = str(root / prefix) if prefix else str(root)
    found = glob_paths(start, parts, confinement, Stop(), hidden=hidden)
    return {os.path.relpath(path, root) for path in found if os.path.isfile(path)}


@pytest.mark.parametrize("pattern", PATTERNS)
def test_same_files_as_pathlib(tree: Path, pattern: str) -> None:
    expected = {str(p.relative_to(tree)) for p in tree.glob(pattern) if p.is_file()}
    assert _walk(tree, pattern, hidden=True) == expected


@pytest.mark.parametrize("pattern", PATTERNS)
def test_same_files_as_glob(tree: Path, pattern: str) -> None:
    found = glob.glob(str(tree / pattern), recursive=True)
    expected = {os.path.relpath(p, tree) for p in found if os.path.isfile(p)}
    assert _walk(tree, pattern, hidden=False) == expected


def test_a_set_stop_ends_the_walk(tree: Path) -> None:
    stop = Stop()
    stop.set()
    confinement = Confinement(tree, False, os.path.realpath(tree))
    with pytest.raises(Stopped):
        list(glob_paths(str(tree), ["**", "*"], confinement, stop, hidden=True))


def test_cancelling_the_probe_ends_its_thread() -> None:
    """The walk of `/usr` takes seconds; cancelled after 0.2 s, its thread ends at once."""
    confinement = Confinement(Path("/"), False, "/")
    threads: list[threading.Thread] = []
    cancelled: list[float] = []

    def walk(stop: Stop) -> int:
        threads.append(threading.current_thread())
        return sum(1 for _ in glob_paths("/usr", ["**", "*"], confinement, stop, hidden=True))

    async def cancel_soon() -> None:
        task = asyncio.ensure_future(in_thread(ProbeContext(root=Path("/"), timeout=60), walk))
        await asyncio.sleep(0.2)
        assert not task.done(), "the walk should still be running"
        task.cancel()
        cancelled.append(time.monotonic())
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_soon())  # which waits for the default executor's threads to end
    assert not threads[0].is_alive()
    assert time.monotonic() - cancelled[0] < 0.5
