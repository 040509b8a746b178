"""The probe registry (`core/probes/registry.py`): every kind has a runner, found by name,
and no spec imports its runner (so the probe modules hold no import cycle)."""

from __future__ import annotations

import asyncio
import inspect
import subprocess
import sys
import tomllib
import typing
from pathlib import Path

import pytest

from gonogo_tui.core.probes import AnyProbe, registry
from gonogo_tui.core.probes.base import ProbeContext, ProbeSpec

SPEC_KINDS = sorted(
    cls.model_fields["kind"].default for cls in typing.get_args(typing.get_args(AnyProbe)[0])
)


def test_every_kind_of_the_checklist_has_a_runner() -> None:
    assert len(SPEC_KINDS) == 14
    assert sorted(registry.RUNNERS) == SPEC_KINDS


@pytest.mark.parametrize("kind", SPEC_KINDS)
def test_runner_resolves_to_a_coroutine_function(kind: str) -> None:
    run = registry.runner_for(kind)
    assert inspect.iscoroutinefunction(run)
    assert list(inspect.signature(run).parameters)[:2] == ["spec", "ctx"]


def test_http_warms_up_its_client_and_other_kinds_have_nothing_to_prepare() -> None:
    prepare = registry.preparer_for("http")
    assert prepare is not None and inspect.iscoroutinefunction(prepare)
    assert registry.preparer_for("sql") is None
    assert registry.preparer_for("no-such-kind") is None


def test_an_unregistered_kind_that_does_not_run_itself_says_so() -> None:
    class Unknown(ProbeSpec):
        kind: str = "unknown"

    with pytest.raises(KeyError, match="unknown"):
        asyncio.run(Unknown().run(ProbeContext(root=Path("."))))


def test_the_runner_is_imported_on_first_run_not_with_the_spec() -> None:
    code = (
        "import sys, asyncio, pathlib\n"
        "from gonogo_tui.core.probes.window import WindowProbe\n"
        "from gonogo_tui.core.probes.base import ProbeContext\n"
        "spec = WindowProbe.model_validate({'kind': 'window', 'timezone': 'UTC',"
        " 'allowed': [{'days': 'mon-sun', 'start': '00:00', 'end': '23:59'}]})\n"
        "runner = 'gonogo_tui.core.probes.window_run'\n"
        "print(runner in sys.modules)\n"
        "asyncio.run(spec.run(ProbeContext(root=pathlib.Path('.'))))\n"
        "print(runner in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.split() == ["False", "True"]


def test_the_import_contract_covers_every_runner_and_warm_up() -> None:
    """A new kind's runner left out of the contract could be imported by a spec unseen."""
    pyproject = Path(__file__).resolve().parents[3] / "pyproject.toml"
    contracts = tomllib.loads(pyproject.read_text())["tool"]["importlinter"]["contracts"]
    (contract,) = [c for c in contracts if "never import a probe runner" in c["name"]]
    modules = {
        reference.partition(":")[0]
        for ref in registry.RUNNERS.values()
        for reference in (ref.run, ref.prepare)
        if reference is not None
    }
    assert modules <= set(contract["forbidden_modules"])
    assert "gonogo_tui.core.checklist" in contract["source_modules"]
