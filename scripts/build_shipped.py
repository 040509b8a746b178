"""Build step: put the top-level `checklists/` into the package as `gonogo_tui/checklists/`.

`checklists/` stays where the README and the docs point (one copy in the repository); the
wheel carries it as package data so that `gonogo demo` and `gonogo init` work from an
installed wheel (`gonogo_tui/commands/shipped.py` finds it in either place). pyproject.toml
names these classes in `[tool.setuptools.cmdclass]`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

SOURCE = "checklists"
"""The shipped checklists, relative to the project root."""
PACKAGE_DIR = Path("gonogo_tui") / "checklists"
"""Where they go inside the built package."""
BUILD_STEP = "scripts/build_shipped.py"
"""This file, which an sdist needs to build its wheel."""


def shipped_files() -> list[Path]:
    """Every file under `checklists/`, relative to the project root, sorted."""
    return sorted(path for path in Path(SOURCE).rglob("*") if path.is_file())


class BuildPy(build_py):  # type: ignore[misc]
    """build_py that also copies `checklists/` into the package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's checklists/ in place
        target = Path(self.build_lib) / PACKAGE_DIR
        for path in shipped_files():
            destination = target / path.relative_to(SOURCE)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)


class Sdist(sdist):  # type: ignore[misc]
    """sdist that carries `checklists/` and this build step, so a wheel builds from it."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        for path in [*shipped_files(), Path(BUILD_STEP)]:
            destination = Path(base_dir) / path
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
