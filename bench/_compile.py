"""Byte-compile gonogo before timing it, as `pip install` does for an installed package.

An editable install is not byte-compiled, and with PYTHONDONTWRITEBYTECODE set Python would
compile every gonogo module again at each start: about 50 ms that an installed gonogo
never pays.
"""

from __future__ import annotations

import compileall
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "gonogo_tui"


def byte_compile() -> None:
    """Write up-to-date `.pyc` files for every gonogo module."""
    compileall.compile_dir(PACKAGE, quiet=1)
