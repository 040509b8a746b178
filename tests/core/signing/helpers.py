"""Test helpers for signing: real ssh-keygen keys, decision records written to the contract."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from gonogo_tui.core.signing import seal_record, sign_record, verify_record
from gonogo_tui.core.signing.verify import VerifyResult

T0 = datetime(2026, 11, 26, 10, 15, 0, tzinfo=UTC)
"""When the test records are decided."""
SEALED_AT = T0 + timedelta(minutes=1)
SIGNED_AT = T0 + timedelta(minutes=5)
VERIFIED_AT = T0 + timedelta(minutes=30)
STEM = "go_decision_20261126_101500"


class Clock:
    """A fixed clock."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def make_key(directory: Path, name: str, key_type: str = "ed25519", passphrase: str = "") -> Path:
    """Generate a key pair with ssh-keygen; returns the private key path (`.pub` beside it)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    kind, _, bits = key_type.partition("-")
    argv = ["ssh-keygen", "-q", "-t", kind, "-N", passphrase, "-C", name, "-f", str(path)]
    if bits:
        argv += ["-b", bits]
    subprocess.run(argv, check=True, stdin=subprocess.DEVNULL)
    return path


def public_line(key: Path) -> str:
    """`type base64` of a key pair's public half."""
    parts = key.with_name(key.name + ".pub").read_text().split()
    return f"{parts[0]} {parts[1]}"


@dataclass(frozen=True)
class Person:
    """An approver with a real key."""

    role: str
    principal: str
    key: Path


def write_allowed_signers(path: Path, people: Sequence[Person], options: str = "") -> Path:
    """Write an allowed_signers file trusting each person's key for gonogo-decision."""
    opts = options or 'namespaces="gonogo-decision"'
    lines = [f"{p.principal} {opts} {public_line(p.key)}" for p in people]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# gonogo approvers\n" + "\n".join(lines) + "\n")
    return path


def record_text(decision: str, stem: str) -> str:
    """A record's .txt in the seed's format."""
    mark = {"GO": "GO ✅", "NO-GO": "NO-GO ❌", "OVERRIDE": "OVERRIDE ⚠️"}[decision]
    return (
        f"GO/NO-GO Decision: {mark}\n"
        "Timestamp: Thu Nov 26 10:15:00 UTC 2026\n"
        "Approver: alice@example.com (cto)\n"
        "Checks Passed: 10/10\n"
        f"\nRecord: {stem}\n"
    )


def write_record(
    evidence: Path,
    stem: str = STEM,
    *,
    decision: str = "GO",
    policy_decision: str | None = None,
    mode: str = "normal",
    approvals: Sequence[dict[str, str]] = (),
    override: dict[str, Any] | None = None,
    approvals_policy: dict[str, Any] | None = None,
    decided_at: datetime = T0,
) -> Path:
    """Write `<stem>.txt` and `<stem>.json` following the record contract; returns the .txt."""
    evidence.mkdir(parents=True, exist_ok=True)
    policy_decision = policy_decision or decision
    sections = [
        {"id": f"s{i}", "title": f"Section {i}", "status": "GO", "criteria": []} for i in range(10)
    ]
    if policy_decision != "GO":
        sections[0]["status"] = "NO-GO"
    data = {
        "record_id": stem,
        "decision": decision,
        "policy_decision": policy_decision,
        "mode": mode,
        "release": "v1.4.0",
        "decided_at": decided_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "operator": "olivia",
        "checklist": {"path": "checklists/spark.yaml", "sha256": "ab" * 32, "title": "Spark"},
        "policy": {"go_max_no_go": 0, "approvals": approvals_policy or {}},
        "sections": sections,
        "sections_go": sum(1 for s in sections if s["status"] == "GO"),
        "sections_total": len(sections),
        "approvals": list(approvals),
        "override": override,
        "tool_version": "0.1.0",
    }
    shown = "OVERRIDE" if mode == "emergency" else decision
    (evidence / f"{stem}.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    txt = evidence / f"{stem}.txt"
    txt.write_text(record_text(shown, stem))
    return txt


def seal(txt: Path) -> Path:
    """Seal a test record at SEALED_AT."""
    return seal_record(txt, txt.with_suffix(".json"), now=Clock(SEALED_AT))


def sign(txt: Path, person: Person, *, role: str | None = None, vote: str = "approve") -> Path:
    """Sign as `person` (in their role unless `role` is given) at SIGNED_AT."""
    return sign_record(
        txt,
        role=role or person.role,
        principal=person.principal,
        key_path=person.key,
        vote=vote,
        comment=f"{vote} by {person.principal}",
        now=Clock(SIGNED_AT),
    )


def verify(txt: Path, allowed: Path, **kwargs: Any) -> VerifyResult:
    """Verify at VERIFIED_AT."""
    now = kwargs.pop("now", Clock(VERIFIED_AT))
    return verify_record(txt, allowed, now=now, **kwargs)


def environment_without_agent() -> dict[str, str]:
    """os.environ minus SSH_AUTH_SOCK, so no developer agent leaks into a test."""
    return {k: v for k, v in os.environ.items() if k != "SSH_AUTH_SOCK"}
