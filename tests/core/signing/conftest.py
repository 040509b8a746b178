"""Fixtures for signing tests: a team of approvers with real keys, trust files outside evidence."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.core.signing.helpers import (
    Person,
    make_key,
    seal,
    sign,
    write_allowed_signers,
    write_record,
)


@dataclass(frozen=True)
class Team:
    """Approvers with keys of every supported kind, and a stranger."""

    cto: Person
    devops: Person
    product: Person
    senior1: Person
    senior2: Person
    senior3: Person
    stranger: Person
    """Has a key but is not in allowed_signers."""

    @property
    def trusted(self) -> list[Person]:
        return [self.cto, self.devops, self.product, self.senior1, self.senior2, self.senior3]


@pytest.fixture(scope="session")
def team(tmp_path_factory: pytest.TempPathFactory) -> Team:
    keys = tmp_path_factory.mktemp("keys")
    return Team(
        cto=Person("cto", "alice@example.com", make_key(keys, "alice", "ed25519")),
        devops=Person("devops-lead", "bob@example.com", make_key(keys, "bob", "ecdsa-256")),
        product=Person("product-owner", "carol@example.com", make_key(keys, "carol", "rsa-3072")),
        senior1=Person("senior-engineer", "dave@example.com", make_key(keys, "dave", "ecdsa-384")),
        senior2=Person("senior-engineer", "erin@example.com", make_key(keys, "erin", "ecdsa-521")),
        senior3=Person("senior-engineer", "frank@example.com", make_key(keys, "frank")),
        stranger=Person("cto", "mallory@example.com", make_key(keys, "mallory")),
    )


@pytest.fixture(autouse=True)
def _no_developer_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests sign with key files unless they start their own agent."""
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    path = tmp_path / "evidence"
    path.mkdir()
    return path


@pytest.fixture
def allowed(tmp_path: Path, team: Team) -> Path:
    """allowed_signers in a trust folder beside (never inside) the evidence folder."""
    return write_allowed_signers(tmp_path / "trust" / "allowed_signers", team.trusted)


@pytest.fixture
def approved_go(evidence: Path, team: Team) -> Path:
    """A sealed GO record signed by the CTO, the DevOps Lead and the Product Owner."""
    txt = write_record(evidence)
    seal(txt)
    for person in (team.cto, team.devops, team.product):
        sign(txt, person)
    return txt


@pytest.fixture
def sealed_record(evidence: Path) -> Callable[..., Path]:
    """Write and seal a record with write_record's keyword arguments."""

    def make(**kwargs: object) -> Path:
        txt = write_record(evidence, **kwargs)  # type: ignore[arg-type]
        seal(txt)
        return txt

    return make
