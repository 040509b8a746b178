"""`gonogo check --json` carries each probe's full findings (`output`), redacted; `-v` is
accepted after the subcommand as well as before it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.servers import HttpTestServer
from tests.test_cli_check import gonogo

SECRET = "s3cr3t-token-0123456789"


def _checklist(folder: Path, url: str) -> Path:
    path = folder / "checklist.yaml"
    path.write_text(f"""\
title: Output
variables:
  API_TOKEN: {{default: "{SECRET}", secret: true}}
sections:
  - id: web
    title: Web
    criteria:
      - id: status
        title: Status is ok
        probe:
          kind: http
          url: {url}/status
          headers: {{X-Api-Key: "${{API_TOKEN}}"}}
          json: [{{path: state, compare: "== ok"}}]
""")
    return path


def test_check_json_carries_each_probes_output_redacted(
    tmp_path: Path, http_server: HttpTestServer
) -> None:
    http_server.route(
        "GET",
        "/status",
        body={"status": {"state": "ok"}, "echo": f"key {SECRET}", "build": "4711"},
    )
    result = gonogo("check", str(_checklist(tmp_path, http_server.url)), "--json", cwd=tmp_path)
    [criterion] = json.loads(result.stdout)["sections"][0]["criteria"]
    assert criterion["status"] in ("FAIL", "ERROR")
    assert "4711" in criterion["output"]  # the whole body, where the detail names the keys
    assert '"state"' in criterion["output"]
    assert SECRET not in result.stdout


def test_verbose_after_the_subcommand(tmp_path: Path, http_server: HttpTestServer) -> None:
    http_server.route("GET", "/status", body={"state": "ok"})
    checklist = str(_checklist(tmp_path, http_server.url))
    for args in (
        ("check", checklist, "-v"),
        ("-v", "check", checklist),
        ("check", "-v", checklist),
    ):
        result = gonogo(*args, cwd=tmp_path)
        assert result.returncode == 0, (args, result.stderr)
        assert "DEBUG" in result.stderr, args
        assert SECRET not in result.stderr
    quiet = gonogo("check", checklist, cwd=tmp_path)
    assert "DEBUG" not in quiet.stderr
