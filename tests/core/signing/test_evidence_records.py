"""Records written by core/records/ seal, sign and verify (the contract between the two)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from gonogo_tui.commands.exit_codes import EXIT_INTEGRITY, EXIT_OK, exit_code
from gonogo_tui.core.checklist import Checklist, Criterion, Section
from gonogo_tui.core.evaluation import Evaluation, Tick, evaluate
from gonogo_tui.core.probes.base import ProbeResult, Status
from gonogo_tui.core.probes.file import FileProbe
from gonogo_tui.core.records.build import build_record
from gonogo_tui.core.records.model import Approval, Override
from gonogo_tui.core.records.write import write_record
from tests.core.signing.conftest import Team
from tests.core.signing.helpers import SEALED_AT, T0, Clock, sign, verify


def _checklist() -> Checklist:
    return Checklist(
        title="Spark",
        sections=[
            Section(
                id=f"s{i}",
                title=f"Section {i}",
                criteria=[Criterion(id=f"p{i}", title=f"Probe {i}", probe=FileProbe(path="f"))],
            )
            for i in range(10)
        ],
    )


def _evaluation(checklist: Checklist, failing: int) -> Evaluation:
    results = {
        f"p{i}": ProbeResult(
            f"p{i}", Status.FAIL if i < failing else Status.PASS, "v", "e", "src", "why", T0, 3.0
        )
        for i in range(10)
    }
    ticks: dict[str, Tick] = {}
    return evaluate(checklist, results, ticks)


def _write_and_seal(evidence: Path, failing: int, **kwargs: object) -> Path:
    checklist = _checklist()
    record = build_record(
        checklist,
        _evaluation(checklist, failing),
        operator="olivia",
        decided_at=T0,
        release="v1.4.0",
        **kwargs,  # type: ignore[arg-type]
    )
    paths = write_record(record, evidence, now=Clock(SEALED_AT))
    assert paths.statement is not None and paths.statement.exists()
    return paths.txt


@pytest.mark.parametrize(
    ("failing", "signers", "decision"),
    [(0, ("cto", "devops", "product"), "GO"), (3, ("senior1",), "NO-GO")],
)
def test_go_and_no_go_records(
    failing: int,
    signers: tuple[str, ...],
    decision: str,
    evidence: Path,
    team: Team,
    allowed: Path,
) -> None:
    txt = _write_and_seal(evidence, failing)
    for name in signers:
        sign(txt, getattr(team, name))
    result = verify(txt, allowed, expect_decision=decision)
    assert exit_code(result.failure) == EXIT_OK, result.reason


def test_review_turned_go_needs_only_the_cto(evidence: Path, team: Team, allowed: Path) -> None:
    vote = Approval("cto", team.cto.principal, T0 - timedelta(minutes=1), comment="known flake")
    txt = _write_and_seal(evidence, 1, approvals=[vote])
    sign(txt, team.cto)
    result = verify(txt, allowed, expect_decision="GO")
    assert exit_code(result.failure) == EXIT_OK, result.reason
    assert result.outcome is not None and str(result.outcome.rule) == "review"


def test_emergency_override_seals_its_override_text(
    evidence: Path, team: Team, allowed: Path
) -> None:
    approvers = tuple(
        Approval(person.role, person.principal, T0)
        for person in (team.cto, team.senior1, team.senior2)
    )
    override = Override("payments down", "rollback in 2 minutes", approvers)
    txt = _write_and_seal(evidence, 4, override=override)
    for person in (team.cto, team.senior1, team.senior2):
        sign(txt, person)
    assert exit_code(verify(txt, allowed, expect_decision="GO").failure) == EXIT_OK
    override_text = next(evidence.glob("emergency_override_*.txt"))
    override_text.write_text(override_text.read_text() + "Approved by: everyone\n")
    result = verify(txt, allowed)
    assert exit_code(result.failure) == EXIT_INTEGRITY
    assert result.reason.startswith(f"{override_text.name} was altered")


def test_the_shipped_checklist_is_usable_as_the_trusted_policy() -> None:
    from gonogo_tui.core.checklist import load_checklist
    from gonogo_tui.core.signing import SigningPolicy, load_trusted_policy

    path = Path(__file__).resolve().parents[3] / "checklists" / "spark-trading.yaml"
    approvals = load_checklist(path).policy.approvals.model_dump(mode="json")
    assert load_trusted_policy(path) == SigningPolicy.from_mapping(approvals)
