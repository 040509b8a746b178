"""The decision record's layers stay apart: signing knows a record only by its layout, and
core reports what failed while the command line owns the exit codes (issue 15)."""

from __future__ import annotations

import grimp
import pytest

from gonogo_tui.commands.exit_codes import (
    EXIT_DECISION,
    EXIT_INTEGRITY,
    EXIT_LEDGER,
    EXIT_OK,
    EXIT_POLICY,
    exit_code,
)
from gonogo_tui.core.signing.outcome import Failure, most_basic


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("gonogo_tui")


def _imports(graph: grimp.ImportGraph, package: str) -> dict[str, set[str]]:
    modules = graph.find_descendants(package) | {package}
    return {m: set(graph.find_modules_directly_imported_by(m)) for m in modules}


def test_signing_knows_a_record_only_by_its_layout(graph: grimp.ImportGraph) -> None:
    allowed = {"gonogo_tui.core.records", "gonogo_tui.core.records.layout"}
    wrong = {
        f"{module} -> {imported}"
        for module, imported_set in _imports(graph, "gonogo_tui.core.signing").items()
        for imported in imported_set
        if imported.startswith(("gonogo_tui.core.records", "gonogo_tui.core.evidence"))
        and imported not in allowed
    }
    assert not wrong


def test_the_record_layout_imports_nothing_of_gonogo_but_errors(graph: grimp.ImportGraph) -> None:
    imported = graph.find_modules_directly_imported_by("gonogo_tui.core.records.layout")
    assert {m for m in imported if m.startswith("gonogo_tui")} == {"gonogo_tui.core.errors"}


def test_core_defines_no_exit_code(graph: grimp.ImportGraph) -> None:
    """Exit codes belong to commands/: no core module imports them."""
    users = graph.find_modules_that_directly_import("gonogo_tui.commands.exit_codes")
    assert not {m for m in users if m.startswith("gonogo_tui.core")}
    import gonogo_tui.core.signing as signing

    assert not [name for name in signing.__all__ if name.startswith("EXIT_")]


def test_failures_map_to_the_documented_exit_codes() -> None:
    assert exit_code(None) == EXIT_OK == 0
    assert [exit_code(f) for f in Failure] == [
        EXIT_INTEGRITY,
        EXIT_LEDGER,
        EXIT_POLICY,
        EXIT_DECISION,
    ]
    assert (EXIT_INTEGRITY, EXIT_POLICY, EXIT_DECISION, EXIT_LEDGER) == (1, 2, 3, 4)


def test_the_most_basic_failure_wins() -> None:
    assert most_basic([]) is None
    assert most_basic([Failure.DECISION, Failure.POLICY]) is Failure.POLICY
    assert most_basic([Failure.DECISION, Failure.LEDGER, Failure.INTEGRITY]) is Failure.INTEGRITY
    assert most_basic([Failure.POLICY, Failure.LEDGER]) is Failure.LEDGER
