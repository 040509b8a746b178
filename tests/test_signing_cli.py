"""`gonogo sign/seal/verify/verify-ledger` as subprocesses: exit codes and one-line reasons."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gonogo_tui.core.signing import seal_record, sign_record
from tests.core.signing.helpers import (
    Person,
    environment_without_agent,
    make_key,
    write_allowed_signers,
    write_record,
)

REPO = Path(__file__).resolve().parents[1]


def gonogo(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m gonogo_tui ARGS` the way a user or a CI job would."""
    environment = {**environment_without_agent(), "PYTHONPATH": str(REPO)}
    environment.pop("GONOGO_ALLOWED_SIGNERS", None)
    environment.pop("GONOGO_POLICY", None)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "gonogo_tui", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=60,
    )


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> list[Person]:
    keys = tmp_path_factory.mktemp("cli-keys")
    return [
        Person("cto", "alice@example.com", make_key(keys, "alice")),
        Person("devops-lead", "bob@example.com", make_key(keys, "bob", "ecdsa-256")),
        Person("product-owner", "carol@example.com", make_key(keys, "carol")),
    ]


@pytest.fixture
def workdir(tmp_path: Path, people: list[Person]) -> Path:
    """A project folder: evidence/ with a fresh GO record, trust/allowed_signers outside it."""
    write_record(tmp_path / "evidence", decided_at=datetime.now(UTC) - timedelta(minutes=5))
    write_allowed_signers(tmp_path / "trust" / "allowed_signers", people)
    return tmp_path


RECORD = "evidence/go_decision_20261126_101500.txt"


def _cli_seal_and_sign(workdir: Path, people: list[Person]) -> None:
    sealed = gonogo("seal", RECORD, cwd=workdir)
    assert sealed.returncode == 0, sealed.stderr
    assert sealed.stdout.startswith("sealed go_decision_20261126_101500: ")
    for person in people:
        result = gonogo(
            "sign",
            RECORD,
            "--as",
            person.role,
            "--principal",
            person.principal,
            "--key",
            str(person.key),
            "--comment",
            "ship it",
            cwd=workdir,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"signed go_decision_20261126_101500 as {person.role}")


@pytest.fixture
def signed(workdir: Path, people: list[Person]) -> Path:
    """The record sealed and signed in-process (the CLI path has its own test)."""
    now = datetime.now(UTC)
    txt = workdir / RECORD
    seal_record(txt, txt.with_suffix(".json"), now=lambda: now)
    for person in people:
        sign_record(
            txt, role=person.role, principal=person.principal, key_path=person.key, now=lambda: now
        )
    return workdir


def test_seal_sign_and_verify_through_the_cli(workdir: Path, people: list[Person]) -> None:
    _cli_seal_and_sign(workdir, people)
    proc = _verify(workdir, "--expect-decision", "GO", "--max-age", "24h")
    assert proc.returncode == 0, proc.stderr
    again = gonogo("seal", RECORD, cwd=workdir)
    assert again.returncode == 2
    assert _one_line(again.stderr) == (
        "gonogo: go_decision_20261126_101500 is already sealed (ledger entry 1)"
    )


def _verify(
    workdir: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return gonogo(
        "verify", RECORD, "--allowed-signers", "trust/allowed_signers", *args, cwd=workdir, env=env
    )


def _one_line(text: str) -> str:
    lines = text.splitlines()
    assert len(lines) == 1, text
    return lines[0]


def test_ci_gate_accepts_a_signed_fresh_go(signed: Path) -> None:
    proc = _verify(signed, "--expect-decision", "GO", "--max-age", "24h")
    assert proc.returncode == 0, proc.stderr
    assert _one_line(proc.stdout).startswith(
        "OK go_decision_20261126_101500: sealed GO, go approvals met"
    )
    assert proc.stderr == ""


def test_one_byte_edit_exits_1(signed: Path) -> None:
    record = signed / RECORD
    data = bytearray(record.read_bytes())
    data[-2] ^= 0x20
    record.write_bytes(bytes(data))
    proc = _verify(signed)
    assert proc.returncode == 1
    assert _one_line(proc.stderr) == (
        "gonogo verify: FAILED (exit 1): go_decision_20261126_101500.txt was altered:"
        " it does not match its sealed statement"
    )
    assert proc.stdout == ""


def test_missing_record_is_named_before_the_trust_files(signed: Path) -> None:
    """A typo in the record's name says so, not that trust/ is "inside the evidence folder"."""
    proc = gonogo(
        "verify", "go_decision_typo.txt", "--allowed-signers", "trust/allowed_signers", cwd=signed
    )
    assert proc.returncode == 1
    assert _one_line(proc.stderr) == (
        "gonogo verify: FAILED (exit 1): go_decision_typo.txt: no such record"
        " (no go_decision_typo.txt, .json or statement)"
    )


def test_missing_approval_exits_2(signed: Path) -> None:
    (
        signed / "evidence/go_decision_20261126_101500.approval.cto.alice@example.com.json.sig"
    ).unlink()
    proc = _verify(signed)
    assert proc.returncode == 2
    assert _one_line(proc.stderr).endswith("go record is missing approval from cto")


def test_wrong_decision_and_stale_record_exit_3(signed: Path, workdir: Path) -> None:
    proc = _verify(signed, "--expect-decision", "NO-GO")
    assert proc.returncode == 3
    assert (
        _one_line(proc.stderr) == "gonogo verify: FAILED (exit 3): decision is GO, expected NO-GO"
    )
    proc = _verify(signed, "--max-age", "1m")
    assert proc.returncode == 3
    assert "decision is 5m old, older than --max-age 1m" in _one_line(proc.stderr)


def test_broken_ledger_exits_4(signed: Path) -> None:
    ledger = signed / "evidence/ledger.jsonl"
    entry = json.loads(ledger.read_text())
    entry["signers"] = [{"role": "cto", "principal": "mallory@example.com", "vote": "approve"}]
    ledger.write_text(json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n")
    proc = _verify(signed)
    assert proc.returncode == 4
    assert _one_line(proc.stderr).endswith("ledger broken: entry 1 does not match its statement")
    proc = gonogo("verify-ledger", cwd=signed)
    assert proc.returncode == 4
    assert _one_line(proc.stderr).startswith("gonogo verify-ledger: FAILED (exit 4): ledger broken")


def test_verify_ledger_defaults_to_evidence(signed: Path) -> None:
    proc = gonogo("verify-ledger", cwd=signed)
    assert proc.returncode == 0, proc.stderr
    assert _one_line(proc.stdout).startswith("OK ledger intact: 1 entries, head ")
    proc = gonogo("verify-ledger", "evidence", "--json", cwd=signed)
    assert json.loads(proc.stdout)["entries"] == 1


def test_unsealed_record_exits_4(workdir: Path) -> None:
    proc = _verify(workdir)
    assert proc.returncode == 4
    assert _one_line(proc.stderr) == (
        "gonogo verify: FAILED (exit 4): go_decision_20261126_101500 is not sealed:"
        " go_decision_20261126_101500.statement.json is missing"
    )


def test_signing_an_unsealed_record_is_an_error(workdir: Path, people: list[Person]) -> None:
    cto = people[0]
    proc = gonogo(
        "sign",
        RECORD,
        "--as",
        "cto",
        "--principal",
        cto.principal,
        "--key",
        str(cto.key),
        cwd=workdir,
    )
    assert proc.returncode == 2
    assert _one_line(proc.stderr).startswith("gonogo: go_decision_20261126_101500 is not sealed")


def test_signing_a_record_that_does_not_exist_names_it(workdir: Path, people: list[Person]) -> None:
    """A typo in the record's name is not reported as "not sealed"."""
    cto = people[0]
    args = ("--as", "cto", "--principal", cto.principal, "--key", str(cto.key))
    proc = gonogo("sign", "evidence/go_decision_typo.txt", *args, cwd=workdir)
    assert proc.returncode == 2
    assert _one_line(proc.stderr) == (
        f"gonogo: {workdir.resolve() / 'evidence/go_decision_typo.txt'}: no such record"
    )


def test_allowed_signers_from_the_environment(signed: Path) -> None:
    env = {"GONOGO_ALLOWED_SIGNERS": str(signed / "trust/allowed_signers")}
    proc = gonogo("verify", RECORD, cwd=signed, env=env)
    assert proc.returncode == 0, proc.stderr


def test_no_allowed_signers_is_refused_even_if_one_is_planted(signed: Path) -> None:
    planted = signed / "evidence/allowed_signers"
    planted.write_text((signed / "trust/allowed_signers").read_text())
    proc = gonogo("verify", RECORD, cwd=signed)
    assert proc.returncode == 1
    assert _one_line(proc.stderr) == (
        "gonogo verify: FAILED (exit 1): no allowed_signers: pass --allowed-signers FILE or"
        " set $GONOGO_ALLOWED_SIGNERS"
    )
    as_json = gonogo("verify", RECORD, "--json", cwd=signed)
    assert as_json.returncode == 1
    document = json.loads(as_json.stdout)
    assert (document["ok"], document["exit_code"]) == (False, 1)
    assert document["reason"].startswith("no allowed_signers")
    proc = gonogo("verify", RECORD, "--allowed-signers", "evidence/allowed_signers", cwd=signed)
    assert proc.returncode == 1
    assert _one_line(proc.stderr).endswith("it is inside the evidence folder")


def test_json_output(signed: Path) -> None:
    proc = _verify(signed, "--json")
    assert proc.returncode == 0
    document = json.loads(proc.stdout)
    assert document["ok"] is True and document["decision"] == "GO"
    assert sorted(a["role"] for a in document["approvals"]) == [
        "cto",
        "devops-lead",
        "product-owner",
    ]


def test_explain_prints_auditor_commands(signed: Path) -> None:
    proc = _verify(signed, "--explain")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[-1].startswith("OK ")
    # Three approvals, each checked at the decision time and at its (later) signing time.
    assert sum(line.startswith("ssh-keygen -Y verify") for line in lines) == 6
    assert any("sha256sum -c -" in line for line in lines)


def test_signing_only_entry_point(signed: Path) -> None:
    environment = {**environment_without_agent(), "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "gonogo_tui.commands.signing",
            "verify",
            RECORD,
            "--allowed-signers",
            "trust/allowed_signers",
        ],
        capture_output=True,
        text=True,
        cwd=signed,
        env=environment,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("OK ")


def _one_section_checklist(path: Path, title: str) -> Path:
    path.write_text(
        f"title: {title}\nsections:\n  - id: team\n    title: Team\n    criteria:\n"
        "      - id: on-call\n        title: On-call engineer available\n        manual: true\n"
    )
    return path


def test_a_checklist_policy_refuses_a_record_of_another_checklist(
    tmp_path: Path, people: list[Person]
) -> None:
    """`--policy CHECKLIST` gates the deploy of that checklist: a signed GO of another
    checklist with the same approval rules is not deployable."""
    write_allowed_signers(tmp_path / "trust" / "allowed_signers", people)
    trivial = _one_section_checklist(tmp_path / "trivial.yaml", "Trivial")
    gate = _one_section_checklist(tmp_path / "trust" / "spark.yaml", "Spark")
    checked = gonogo("check", "trivial.yaml", "--tick", "*", "--record", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    txt = next((tmp_path / "evidence").glob("go_decision_*.txt"))
    now = datetime.now(UTC)
    for person in people:
        sign_record(
            txt, role=person.role, principal=person.principal, key_path=person.key, now=lambda: now
        )
    args = ("verify", str(txt), "--allowed-signers", "trust/allowed_signers", "--policy")
    accepted = gonogo(*args, str(trivial), cwd=tmp_path)
    assert accepted.returncode == 0, accepted.stderr
    refused = gonogo(*args, str(gate), cwd=tmp_path)
    assert refused.returncode == 2, refused.stderr
    assert _one_line(refused.stderr).startswith(
        "gonogo verify: FAILED (exit 2): the record is of checklist 'Trivial' (sha256 "
    )
    assert f"not of the trusted {gate} (sha256 " in refused.stderr


def test_report_shows_the_signatures_next_to_the_record(
    tmp_path: Path, people: list[Person]
) -> None:
    """`gonogo report` read only the record's JSON: 'Approvers - none recorded' and
    'Signatures unsigned' beside valid signatures (issue 14)."""
    checklist = tmp_path / "one.yaml"
    checklist.write_text(
        "title: One\nsections:\n  - id: s\n    title: S\n    criteria:\n"
        "      - {id: m, title: Manual, manual: true}\n"
    )
    done = gonogo("check", str(checklist), "--record", "--tick", "*", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    (txt,) = (tmp_path / "evidence").glob("go_decision_*[0-9].txt")
    before = gonogo("report", str(txt), cwd=tmp_path).stdout.splitlines()
    (summary,) = [line for line in before if line.startswith("Signatures: ")]
    assert summary.startswith("Signatures: sealed, no signature yet; still needed: "), summary
    now = datetime.now(UTC)
    for person in people[:2]:
        sign_record(
            txt, role=person.role, principal=person.principal, key_path=person.key, now=lambda: now
        )
    lines = gonogo("report", str(txt), cwd=tmp_path).stdout.splitlines()
    assert any(line.startswith("- cto: alice@example.com (approve, signed ") for line in lines)
    assert any(line.startswith("- devops-lead: bob@example.com (approve") for line in lines)
    assert not any("carol@example.com" in line for line in lines)
    (summary,) = [line for line in lines if line.startswith("Signatures: ")]
    assert summary.startswith(
        "Signatures: 2 signed (cto, devops-lead); still needed: product-owner; "
    ), summary
    page = gonogo("report", str(txt), "--format", "html", cwd=tmp_path).stdout
    assert "cto: alice@example.com (approve, signed " in page
    assert "2 signed (cto, devops-lead)" in page and "unsigned" not in page
