"""Runs the `github_runs` probe over the GitHub REST API, with httpx or through `gh api`."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections.abc import AsyncIterator, Awaitable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.probes._ops import (
    HttpSession,
    age_text,
    connect_errors,
    http_client,
    parse_time,
    plural,
)
from gonogo_tui.core.probes.base import Observation, ProbeContext, one_line
from gonogo_tui.core.probes.github_runs import GithubRunsProbe, RecentRuns
from gonogo_tui.core.probes.github_runs_found import (
    is_workflow,
    missing_workflow,
    on_branch,
    run_label,
)
from gonogo_tui.core.probes.transient import http_failure
from gonogo_tui.core.types import format_duration

API_VERSION = "2022-11-28"
"""The REST API version asked for."""
_LINK_RE = re.compile(r'<([^>]+)>\s*;\s*rel="?([^";]+)"?')


@dataclass
class Page:
    """One API answer."""

    status: int
    headers: Mapping[str, str]
    body: Any
    text: str


class Api(Protocol):
    """Fetches one GitHub API page by path (relative to the API root) or absolute URL."""

    async def get(self, target: str) -> Page: ...


@dataclass
class _HttpxApi:
    base: str
    client: HttpSession

    async def get(self, target: str) -> Page:
        url = target if "://" in target else f"{self.base}/{target.lstrip('/')}"
        response = await self.client.get(url)
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        return Page(response.status_code, dict(response.headers), body, response.text)


@dataclass
class _GhApi:
    """`gh api --include`: gh's own login supplies the token."""

    hostname: str
    executable: str

    async def get(self, target: str) -> Page:
        argv = [
            self.executable, "api", "--include", "--hostname", self.hostname,
            "-H", "Accept: application/vnd.github+json",
            "-H", f"X-GitHub-Api-Version: {API_VERSION}",
            target if "://" in target else target.lstrip("/"),
        ]  # fmt: skip
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
        try:
            stdout, stderr = await process.communicate()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        return _parse_gh_output(
            stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace")
        )


def _parse_gh_output(stdout: str, stderr: str) -> Page:
    head, _, body_text = stdout.replace("\r\n", "\n").partition("\n\n")
    lines = head.split("\n")
    match = re.match(r"HTTP/\S+\s+(\d{3})", lines[0]) if lines else None
    if match is None:
        raise ProbeError(f"gh api: {one_line(stderr or stdout, 160) or 'no answer'}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    try:
        body = json.loads(body_text) if body_text.strip() else None
    except json.JSONDecodeError:
        body = None
    return Page(int(match.group(1)), headers, body, body_text)


async def run_github_runs_probe(spec: GithubRunsProbe, ctx: ProbeContext) -> Observation:
    """Check each workflow's latest completed run and the latest runs overall.

    Raises:
        ProbeError: bad token, missing repository or workflow, rate limit, or a bad answer.
    """
    with connect_errors(spec.api_url):
        return await _run_github_runs_probe(spec, ctx)


async def _run_github_runs_probe(spec: GithubRunsProbe, ctx: ProbeContext) -> Observation:
    gh = _gh_executable(spec)
    if gh is not None:
        api: Api = _GhApi(_gh_hostname(spec.api_url), gh)
        return await _check(spec, ctx, api, via="gh")
    async with http_client(
        ctx,
        insecure=spec.insecure,
        token=spec.token or None,
        headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION},
    ) as client:
        return await _check(spec, ctx, _HttpxApi(spec.api_url.rstrip("/"), client), via="api")


def _gh_executable(spec: GithubRunsProbe) -> str | None:
    if spec.use_gh == "never" or (spec.use_gh == "auto" and spec.token):
        return None
    found = shutil.which("gh")
    if found is None and spec.use_gh == "always":
        raise ProbeError("use_gh is 'always' but the gh CLI is not installed")
    return found


def _gh_hostname(api_url: str) -> str:
    """`https://api.github.com` -> `github.com`; `https://ghe.corp/api/v3` -> `ghe.corp`."""
    host = urlsplit(api_url).netloc
    return host[4:] if host.startswith("api.") else host


async def _check(spec: GithubRunsProbe, ctx: ProbeContext, api: Api, via: str) -> Observation:
    now = ctx.now()
    problems: list[str] = []
    lines: list[str] = []
    green = 0
    # Every workflow and the recent runs are asked at once: one round trip, not one each.
    *latest, recent = await _all_or_first_error(
        *(_latest_completed(spec, api, wf) for wf in spec.workflows),
        _recent(spec, spec.recent, api) if spec.recent is not None else _nothing(),
    )
    for workflow, run in zip(spec.workflows, latest, strict=True):
        if run is None:
            on = f" on {spec.branch}" if spec.branch else ""
            problems.append(f"{workflow}: no completed run{on}")
            lines.append(f"{workflow}\t-\tno completed run")
            continue
        finished = _finished_at(run)
        ago = age_text(now, finished) if finished else "at an unknown time"
        lines.append(f"{workflow}\t{run.get('conclusion')}\t{ago}\t{run.get('html_url', '')}")
        if run.get("conclusion") != "success":
            problems.append(f"{workflow}: latest run {run.get('conclusion')} ({ago})")
        elif finished is None or now - finished > timedelta(seconds=spec.max_age):
            problems.append(
                f"{workflow}: last success {ago}, older than {format_duration(spec.max_age)}"
            )
        else:
            green += 1
    values = [f"{green}/{len(spec.workflows)} green"] if spec.workflows else []
    no_recent_runs = False
    if spec.recent is not None and recent is not None:
        pending, failed, recent_lines = recent
        lines.extend(recent_lines)
        no_recent_runs = not recent_lines
        if "pending" in spec.recent.forbid:
            values.append(f"{len(pending)} pending")
            if pending:
                problems.append(f"{plural(len(pending), 'run')} pending: " + _names(pending))
        if "failed" in spec.recent.forbid:
            values.append(f"{len(failed)} failed")
            if failed:
                problems.append(f"{plural(len(failed), 'recent run')} failed: " + _names(failed))
    detail = "; ".join(problems) if problems else _summary(spec, via)
    if no_recent_runs and not problems:
        # No run at all among the recent ones: "latest runs clean" would judge nothing.
        assert spec.recent is not None
        on = f" on {branch}" if (branch := spec.recent.branch or spec.branch) else ""
        detail = f"no data: GitHub lists 0 workflow runs{on} in {spec.repository}"
        return Observation(False, ", ".join(values), detail, "\n".join(lines), measured=False)
    return Observation(not problems, ", ".join(values), detail, "\n".join(lines))


async def _nothing() -> None:
    return None


async def _all_or_first_error(*calls: Awaitable[Any]) -> list[Any]:
    """Await the calls at once; if any failed, raise the first failure in their order (so
    the error named is the same whichever answer came back first)."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def _summary(spec: GithubRunsProbe, via: str) -> str:
    parts = []
    if spec.workflows:
        parts.append(
            f"{plural(len(spec.workflows), 'workflow')} green "
            f"within {format_duration(spec.max_age)}"
        )
    if spec.recent is not None:
        parts.append(f"latest {spec.recent.count} runs clean")
    return "; ".join(parts) + (" (via gh)" if via == "gh" else "")


def _names(runs: list[dict[str, Any]]) -> str:
    shown = [f"{run_label(run)} ({run.get('conclusion') or run.get('status')})" for run in runs[:4]]
    return ", ".join(shown) + (f" and {len(runs) - 4} more" if len(runs) > 4 else "")


def _finished_at(run: dict[str, Any]) -> datetime | None:
    return parse_time(run.get("updated_at")) or parse_time(run.get("created_at"))


def _query(branch: str | None, per_page: int) -> str:
    params = {"per_page": str(per_page), "exclude_pull_requests": "true"}
    if branch:
        params["branch"] = branch
    return urlencode(params)


async def _latest_completed(
    spec: GithubRunsProbe, api: Api, workflow: str
) -> dict[str, Any] | None:
    target = (
        f"repos/{spec.repository}/actions/workflows/{workflow}/runs?"
        f"{_query(spec.branch, spec.per_page)}"
    )
    field = f"workflows[{spec.workflows.index(workflow)}]"
    async for run in _runs(spec, api, target, f"workflow {workflow}", (workflow, field)):
        # Whatever the server filtered, only this workflow's runs on this branch count.
        completed = run.get("status") == "completed"
        if completed and is_workflow(run, workflow) and on_branch(run, spec.branch):
            return run
    return None


async def _recent(
    spec: GithubRunsProbe, recent: RecentRuns, api: Api
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    branch = recent.branch if recent.branch is not None else spec.branch
    per_page = min(spec.per_page, recent.count)
    runs: list[dict[str, Any]] = []
    targets: list[tuple[str, str, tuple[str, str] | None]] = (
        [
            (
                f"repos/{spec.repository}/actions/workflows/{wf}/runs",
                f"workflow {wf}",
                (wf, f"recent.workflows[{index}]"),
            )
            for index, wf in enumerate(recent.workflows)
        ]
        if recent.workflows
        else [(f"repos/{spec.repository}/actions/runs", "runs", None)]
    )

    async def take(path: str, what: str, workflow: tuple[str, str] | None) -> list[dict[str, Any]]:
        taken: list[dict[str, Any]] = []
        target = f"{path}?{_query(branch, per_page)}"
        async for run in _runs(spec, api, target, what, workflow):
            if workflow is not None and not is_workflow(run, workflow[0]):
                continue  # the server did not filter: another workflow's run
            if not on_branch(run, branch):
                continue  # nor by branch
            taken.append(run)
            if len(taken) >= recent.count:
                break
        return taken

    for taken in await _all_or_first_error(*(take(*target) for target in targets)):
        runs.extend(taken)
    epoch = datetime.min.replace(tzinfo=UTC)
    runs.sort(key=lambda run: parse_time(run.get("created_at")) or epoch, reverse=True)
    latest = runs[: recent.count]
    pending = [run for run in latest if run.get("status") != "completed"]
    failed = [
        run
        for run in latest
        if run.get("status") == "completed" and run.get("conclusion") in spec.failed_conclusions
    ]
    lines = [
        f"recent\t{run.get('name')}\t{run.get('status')}\t{run.get('conclusion')}\t"
        f"{run.get('created_at')}"
        for run in latest
    ]
    return pending, failed, lines


async def _runs(
    spec: GithubRunsProbe,
    api: Api,
    target: str,
    what: str,
    workflow: tuple[str, str] | None = None,
) -> AsyncIterator[dict[str, Any]]:
    """Yield workflow runs page after page, following `Link: <...>; rel="next"`.

    `workflow` is (the workflow as written, its probe field): its 404 names the workflow
    files the repository has.
    """
    next_target: str | None = target
    pages = 0
    while next_target is not None and pages < spec.max_pages:
        page = await api.get(next_target)
        pages += 1
        try:
            _raise_for(page, spec, what)
        except ProbeError as exc:
            if page.status != 404 or workflow is None:
                raise
            name, field = workflow
            raise await missing_workflow(api, spec.repository, name, field, str(exc)) from None
        body = page.body
        if not isinstance(body, dict) or not isinstance(body.get("workflow_runs"), list):
            raise ProbeError(f"GitHub API: {what}: answer has no 'workflow_runs' list")
        for run in body["workflow_runs"]:
            if isinstance(run, dict):
                yield run
        next_target = _next_link(page.headers)


def _next_link(headers: Mapping[str, str]) -> str | None:
    link = next((v for k, v in headers.items() if k.lower() == "link"), "")
    for url, rel in _LINK_RE.findall(link):
        if "next" in rel.split():
            return str(url)
    return None


def _raise_for(page: Page, spec: GithubRunsProbe, what: str) -> None:
    if page.status == 200:
        return
    headers = {k.lower(): v for k, v in page.headers.items()}
    message = ""
    if isinstance(page.body, dict) and isinstance(page.body.get("message"), str):
        message = one_line(page.body["message"], 100)
    if page.status == 401:
        raise ProbeError(f"GitHub API 401: bad or expired token ({message or 'Unauthorized'})")
    if page.status in (403, 429):
        if headers.get("x-ratelimit-remaining") == "0":
            reset = headers.get("x-ratelimit-reset", "")
            when = ""
            if reset.isdigit():
                moment = datetime.fromtimestamp(int(reset), UTC)
                when = f"; resets at {moment:%H:%M:%S} UTC"
            raise ProbeError(f"GitHub API rate limit exhausted ({page.status}){when}")
        if "retry-after" in headers:
            raise http_failure(
                429,
                headers,
                f"GitHub API secondary rate limit ({page.status}): "
                f"retry after {headers['retry-after']}s",
            )
        if page.status == 429:
            raise http_failure(429, headers, "GitHub API 429: too many requests")
        raise ProbeError(
            f"GitHub API 403: forbidden for {spec.repository} ({message or 'no message'}); "
            "the token needs actions read access"
        )
    if page.status == 404:
        raise ProbeError(
            f"GitHub API 404: {spec.repository} {what} not found "
            "(missing, misspelt, or not visible to the token)"
        )
    raise http_failure(
        page.status,
        headers,
        f"GitHub API {page.status} for {what}: {message or one_line(page.text, 100)}",
    )


__all__ = ["API_VERSION", "Api", "Page", "run_github_runs_probe"]
