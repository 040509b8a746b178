"""`gonogo verify` on a record's waivers, as a CI job runs it: exit 0 when each was granted
by a role the record's policy allows and held at decision time, 2 for a role that may not
grant it, 3 for one expired when the decision was taken."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gonogo_tui.core.signing import seal_record, sign_record
from tests.core.signing.helpers import Person, write_allowed_signers, write_record
from tests.test_signing_cli import RECORD, gonogo, people  # noqa: F401 (the fixture)

DECIDED = datetime.now(UTC) - timedelta(minutes=5)


def _waived_record(workdir: Path, team: list[Person], waiver: dict[str, Any]) -> Path:
    """A GO record whose first section holds a criterion waived with `waiver`, sealed and
    signed by the whole team."""
    txt = write_record(workdir / "evidence", decided_at=DECIDED)
    path = txt.with_suffix(".json")
    data = json.loads(path.read_text())
    data["policy"]["waivers"] = {"granted_by": ["cto", "devops-lead"], "max_releases": 3}
    data["sections"][0]["criteria"] = [
        {"id": "hsts", "title": "HSTS", "status": "WAIVED", "waived_status": "FAIL",
         "waiver": {"operator": "olivia", "at": data["decided_at"], "reason": "CDN sets it",
                    **waiver}},
        {"id": "csp", "title": "CSP", "status": "PASS"},
    ]  # fmt: skip
    path.write_text(json.dumps(data, indent=2) + "\n")
    write_allowed_signers(workdir / "trust" / "allowed_signers", team)
    now = datetime.now(UTC)
    seal_record(txt, path, now=lambda: now)
    for person in team:
        sign_record(
            txt, role=person.role, principal=person.principal, key_path=person.key, now=lambda: now
        )
    return workdir


def _verify(workdir: Path) -> tuple[int, str]:
    proc = gonogo(
        "verify", RECORD, "--allowed-signers", "trust/allowed_signers", "--json", cwd=workdir
    )
    findings = json.loads(proc.stdout)["findings"] if proc.stdout else []
    return proc.returncode, " | ".join(str(f) for f in findings) + proc.stderr


GRANTED = {"approver": "bob", "role": "devops-lead", "releases": 3, "nth": 2, "in_a_row": 2}


def test_a_waiver_granted_by_an_allowed_role_and_still_valid_verifies(
    tmp_path: Path,
    people: list[Person],  # noqa: F811
) -> None:
    code, said = _verify(_waived_record(tmp_path, people, GRANTED))
    assert code == 0, said


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ({"role": "product-owner"}, 2, "granted by bob as product-owner, who may not grant it"),
        ({"role": ""}, 2, "names no role that granted it"),
        ({"in_a_row": 4}, 2, "as devops-lead, who may not grant it (4th release in a row"),
        ({"nth": 4}, 3, "had expired when the decision was taken"),
        ({"releases": None, "until": "2026-01-01"}, 3, "waiver expired 2026-01-01"),
    ],
)
def test_a_waiver_the_policy_does_not_allow_fails_verify(
    tmp_path: Path,
    people: list[Person],  # noqa: F811
    change: dict[str, Any],
    code: int,
    message: str,
) -> None:
    waiver = {k: v for k, v in (GRANTED | change).items() if v is not None}
    found, said = _verify(_waived_record(tmp_path, people, waiver))
    assert found == code, said
    assert message in said, said
