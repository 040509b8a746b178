"""A GitHub-shaped REST API on an HttpTestServer: workflow runs, pagination, errors.

The JSON follows GitHub's "List workflow runs for a workflow" and "List workflow runs for a
repository" responses (`total_count`, `workflow_runs[]` with id, name, head_branch, path,
run_number, event, status, conclusion, workflow_id, html_url, created_at, updated_at,
run_started_at, run_attempt), newest first, paged by `per_page`/`page` with a Link header.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from gonogo_tui.core.probes.base import iso_utc
from tests.core.probes.ops.helpers import T0
from tests.servers import HttpTestServer, RecordedRequest, Reply

OWNER_REPO = "spark/trading"
TOKEN = "ghp_test0123456789abcdef"
WORKFLOWS = {
    "contract-chaos-tests.yml": "Contract & chaos tests",
    "headers-smoke.yml": "Headers smoke",
    "database-drift-check.yml": "Database drift check",
    "test-workflow.yml": "Tests",
}
BAD_CREDENTIALS = {
    "message": "Bad credentials",
    "documentation_url": "https://docs.github.com/rest",
    "status": "401",
}
NOT_FOUND = {
    "message": "Not Found",
    "documentation_url": "https://docs.github.com/rest/actions/workflow-runs",
    "status": "404",
}


@dataclass
class FakeGitHub:
    """Runs per workflow file; `install` routes them on a test server."""

    server: HttpTestServer
    runs: list[dict[str, Any]] = field(default_factory=list)
    token: str = TOKEN
    failure: Reply | None = None
    """When set, every API request gets this answer (401, 403, 429 ...)."""
    _next_id: int = 30433642

    def add(
        self,
        workflow: str,
        *,
        age: timedelta,
        status: str = "completed",
        conclusion: str | None = "success",
        branch: str = "main",
        duration: timedelta = timedelta(minutes=6),
    ) -> dict[str, Any]:
        """A run created `age` before T0 (updated `duration` later when completed)."""
        self._next_id += 1
        created = T0 - age
        updated = created + duration if status == "completed" else created
        run = {
            "id": self._next_id,
            "name": WORKFLOWS.get(workflow, workflow),
            "node_id": f"WFR_kwLOA{self._next_id}",
            "head_branch": branch,
            "head_sha": f"{self._next_id:040x}",
            "path": f".github/workflows/{workflow}@{branch}",
            "display_title": "Update risk limits",
            "run_number": self._next_id % 1000,
            "event": "push",
            "status": status,
            "conclusion": conclusion if status == "completed" else None,
            "workflow_id": 159038 + list(WORKFLOWS).index(workflow) if workflow in WORKFLOWS else 1,
            "check_suite_id": 414944374,
            "url": f"https://api.github.com/repos/{OWNER_REPO}/actions/runs/{self._next_id}",
            "html_url": f"https://github.com/{OWNER_REPO}/actions/runs/{self._next_id}",
            "pull_requests": [],
            "created_at": _iso(created),
            "updated_at": _iso(updated),
            "run_attempt": 1,
            "run_started_at": _iso(created),
            "actor": {"login": "octocat", "id": 1},
            "_workflow": workflow,
        }
        self.runs.append(run)
        return run

    def install(self) -> None:
        """Route the repository listing and every known workflow's listing."""
        base = f"/repos/{OWNER_REPO}/actions"
        self.server.route("GET", f"{base}/runs", handler=lambda r: self._list(r, None))
        for workflow in {*WORKFLOWS, *(run["_workflow"] for run in self.runs)}:
            self.server.route(
                "GET", f"{base}/workflows/{workflow}/runs", handler=self._lister(workflow)
            )
        for missing in ("/repos/spark/missing/actions/runs", f"{base}/workflows/nope.yml/runs"):
            self.server.route("GET", missing, handler=self._not_found)

    def _lister(self, workflow: str) -> Callable[[RecordedRequest], Reply]:
        return lambda request: self._list(request, workflow)

    def _not_found(self, request: RecordedRequest) -> Reply:
        return self.failure or Reply(404, body=NOT_FOUND)

    def _list(self, request: RecordedRequest, workflow: str | None) -> Reply:
        if self.failure is not None:
            return self.failure
        # GitHub takes both schemes: httpx callers send Bearer, the gh CLI sends `token`.
        if request.headers.get("authorization") not in (
            f"Bearer {self.token}",
            f"token {self.token}",
        ):
            return Reply(401, body=BAD_CREDENTIALS)
        query = {key: values[0] for key, values in parse_qs(request.query).items()}
        selected = [
            run
            for run in self.runs
            if (workflow is None or run["_workflow"] == workflow)
            and ("branch" not in query or run["head_branch"] == query["branch"])
        ]
        selected.sort(key=lambda run: run["created_at"], reverse=True)
        per_page = min(int(query.get("per_page", "30")), 100)
        page = int(query.get("page", "1"))
        chunk = selected[(page - 1) * per_page : page * per_page]
        headers = {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4999"}
        last = max(1, -(-len(selected) // per_page))
        if page < last:
            links = [
                f'<{self._url(request, query, page + 1)}>; rel="next"',
                f'<{self._url(request, query, last)}>; rel="last"',
            ]
            headers["Link"] = ", ".join(links)
        body = {
            "total_count": len(selected),
            "workflow_runs": [{k: v for k, v in run.items() if k != "_workflow"} for run in chunk],
        }
        return Reply(200, headers, body)

    def _url(self, request: RecordedRequest, query: dict[str, str], page: int) -> str:
        # Like GitHub, next-page links name the host the client asked for.
        params = "&".join(f"{k}={v}" for k, v in {**query, "page": str(page)}.items())
        host = request.headers.get("host", f"{self.server.host}:{self.server.port}")
        return f"http://{host}{request.path}?{params}"


def _iso(moment: datetime) -> str:
    return iso_utc(moment).replace(".000Z", "Z")
