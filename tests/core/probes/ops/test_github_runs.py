"""The `github_runs` probe against a local server answering GitHub-shaped JSON."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from gonogo_tui.core.probes.base import ProbeResult, Status
from tests.core.probes.ops.fake_github import OWNER_REPO, TOKEN, WORKFLOWS, FakeGitHub
from tests.core.probes.ops.helpers import T0, arun_engine, context, spec
from tests.servers import HttpTestServer, RecordedRequest, Reply

H = timedelta(hours=1)


@pytest.fixture
def github(http_server: HttpTestServer) -> FakeGitHub:
    fake = FakeGitHub(http_server)
    for workflow in WORKFLOWS:
        fake.add(workflow, age=30 * H)
        fake.add(workflow, age=3 * H)
    fake.install()
    return fake


def probe(github: FakeGitHub, **fields: Any) -> Any:
    base: dict[str, Any] = {
        "kind": "github_runs",
        "api_url": github.server.url,
        "repository": OWNER_REPO,
        "token": TOKEN,
        "workflows": list(WORKFLOWS),
        "branch": "main",
        "max_age": "24h",
        "recent": {"count": 5},
    }
    return spec(**{**base, **fields})


async def run(github: FakeGitHub, **fields: Any) -> ProbeResult:
    return await arun_engine(probe(github, **fields), context(), secrets=(TOKEN,))


async def test_all_green(github: FakeGitHub) -> None:
    result = await run(github)
    assert result.status is Status.PASS
    assert result.value == "4/4 green, 0 pending, 0 failed"
    assert result.detail == "4 workflows green within 24h; latest 5 runs clean"
    assert result.expected == "each latest run success < 24h, none pending or failed in latest 5"
    path = f"/repos/{OWNER_REPO}/actions/workflows/contract-chaos-tests.yml/runs"
    first = next(r for r in github.server.requests if r.path == path)
    assert "branch=main" in first.query
    assert first.headers["authorization"] == f"Bearer {TOKEN}"
    assert first.headers["accept"] == "application/vnd.github+json"
    assert first.headers["x-github-api-version"] == "2022-11-28"
    assert TOKEN not in repr(result)


async def test_workflows_and_recent_runs_are_asked_at_once(github: FakeGitHub) -> None:
    """One round trip: every listing is in flight together (each answer waits for all)."""
    together = threading.Barrier(len(WORKFLOWS) + 1, timeout=3)

    def gated(lister: Callable[[RecordedRequest], Reply]) -> Callable[[RecordedRequest], Reply]:
        def answer(request: RecordedRequest) -> Reply:
            try:
                together.wait()
            except threading.BrokenBarrierError:
                return Reply(503, body={"message": "asked one after another"})
            return lister(request)

        return answer

    base = f"/repos/{OWNER_REPO}/actions"
    github.server.route("GET", f"{base}/runs", handler=gated(lambda r: github._list(r, None)))
    for workflow in WORKFLOWS:
        github.server.route(
            "GET", f"{base}/workflows/{workflow}/runs", handler=gated(github._lister(workflow))
        )
    result = await run(github)
    assert (result.status, result.value) == (Status.PASS, "4/4 green, 0 pending, 0 failed")


async def test_latest_failure_and_stale_success(github: FakeGitHub) -> None:
    github.add("headers-smoke.yml", age=1 * H, conclusion="failure")
    github.runs = [r for r in github.runs if r["_workflow"] != "test-workflow.yml"]
    github.add("test-workflow.yml", age=40 * H)
    result = await run(github, recent=None)
    assert result.status is Status.FAIL
    assert result.value == "2/4 green"
    assert result.detail == (
        "headers-smoke.yml: latest run failure (54m ago); "
        "test-workflow.yml: last success 40h ago, older than 24h"
    )


async def test_in_progress_run_is_pending_not_a_failure(github: FakeGitHub) -> None:
    github.add("test-workflow.yml", age=timedelta(minutes=5), status="in_progress")
    github.add("headers-smoke.yml", age=timedelta(minutes=2), status="queued")
    workflows_only = await run(github, recent=None)
    assert workflows_only.status is Status.PASS  # the latest completed runs are green
    result = await run(github)
    assert result.status is Status.FAIL
    assert result.value == "4/4 green, 2 pending, 0 failed"
    assert result.detail.startswith("2 runs pending: Headers smoke #")
    only_failed = await run(github, recent={"count": 5, "forbid": ["failed"]})
    assert only_failed.status is Status.PASS


async def test_failed_run_among_recent_on_any_workflow(github: FakeGitHub) -> None:
    github.add("deploy.yml", age=timedelta(minutes=30), conclusion="timed_out")
    github.add("lint.yml", age=timedelta(minutes=20), conclusion="cancelled")
    github.install()
    result = await run(github)
    assert result.status is Status.FAIL
    assert result.value == "4/4 green, 0 pending, 1 failed"
    assert "1 recent run failed: deploy.yml #" in result.detail  # cancelled is not a failure


async def test_pagination_follows_link_headers(github: FakeGitHub) -> None:
    for minutes in (1, 2, 3):
        github.add("test-workflow.yml", age=timedelta(minutes=minutes), status="in_progress")
    result = await run(
        github, workflows=["test-workflow.yml"], per_page=2, recent={"count": 5, "forbid": []}
    )
    assert result.status is Status.PASS  # the completed run was on page 2
    paths = [(r.path, r.query) for r in github.server.requests]
    workflow_pages = [q for p, q in paths if p.endswith("test-workflow.yml/runs")]
    assert len(workflow_pages) == 2
    assert "page=2" in workflow_pages[1]
    repo_pages = [q for p, q in paths if p.endswith("/actions/runs")]
    assert len(repo_pages) == 3  # 5 runs at 2 per page


async def test_max_pages_bounds_the_search(github: FakeGitHub) -> None:
    for minutes in range(1, 6):
        github.add("test-workflow.yml", age=timedelta(minutes=minutes), status="queued")
    result = await run(
        github, workflows=["test-workflow.yml"], per_page=2, max_pages=2, recent=None
    )
    assert (result.status, result.detail) == (
        Status.FAIL, "test-workflow.yml: no completed run on main",
    )  # fmt: skip


async def test_other_branches_are_ignored(github: FakeGitHub) -> None:
    github.add("headers-smoke.yml", age=1 * H, conclusion="failure", branch="feature/x")
    assert (await run(github)).status is Status.PASS
    any_branch = await run(github, branch=None)
    assert any_branch.status is Status.FAIL


async def test_bad_token(github: FakeGitHub) -> None:
    result = await run(github, token="ghp_wrong_token_value")
    assert result.status is Status.ERROR
    assert result.detail == "GitHub API 401: bad or expired token (Bad credentials)"


async def test_missing_repository_or_workflow(github: FakeGitHub) -> None:
    repo = await run(github, repository="spark/missing", workflows=[])
    assert repo.status is Status.ERROR
    assert repo.detail == (
        "GitHub API 404: spark/missing runs not found (missing, misspelt, or not visible to "
        "the token)"
    )
    workflow = await run(github, workflows=["nope.yml"], recent=None)
    assert "spark/trading workflow nope.yml not found" in workflow.detail


async def test_rate_limits(github: FakeGitHub) -> None:
    reset = int((T0 + timedelta(minutes=12)).timestamp())
    github.failure = Reply(
        403,
        {"x-ratelimit-limit": "60", "x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
        {"message": "API rate limit exceeded for 127.0.0.1.", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"},
    )  # fmt: skip
    primary = await run(github)
    assert (primary.status, primary.detail) == (
        Status.ERROR, "GitHub API rate limit exhausted (403); resets at 10:12:00 UTC",
    )  # fmt: skip
    github.failure = Reply(
        429, {"retry-after": "60"}, {"message": "You have exceeded a secondary rate limit."}
    )
    secondary = await run(github)
    assert secondary.detail == "GitHub API secondary rate limit (429): retry after 60s"
    github.failure = Reply(403, {}, {"message": "Resource not accessible by integration"})
    forbidden = await run(github)
    assert forbidden.detail.startswith(
        "GitHub API 403: forbidden for spark/trading (Resource not accessible by integration)"
    )


async def test_server_error_and_garbage(github: FakeGitHub) -> None:
    github.failure = Reply(502, {}, "<html>Bad gateway</html>")
    result = await run(github)
    assert result.status is Status.ERROR
    assert result.detail.startswith("GitHub API 502 for workflow contract-chaos-tests.yml")
    github.failure = Reply(200, {}, {"unexpected": True})
    garbage = await run(github)
    assert "answer has no 'workflow_runs' list" in garbage.detail


def test_spec_validation() -> None:
    base = {"kind": "github_runs", "repository": OWNER_REPO}
    with pytest.raises(ValidationError, match="give 'workflows', 'recent' or both"):
        spec(**base)
    with pytest.raises(ValidationError):
        spec(**{**base, "repository": "not a repo", "workflows": ["a.yml"]})
    with pytest.raises(ValidationError):
        spec(**{**base, "recent": {"count": 5, "forbid": ["slow"]}})
    default = spec(**base, workflows=["a.yml"])
    assert default.api_url == "https://api.github.com"
    assert default.source() == "https://api.github.com/repos/spark/trading/actions (a.yml)"


async def test_via_gh_when_no_token(
    github: FakeGitHub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`gh api` with its own credentials, pointed at the local server through a proxy."""
    for minutes in (1, 2, 3):
        github.add("test-workflow.yml", age=timedelta(minutes=minutes), status="in_progress")
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    monkeypatch.setenv("HTTP_PROXY", github.server.url)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GH_CONFIG_DIR", str(tmp_path))
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    result = await arun_engine(
        probe(github, api_url="http://api.github.localhost", token="", per_page=2, recent=None),
        context(),
    )
    assert result.status is Status.PASS
    assert result.detail == "4 workflows green within 24h (via gh)"
    hosts = {r.headers.get("host") for r in github.server.requests}
    assert hosts == {"api.github.localhost"}
    assert any("page=2" in r.query for r in github.server.requests)  # Link followed through gh
    monkeypatch.setenv("GH_TOKEN", "wrong")
    refused = await arun_engine(
        probe(github, api_url="http://api.github.localhost", token=""), context()
    )
    assert refused.detail == "GitHub API 401: bad or expired token (Bad credentials)"


async def test_gh_always_without_gh(github: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    result = await arun_engine(probe(github, token="", use_gh="always"), context())
    assert result.detail == "use_gh is 'always' but the gh CLI is not installed"


def _unfiltered(github: FakeGitHub) -> None:
    """Every workflow's listing answers with every run of the repository (a server that
    ignores the workflow filter)."""
    base = f"/repos/{OWNER_REPO}/actions"
    for workflow in WORKFLOWS:
        github.server.route(
            "GET", f"{base}/workflows/{workflow}/runs", handler=lambda r: github._list(r, None)
        )


async def test_unfiltered_listings_count_only_the_workflows_own_runs(github: FakeGitHub) -> None:
    # The newest run of the repository is another workflow's failure: it must not count
    # as headers-smoke.yml's latest run, nor as a recent run of it.
    github.add("database-drift-check.yml", age=1 * H, conclusion="failure")
    _unfiltered(github)
    result = await run(
        github,
        workflows=["headers-smoke.yml"],
        recent={"count": 2, "workflows": ["headers-smoke.yml"]},
    )
    assert result.status is Status.PASS, result.detail
    assert result.value == "1/1 green, 0 pending, 0 failed"
    assert "Database drift check" not in result.output


async def test_workflow_id_matches_runs_by_workflow_id(github: FakeGitHub) -> None:
    github.add("database-drift-check.yml", age=1 * H, conclusion="failure")
    _unfiltered(github)
    drift_id = 159038 + list(WORKFLOWS).index("database-drift-check.yml")
    base = f"/repos/{OWNER_REPO}/actions"
    github.server.route(
        "GET", f"{base}/workflows/{drift_id}/runs", handler=lambda r: github._list(r, None)
    )
    result = await run(github, workflows=[str(drift_id)], recent=None)
    assert result.status is Status.FAIL
    assert result.detail.startswith(f"{drift_id}: latest run failure")


async def test_a_run_without_run_number_is_named_by_its_id(github: FakeGitHub) -> None:
    failed = github.add("headers-smoke.yml", age=1 * H, conclusion="failure")
    del failed["run_number"]
    result = await run(github, workflows=[])
    assert result.status is Status.FAIL
    assert f"Headers smoke run {failed['id']} (failure)" in result.detail
    assert "#?" not in result.detail


async def test_missing_workflow_names_the_workflow_files_the_repository_has(
    github: FakeGitHub,
) -> None:
    from gonogo_tui.core.errors import ProbeError

    github.server.route(
        "GET",
        f"/repos/{OWNER_REPO}/actions/workflows",
        body={
            "total_count": len(WORKFLOWS),
            "workflows": [
                {"id": 159038 + i, "name": name, "path": f".github/workflows/{file}"}
                for i, (file, name) in enumerate(WORKFLOWS.items())
            ],
        },
    )
    result = await run(github, workflows=["nope.yml"], recent=None)
    assert result.status is Status.ERROR
    assert "spark/trading workflow nope.yml not found" in result.detail
    assert "the repository has: " in result.detail
    assert "headers-smoke.yml" in result.detail
    assert result.output.startswith("workflow files the repository has, closest first:")
    with pytest.raises(ProbeError) as raised:
        await probe(github, workflows=["nope.yml"], recent=None).run(context())
    [suggestion] = raised.value.suggestions
    assert (suggestion.field, suggestion.found) == ("workflows[0]", "nope.yml")
    assert suggestion.suggested in WORKFLOWS
