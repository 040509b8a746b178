"""The wheel works on its own: installed into a fresh venv, run from an empty folder with no
checkout anywhere near, every command finds what it ships (issue 16)."""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path

import pytest

from gonogo_tui import __version__
from tests.distribution.conftest import LOOPBACK_SERVICES, REPO, Installed

pytestmark = pytest.mark.slow

SHIPPED = ("spark-trading.yaml", "README.md", "contract/spark_trading.sql")


def test_the_wheel_carries_the_checklists_styles_and_metadata(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
        for name in SHIPPED:
            packaged = wheel.read(f"gonogo_tui/checklists/{name}")
            assert packaged == (REPO / "checklists" / name).read_bytes(), name
        for style in (REPO / "gonogo_tui").rglob("*.tcss"):
            assert style.relative_to(REPO).as_posix() in names
        assert "gonogo_tui/commands/viewer_templates/app_index.html" in names
        assert "gonogo_tui/py.typed" in names
        info = f"gonogo-{__version__}.dist-info"
        assert f"{info}/licenses/LICENSE" in names
        metadata = wheel.read(f"{info}/METADATA").decode()
    assert "License-Expression: MIT" in metadata
    assert "Classifier: Environment :: Console" in metadata
    assert "Requires-Dist: argcomplete" in metadata
    assert "Description-Content-Type: text/markdown" in metadata
    assert "## Set-up commands" in metadata  # the README is the long description


def test_the_sdist_carries_what_the_wheel_is_built_from(installed: Installed) -> None:
    with tarfile.open(installed.sdist) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    for name in SHIPPED:
        assert f"checklists/{name}" in names
    assert {"scripts/build_shipped.py", "pyproject.toml", "README.md", "LICENSE"} <= names


def test_version_comes_from_the_package(installed: Installed, empty_folder: Path) -> None:
    done = installed.run("--version", cwd=empty_folder)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"gonogo {__version__}"


def test_demo_check_runs_from_an_empty_folder(installed: Installed, empty_folder: Path) -> None:
    done = installed.run("demo", "--check", "--tick", "*", cwd=empty_folder, timeout=300)
    missing = [line for line in done.stdout.splitlines() if line.startswith("  - ")]
    assert done.returncode == 0, "\n".join(missing) + done.stderr[-3000:]
    assert "Decision: GO ✅   10/10 sections GO" in done.stdout, done.stdout
    assert list(empty_folder.iterdir()) == []  # the demo works in its own temp folder


def test_init_validate_check_from_an_empty_folder(installed: Installed, empty_folder: Path) -> None:
    init = installed.run("init", cwd=empty_folder)
    assert init.returncode == 0, init.stderr
    checklist = empty_folder / "checklists" / "spark-trading.yaml"
    assert checklist.read_bytes() == (REPO / "checklists" / "spark-trading.yaml").read_bytes()
    assert (empty_folder / "checklists" / "spark-trading.md").is_file()

    valid = installed.run("validate", "checklists/spark-trading.yaml", cwd=empty_folder)
    assert valid.returncode == 0, valid.stderr
    assert valid.stdout == "checklists/spark-trading.yaml: valid (10 sections, 49 criteria)\n"

    check = installed.run(
        "check", "checklists/spark-trading.yaml", cwd=empty_folder, **LOOPBACK_SERVICES
    )
    # Nothing of the contract is here: NO-GO, with every criterion measured or pending.
    assert check.returncode == 1, check.stdout[-2000:] + check.stderr
    assert "Decision: NO-GO ❌   0/10 sections GO" in check.stdout

    again = installed.run("init", cwd=empty_folder)
    assert again.returncode == 2
    assert "already there" in again.stderr


def test_validate_reports_every_broken_file(installed: Installed, empty_folder: Path) -> None:
    (empty_folder / "typo.yaml").write_text(
        "title: T\nsections:\n  - id: a\n    title: A\n    criteria:\n"
        "      - {id: c, titel: C, manual: true}\n"
    )
    (empty_folder / "unclosed.yaml").write_text("title: [\n")
    (empty_folder / "good.yaml").write_text(
        "title: T\nsections:\n  - id: a\n    title: A\n    criteria:\n"
        "      - {id: c, title: C, manual: true}\n"
    )
    done = installed.run("validate", "typo.yaml", "unclosed.yaml", "good.yaml", cwd=empty_folder)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "typo.yaml:6: sections[0].criteria[0].title: field required",
        "typo.yaml:6: sections[0].criteria[0].titel: unknown field",
        "unclosed.yaml:2: invalid YAML: did not find expected node content",
    ]
    assert done.stdout == "good.yaml: valid (1 section, 1 criterion)\n"


def test_review_opens_and_quits_from_an_empty_folder(
    installed: Installed, empty_folder: Path
) -> None:
    """The TUI's styles come from the package: the review draws and quits."""
    from tests.ui.test_tmux import Tmux

    (empty_folder / "team.yaml").write_text(
        "title: Team readiness\nsections:\n  - id: team\n    title: Team\n    criteria:\n"
        "      - {id: on-call, title: On-call engineer available, manual: true}\n"
    )
    tmux = Tmux(empty_folder)
    try:
        tmux.start(f"env PATH={installed.bin}:/usr/bin:/bin gonogo review team.yaml")
        tmux.wait_for("Team readiness", "On-call engineer available")
        tmux.keys("q")
        tmux.wait_for("Quit without a decision?")
        tmux.keys("y")
        tmux.wait_closed()
    finally:
        tmux.kill()


def test_completion_from_the_wheel(installed: Installed, empty_folder: Path) -> None:
    script = installed.run("completion", "bash", cwd=empty_folder)
    assert script.returncode == 0, script.stderr
    out = empty_folder / "completions.txt"
    done = installed.run(
        cwd=empty_folder,
        _ARGCOMPLETE="1",
        _ARGCOMPLETE_IFS="\n",
        _ARGCOMPLETE_STDOUT_FILENAME=str(out),
        COMP_LINE="gonogo va",
        COMP_POINT="9",
        COMP_TYPE="9",
    )
    assert done.returncode == 0, done.stderr
    assert out.read_text().split() == ["validate"]
