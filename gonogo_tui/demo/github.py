"""A GitHub-shaped REST API for the demo: Actions workflows and their runs, with pagination."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

from gonogo_tui.demo.flavours import Shape
from gonogo_tui.demo.services import HttpServer, RecordedRequest, Reply

WORKFLOWS = (
    "contract-chaos-tests.yml",
    "headers-smoke.yml",
    "database-drift-check.yml",
    "test-workflow.yml",
)
"""The four workflows the seed checks, in `.github/workflows/`."""
DEPLOY_WORKFLOW = "deploy.yml"
"""The deployment workflow (`DEPLOY_WORKFLOW`): none of its runs may be in progress."""
ALL_WORKFLOWS = (*WORKFLOWS, DEPLOY_WORKFLOW)
_WORKFLOW_TITLES = {
    "contract-chaos-tests.yml": "Contract & chaos tests",
    "headers-smoke.yml": "Security headers smoke",
    "database-drift-check.yml": "Database drift check",
    "test-workflow.yml": "Tests",
    DEPLOY_WORKFLOW: "Deploy",
}
_SCHEDULE = {DEPLOY_WORKFLOW: (4, timedelta(days=2), timedelta(hours=26))}
"""Per workflow: (runs, interval, age of the latest); the CI ones use `_CI_SCHEDULE`."""
_CI_SCHEDULE = (12, timedelta(hours=6), timedelta(hours=1))
_DOCS = "https://docs.github.com/rest/actions/workflow-runs"
_PENDING_STATUSES = ("queued", "in_progress", "waiting", "requested", "pending")
FEATURE_BRANCH = "feature/fx-limits"
"""The foreign flavour's feature branch, with newer runs than main's (a failed one)."""


def workflow_runs(
    repository: str,
    now: datetime,
    failing_workflow: str | None = None,
    *,
    pending_deploy: bool = False,
    shape: Shape | None = None,
) -> list[dict[str, Any]]:
    """Runs of the workflows on main, newest first.

    Each CI workflow runs every 6 hours over three days, the latest 1 to 2.5 hours ago; the
    deployment ran every two days, last 26 hours ago. All green and completed, except the
    latest run of `failing_workflow`, which failed, and, with `pending_deploy`, a deployment
    started 10 minutes ago and still running. The foreign flavour's feature branch has two
    newer runs: a failed one and one in progress (main's review must not count them).
    """
    shape = shape or Shape()
    runs: list[dict[str, Any]] = []
    for index, workflow in enumerate(ALL_WORKFLOWS):
        workflow_id = 71_000 + index
        count, every, latest = _SCHEDULE.get(workflow, _CI_SCHEDULE)
        for age in range(count):
            created = now - latest - timedelta(minutes=30 * index) - age * every
            failed = workflow == failing_workflow and age == 0
            number = 400 + count - age
            runs.append(_run(repository, workflow, workflow_id, number, created, failed=failed))
    if pending_deploy:
        deploy = ALL_WORKFLOWS.index(DEPLOY_WORKFLOW)
        started = now - timedelta(minutes=10)
        run = _run(repository, DEPLOY_WORKFLOW, 71_000 + deploy, 405, started, failed=False)
        runs.append({**run, "status": "in_progress", "conclusion": None})
    if shape.feature_branch_runs:
        for minutes, workflow, status, conclusion in (
            (20, WORKFLOWS[0], "completed", "failure"),
            (15, WORKFLOWS[1], "in_progress", None),
        ):
            index = ALL_WORKFLOWS.index(workflow)
            run = _run(repository, workflow, 71_000 + index, 500, now - timedelta(minutes=minutes),
                       failed=False)  # fmt: skip
            runs.append(
                {**run, "head_branch": FEATURE_BRANCH, "status": status, "conclusion": conclusion}
            )
    if not shape.run_numbers:
        runs = [{k: v for k, v in run.items() if k != "run_number"} for run in runs]
    runs.sort(key=lambda run: str(run["created_at"]), reverse=True)
    return runs


def _run(
    repository: str,
    workflow: str,
    workflow_id: int,
    number: int,
    created: datetime,
    *,
    failed: bool,
) -> dict[str, Any]:
    run_id = int(created.timestamp()) * 10 + workflow_id % 10
    finished = created + timedelta(minutes=7)
    return {
        "id": run_id,
        "name": _WORKFLOW_TITLES[workflow],
        "display_title": "Merge pull request: release train",
        "path": f".github/workflows/{workflow}",
        "workflow_id": workflow_id,
        "run_number": number,
        "run_attempt": 1,
        "event": "push",
        "head_branch": "main",
        "head_sha": f"{run_id:040x}"[-40:],
        "status": "completed",
        "conclusion": "failure" if failed else "success",
        "created_at": _iso(created),
        "run_started_at": _iso(created + timedelta(seconds=9)),
        "updated_at": _iso(finished),
        "html_url": f"https://github.com/{repository}/actions/runs/{run_id}",
        "pull_requests": [],
        "repository": {"full_name": repository},
    }


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class GithubApi:
    """Answers `GET /repos/{owner}/{repo}/actions/...` like GitHub's REST API."""

    def __init__(
        self,
        base_url: str,
        repository: str,
        token: str,
        runs: Sequence[dict[str, Any]] | Callable[[], Sequence[dict[str, Any]]],
        *,
        filters: bool = True,
    ) -> None:
        """`runs`: the runs, or what returns them now; without `filters` the listings
        ignore `branch`, `status`, `event` and the route's workflow (every run, every
        time), as some GitHub Enterprise proxies and mirrors answer."""
        self.base_url = base_url
        self.repository = repository
        self.token = token
        self._runs = runs if callable(runs) else list(runs)
        self.filters = filters

    @property
    def runs(self) -> list[dict[str, Any]]:
        """The runs as of now, newest first."""
        return list(self._runs() if callable(self._runs) else self._runs)

    def __call__(self, request: RecordedRequest) -> Reply:
        """Routes one request (a `*` route of an `HttpServer`)."""
        path = request.path.removeprefix("/api/v3")
        if not self._authorized(request):
            return Reply(401, body={"message": "Bad credentials", "documentation_url": _DOCS})
        prefix = f"/repos/{self.repository}/actions/"
        if request.method != "GET" or not path.startswith(prefix):
            return _not_found()
        rest = path[len(prefix) :].strip("/").split("/")
        query = {key: values[-1] for key, values in parse_qs(request.query).items()}
        if rest == ["runs"]:
            return self._page(request.path, query, self.runs)
        if rest == ["workflows"]:
            return Reply(200, _headers(), self._workflows())
        if len(rest) == 3 and rest[0] == "workflows" and rest[2] == "runs":
            workflow = self._workflow_file(rest[1])
            if workflow is None:
                return _not_found()
            runs = self.runs
            if self.filters:
                runs = [run for run in runs if run["path"].endswith(f"/{workflow}")]
            return self._page(request.path, query, runs)
        return _not_found()

    def _authorized(self, request: RecordedRequest) -> bool:
        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() in ("bearer", "token") and hmac.compare_digest(
            credential.strip().encode(), self.token.encode()
        )

    def _workflow_file(self, key: str) -> str | None:
        for index, workflow in enumerate(ALL_WORKFLOWS):
            if key in (workflow, str(71_000 + index)):
                return workflow
        return None

    def _workflows(self) -> dict[str, Any]:
        workflows = [
            {
                "id": 71_000 + index,
                "name": _WORKFLOW_TITLES[workflow],
                "path": f".github/workflows/{workflow}",
                "state": "active",
                "created_at": "2024-03-01T09:00:00Z",
                "updated_at": "2024-10-24T09:00:00Z",
                "html_url": f"https://github.com/{self.repository}/blob/main/.github/"
                f"workflows/{workflow}",
            }
            for index, workflow in enumerate(ALL_WORKFLOWS)
        ]
        return {"total_count": len(workflows), "workflows": workflows}

    def _page(self, path: str, query: dict[str, str], runs: list[dict[str, Any]]) -> Reply:
        chosen = [run for run in runs if not self.filters or _matches(run, query)]
        try:
            per_page = max(1, min(100, int(query.get("per_page", "30"))))
            page = max(1, int(query.get("page", "1")))
        except ValueError:
            return Reply(400, body={"message": "Invalid per_page or page", "status": "400"})
        start = (page - 1) * per_page
        headers = _headers()
        last_page = max(1, -(-len(chosen) // per_page))
        if page < last_page:
            links = [
                f"<{self.base_url}{path}?{urlencode({**query, 'page': str(page + 1)})}>; "
                'rel="next"',
                f"<{self.base_url}{path}?{urlencode({**query, 'page': str(last_page)})}>; "
                'rel="last"',
            ]
            headers["Link"] = ", ".join(links)
        body = {"total_count": len(chosen), "workflow_runs": chosen[start : start + per_page]}
        return Reply(200, headers, body)


def _matches(run: dict[str, Any], query: dict[str, str]) -> bool:
    branch = query.get("branch")
    if branch and run["head_branch"] != branch:
        return False
    event = query.get("event")
    if event and run["event"] != event:
        return False
    status = query.get("status")
    if not status:
        return True
    if status in _PENDING_STATUSES or status == "completed":
        return bool(run["status"] == status)
    return bool(run["conclusion"] == status)


def _headers() -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "X-GitHub-Api-Version-Selected": "2022-11-28",
        "X-RateLimit-Limit": "5000",
        "X-RateLimit-Remaining": "4999",
    }


def _not_found() -> Reply:
    return Reply(404, body={"message": "Not Found", "documentation_url": _DOCS})


def serve_github(server: HttpServer, api: GithubApi) -> None:
    """Routes every path of `server` to `api`."""
    server.route("*", "*", handler=api)


__all__ = [
    "ALL_WORKFLOWS",
    "DEPLOY_WORKFLOW",
    "FEATURE_BRANCH",
    "WORKFLOWS",
    "GithubApi",
    "serve_github",
    "workflow_runs",
]
