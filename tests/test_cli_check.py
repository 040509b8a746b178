"""End to end: `gonogo check` as a subprocess against real local servers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.servers import HttpTestServer, PostgresServer, RecordedRequest, Reply

SECURE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'nonce-abc123'",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}


def gonogo(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gonogo_tui", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=60,
        check=False,
    )


def write_checklist(folder: Path, web: str, dsn: str, *, hsts_min: int = 15552000) -> Path:
    text = f"""\
title: E2E checklist
variables:
  DB_DSN: {{default: "{dsn}", secret: true}}
sections:
  - id: web
    title: Web
    criteria:
      - id: hsts
        title: HSTS long enough
        probe:
          kind: http
          url: {web}/
          header_numbers:
            - {{header: Strict-Transport-Security, regex: 'max-age=(\\d+)', compare: '>= {hsts_min}'}}
      - id: csp-report
        title: CSP report endpoint
        probe:
          kind: http
          method: POST
          url: {web}/api/csp-report
          headers: {{Content-Type: application/csp-report}}
          body: '{{"csp-report": {{}}}}'
          status: 204
  - id: db
    title: Database
    criteria:
      - id: db-up
        title: Database answers
        probe: {{kind: sql, dsn: "${{DB_DSN}}", query: "select 1 as one", value: {{column: one, compare: "== 1"}}}}
  - id: files
    title: Files
    criteria:
      - id: signoff
        title: Sign-off present
        probe: {{kind: file, path: SIGNOFF.md, contains: ['Sign-off: ']}}
      - id: cmd
        title: Coverage >= 95
        probe:
          kind: command
          command: ["{sys.executable}", "-c", "print('All files | 96.5')"]
          extract: {{regex: 'All files \\| ([\\d.]+)', compare: '>= 95', unit: '%'}}
  - id: people
    title: People
    criteria:
      - id: stakeholders
        title: Stakeholders notified
        manual: true
"""
    path = folder / "checklist.yaml"
    path.write_text(text)
    return path


@pytest.fixture
def web(http_server: HttpTestServer) -> HttpTestServer:
    http_server.route("GET", "/", headers=SECURE_HEADERS, body="ok")
    http_server.route("POST", "/api/csp-report", status=204)
    return http_server


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "SIGNOFF.md").write_text("Sign-off: CTO 2026-11-25\n")
    return tmp_path


def test_go_with_json_junit_and_record(
    web: HttpTestServer, postgres: PostgresServer, workdir: Path
) -> None:
    dsn = postgres.dsn().replace("postgres@", "postgres:s3cr3tpw@")
    checklist = write_checklist(workdir, web.url, dsn)
    proc = gonogo(
        "check", str(checklist), "--json", "--junit", "out.xml", "--record",
        "--tick", "*", "--operator", "alice", "--release", "v1.4.0", cwd=workdir,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    document = json.loads(proc.stdout)
    assert document["decision"] == "GO"
    assert (document["sections_go"], document["sections_total"]) == (4, 4)
    statuses = {c["id"]: c["status"] for s in document["sections"] for c in s["criteria"]}
    assert set(statuses.values()) == {"PASS"} and len(statuses) == 6
    hsts = document["sections"][0]["criteria"][0]
    assert hsts["value"] == "31536000" and hsts["duration_ms"] > 0
    assert hsts["started_at"].endswith("Z")
    stakeholders = document["sections"][3]["criteria"][0]
    assert stakeholders["tick"]["operator"] == "alice"
    record = Path(document["record_path"])
    assert not record.is_absolute() or record.exists()
    record = workdir / record if not record.is_absolute() else record
    text = record.read_text()
    assert text.startswith("GO/NO-GO Decision: GO ✅\nTimestamp: ")
    assert "Checks Passed: 4/4" in text
    record_json = json.loads(record.with_suffix(".json").read_text())
    assert record_json["release"] == "v1.4.0" and record_json["decision"] == "GO"
    junit = ElementTree.parse(workdir / "out.xml").getroot()
    assert junit.get("tests") == "6" and junit.get("failures") == "0"
    assert len(junit.findall(".//testcase")) == 6
    everything = proc.stdout + proc.stderr + text + (workdir / "out.xml").read_text()
    everything += record.with_suffix(".json").read_text()
    assert "s3cr3tpw" not in everything


def test_review_and_no_go_exit_codes(
    web: HttpTestServer, postgres: PostgresServer, workdir: Path
) -> None:
    checklist = write_checklist(workdir, web.url, postgres.dsn(), hsts_min=63072000)
    proc = gonogo("check", str(checklist), "--tick", "stakeholders", cwd=workdir)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "REVIEW" in proc.stdout and "hsts FAIL" in proc.stdout
    (workdir / "SIGNOFF.md").unlink()
    proc = gonogo("check", str(checklist), "--tick", "stakeholders", "--json", cwd=workdir)
    assert proc.returncode == 1
    document = json.loads(proc.stdout)
    assert document["decision"] == "NO-GO" and document["sections_go"] == 2
    assert any(line.startswith("signoff FAIL") for line in document["missing"])


def test_unreachable_is_error_and_manual_pending(workdir: Path) -> None:
    checklist = write_checklist(
        workdir, "http://127.0.0.1:9", "postgresql://postgres@127.0.0.1:9/x"
    )
    proc = gonogo("check", str(checklist), "--json", cwd=workdir)
    assert proc.returncode == 1
    statuses = {
        c["id"]: c["status"] for s in json.loads(proc.stdout)["sections"] for c in s["criteria"]
    }
    assert statuses == {
        "hsts": "ERROR",
        "csp-report": "ERROR",
        "db-up": "ERROR",
        "signoff": "PASS",
        "cmd": "PASS",
        "stakeholders": "PENDING",
    }


def test_hanging_probe_ends_at_its_timeout(http_server: HttpTestServer, tmp_path: Path) -> None:
    http_server.route("GET", "/hang", hang=True)
    checklist = tmp_path / "c.yaml"
    checklist.write_text(
        "title: t\nsections:\n- id: a\n  title: A\n  criteria:\n"
        f"  - {{id: h, title: H, timeout: 1s, probe: {{kind: http, url: '{http_server.url}/hang'}}}}\n"
    )
    started = time.perf_counter()
    proc = gonogo("check", str(checklist), "--json", cwd=tmp_path)
    elapsed = time.perf_counter() - started
    criterion = json.loads(proc.stdout)["sections"][0]["criteria"][0]
    assert criterion["status"] == "ERROR" and proc.returncode == 1  # its only section: NO-GO
    assert criterion["duration_ms"] < 1500
    assert elapsed < 10


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("title: t\nsections:\n- id: a\n  title: A\n  criteria:\n  - {id: x, title: X, probe: {kind: http}}\n",
         ":6: sections[0].criteria[0].probe.url: field required"),
        ("", ":1: the checklist is empty"),
        ("- a\n- b\n", ":1: the top level must be a mapping"),
    ],
)  # fmt: skip
def test_broken_checklist_exits_2_with_one_line(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    proc = gonogo("check", str(path), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert lines[0].startswith(f"gonogo: {path}{expected}")


@pytest.mark.parametrize(
    "args",
    [
        ["check", "missing.yaml"],
        ["check", "c.yaml", "--tick", "nope"],
        ["check", "c.yaml", "--tick", "h"],
        ["check", "c.yaml", "--concurrency", "0"],
        ["check", "c.yaml", "--root", "/does/not/exist"],
        ["check"],
        ["frobnicate"],
    ],
)
def test_bad_arguments_exit_2(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "c.yaml").write_text(
        "title: t\nsections:\n- id: a\n  title: A\n  criteria:\n"
        "  - {id: h, title: H, probe: {kind: file, path: x}}\n"
    )
    proc = gonogo(*args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_schema_is_json_with_probe_kinds(tmp_path: Path) -> None:
    proc = gonogo("schema", cwd=tmp_path)
    assert proc.returncode == 0
    schema = json.loads(proc.stdout)
    assert "sections" in schema["properties"]
    text = json.dumps(schema)
    for kind in ("file", "command", "http", "sql"):
        assert f'"const": "{kind}"' in text


def test_fast_exit_delivers_everything_written(tmp_path: Path) -> None:
    """`check` leaves without interpreter teardown: output past any pipe buffer, the JUnit
    file and the record must still be whole."""
    (tmp_path / "present.txt").write_text("x\n")
    criteria = "\n".join(
        f"      - {{id: c{i}, title: 'file {i} {'x' * 200}', probe: {{kind: file, path: present.txt}}}}"
        for i in range(400)
    )
    checklist = tmp_path / "big.yaml"
    checklist.write_text(
        f"title: big\nsections:\n  - id: s\n    title: S\n    criteria:\n{criteria}\n"
    )
    script = Path(sys.executable).with_name("gonogo")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "gonogo_tui"]
    done = subprocess.run(
        [*command, "check", str(checklist), "--root", str(tmp_path), "--json", "--record",
         "--junit", str(tmp_path / "junit.xml"), "--evidence-dir", str(tmp_path / "evidence")],
        capture_output=True, text=True, timeout=60, check=False,
        env={k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"},  # buffered
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(done.stdout) > 200_000  # well past a 64 KiB pipe buffer
    assert done.stdout.endswith("}\n")  # the last buffered bytes too
    document = json.loads(done.stdout)
    assert sum(len(s["criteria"]) for s in document["sections"]) == 400
    junit = ElementTree.parse(tmp_path / "junit.xml").getroot()
    assert len(junit.findall(".//testcase")) == 400
    [record] = (tmp_path / "evidence").glob("go_decision_*[0-9].json")
    assert len(json.loads(record.read_text())["sections"]) == 1
    table = subprocess.run(
        [*command, "check", str(checklist), "--root", str(tmp_path)],
        capture_output=True, text=True, timeout=60, check=False,
        env={k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"},
    )  # fmt: skip
    assert table.stdout.count("PASS") == 400
    assert table.stdout.rstrip().splitlines()[-1].startswith("Decision: GO")


def test_workers_share_the_burst_and_change_nothing_but_the_process(
    http_server: HttpTestServer, postgres: PostgresServer, tmp_path: Path
) -> None:
    """`--workers 2` forks a worker for one kind of work; the results are the same."""
    http_server.route("GET", "/", headers=SECURE_HEADERS, body="ok")
    dsn = postgres.dsn().replace("postgres@", "postgres:w0rk3rpw@")
    web = [
        f"      - {{id: web-{n}, title: Web {n}, probe: {{kind: http, url: '{http_server.url}/'}}}}"
        for n in range(8)
    ]
    database = [
        f"      - {{id: db-{n}, title: DB {n}, probe: {{kind: sql, dsn: '${{DB_DSN}}', "
        f"query: 'select {n} as n', value: {{column: n, compare: '== {n}'}}}}}}"
        for n in range(4)
    ]
    parent = (
        "      - id: parent\n        title: Which process ran me\n        probe:\n"
        f"          kind: command\n          command: ['{sys.executable}', '-c', "
        "'import os; print(\"parent\", os.getppid())']\n"
        "          extract: {regex: 'parent (\\d+)', compare: '>= 1'}\n"
    )
    checklist = tmp_path / "workers.yaml"
    checklist.write_text(
        "title: Workers\nvariables:\n"
        f'  DB_DSN: {{default: "{dsn}", secret: true}}\n'
        "sections:\n  - id: all\n    title: All\n    criteria:\n"
        + "\n".join([*web, *database])
        + "\n"
        + parent
    )
    documents = {}
    for workers in ("1", "2"):
        proc = subprocess.Popen(
            [sys.executable, "-m", "gonogo_tui", "check", str(checklist), "--json"]
            + ["--workers", workers, "--evidence-dir", str(tmp_path / "evidence")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert "w0rk3rpw" not in out + err
        criteria = {c["id"]: c for s in json.loads(out)["sections"] for c in s["criteria"]}
        documents[workers] = (proc.pid, criteria)
    (pid_alone, alone), (pid_shared, shared) = documents["1"], documents["2"]
    assert len(alone) == len(shared) == 13
    assert {c["status"] for c in shared.values()} == {"PASS"}
    for cid in alone:
        if cid != "parent":
            assert (alone[cid]["status"], alone[cid]["value"]) == (
                shared[cid]["status"],
                shared[cid]["value"],
            )
    assert alone["parent"]["value"] == str(pid_alone)
    assert shared["parent"]["value"] not in ("", str(pid_shared))


GC_SPY = """
import gc, sys
import gonogo_tui.commands.check as check
import gonogo_tui.commands.schema as schema
from gonogo_tui import cli

def spy(name, module, attribute):
    original = getattr(module, attribute)
    def wrapper(*args, **kwargs):
        sys.stderr.write(f"{name} gc={gc.isenabled()} frozen={gc.get_freeze_count() > 0}\\n")
        return original(*args, **kwargs)
    setattr(module, attribute, wrapper)

spy("load", check, "load_checklist")
spy("probes", check, "run_in_workers")
spy("schema", schema, "run")
sys.argv = ["gonogo", *sys.argv[1:]]
cli.entry()
"""


@pytest.mark.parametrize("command", ["check", "schema"])
def test_start_up_runs_without_garbage_collection(command: str, tmp_path: Path) -> None:
    """`cli.entry` turns collection off for start-up; `check` turns it back on (start-up
    frozen) before its probes, every other command before it runs."""
    checklist = tmp_path / "one.yaml"
    checklist.write_text(
        "title: t\nsections:\n  - id: s\n    title: S\n    criteria:\n"
        "      - {id: f, title: F, probe: {kind: file, path: one.yaml}}\n"
    )
    args = ["check", str(checklist), "--root", str(tmp_path)] if command == "check" else ["schema"]
    done = subprocess.run(
        [sys.executable, "-c", GC_SPY, *args],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    if command == "check":
        assert "load gc=False frozen=False" in done.stderr
        assert "probes gc=True frozen=True" in done.stderr
        assert "PASS" in done.stdout
    else:
        assert "schema gc=True frozen=False" in done.stderr


def _one_file_checklist(folder: Path) -> Path:
    checklist = folder / "zürich.yaml"
    checklist.write_text(
        "title: Zürich ✔ release\nsections:\n  - id: s\n    title: Prüfung ✔\n    criteria:\n"
        "      - {id: f, title: Datei vorhanden ✔, probe: {kind: file, path: zürich.yaml}}\n",
        encoding="utf-8",
    )
    return checklist


def test_a_stdout_that_is_not_utf8_gets_replacements_and_json_escapes(tmp_path: Path) -> None:
    checklist = _one_file_checklist(tmp_path)
    ascii_env = {"PYTHONIOENCODING": "ascii"}
    table = gonogo("check", str(checklist), cwd=tmp_path, env=ascii_env)
    assert table.returncode == 0, table.stderr
    assert "Traceback" not in table.stderr
    assert "Pr\\xfcfung" in table.stdout and "PASS" in table.stdout
    as_json = gonogo("check", str(checklist), "--json", cwd=tmp_path, env=ascii_env)
    assert as_json.returncode == 0, as_json.stderr
    assert as_json.stdout.isascii()
    assert json.loads(as_json.stdout)["sections"][0]["title"] == "Prüfung ✔"


@pytest.mark.parametrize("command", ["check", "schema"])  # a fast exit, a normal exit
@pytest.mark.parametrize("buffered", [True, False])
@pytest.mark.parametrize("output", ["closed", "full"])
def test_output_that_cannot_be_written_is_one_line_and_exit_2(
    output: str, buffered: bool, command: str, tmp_path: Path
) -> None:
    """`>&-` and a full disk: a one-line error, exit 2 (never the decision's code, never
    Python's 120 for a failed flush at exit), whether stdout is buffered or not."""
    checklist = _one_file_checklist(tmp_path)
    argv = ["check", str(checklist), "--json"] if command == "check" else ["schema"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "gonogo_tui", *argv],
            stdout=full if output == "full" else None,
            stderr=subprocess.PIPE,
            preexec_fn=(lambda: os.close(1)) if output == "closed" else None,  # noqa: PLW1509
            text=True, cwd=tmp_path, timeout=60, check=False, env=env,
        )  # fmt: skip
    assert done.returncode == 2
    expected = "standard output is closed" if output == "closed" else "No space left on device"
    assert done.stderr == f"gonogo: cannot write the output: {expected}\n"


def test_a_reader_that_leaves_early_is_exit_2_without_a_message(tmp_path: Path) -> None:
    """`gonogo check ... | head -1`: the reader closed the pipe; no message, no traceback,
    and not the decision's exit code."""
    checklist = _one_file_checklist(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    reader, writer = os.pipe()
    os.close(reader)
    done = subprocess.run(
        [sys.executable, "-m", "gonogo_tui", "check", str(checklist), "--json"],
        stdout=writer, stderr=subprocess.PIPE, text=True, cwd=tmp_path, timeout=60,
        check=False, env=env,
    )  # fmt: skip
    os.close(writer)
    assert (done.returncode, done.stderr) == (2, "")


def test_with_stderr_closed_a_usage_error_is_still_exit_2(tmp_path: Path) -> None:
    checklist = _one_file_checklist(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "gonogo_tui", "check", str(checklist), "--tick", "nope"],
        capture_output=False, stdout=subprocess.DEVNULL, timeout=60, check=False,
        cwd=tmp_path, preexec_fn=lambda: os.close(2),  # noqa: PLW1509
    )  # fmt: skip
    assert done.returncode == 2


def test_secret_substituted_into_titles_and_hints_never_reaches_any_output(
    tmp_path: Path,
) -> None:
    """Titles, hints and runbooks take `${VAR}` too; a secret there is masked everywhere."""
    secret, token = "decl-s3cret-4242", "tok-from-default-77"
    (tmp_path / "c.yaml").write_text(
        """\
title: Deploy ${RELEASE_TOKEN:-tok-from-default-77}
variables:
  VAULT_KEY: {secret: true}
sections:
  - id: s
    title: Section ${VAULT_KEY}
    requirement: needs ${VAULT_KEY}
    criteria:
      - id: gone
        title: File for ${VAULT_KEY}
        hint: ask ${VAULT_KEY}
        runbook: https://wiki/${VAULT_KEY}
        probe: {kind: file, path: missing.txt}
      - id: person
        title: Person
        manual: true
        why_manual: says ${VAULT_KEY}
""",
        encoding="utf-8",
    )
    args = ("check", "c.yaml", "--record", "--junit", "j.xml")
    done = gonogo(*args, cwd=tmp_path, env={"VAULT_KEY": secret})
    assert done.returncode in (1, 3), done.stderr
    table = gonogo("check", "c.yaml", "--json", cwd=tmp_path, env={"VAULT_KEY": secret})
    outputs = [done.stdout, done.stderr, table.stdout, (tmp_path / "j.xml").read_text()]
    outputs += [path.read_text() for path in (tmp_path / "evidence").glob("*.*")]
    for text in outputs:
        assert secret not in text and token not in text
    assert "File for ***" in table.stdout


def test_size_growth_finds_the_size_an_earlier_record_kept(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    """docs/probe-kinds-operations.md: `check --record` keeps `db_size_*.json` beside the
    record, so the next run has a baseline instead of recording one again."""
    (tmp_path / "c.yaml").write_text(
        f"""\
title: Size growth
sections:
  - id: db
    title: DB
    criteria:
      - id: size
        title: Database grows slowly
        probe: {{kind: pg_health, check: size_growth, dsn: '{postgres.dsn()}', max_growth: '< 10'}}
""",
        encoding="utf-8",
    )
    args = ("check", "c.yaml", "--record", "--json")
    first = json.loads(gonogo(*args, cwd=tmp_path).stdout)["sections"][0]["criteria"][0]
    assert (first["status"], first["value"][:17]) == ("ERROR", "no baseline yet ("), first
    second = json.loads(gonogo(*args, cwd=tmp_path).stdout)["sections"][0]["criteria"][0]
    assert second["status"] == "PASS", second
    assert second["detail"].startswith("only a "), second
    assert list((tmp_path / "evidence").glob("*_artifacts/size/db_size_postgres.json"))


def test_an_ascii_only_output_gets_escapes_not_a_traceback(tmp_path: Path) -> None:
    """PYTHONIOENCODING=ascii (or a legacy console) cannot print ✔ or ✅: they are escaped,
    and --json stays parseable."""
    (tmp_path / "c.yaml").write_text(
        "title: 'Ünïcode 🚀'\nsections:\n  - id: s\n    title: S\n    criteria:\n"
        "      - {id: a, title: 'Ü 🚀', manual: true}\n",
        encoding="utf-8",
    )
    env = {"PYTHONIOENCODING": "ascii"}
    table = gonogo("check", "c.yaml", "--tick", "a", cwd=tmp_path, env=env)
    assert table.returncode == 0, table.stderr
    assert "Decision: GO \\u2705" in table.stdout and table.stderr == ""
    document = gonogo("check", "c.yaml", "--tick", "a", "--json", cwd=tmp_path, env=env)
    assert document.returncode == 0, document.stderr
    assert json.loads(document.stdout)["sections"][0]["criteria"][0]["title"] == "Ü 🚀"


def test_evidence_dir_that_is_a_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(
        "title: t\nsections:\n  - id: s\n    title: S\n    criteria:\n"
        "      - {id: a, title: A, manual: true}\n",
        encoding="utf-8",
    )
    (tmp_path / "evidence").write_text("not a folder")
    done = gonogo("check", "c.yaml", "--tick", "a", "--record", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == "gonogo: evidence: not a folder (a file has that name)\n"


def test_junit_never_overwrites_the_checklist(tmp_path: Path) -> None:
    checklist = tmp_path / "c.yaml"
    text = "title: t\nsections:\n  - id: s\n    title: S\n    criteria:\n"
    text += "      - {id: a, title: A, manual: true}\n"
    checklist.write_text(text, encoding="utf-8")
    done = gonogo("check", "c.yaml", "--tick", "a", "--junit", "./c.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == "gonogo: --junit c.yaml: is the checklist; it would be overwritten\n"
    assert checklist.read_text(encoding="utf-8") == text


def test_junit_to_a_dash_is_refused_not_a_file_named_dash(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(
        "title: t\nsections:\n  - id: s\n    title: S\n    criteria:\n"
        "      - {id: a, title: A, manual: true}\n",
        encoding="utf-8",
    )
    done = gonogo("check", "c.yaml", "--tick", "a", "--junit", "-", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("gonogo: --junit -: give a file name")
    assert not (tmp_path / "-").exists()


def test_verify_ledger_of_a_missing_folder_is_unusable_input(tmp_path: Path) -> None:
    done = gonogo("verify-ledger", "nowhere", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == "gonogo verify-ledger: nowhere: no such folder\n"


def test_unwritable_junit_path_stops_before_probes_and_record(tmp_path: Path) -> None:
    """A typo in --junit is told at once; no record is written for a run that then exits 2."""
    (tmp_path / "c.yaml").write_text(
        "title: t\nsections:\n  - id: s\n    title: S\n    criteria:\n"
        "      - {id: a, title: A, manual: true}\n",
        encoding="utf-8",
    )
    args = ("check", "c.yaml", "--tick", "a", "--record", "--junit", "reports/j.xml")
    done = gonogo(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == "gonogo: --junit reports/j.xml: no folder reports to write it in\n"
    assert not (tmp_path / "evidence").exists()


def test_verbose_logs_never_show_a_secret(http_server: HttpTestServer, tmp_path: Path) -> None:
    """`-v` shows httpx's `HTTP Request: GET <url>` lines; a token in the URL is masked."""
    http_server.route("GET", "/health", body="ok")
    (tmp_path / "c.yaml").write_text(
        f"""\
title: t
variables:
  PROBE_KEY: {{secret: true}}
sections:
  - id: s
    title: S
    criteria:
      - id: up
        title: Up
        probe: {{kind: http, url: '{http_server.url}/health?key=${{PROBE_KEY}}'}}
""",
        encoding="utf-8",
    )
    done = gonogo("-v", "check", "c.yaml", cwd=tmp_path, env={"PROBE_KEY": "v3rb0se-s3cret"})
    assert done.returncode == 0, done.stderr
    assert "HTTP Request: GET" in done.stderr and "/health?key=***" in done.stderr
    assert "v3rb0se-s3cret" not in done.stderr + done.stdout


def test_timed_probes_are_measured_before_the_others_start(tmp_path: Path) -> None:
    """A probe with a latency budget answers before any other probe starts: during the burst
    the workers' start-up and the other probes hold the cores, and the wait would be counted
    as the target's latency."""
    arrivals: dict[str, float] = {}

    def timed(request: RecordedRequest) -> Reply:
        arrivals["timed"] = time.monotonic()
        return Reply(status=200, body="ok", delay=0.4)

    def other(request: RecordedRequest) -> Reply:
        arrivals.setdefault(request.path, time.monotonic())
        return Reply(status=200, body="ok")

    with HttpTestServer() as server:
        server.route("GET", "/timed", handler=timed)
        for index in range(4):
            server.route("GET", f"/other{index}", handler=other)
        others = "".join(
            f"""
      - id: other{index}
        title: Other {index}
        probe: {{kind: http, url: "{server.url}/other{index}", status: 200}}"""
            for index in range(4)
        )
        (tmp_path / "gonogo.yaml").write_text(
            f"""\
title: Timed first
sections:
  - id: web
    title: Web
    criteria:
      - id: timed
        title: Answers within 2 s
        probe: {{kind: http, url: "{server.url}/timed", status: 200, max_ms: 2000}}{others}
""",
            encoding="utf-8",
        )
        done = gonogo("check", "gonogo.yaml", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert set(arrivals) == {"timed", *(f"/other{index}" for index in range(4))}
    answered = arrivals.pop("timed") + 0.4
    assert min(arrivals.values()) >= answered, "another probe started while the timed one ran"


def test_the_transport_warms_up_without_asking_the_target() -> None:
    """The first request of a process imports and builds httpx's transport: a timed probe
    warms it up against a listener of its own first, and its target gets one request."""
    script = """
import asyncio, json, sys
from gonogo_tui.core.execution.http_pool import warm_up_transport
names = ("h11", "anyio._core._sockets")
before = [name for name in names if name in sys.modules]
asyncio.run(warm_up_transport())
print(json.dumps([before, [name for name in names if name in sys.modules]]))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(done.stdout) == [[], ["h11", "anyio._core._sockets"]]
