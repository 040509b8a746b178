"""gonogo built and installed as a user gets it: a wheel from a clean copy of the tree,
installed into a fresh venv by the GitHub Action's own install step, run from folders
outside the checkout."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ACTION = REPO / "action.yml"
CLOSED = "http://127.0.0.1:9"
"""A loopback port nothing listens on (discard): the shipped checklist's services, absent."""
LOOPBACK_SERVICES = {
    "APP_URL": CLOSED,
    "API_URL": CLOSED,
    "GRAFANA_URL": CLOSED,
    "PROMETHEUS_URL": CLOSED,
    "GITHUB_API_URL": CLOSED,
    "GITHUB_TOKEN": "not-a-token",  # else the GitHub criteria ask the `gh` CLI
    "DATABASE_URL": "postgresql://127.0.0.1:9/spark_trading",
    "PGBOUNCER_URL": "postgresql://127.0.0.1:9/pgbouncer",
}
"""Every service the shipped checklist reads, pointed at nothing on 127.0.0.1."""


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that would let the checkout leak in."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "SSH_AUTH_SOCK")
        and not key.startswith(("GONOGO_", "GITHUB_", "INPUT_", "RUNNER_"))
    }
    env.update(extra)
    return env


def action_steps() -> list[dict[str, Any]]:
    """The composite action's steps, as written in action.yml."""
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    steps: list[dict[str, Any]] = action["runs"]["steps"]
    return steps


def action_defaults() -> dict[str, str]:
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}


_EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def run_action_step(
    name: str,
    inputs: dict[str, str],
    *,
    workspace: Path,
    runner: Path,
    action_path: Path,
    env: dict[str, str],
) -> subprocess.CompletedProcess[str]:
    """Run the `run:` script of the step called `name` the way the runner does.

    The step's `env:` is evaluated (`${{ inputs.x }}` from `inputs` or the input's default,
    `${{ github.action_path }}`), GITHUB_* variables point at files in `runner`, the folders
    listed in `$GITHUB_PATH` by earlier steps come first in PATH, and the script runs with
    `bash --noprofile --norc -eo pipefail FILE` (GitHub's `shell: bash`) in `workspace`.
    """
    step = next(step for step in action_steps() if step["name"] == name)
    assert step["shell"] == "bash"
    assert "${{" not in step["run"], "inputs reach the script through env:, never spliced in"
    values = {**action_defaults(), **inputs}

    def evaluate(text: str) -> str:
        def one(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression == "github.action_path":
                return str(action_path)
            assert expression.startswith("inputs."), expression
            return values[expression.removeprefix("inputs.")]

        return _EXPRESSION.sub(one, text)

    runner.mkdir(parents=True, exist_ok=True)
    step_env = dict(env)
    github_path = runner / "github_path"
    added = github_path.read_text().split() if github_path.is_file() else []
    step_env["PATH"] = os.pathsep.join([*reversed(added), step_env.get("PATH", "")])
    step_env.update(
        GITHUB_ACTION_PATH=str(action_path),
        GITHUB_PATH=str(github_path),
        GITHUB_OUTPUT=str(runner / "github_output"),
        GITHUB_STEP_SUMMARY=str(runner / "step_summary.md"),
        GITHUB_WORKSPACE=str(workspace),
        RUNNER_TEMP=str(runner / "temp"),
        GITHUB_ACTIONS="true",
        CI="true",
    )
    (runner / "temp").mkdir(exist_ok=True)
    step_env.update({key: evaluate(str(value)) for key, value in step.get("env", {}).items()})
    script = runner / f"step-{step.get('id', 'x')}.sh"
    script.write_text(step["run"], encoding="utf-8")
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=workspace,
        env=step_env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@dataclass(frozen=True)
class Installed:
    """gonogo installed from its wheel into a fresh venv outside the checkout."""

    wheel: Path
    sdist: Path
    bin: Path
    runner: Path
    """The runner folder whose GITHUB_PATH the install step wrote."""
    source: Path
    """The clean copy of the tree the wheel was built from (the action's checkout)."""

    def env(self, **extra: str) -> dict[str, str]:
        """A clean environment whose PATH starts with the venv's bin."""
        env = clean_env(**extra)
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        return env

    def run(
        self, *args: str, cwd: Path, timeout: float = 180, **extra: str
    ) -> subprocess.CompletedProcess[str]:
        """Run the installed `gonogo` with `args` in `cwd`."""
        return subprocess.run(
            [str(self.bin / "gonogo"), *args],
            cwd=cwd,
            env=self.env(**extra),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _clean_copy(destination: Path) -> Path:
    """The files a clean checkout of the current tree has (tracked, or new and not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():  # a file deleted but not yet committed is not in the tree
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build the sdist from a clean copy of the tree and the wheel from that sdist
    (`python -m build`, as a release is made), then install the wheel into a fresh venv
    with the action's install step."""
    root = tmp_path_factory.mktemp("distribution")
    source = _clean_copy(root / "source")
    dist = root / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(source)],
        cwd=root,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = dist.glob("gonogo-*.whl")
    (sdist,) = dist.glob("gonogo-*.tar.gz")
    runner = root / "runner"
    done = run_action_step(
        "Install gonogo",
        {"package": str(wheel), "python": sys.executable},
        workspace=root,
        runner=runner,
        action_path=source,
        env=clean_env(),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (bin_dir,) = (runner / "github_path").read_text().split()
    return Installed(wheel=wheel, sdist=sdist, bin=Path(bin_dir), runner=runner, source=source)


@pytest.fixture
def empty_folder(tmp_path: Path) -> Path:
    """An empty folder outside the checkout."""
    folder = tmp_path / "empty"
    folder.mkdir()
    assert REPO not in folder.parents
    return folder
