"""Which runs belong to a workflow, and what workflows a repository has.

A server may answer `.../workflows/ci.yml/runs` with every run of the repository (a proxy,
a GitHub Enterprise version, a mirror that ignores the filter): a run counts for a workflow
only when its `path` (or `workflow_id`) says it is that workflow. When the workflow is not
found at all, the repository's own workflow files are named, the closest first.
"""

from __future__ import annotations

from typing import Any, Protocol

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.findings import Suggestion, closest_first


class Api(Protocol):
    """Fetches one GitHub API page (`github_runs_run.Api`): an answer with `status` and
    `body`."""

    async def get(self, target: str) -> Any: ...


SHORT_NAMES = 5
"""Workflow files the detail names; the output lists them all."""


def is_workflow(run: dict[str, Any], workflow: str) -> bool:
    """Whether `run` is a run of `workflow` (a file name such as `ci.yml`, a path such as
    `.github/workflows/ci.yml`, or a numeric workflow id)."""
    if workflow.isdigit():
        return str(run.get("workflow_id", "")) == workflow
    path = run.get("path")
    if not isinstance(path, str) or not path:
        return False
    bare = path.split("@", 1)[0]  # `.github/workflows/ci.yml@refs/heads/main`
    wanted = workflow.split("@", 1)[0]
    return bare == wanted or bare.rsplit("/", 1)[-1] == wanted.rsplit("/", 1)[-1]


def on_branch(run: dict[str, Any], branch: str | None) -> bool:
    """Whether `run` is on `branch` (any run when no branch is asked, or when the answer does
    not say its branch): a server that ignored `branch=` must not bring in other branches."""
    head = run.get("head_branch")
    return branch is None or not isinstance(head, str) or not head or head == branch


def run_label(run: dict[str, Any]) -> str:
    """`CI #412`, or `CI run 30433642` when the answer has no run number (never `#?`)."""
    name = run.get("name") or run.get("path") or "run"
    number = run.get("run_number")
    if number is not None and number != "":
        return f"{name} #{number}"
    identity = run.get("id")
    return f"{name} run {identity}" if identity is not None else str(name)


async def missing_workflow(
    api: Api, repository: str, workflow: str, field: str, message: str
) -> ProbeError:
    """The 404 for `workflow`, naming the workflow files the repository has (the closest
    first) and suggesting the closest for the probe's `field`; the plain 404 when the
    repository's workflows cannot be listed."""
    try:
        page = await api.get(f"repos/{repository}/actions/workflows?per_page=100")
    except Exception:  # only a hint: the 404 is the finding
        return ProbeError(message)
    body = page.body
    listed = body.get("workflows") if page.status == 200 and isinstance(body, dict) else None
    if not isinstance(listed, list):
        return ProbeError(message)
    files = [
        str(item["path"]).split("@", 1)[0].rsplit("/", 1)[-1]
        for item in listed
        if isinstance(item, dict) and isinstance(item.get("path"), str)
    ]
    if not files:
        why = f"{message}; the repository has no workflow files"
        return ProbeError(why, suggestions=(Suggestion(field, workflow, None, why),))
    ordered = closest_first(workflow, files)
    more = f" (+{len(ordered) - SHORT_NAMES} more)" if len(ordered) > SHORT_NAMES else ""
    why = f"{message}; the repository has: {', '.join(ordered[:SHORT_NAMES])}{more}"
    output = "workflow files the repository has, closest first:\n" + "\n".join(
        f"  {name}" for name in ordered
    )
    return ProbeError(
        why, output=output, suggestions=(Suggestion(field, workflow, ordered[0], why),)
    )


__all__ = ["is_workflow", "missing_workflow", "run_label"]
