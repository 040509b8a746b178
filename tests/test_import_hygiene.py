"""core/ never imports textual, rich or the UI: checked in a clean interpreter per module."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import gonogo_tui.core

CORE_MODULES = sorted(
    info.name for info in pkgutil.walk_packages(gonogo_tui.core.__path__, prefix="gonogo_tui.core.")
)


def test_core_modules_found() -> None:
    assert "gonogo_tui.core.engine" in CORE_MODULES
    assert "gonogo_tui.core.checklist" in CORE_MODULES


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_imports_no_ui(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')"
        " or m.startswith('gonogo_tui.ui')]\n"
        "print(','.join(bad))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "", f"{module} pulls in {proc.stdout.strip()}"


def test_loading_a_checklist_imports_no_client_library(tmp_path: object) -> None:
    code = (
        "import sys, pathlib, tempfile\n"
        "from gonogo_tui.core.checklist import load_checklist\n"
        "d = pathlib.Path(tempfile.mkdtemp())\n"
        "p = d / 'c.yaml'\n"
        "p.write_text('title: t\\nsections:\\n- id: a\\n  title: A\\n  criteria:\\n'\n"
        "  '  - {id: c, title: C, probe: {kind: http, url: http://127.0.0.1:9}}\\n')\n"
        "load_checklist(p)\n"
        "print(','.join(m for m in ('httpx', 'psycopg', 'textual', 'rich') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""


def test_command_line_start_up_imports_no_heavy_library() -> None:
    """`gonogo check` starts fast: registering every subcommand imports no client, UI or
    crypto library; each is imported by the command or probe kind that needs it."""
    code = (
        "import sys\n"
        "from gonogo_tui.cli import build_parser\n"
        "build_parser()\n"
        "heavy = ('textual', 'rich', 'httpx', 'psycopg', 'cryptography', 'prometheus_client',"
        " 'textual_serve')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""
