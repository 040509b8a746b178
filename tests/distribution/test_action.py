"""action.yml's gate, run step by step the way the runner runs a composite action (env,
INPUT_* variables, GITHUB_PATH, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY), with the gonogo its
install step put in a fresh venv, against a real evidence folder: records written by
`gonogo check --record` and signed by `gonogo sign` with real ssh-keygen keys."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.core.signing.helpers import Person, make_key, write_allowed_signers
from tests.distribution.conftest import Installed, clean_env, run_action_step
from tests.servers import HttpTestServer

pytestmark = pytest.mark.slow

CHECKLIST = """\
title: Team readiness
policy:
  approvals:
    go_requires: [cto]
sections:
  - id: team
    title: Team
    criteria:
      - {id: on-call, title: On-call engineer available, manual: true}
"""


class Repository:
    """A team's repository: its checklist, its trusted signers, its evidence."""

    def __init__(self, root: Path, installed: Installed) -> None:
        self.root = root
        self.installed = installed
        self.cto = Person("cto", "alice@example.com", make_key(root.parent / "keys", "alice"))
        write_allowed_signers(root / ".github" / "allowed_signers", [self.cto])
        (root / "checklists").mkdir(parents=True)
        (root / "checklists" / "team.yaml").write_text(CHECKLIST)
        self.runs = 0

    def gonogo(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return self.installed.run(*args, cwd=self.root, **env)

    def record(self, *ticks: str) -> Path:
        """A sealed record; the next second, so that no two records share a name."""
        started = datetime.now(UTC).replace(microsecond=0)
        while datetime.now(UTC).replace(microsecond=0) == started:
            time.sleep(0.02)  # records are named by the second
        done = self.gonogo("check", "checklists/team.yaml", "--record", *ticks)
        assert done.returncode in (0, 1), done.stderr
        return self.root / done.stdout.split("Record: ", 1)[1].split()[0]

    def sign(self, record: Path) -> None:
        done = self.gonogo(
            "sign", str(record), "--as", "cto", "--principal", self.cto.principal,
            "--key", str(self.cto.key),
        )  # fmt: skip
        assert done.returncode == 0, done.stderr

    def gate(
        self, env: dict[str, str] | None = None, **inputs: str
    ) -> tuple[subprocess.CompletedProcess[str], str, str]:
        """Run the action's gate step (`env`: the job's environment besides a clean one);
        its result, job summary and outputs."""
        self.runs += 1
        runner = self.root.parent / f"runner-{self.runs}"
        runner.mkdir()
        # What the install step left for the steps after it.
        (runner / "github_path").write_text(f"{self.installed.bin}\n")
        done = run_action_step(
            "GO/NO-GO gate",
            {
                "allowed-signers": ".github/allowed_signers",
                "policy": "checklists/team.yaml",
                **inputs,
            },
            workspace=self.root,
            runner=runner,
            action_path=self.installed.source,
            env=clean_env(**(env or {})),
        )
        summary = runner / "step_summary.md"
        output = runner / "github_output"
        return (
            done,
            summary.read_text() if summary.exists() else "",
            output.read_text() if output.exists() else "",
        )


@pytest.fixture
def repository(tmp_path: Path, installed: Installed) -> Repository:
    return Repository(tmp_path / "workspace", installed)


def test_a_fresh_signed_go_passes_with_a_summary(repository: Repository) -> None:
    record = repository.record("--tick", "on-call")
    repository.sign(record)
    done, summary, outputs = repository.gate()
    assert done.returncode == 0, done.stdout + done.stderr
    stem = record.name.removesuffix(".txt")
    assert f"record=evidence/{record.name}\n" in outputs
    assert summary.startswith("## ✅ GO/NO-GO gate: passed\n")
    assert f"OK {stem}: sealed GO, go approvals met (cto: alice@example.com)" in summary
    assert "*GO/NO-GO: GO ✅* Team readiness" in summary  # gonogo report's message
    assert "cto alice@example.com" in summary or "alice@example.com" in summary


def test_a_later_no_go_stops_the_deploy(repository: Repository) -> None:
    repository.sign(repository.record("--tick", "on-call"))
    no_go = repository.record()  # the manual criterion left unticked: NO-GO
    repository.sign(no_go)  # a NO-GO is signed too (its policy asks one senior role)
    done, summary, outputs = repository.gate()
    assert done.returncode == 3, done.stdout + done.stderr
    assert f"record=evidence/{no_go.name}\n" in outputs
    assert summary.startswith("## ❌ GO/NO-GO gate: FAILED (exit 3)\n")
    assert "decision is NO-GO, expected GO" in summary
    assert "*GO/NO-GO: NO-GO ❌*" in summary
    assert "::error title=GO/NO-GO gate::" in done.stdout


def test_a_tampered_record_fails(repository: Repository) -> None:
    record = repository.record("--tick", "on-call")
    repository.sign(record)
    record.write_text(record.read_text().replace("Team readiness", "Team readinesX"))
    done, summary, _ = repository.gate()
    assert done.returncode == 1, done.stdout + done.stderr
    assert summary.startswith("## ❌ GO/NO-GO gate: FAILED (exit 1)\n")
    assert f"{record.name} was altered" in summary
    assert "it did not pass verification" in summary


def test_an_edited_ledger_fails_before_any_record_is_read(repository: Repository) -> None:
    repository.sign(repository.record("--tick", "on-call"))
    ledger = repository.root / "evidence" / "ledger.jsonl"
    ledger.write_text(ledger.read_text().replace('"seq":1', '"seq":2'))
    done, summary, outputs = repository.gate()
    assert done.returncode == 4, done.stdout + done.stderr
    assert "The ledger of `evidence` is not intact." in summary
    assert "record=" not in outputs


def test_no_sealed_decision_fails(repository: Repository) -> None:
    (repository.root / "evidence").mkdir()
    done, summary, _ = repository.gate()
    assert done.returncode == 4, done.stdout + done.stderr
    assert "No sealed decision in `evidence`." in summary


def test_an_unsigned_go_fails_the_policy(repository: Repository) -> None:
    repository.record("--tick", "on-call")
    done, summary, _ = repository.gate()
    assert done.returncode == 2, done.stdout + done.stderr
    assert "FAILED (exit 2)" in summary


def test_inputs_never_run_as_shell_code(repository: Repository) -> None:
    repository.sign(repository.record("--tick", "on-call"))
    done, _, _ = repository.gate(**{"max-age": "24h; touch pwned", "evidence": "$(touch pwned2)"})
    assert done.returncode != 0
    assert not (repository.root / "pwned").exists()
    assert not (repository.root / "pwned2").exists()


GATE = """\
title: Deploy gate
policy:
  approvals:
    go_requires: [cto]
sections:
  - id: data
    title: Data safety
    critical: true
    criteria:
      - id: backups-fresh
        title: Last backup is recent
        probe: {kind: http, url: '${BACKUP_URL}/backups'}
  - id: team
    title: Team
    criteria:
      - {id: on-call, title: On-call engineer available, manual: true}
"""


def test_recheck_reruns_the_critical_probes_and_stops_a_go_no_longer_true(
    repository: Repository, http_server: HttpTestServer
) -> None:
    """`recheck: true` (with `checklist:` and `root:`) passes `--recheck --checklist --root`
    to `gonogo verify`; the probes read the job's environment. The canary step after the
    gate runs only on exit 0."""
    http_server.route("GET", "/backups", body="ok")
    job_env = {"BACKUP_URL": http_server.url}
    (repository.root / "checklists" / "gate.yaml").write_text(GATE)
    done = repository.gonogo(
        "check", "checklists/gate.yaml", "--tick", "on-call", "--record", **job_env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    record = repository.root / done.stdout.split("Record: ", 1)[1].split()[0]
    repository.sign(record)
    inputs = {
        "policy": "checklists/gate.yaml",
        "recheck": "true",
        "checklist": "checklists/gate.yaml",
        "root": ".",
    }
    done, summary, _ = repository.gate(job_env, **inputs)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "recheck: 1 rerun, all still pass" in summary
    assert len([r for r in http_server.requests if r.path == "/backups"]) == 2

    http_server.route("GET", "/backups", status=503, body="restore in progress")
    done, summary, _ = repository.gate(job_env, **inputs)
    assert done.returncode == 3, done.stdout + done.stderr
    assert summary.startswith("## ❌ GO/NO-GO gate: FAILED (exit 3)\n")
    assert "recheck: 1 of 1 no longer pass: backups-fresh FAIL" in summary
    # Without the input the sealed GO passes: only the live system changed.
    assert repository.gate(job_env, policy="checklists/gate.yaml")[0].returncode == 0
    # A checklist that is not the record's: exit 2, nothing passes.
    (repository.root / "checklists" / "other.yaml").write_text(GATE + "description: x\n")
    done, summary, _ = repository.gate(job_env, **{**inputs, "checklist": "checklists/other.yaml"})
    assert done.returncode == 2 and "is not the checklist the record was decided on" in summary
    done, summary, _ = repository.gate(job_env, **{**inputs, "recheck": "yes"})
    assert done.returncode == 2 and "The input recheck must be true or false." in summary
