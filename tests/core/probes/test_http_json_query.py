"""`json: [{query: ...}]`: JMESPath picks a list item by its key (issue 21)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.probes.base import Observation, ProbeContext
from gonogo_tui.core.probes.http import HttpProbe
from tests.core.probes.local_servers import LocalHttpServer

FEATURES = {
    "service": "orders",
    "features": [
        {"key": "FEATURE_LEDGER", "canToggle": False},
        {"key": "FEATURE_OUTBOX", "canToggle": True, "rollout": 40},
    ],
}
SHIPPED = Path(__file__).resolve().parents[3] / "checklists" / "spark-trading.yaml"
OUTBOX = "features[?key=='FEATURE_OUTBOX']"


def _probe(**fields: Any) -> HttpProbe:
    return HttpProbe.model_validate({"kind": "http", **fields})


async def _run(server: LocalHttpServer, json_checks: list[dict[str, Any]]) -> Observation:
    server.respond(
        "/features", headers={"Content-Type": "application/json"}, body=json.dumps(FEATURES)
    )
    spec = _probe(url=f"{server.url}/features", json=json_checks)
    async with asyncio.timeout(5):
        return await spec.run(ProbeContext(root=Path("."), timeout=5))


async def test_a_query_picks_the_list_item_by_its_key(probe_http: LocalHttpServer) -> None:
    passing = await _run(
        probe_http,
        [
            {"query": f"{OUTBOX}.canToggle | [0]", "equals": True},
            {"query": f"{OUTBOX}.rollout | [0]", "compare": ">= 25"},
        ],
    )
    assert passing.ok, passing.detail
    assert f"{OUTBOX}.canToggle | [0] = true" in passing.detail
    assert f"{OUTBOX}.rollout | [0] = 40" in passing.detail

    failing = await _run(probe_http, [{"query": f"{OUTBOX}.rollout | [0]", "compare": "> 50"}])
    assert not failing.ok
    assert failing.value == "40"
    assert failing.detail == f"JSON {OUTBOX}.rollout | [0] = 40 (expected > 50)"


async def test_a_query_that_matches_nothing_names_the_top_level_keys(
    probe_http: LocalHttpServer,
) -> None:
    missing = await _run(
        probe_http, [{"query": "features[?key=='FEATURE_GONE'].canToggle | [0]", "equals": True}]
    )
    assert not missing.ok
    assert missing.value == "missing"
    assert missing.detail == (
        "JSON features[?key=='FEATURE_GONE'].canToggle | [0] missing "
        "(top-level keys: service, features)"
    )
    absent = await _run(
        probe_http, [{"query": "features[?key=='FEATURE_GONE'] | [0]", "exists": False}]
    )
    assert absent.ok, absent.detail


async def test_a_query_that_cannot_apply_is_an_error(probe_http: LocalHttpServer) -> None:
    with pytest.raises(ProbeError, match=r"JSON query abs\(service\): In function abs\(\)"):
        await _run(probe_http, [{"query": "abs(service)", "equals": 1}])


def test_the_query_is_checked_when_the_checklist_loads() -> None:
    with pytest.raises(ValueError, match="is not a JMESPath query"):
        _probe(url="http://x", json=[{"query": "features[?key==", "equals": True}])
    with pytest.raises(ValueError, match="give 'path' or 'query'"):
        _probe(url="http://x", json=[{"path": "a", "query": "a", "equals": 1}])
    with pytest.raises(ValueError, match="give 'path' or 'query'"):
        _probe(url="http://x", json=[{"equals": 1}])
    spec = _probe(url="http://x", json=[{"query": f"{OUTBOX}.canToggle | [0]", "equals": True}])
    assert spec.expectation() == f"status < 400, {OUTBOX}.canToggle | [0] == true"


def test_a_checklist_without_queries_never_imports_jmespath() -> None:
    """Validating stays fast (pre-commit): the JMESPath parser loads only for a query."""
    code = (
        "import sys\n"
        "from gonogo_tui.core.checklist import load_checklist\n"
        f"load_checklist({str(SHIPPED)!r})\n"
        "print('jmespath' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "False"


async def test_a_path_that_stops_at_a_missing_key_suggests_the_closest(
    probe_http: LocalHttpServer,
) -> None:
    """For `gonogo doctor`: the key the path names, the closest the object there has."""
    observation = await _run(
        probe_http,
        [
            {"path": "service", "equals": "orders"},
            {"path": "features[1].rolout", "compare": ">= 25"},
        ],
    )
    assert not observation.ok
    assert "features[1] has keys: rollout" in observation.detail
    [suggestion] = observation.suggestions
    assert (suggestion.field, suggestion.found, suggestion.suggested) == (
        "json[1].path",
        "rolout",
        "rollout",
    )
    fitted = await _run(
        probe_http,
        [
            {"path": "service", "equals": "orders"},
            {"path": "features[1].rollout", "compare": ">= 25"},
        ],
    )
    assert fitted.ok and not fitted.suggestions
