"""`gonogo schema` documents the fields issues 21 and 13 added, so an editor can offer them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.fixture(scope="module")
def definitions() -> dict[str, dict[str, object]]:
    """The schema as `gonogo schema` prints it."""
    printed = subprocess.run(
        [sys.executable, "-m", "gonogo_tui", "schema"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    schema = json.loads(printed.stdout)
    return dict(schema["$defs"])


@pytest.mark.parametrize(
    ("model", "field", "words"),
    [
        ("JsonCheck", "query", "JMESPath"),
        ("JsonCheck", "path", "Give path or query"),
        ("SqlProbe", "values", "all must hold"),
        ("FileProbe", "date_match", "every match must parse and be within max_age"),
        ("MetricsProbe", "gauge", '{__name__=~"cpu_usage|memory_usage"}'),
        ("OnCallProbe", "columns", "{role: Rota, name: Engineer}"),
        ("OnCallColumns", "role", "each row's role"),
    ],
)
def test_new_fields_are_described(
    definitions: dict[str, dict[str, object]], model: str, field: str, words: str
) -> None:
    properties = definitions[model]["properties"]
    assert isinstance(properties, dict)
    assert words in properties[field]["description"]


def test_the_shapes_are_in_the_schema(definitions: dict[str, dict[str, object]]) -> None:
    date_match = definitions["FileProbe"]["properties"]
    assert isinstance(date_match, dict)
    assert date_match["date_match"]["enum"] == ["first", "all", "newest", "oldest"]
    gauge = definitions["MetricsProbe"]["properties"]
    assert isinstance(gauge, dict)
    assert [option.get("type") for option in gauge["gauge"]["anyOf"]] == [
        "string",
        "array",
        "null",
    ]
    assert "until the next row's start" in " ".join(
        str(definitions["OnCallProbe"]["description"]).split()
    )
