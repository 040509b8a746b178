"""Secrets quoted by error messages: libpq's conninfo errors and checklist load errors.

libpq splits a connection string before it knows which part is the password, so its
errors quote fragments of it; a load error quotes the value that did not validate.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gonogo_tui.core.checklist import load_checklist
from gonogo_tui.core.engine import ProbeRunner
from gonogo_tui.core.errors import ChecklistError
from tests.security.leaks import leaks
from tests.security.test_secret_matrix import planted
from tests.servers import HttpTestServer, PostgresServer, RecordedRequest, Reply


def sql_checklist(folder: Path, dsn: str) -> Path:
    path = folder / "sql.yaml"
    path.write_text(
        "title: libpq errors\n"
        "variables:\n"
        "  PW: {secret: true}\n"
        "sections:\n"
        "  - id: db\n"
        "    title: Database\n"
        "    criteria:\n"
        "      - id: q\n"
        "        title: The database answers\n"
        f"        probe: {{kind: sql, dsn: '{dsn}', query: 'select 1', connect_timeout: 3}}\n"
    )
    return path


@pytest.mark.parametrize(
    ("password", "dsn", "quoted"),
    [
        # libpq reads `password=abc` and then a keyword `defghi` with no `=`.
        ("abcX defghi", "host={host} port={port} user=postgres password=${{PW}}", "defghi"),
        # The URI's user info ends at the first `@`: `ss0rd@127.0.0.1` is taken as the host.
        ("p@ss0rd", "postgresql://postgres:${{PW}}@{host}:{port}/postgres", "ss0rd"),
    ],
)
async def test_libpq_errors_quote_no_fragment_of_the_password(
    password: str, dsn: str, quoted: str, tmp_path: Path, postgres: PostgresServer
) -> None:
    path = sql_checklist(tmp_path, dsn.format(host=postgres.host, port=postgres.port))
    checklist = load_checklist(path, environ={"PW": password})
    runner = ProbeRunner.for_checklist(checklist, root=tmp_path, retry_backoff=0)
    result = await runner.run(checklist.criterion("q"))
    await runner.aclose()
    assert result.status.value == "ERROR"
    text = f"{result.value} {result.detail} {result.output} {result.source}"
    assert quoted not in text, text
    assert not leaks(text, password), text
    assert "***" in text


def test_a_load_error_does_not_quote_a_secret(tmp_path: Path) -> None:
    secret = "s3cr3t-" + "x" * 70
    path = tmp_path / "bad.yaml"
    path.write_text(
        "title: load error\n"
        "variables:\n"
        "  SECRET: {secret: true}\n"
        "sections:\n"
        "  - id: s\n"
        "    title: S\n"
        "    criteria:\n"
        "      - id: c\n"
        "        title: C\n"
        "        timeout: ${SECRET}\n"
        "        manual: true\n"
    )
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path, environ={"SECRET": secret})
    message = str(caught.value)
    assert "criteria[0].timeout" in message and "is not a duration" in message
    assert not leaks(message, secret), message


async def test_a_server_answer_cut_short_by_a_probe_keeps_no_start_of_a_secret(
    tmp_path: Path,
) -> None:
    """The prometheus probe quotes 80 characters of an answer that is not JSON: a proxy
    echoing the token there is cut mid-token before the engine's redaction sees it."""
    secret = planted(96)

    def proxy(request: RecordedRequest) -> Reply:
        return Reply(200, body=f"proxy: {request.headers.get('authorization')} refused")

    server = HttpTestServer()
    server.start()
    server.route("*", "*", handler=proxy)
    path = tmp_path / "prom.yaml"
    path.write_text(
        "title: cut answers\n"
        "variables:\n"
        "  PROM_TOKEN: {secret: true}\n"
        "sections:\n"
        "  - id: s\n"
        "    title: S\n"
        "    criteria:\n"
        "      - id: rules\n"
        "        title: Rules loaded\n"
        f"        probe: {{kind: prometheus, url: '{server.url}', token: '${{PROM_TOKEN}}',"
        " alert_rules: '>= 1'}\n"
    )
    try:
        checklist = load_checklist(path, environ={"PROM_TOKEN": secret})
        runner = ProbeRunner.for_checklist(checklist, root=tmp_path, retry_backoff=0)
        result = await runner.run(checklist.criterion("rules"))
        await runner.aclose()
    finally:
        server.stop()
    assert result.status.value == "ERROR"
    assert "not JSON" in result.detail and "Bearer ***" in result.detail, result.detail
    assert not leaks(result.detail, secret), result.detail
