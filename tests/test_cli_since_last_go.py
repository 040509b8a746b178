"""What changed since the last GO, headless: `gonogo check --changed-since-last-go` (table
and JSON), the record's `.txt` and JSON, and `gonogo report`, against a real HTTP server
whose HSTS max-age drops from a year (the GO) to a day."""

from __future__ import annotations

import json
from pathlib import Path

from tests.servers import HttpTestServer
from tests.test_cli_check import gonogo


def _checklist(folder: Path, url: str) -> Path:
    path = folder / "checklist.yaml"
    path.write_text(f"""\
title: Since
sections:
  - id: web
    title: Web
    criteria:
      - id: hsts
        title: HSTS max-age at least 6 months
        probe:
          kind: http
          url: {url}/
          header_numbers:
            - {{header: Strict-Transport-Security, regex: 'max-age=(\\d+)', compare: '>= 15552000'}}
      - id: up
        title: Up
        probe: {{kind: http, url: {url}/up}}
""")
    return path


def _serve(server: HttpTestServer, max_age: int) -> None:
    server.route("GET", "/", headers={"Strict-Transport-Security": f"max-age={max_age}"})
    server.route("GET", "/up", body="ok")


def _go(tmp_path: Path, server: HttpTestServer) -> tuple[Path, Path]:
    checklist, evidence = _checklist(tmp_path, server.url), tmp_path / "evidence"
    _serve(server, 31536000)
    go = gonogo(
        "check", str(checklist), "--record", "--evidence-dir", str(evidence),
        "--release", "v2.3.1", cwd=tmp_path,
    )  # fmt: skip
    assert go.returncode == 0, go.stderr
    _serve(server, 86400)
    return checklist, evidence


def test_check_json_says_what_moved_since_the_last_go(
    tmp_path: Path, http_server: HttpTestServer
) -> None:
    checklist, evidence = _go(tmp_path, http_server)
    result = gonogo(
        "check", str(checklist), "--json", "--changed-since-last-go",
        "--evidence-dir", str(evidence), cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    hsts, up = document["sections"][0]["criteria"]
    assert hsts["measured"] == {"number": 86400, "unit": "s"}
    assert hsts["last_go"] == {"status": "PASS", "number": 31536000, "unit": "s"}
    assert (hsts["moved"], hsts["worse"]) == (True, True)
    assert up["last_go"] == {"status": "PASS", "number": None, "unit": None}
    assert (up["moved"], up["worse"]) == (False, False)
    since = document["since_last_go"]
    assert since["release"] == "v2.3.1" and since["moved"] == ["hsts"]
    assert since["worse"] == [
        {
            "id": "hsts",
            "title": "HSTS max-age at least 6 months",
            "then": "31536000 s PASS",
            "now": "86400 s FAIL",
            "arrow": "▼",
        }
    ]
    # Without the flag, the document is as before.
    plain = gonogo("check", str(checklist), "--json", "--evidence-dir", str(evidence), cwd=tmp_path)
    assert "since_last_go" not in json.loads(plain.stdout)


def test_check_table_has_a_last_go_column(tmp_path: Path, http_server: HttpTestServer) -> None:
    checklist, evidence = _go(tmp_path, http_server)
    result = gonogo(
        "check", str(checklist), "--changed-since-last-go", "--evidence-dir", str(evidence),
        cwd=tmp_path,
    )  # fmt: skip
    out = result.stdout
    assert "Last GO" in out.splitlines()[2]  # the header row
    assert "31536000 s ▼" in out
    assert "Changed since last GO (v2.3.1, " in out
    assert "- hsts: HSTS max-age at least 6 months: 31536000 s PASS → 86400 s FAIL ▼" in out


def test_no_go_in_the_ledger_is_said_not_an_error(
    tmp_path: Path, http_server: HttpTestServer
) -> None:
    _serve(http_server, 31536000)
    result = gonogo(
        "check", str(_checklist(tmp_path, http_server.url)), "--changed-since-last-go",
        "--evidence-dir", str(tmp_path / "none"), "--json", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["since_last_go"] is None
    assert document["sections"][0]["criteria"][0]["last_go"] is None


def test_record_and_report_list_what_moved_the_wrong_way(
    tmp_path: Path, http_server: HttpTestServer
) -> None:
    checklist, evidence = _go(tmp_path, http_server)
    result = gonogo(
        "check", str(checklist), "--record", "--evidence-dir", str(evidence), cwd=tmp_path
    )
    assert result.returncode == 1, result.stderr
    (txt,) = evidence.glob("no_go_decision_*.txt")
    text = txt.read_text(encoding="utf-8")
    assert "Changed since last GO (v2.3.1, " in text
    assert "): 1 moved, 1 the wrong way:" in text
    assert "- hsts: HSTS max-age at least 6 months: 31536000 s PASS → 86400 s FAIL ▼" in text
    data = json.loads(txt.with_suffix(".json").read_text(encoding="utf-8"))
    assert data["since_last_go"]["worse"][0]["id"] == "hsts"
    markdown = gonogo("report", str(txt), cwd=tmp_path)
    assert markdown.returncode == 0, markdown.stderr
    assert "*Changed since last GO (v2.3.1, " in markdown.stdout
    assert "- hsts: HSTS max-age at least 6 months: 31536000 s PASS → 86400 s FAIL ▼" in (
        markdown.stdout
    )
    page = gonogo("report", str(txt), "--format", "html", cwd=tmp_path)
    assert "<h2>Changed since last GO (v2.3.1, " in page.stdout
    assert "<li>hsts: HSTS max-age at least 6 months: 31536000 s PASS → 86400 s FAIL ▼</li>" in (
        page.stdout
    )
    # The GO before it had no GO before it: no such section.
    (go_txt,) = evidence.glob("go_decision_*.txt")
    assert "Changed since last GO" not in go_txt.read_text(encoding="utf-8")
