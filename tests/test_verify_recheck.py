"""A GO that expires and is re-checked at deploy time: `policy.valid_for` sealed in the
record as `valid_until`, and `gonogo verify --recheck` against a real HTTP server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gonogo_tui.core.signing import Failure, sign_record, verify_record
from tests.core.signing.helpers import Person, make_key, write_allowed_signers
from tests.servers import HttpTestServer, PostgresServer
from tests.test_signing_cli import gonogo

CHECKLIST = """\
title: Deploy gate
policy:
  valid_for: 2h
  approvals:
    go_requires: [cto]
sections:
  - id: data
    title: Data safety
    critical: true
    criteria:
      - id: backups-fresh
        title: Last backup is recent
        probe: {{kind: http, url: '{url}/backups'}}
  - id: app
    title: Application
    criteria:
      - id: app-health
        title: Health endpoint answers
        probe: {{kind: http, url: '{url}/health'}}
      - id: docs-site
        title: Docs site answers
        recheck: false
        probe: {{kind: http, url: '{url}/docs'}}
  - id: team
    title: Team
    criteria:
      - id: on-call
        title: On-call named
        manual: true
"""


@pytest.fixture(scope="module")
def cto(tmp_path_factory: pytest.TempPathFactory) -> Person:
    return Person("cto", "alice@example.com", make_key(tmp_path_factory.mktemp("keys"), "alice"))


def _decide(tmp_path: Path, server: HttpTestServer, cto: Person, extra: str = "") -> Path:
    """A GO decided by `gonogo check --record` against the live server, signed by the CTO."""
    for path in ("/backups", "/health", "/docs"):
        server.route("GET", path, body="ok")
    text = CHECKLIST.format(url=server.url)
    text = text.replace("      - id: app-health\n", f"      - id: app-health\n{extra}")
    (tmp_path / "gate.yaml").write_text(text, encoding="utf-8")
    done = gonogo("check", "gate.yaml", "--tick", "on-call", "--record", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    (record,) = (tmp_path / "evidence").glob("go_decision_*.txt")
    sign_record(
        record,
        role="cto",
        principal=cto.principal,
        key_path=cto.key,
        now=lambda: datetime.now(UTC),
    )
    write_allowed_signers(tmp_path / "trust" / "allowed_signers", [cto])
    return record


def _verify(tmp_path: Path, record: Path, *extra: str) -> tuple[int, str, str]:
    done = gonogo(
        "verify",
        str(record.relative_to(tmp_path)),
        "--allowed-signers",
        "trust/allowed_signers",
        "--expect-decision",
        "GO",
        *extra,
        cwd=tmp_path,
    )
    return done.returncode, done.stdout, done.stderr


def test_recheck_passes_before_the_fault_and_exits_3_naming_the_criterion_after(
    tmp_path: Path, http_server: HttpTestServer, cto: Person
) -> None:
    record = _decide(tmp_path, http_server, cto)
    code, out, err = _verify(tmp_path, record, "--recheck")
    assert code == 0, err
    assert out.startswith("OK go_decision_") and "recheck: 1 rerun, all still pass" in out
    backups = [r for r in http_server.requests if r.path == "/backups"]
    assert len(backups) == 2  # the meeting's probe and the recheck's

    http_server.route("GET", "/backups", status=503, body="restore in progress")
    code, out, err = _verify(tmp_path, record, "--recheck")
    assert code == 3, out + err
    assert err.startswith("gonogo verify: FAILED (exit 3): recheck: 1 of 1 no longer pass:")
    assert "backups-fresh FAIL" in err and "503" in err
    # Without --recheck the sealed GO still verifies: only the live systems changed.
    assert _verify(tmp_path, record)[0] == 0


def test_only_critical_and_recheck_true_criteria_are_rerun(
    tmp_path: Path, http_server: HttpTestServer, cto: Person
) -> None:
    record = _decide(tmp_path, http_server, cto, extra="        recheck: true\n")
    http_server.route("GET", "/docs", status=500)  # recheck: false: not rerun
    code, out, err = _verify(tmp_path, record, "--recheck", "--json")
    assert code == 0, err
    assert [(r["id"], r["status"]) for r in json.loads(out)["recheck"]] == [
        ("backups-fresh", "PASS"),
        ("app-health", "PASS"),
    ]
    http_server.route("GET", "/health", status=502)
    code, out, err = _verify(tmp_path, record, "--recheck", "--json")
    assert code == 3
    document = json.loads(out)
    assert document["exit_code"] == 3 and "app-health FAIL" in document["reason"]
    assert {r["id"]: r["status"] for r in document["recheck"]}["app-health"] == "FAIL"


def test_recheck_refuses_a_checklist_that_is_not_the_records(
    tmp_path: Path, http_server: HttpTestServer, cto: Person
) -> None:
    record = _decide(tmp_path, http_server, cto)
    other = tmp_path / "other.yaml"
    other.write_text((tmp_path / "gate.yaml").read_text() + "description: edited\n")
    code, _, err = _verify(tmp_path, record, "--recheck", "--checklist", "other.yaml")
    assert code == 2
    assert "other.yaml" in err and "is not the checklist the record was decided on" in err
    (tmp_path / "gate.yaml").unlink()
    code, _, err = _verify(tmp_path, record, "--recheck")
    assert code == 2 and "checklist gate.yaml not found; pass --checklist PATH" in err


def test_a_go_expires_after_the_checklists_valid_for(
    tmp_path: Path, http_server: HttpTestServer, cto: Person
) -> None:
    record = _decide(tmp_path, http_server, cto)
    data = json.loads(record.with_suffix(".json").read_text())
    decided = datetime.fromisoformat(data["decided_at"])
    assert datetime.fromisoformat(data["valid_until"]) == decided + timedelta(hours=2)
    allowed = tmp_path / "trust" / "allowed_signers"

    def at(moment: datetime) -> tuple[Failure | None, str]:
        result = verify_record(record, allowed, now=lambda: moment, expect_decision="GO")
        return result.failure, result.reason

    assert at(decided + timedelta(hours=1, minutes=59))[0] is None
    failure, reason = at(decided + timedelta(hours=2, seconds=1))
    assert failure is Failure.DECISION
    assert reason == (
        f"the GO expired at {data['valid_until']} (policy.valid_for); decide again before deploying"
    )
    code, _, err = _verify(tmp_path, record)
    assert code == 0, err  # decided seconds ago: still valid


def test_valid_for_defaults_to_24_hours(tmp_path: Path) -> None:
    from gonogo_tui.core.checklist import load_checklist

    (tmp_path / "c.yaml").write_text(
        "title: t\nsections:\n  - id: s\n    title: S\n    criteria:\n"
        "      - {id: a, title: A, manual: true}\n"
    )
    assert load_checklist(tmp_path / "c.yaml").policy.valid_for == 24 * 3600


def test_recheck_against_postgresql_exits_3_once_the_backups_are_gone(
    tmp_path: Path, postgres: PostgresServer, cto: Person
) -> None:
    """A critical SQL criterion: the backup catalogue the meeting saw is emptied before the
    deploy (the fault), and the recheck names it."""
    database = f"recheck_{tmp_path.name[-12:].replace('-', '_').lower()}"
    postgres.create_database(database)
    postgres.execute("CREATE TABLE backups (taken_at timestamptz NOT NULL)", dbname=database)
    postgres.execute("INSERT INTO backups VALUES (now() - interval '2 hours')", dbname=database)
    (tmp_path / "gate.yaml").write_text(
        f"""\
title: Database gate
policy:
  approvals:
    go_requires: [cto]
sections:
  - id: data
    title: Data safety
    critical: true
    criteria:
      - id: backups-recent
        title: A backup in the last day
        probe:
          kind: sql
          dsn: {postgres.dsn(database)}
          query: SELECT count(*) FROM backups WHERE taken_at > now() - interval '1 day'
          value: {{compare: '>= 1'}}
""",
        encoding="utf-8",
    )
    done = gonogo("check", "gate.yaml", "--record", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    (record,) = (tmp_path / "evidence").glob("go_decision_*.txt")
    sign_record(
        record, role="cto", principal=cto.principal, key_path=cto.key, now=lambda: datetime.now(UTC)
    )
    write_allowed_signers(tmp_path / "trust" / "allowed_signers", [cto])
    code, out, err = _verify(tmp_path, record, "--recheck")
    assert code == 0, err
    assert "recheck: 1 rerun, all still pass" in out

    postgres.execute("DELETE FROM backups", dbname=database)
    code, out, err = _verify(tmp_path, record, "--recheck")
    assert code == 3, out + err
    assert err.startswith("gonogo verify: FAILED (exit 3): recheck: 1 of 1 no longer pass:")
    assert "backups-recent FAIL" in err


def test_a_tampered_record_is_not_rechecked(
    tmp_path: Path, http_server: HttpTestServer, cto: Person
) -> None:
    """Nothing is probed on behalf of a record that is not what was sealed: exit 1, and the
    server sees no recheck."""
    record = _decide(tmp_path, http_server, cto)
    before = len(http_server.requests)
    record.write_text(record.read_text().replace("Deploy gate", "Deploy gatX"))
    code, _, err = _verify(tmp_path, record, "--recheck")
    assert code == 1 and "was altered" in err
    assert len(http_server.requests) == before


def test_the_records_text_and_its_report_say_until_when_the_go_is_valid(
    tmp_path: Path, http_server: HttpTestServer, cto: Person
) -> None:
    """Point 8 where people read: the .txt's `Valid Until:` line, and `gonogo report`'s
    message and page; a NO-GO never expires, so it says nothing of the kind."""
    from gonogo_tui.core.records.export import record_html, record_markdown
    from gonogo_tui.core.records.reading import load_record

    record = _decide(tmp_path, http_server, cto)
    until = json.loads(record.with_suffix(".json").read_text())["valid_until"]
    assert f"\nValid Until: {until} (policy.valid_for; decide again after it)\n" in (
        record.read_text()
    )
    view = load_record(record)
    assert f"\nValid until {until} (then decide again)\n" in record_markdown(view)
    assert f"<dt>Valid until</dt><dd>{until}</dd>" in record_html(view)
    done = gonogo("check", "gate.yaml", "--record", cwd=tmp_path)  # on-call not ticked
    assert done.returncode == 3, done.stdout + done.stderr  # REVIEW: recorded as NO-GO
    (no_go,) = (tmp_path / "evidence").glob("no_go_decision_*.txt")
    assert "Valid Until" not in no_go.read_text()
    assert "Valid until" not in record_markdown(load_record(no_go))
