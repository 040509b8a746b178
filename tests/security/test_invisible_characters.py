"""Bidirectional controls and invisible characters never reach a person raw.

A server answers with U+202E (right-to-left override), U+2067 (right-to-left isolate),
U+061C (Arabic letter mark) and U+200B (zero-width space) in a JSON field that a check
shows, and a criterion's title holds them too. The table, JUnit and the reports show them
as visible escapes (`\\u202e`); `--json` writes them as JSON escapes, so it still parses
to the same values.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import HttpTestServer

INVISIBLE = ("\u202e", "\u2067", "\u061c", "\u200b")
HOSTILE = "invoice\u202efdp.exe \u2067isolated\u2069 mark\u061c zero\u200bwidth"
ESCAPED = "invoice\\u202efdp.exe \\u2067isolated\\u2069 mark\\u061c zero\\u200bwidth"


@pytest.fixture
def server() -> Iterator[HttpTestServer]:
    server = HttpTestServer()
    server.start()
    server.route("GET", "/name", body={"name": HOSTILE})
    try:
        yield server
    finally:
        server.stop()


def gonogo(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gonogo_tui", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "250"},
        timeout=60,
        check=False,
    )


def test_no_output_for_people_carries_an_invisible_character(
    tmp_path: Path, server: HttpTestServer
) -> None:
    checklist = tmp_path / "bidi.yaml"
    checklist.write_text(
        "title: Invisible characters\n"
        "sections:\n"
        "  - id: web\n"
        "    title: Web\n"
        "    criteria:\n"
        "      - id: name\n"
        f"        title: {json.dumps('Title ' + HOSTILE)}\n"
        "        probe:\n"
        "          kind: http\n"
        f"          url: {server.url}/name\n"
        "          json: [{path: name, equals: calm}]\n",
        encoding="utf-8",
    )
    evidence = tmp_path / "evidence"
    junit = tmp_path / "junit.xml"
    table = gonogo(
        "check", str(checklist), "--junit", str(junit), "--record",
        "--evidence-dir", str(evidence), cwd=tmp_path,
    )  # fmt: skip
    as_json = gonogo("check", str(checklist), "--json", cwd=tmp_path)
    record = next(evidence.glob("*decision_*.txt"))
    markdown = gonogo("report", str(record), cwd=tmp_path)
    page = gonogo("report", str(record), "--format", "html", cwd=tmp_path)
    outputs = {
        "table": table.stdout,
        "--json": as_json.stdout,
        "junit": junit.read_text(encoding="utf-8"),
        "report markdown": markdown.stdout,
        "report html": page.stdout,
        "record": record.read_text(encoding="utf-8"),
    }
    raw = {name: [hex(ord(c)) for c in INVISIBLE if c in text] for name, text in outputs.items()}
    assert not {name: found for name, found in raw.items() if found}
    for name in ("table", "junit", "report markdown", "report html"):
        assert "\\u202e" in outputs[name], (name, outputs[name])
    # --json stays valid and its values are the measured text, unchanged.
    document = json.loads(as_json.stdout)
    criterion = document["sections"][0]["criteria"][0]
    assert criterion["title"] == "Title " + HOSTILE
    assert HOSTILE in criterion["detail"] or HOSTILE[:40] in criterion["detail"]


def test_one_rule_for_every_invisible_format_character() -> None:
    import unicodedata

    from gonogo_tui.core.sanitize import neutralise_invisible, printable

    format_characters = [
        chr(code)
        for code in range(0x110000)
        if unicodedata.category(chr(code)) in ("Cf", "Zl", "Zp")
    ]
    assert format_characters
    for character in format_characters:
        assert character not in neutralise_invisible(f"a{character}b"), hex(ord(character))
        assert character not in printable(f"a{character}b"), hex(ord(character))
    assert neutralise_invisible(HOSTILE) == ESCAPED
    assert neutralise_invisible("plain, é, 日本, emoji 🙂") == "plain, é, 日本, emoji 🙂"
