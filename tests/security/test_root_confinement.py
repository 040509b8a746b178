"""Every probe kind that reads files stays inside `--root` unless the checklist allows more.

A hostile checklist (or repository) must not make a review read `/etc/passwd` by writing
`../../../etc/passw*`, an absolute path, or a symbolic link inside the root that leads out.
Each escape is an ERROR naming the path and the root; `allow_outside_root: true` on the
probe, or in the checklist's `defaults`, lets it through.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest

from gonogo_tui.core.checklist import load_checklist
from gonogo_tui.core.engine import ProbeRunner
from gonogo_tui.core.probes.base import ProbeResult, Status
from tests.core.probes.ops.helpers import T0, context, run_engine, spec

COVERAGE = json.dumps({"total": {"lines": {"total": 100, "covered": 99}}})
JUNIT = '<testsuite name="s"><testcase classname="a" name="b"/></testsuite>'
ONCALL = (
    "| Start | End | Primary | Secondary |\n"
    "|---|---|---|---|\n"
    "| 2026-11-26 00:00 | 2026-11-27 00:00 | alice | bob |\n"
)
OUTSIDE_FILES = {
    "passwd": "root:x:0:0:root:/root:/bin/bash\n",
    "coverage-summary.json": COVERAGE,
    "junit.xml": JUNIT,
    "ONCALL.md": ONCALL,
}

KINDS: dict[str, tuple[str, dict[str, Any]]] = {
    # kind label: (the outside file it reads, the probe's other fields)
    "file": ("passwd", {"kind": "file"}),
    "coverage": ("coverage-summary.json", {"kind": "coverage", "compare": ">= 90"}),
    "junit": ("junit.xml", {"kind": "junit"}),
    "oncall": ("ONCALL.md", {"kind": "oncall"}),
}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """`root/` (with `links/` holding symbolic links that lead out) beside `outside/`."""
    outside = tmp_path / "outside"
    outside.mkdir()
    for name, text in OUTSIDE_FILES.items():
        (outside / name).write_text(text)
    root = tmp_path / "root"
    (root / "links").mkdir(parents=True)
    for name in OUTSIDE_FILES:
        os.symlink(outside / name, root / "links" / name)
    os.symlink(outside, root / "outdir")
    return root


def _escapes(root: Path, name: str) -> dict[str, str]:
    """The ways a path can lead out of `root` to `outside/name`."""
    return {
        "dotdot": f"../outside/{name}",
        "absolute": str(root.parent / "outside" / name),
        "symlink": f"links/{name}",
        "symlinked-folder": f"outdir/{name}",
    }


def _run(probe: dict[str, Any], root: Path) -> ProbeResult:
    return run_engine(spec(**probe), context(root, now=T0))


def _assert_refused(result: ProbeResult, root: Path) -> None:
    assert result.status is Status.ERROR, result
    assert "is outside the root" in result.detail, result.detail
    assert str(root) in result.detail
    assert "allow_outside_root" in result.detail
    assert "root:x:0:0" not in result.detail + result.output


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("escape", ["dotdot", "absolute", "symlink", "symlinked-folder"])
def test_path_leading_out_of_the_root_is_refused(tree: Path, kind: str, escape: str) -> None:
    name, fields = KINDS[kind]
    path = _escapes(tree, name)[escape]
    result = _run({**fields, "path": path}, tree)
    _assert_refused(result, tree)
    assert path.rsplit("/", 1)[0] in result.detail  # names the path


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("escape", ["dotdot", "absolute", "symlink"])
def test_allow_outside_root_on_the_probe_reads_it(tree: Path, kind: str, escape: str) -> None:
    name, fields = KINDS[kind]
    result = _run(
        {**fields, "path": _escapes(tree, name)[escape], "allow_outside_root": True}, tree
    )
    assert result.status is Status.PASS, result.detail


@pytest.mark.parametrize(
    "newest_in",
    [
        {"dir": ".", "glob": "../../outside/passw*"},
        {"dir": "..", "glob": "outside/passw*"},
        {"dir": "../outside", "glob": "*"},
        {"dir": "/", "glob": "etc/passw*"},
        {"dir": "links", "glob": "pass*"},
        {"dir": "outdir", "glob": "*"},
        {"dir": ".", "glob": "*/passwd"},
        {"dir": ".", "glob": "passwd", "recursive": True},
    ],
    ids=lambda where: f"{where['dir']}:{where['glob']}",
)
def test_newest_in_leading_out_of_the_root_is_refused(
    tree: Path, newest_in: dict[str, Any]
) -> None:
    _assert_refused(_run({"kind": "file", "newest_in": newest_in}, tree), tree)


@pytest.mark.parametrize("pattern", ["../outside/*.xml", "links/*.xml", "*/junit.xml"])
def test_junit_glob_leading_out_of_the_root_is_refused(tree: Path, pattern: str) -> None:
    _assert_refused(_run({"kind": "junit", "path": pattern}, tree), tree)


def test_a_symbolic_link_inside_the_root_is_still_read(tree: Path) -> None:
    """Links are resolved, not banned: one that stays inside the root is fine."""
    (tree / "real.md").write_text("hello\n")
    os.symlink(tree / "real.md", tree / "alias.md")
    result = _run({"kind": "file", "path": "alias.md", "contains": ["hello"]}, tree)
    assert result.status is Status.PASS, result.detail
    found = _run({"kind": "file", "newest_in": {"dir": ".", "glob": "alias*"}}, tree)
    assert found.status is Status.PASS, found.detail


def test_recursive_glob_does_not_follow_a_folder_link_out(tree: Path) -> None:
    """`**` walks the root's own folders; a linked folder leading out is not entered, so a
    recursive search finds the files inside only."""
    (tree.parent / "outside" / "secret.txt").write_text("x")  # reachable via outdir/
    where = {"dir": ".", "glob": "*.txt", "recursive": True}
    missing = _run({"kind": "file", "newest_in": where}, tree)
    assert missing.status is Status.FAIL, missing.detail
    assert "has no matching file" in missing.detail
    (tree / "reports").mkdir()
    (tree / "reports" / "a.txt").write_text("{}")
    result = _run({"kind": "file", "newest_in": where}, tree)
    assert result.status is Status.PASS, result.detail
    assert result.value == "a.txt"


def test_checklist_defaults_allow_outside_root(tree: Path) -> None:
    outside = tree.parent / "outside" / "passwd"
    checklist_path = tree.parent / "list.yaml"

    def write(defaults: str, probe_extra: str = "") -> None:
        checklist_path.write_text(
            "title: T\n"
            f"{defaults}"
            "sections:\n"
            "  - id: s\n"
            "    title: S\n"
            "    criteria:\n"
            f"      - {{id: c, title: C, probe: {{kind: file, path: '{outside}'{probe_extra}}}}}\n"
        )

    def run() -> ProbeResult:
        checklist = load_checklist(checklist_path)
        runner = ProbeRunner.for_checklist(checklist, root=tree, retry_backoff=0)
        criterion = checklist.criterion("c")
        return asyncio.run(runner.run(criterion))

    write("")
    _assert_refused(run(), tree)
    write("defaults: {allow_outside_root: true}\n")
    assert run().status is Status.PASS
    write("defaults: {allow_outside_root: true}\n", ", allow_outside_root: false")
    _assert_refused(run(), tree)


def test_schema_documents_allow_outside_root() -> None:
    from gonogo_tui.core.checklist import checklist_json_schema

    text = json.dumps(checklist_json_schema())
    assert text.count('"allow_outside_root"') >= 5  # defaults and the four kinds
