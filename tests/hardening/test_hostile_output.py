"""Hostile probe output and planted secrets never reach the table, JSON, JUnit or record raw."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

from gonogo_tui.core.probes.base import OUTPUT_CAP
from tests.servers import HttpTestServer

HOSTILE = "[bold red]pwned[/] \x1b[31mred\x1b[0m \x1b]52;c;Y2xpcGJvYXJk\x07 nul\x00 end"
TOKEN = "ghp_plantedGithubToken1234567890"
DSN_PASSWORD = "dsnPa55word"
AUTH = "Bearer authHeaderSecret987"
DECLARED = "declaredSecretValue42"


def gonogo(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gonogo_tui", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )


def checklist(folder: Path, url: str) -> Path:
    path = folder / "hostile.yaml"
    path.write_text(
        f"""\
title: hostile
variables:
  API_SECRET: {{secret: true}}
sections:
  - id: web
    title: Web
    criteria:
      - id: markup
        title: Server answers with markup and escapes
        probe:
          kind: http
          url: {url}/hostile
          headers: {{Authorization: "{AUTH}", X-Api-Key: "${{API_SECRET}}"}}
          json: [{{path: message, equals: calm}}]
      - id: binary
        title: Invalid UTF-8 and control bytes
        probe: {{kind: http, url: "{url}/binary", body_contains: ['^calm$']}}
      - id: gh
        title: GitHub token in the URL query
        probe:
          kind: http
          url: "{url}/echo?token=${{GITHUB_TOKEN}}"
          headers: {{Authorization: "token ${{GITHUB_TOKEN}}"}}
          status: 204
      - id: db
        title: Database with a password
        probe: {{kind: sql, dsn: "postgresql://app:{DSN_PASSWORD}@127.0.0.1:9/x", query: select 1}}
      - id: bigline
        title: A 1 MB single line
        probe:
          kind: command
          command: ["{sys.executable}", "-c", "import sys; sys.stdout.write('A' * 1048576 + ' ${{API_SECRET}}')"]
          stdout: ['^B']
"""
    )
    return path


def test_hostile_output_and_secrets(http_server: HttpTestServer, tmp_path: Path) -> None:
    http_server.route(
        "GET",
        "/hostile",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"message": HOSTILE}),
    )
    http_server.route("GET", "/binary", body=b"\xff\xfe\x00\x1b[2J" + HOSTILE.encode() * 3)
    http_server.route(
        "GET", "/echo", status=500, handler=None, body=f"you sent {TOKEN} {AUTH} {DECLARED}"
    )
    path = checklist(tmp_path, http_server.url)
    env = {"GITHUB_TOKEN": TOKEN, "API_SECRET": DECLARED}
    # --trust: its `bigline` command is handed a secret (core/trust.py).
    table = gonogo(
        "check", str(path), "--junit", "out.xml", "--record", "--trust", cwd=tmp_path, env=env
    )
    as_json = gonogo("check", str(path), "--json", "--trust", cwd=tmp_path, env=env)
    assert table.returncode == 1 and as_json.returncode == 1, table.stderr + as_json.stderr
    record = next((tmp_path / "evidence").glob("no_go_decision_*.txt"))
    outputs = {
        "table": table.stdout + table.stderr,
        "json": as_json.stdout + as_json.stderr,
        "junit": (tmp_path / "out.xml").read_text(),
        "record": record.read_text(),
        "record json": record.with_suffix(".json").read_text(),
    }
    for name, text in outputs.items():
        for secret in (TOKEN, DSN_PASSWORD, AUTH, "authHeaderSecret987", DECLARED):
            assert secret not in text, f"{secret} leaked into the {name}"
        assert "\x1b" not in text and "\x00" not in text and "\x07" not in text, name
    assert "pwned[/]" in outputs["table"]  # shown literally, not taken as markup
    document = json.loads(as_json.stdout)
    criteria = {c["id"]: c for c in document["sections"][0]["criteria"]}
    markup = criteria["markup"]
    assert markup["status"] == "FAIL" and "[bold red]pwned[/]" in markup["value"]
    assert criteria["binary"]["status"] == "FAIL"
    ElementTree.parse(tmp_path / "out.xml")  # still well-formed XML
    big = criteria["bigline"]
    # The row's texts stay short; the probe's output (its findings) is kept, capped.
    row = {key: value for key, value in big.items() if key != "output"}
    assert big["status"] == "FAIL" and len(json.dumps(row)) < 10_000
    assert len(big["output"]) < OUTPUT_CAP + 100
