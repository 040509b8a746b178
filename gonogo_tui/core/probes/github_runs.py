"""The `github_runs` probe: GitHub Actions workflow runs, green, recent, none pending or failed."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from gonogo_tui.core.probes.base import ProbeSpec, StrictModel
from gonogo_tui.core.types import Duration, Token, format_duration

RunProblem = Literal["pending", "failed"]
_ALL_PROBLEMS: tuple[RunProblem, ...] = ("pending", "failed")


class RecentRuns(StrictModel):
    """The latest runs that must be neither pending nor failed (the seed's `gh run list`)."""

    count: int = Field(default=5, ge=1, le=1000)
    """How many of the newest runs to look at."""
    workflows: list[str] = Field(default_factory=list)
    """Only runs of these workflow files (e.g. `deploy.yml`); default: every workflow."""
    branch: str | None = None
    """Only runs on this branch; default: the probe's `branch`."""
    forbid: list[RunProblem] = Field(default_factory=lambda: list(_ALL_PROBLEMS))
    """`pending`: queued, waiting, requested or in progress. `failed`: a conclusion in the
    probe's `failed_conclusions`."""


class GithubRunsProbe(ProbeSpec):
    """Checks GitHub Actions runs over the REST API (GitHub.com or Enterprise Server).

    For each workflow in `workflows`: its latest completed run (on `branch`, when given)
    concluded `success` and completed (`updated_at`) within `max_age`. With `recent`: none
    of the latest runs is pending or failed. Pages are followed through Link headers.
    A bad token (401), a missing repository or workflow (404) and rate limiting
    (403/429 with `x-ratelimit-remaining: 0` or `retry-after`) are errors, not failures.
    """

    kind: Literal["github_runs"] = "github_runs"
    start_tier: ClassVar[int] = 0
    api_url: str = "https://api.github.com"
    """REST API root; write `${GITHUB_API_URL:-https://api.github.com}` for Enterprise."""
    repository: str = Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
    """`owner/name`, usually `${GITHUB_REPOSITORY}`."""
    token: Token | None = None
    """Usually `${GITHUB_TOKEN:-}` (redacted). Empty or absent: `gh api` is used when
    `use_gh` allows, else the API is called without a token (public repositories)."""
    use_gh: Literal["auto", "never", "always"] = "auto"
    """`auto`: call the API through the `gh` CLI (its own login) when no token is given and
    `gh` is installed; `never`: always httpx; `always`: always `gh`."""
    workflows: list[str] = Field(default_factory=list)
    """Workflow file names (or ids) whose latest run must be green, e.g. `headers-smoke.yml`."""
    branch: str | None = None
    """Only runs on this branch (e.g. `main`); default: any branch."""
    max_age: Duration = 86400.0
    """The latest successful run completed at most this long ago (default 24h)."""
    recent: RecentRuns | None = None
    """Also require that none of the latest runs is pending or failed."""
    failed_conclusions: list[str] = Field(
        default_factory=lambda: ["failure", "timed_out", "startup_failure", "action_required"]
    )
    """Conclusions that count as failed in `recent` (`cancelled` and `skipped` do not)."""
    per_page: int = Field(default=30, ge=1, le=100)
    """Runs per API page."""
    max_pages: int = Field(default=10, ge=1, le=100)
    """Pages followed per listing before giving up."""
    insecure: bool = False
    """Skip TLS certificate verification (off by default)."""

    secret_fields: ClassVar[tuple[str, ...]] = ("token",)

    @model_validator(mode="after")
    def _something(self) -> GithubRunsProbe:
        if not self.workflows and self.recent is None:
            raise ValueError("give 'workflows', 'recent' or both")
        return self

    def source(self) -> str:
        base = self.api_url.rstrip("/")
        on = f" on {self.branch}" if self.branch else ""
        names = ", ".join(self.workflows) if self.workflows else "recent runs"
        return f"{base}/repos/{self.repository}/actions ({names}{on})"

    def expectation(self) -> str:
        parts = []
        if self.workflows:
            parts.append(f"each latest run success < {format_duration(self.max_age)}")
        if self.recent is not None:
            what = " or ".join(self.recent.forbid)
            parts.append(f"none {what} in latest {self.recent.count}")
        return ", ".join(parts)
