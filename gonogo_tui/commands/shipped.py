"""The files gonogo ships beside its code: the checklists and their target contracts.

In the repository they live in the top-level `checklists/` (where the README and the docs
point); a built wheel carries the same files as `gonogo_tui/checklists/` (package data,
copied by `scripts/build_shipped.py`). So a file is looked up in the package first, then
beside it in a checkout, never in the current folder: `gonogo demo` run from any folder
reads the checklist it ships.
"""

from __future__ import annotations

from pathlib import Path

import gonogo_tui
from gonogo_tui.core.errors import GonogoError

SHIPPED_DIR = "checklists"
"""The folder name, in the package (a wheel) and at the top of a checkout."""


def shipped_dir() -> Path:
    """The folder of shipped checklists: in the installed package, else in the checkout.

    Raises:
        GonogoError: neither exists (a broken installation).
    """
    package = Path(gonogo_tui.__file__).resolve().parent
    for candidate in (package / SHIPPED_DIR, package.parent / SHIPPED_DIR):
        if candidate.is_dir():
            return candidate
    raise GonogoError(
        f"{package / SHIPPED_DIR}: the shipped checklists are missing; reinstall gonogo"
    )


def shipped_file(relative: str) -> Path:
    """A shipped file, e.g. `spark-trading.yaml` or `contract/spark_trading.sql`.

    Raises:
        GonogoError: it is not there (a broken installation).
    """
    path = shipped_dir() / relative
    if not path.is_file():
        raise GonogoError(f"{path}: a shipped file is missing; reinstall gonogo")
    return path


def shipped_checklists() -> list[str]:
    """Names of the shipped checklists (`spark-trading`), sorted."""
    return sorted(path.stem for path in shipped_dir().glob("*.yaml"))


__all__ = ["SHIPPED_DIR", "shipped_checklists", "shipped_dir", "shipped_file"]
