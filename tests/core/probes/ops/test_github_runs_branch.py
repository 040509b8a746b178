"""`github_runs` counts only runs on the branch it asks for, whatever the server filtered."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from typing import Any

import pytest

from gonogo_tui.core.probes.base import ProbeResult, Status
from tests.core.probes.ops.fake_github import OWNER_REPO, TOKEN, WORKFLOWS, FakeGitHub
from tests.core.probes.ops.helpers import arun_engine, context, spec
from tests.servers import HttpTestServer, RecordedRequest, Reply

H = timedelta(hours=1)


@pytest.fixture
def github(http_server: HttpTestServer) -> FakeGitHub:
    fake = FakeGitHub(http_server)
    for workflow in WORKFLOWS:
        fake.add(workflow, age=3 * H)
    fake.install()
    return fake


def _ignoring_branch(github: FakeGitHub) -> None:
    """Every listing answers every run of every branch: `branch=` is dropped."""

    def listing(workflow: str | None) -> Any:
        def answer(request: RecordedRequest) -> Reply:
            query = re.sub(r"(^|&)branch=[^&]*", "", request.query)
            return github._list(dataclasses.replace(request, query=query), workflow)

        return answer

    base = f"/repos/{OWNER_REPO}/actions"
    github.server.route("GET", f"{base}/runs", handler=listing(None))
    for workflow in WORKFLOWS:
        github.server.route("GET", f"{base}/workflows/{workflow}/runs", handler=listing(workflow))


async def run(github: FakeGitHub, **fields: Any) -> ProbeResult:
    probe = spec(
        **{
            "kind": "github_runs",
            "api_url": github.server.url,
            "repository": OWNER_REPO,
            "token": TOKEN,
            "workflows": ["headers-smoke.yml"],
            "branch": "main",
            "max_age": "24h",
            "recent": {"count": 3},
            **fields,
        }
    )
    return await arun_engine(probe, context(), secrets=(TOKEN,))


async def test_a_server_ignoring_branch_brings_no_other_branch_in(github: FakeGitHub) -> None:
    github.add("headers-smoke.yml", age=1 * H, conclusion="failure", branch="feature/x")
    github.add("test-workflow.yml", age=0.5 * H, status="in_progress", branch="feature/x")
    _ignoring_branch(github)
    result = await run(github)
    assert result.status is Status.PASS, result.detail
    assert result.value == "1/1 green, 0 pending, 0 failed"
    # Asked for every branch, the same answers count.
    everywhere = await run(github, branch=None)
    assert everywhere.status is Status.FAIL
    assert "headers-smoke.yml: latest run failure" in everywhere.detail
