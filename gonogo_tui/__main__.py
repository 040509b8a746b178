"""`python -m gonogo_tui` runs the command line."""

from __future__ import annotations

from gonogo_tui.cli import entry

entry()
