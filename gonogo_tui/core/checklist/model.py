"""The checklist's models (pydantic, unknown fields forbidden): what a checklist file holds."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import Field, PrivateAttr, model_validator

from gonogo_tui.core.checklist.waiver_policy import (
    CriterionWaiverPolicy,
    WaiverPolicy,
    WaiverRules,
)
from gonogo_tui.core.probes import AnyProbe
from gonogo_tui.core.probes.base import StrictModel
from gonogo_tui.core.redaction import Redactor
from gonogo_tui.core.types import Duration, Identifier, PositiveDuration, Title

_ROLE = r"^[a-z][a-z0-9-]*$"
DEFAULT_VALID_FOR = 24 * 3600.0
"""A GO is valid for 24 hours unless `policy.valid_for` says otherwise."""


class VariableDecl(StrictModel):
    """A variable the checklist reads from the environment."""

    description: str = ""
    default: str | None = None
    """Used when the environment does not set it (an inline `${VAR:-x}` wins)."""
    secret: bool = False
    """Redact its value in every output."""


class Defaults(StrictModel):
    """Engine settings that criteria may override."""

    timeout: PositiveDuration = 10.0
    """Per-probe deadline in seconds."""
    retries: int = Field(default=0, ge=0, le=10)
    """Extra attempts after a failure that may pass next time (`core/probes/transient.py`)."""
    retry_backoff: Duration = Field(default=0.5, le=60)
    """Seconds before the first retry; doubles each time. At most a minute: with `retries`
    it is a wait the meeting sits through (an hour would hold `gonogo check` for days)."""
    concurrency: int = Field(default=64, ge=1, le=1024)
    """Probes running at once."""
    stale_after: Duration = 300.0
    """A result older than this is stale in the review."""
    allow_outside_root: bool = False
    """Let file-reading probes (file, coverage, junit, oncall) read outside `--root`; a
    probe's own `allow_outside_root` wins."""


# The configuration as the checklist writes it (its docstring is the JSON Schema's
# description); signatures are checked against `core/signing/policy.py`'s SigningPolicy.
class ApprovalPolicy(StrictModel):
    """Who must approve which decision (role ids: cto, devops-lead, product-owner, ...)."""

    go_requires: list[str] = Field(default_factory=lambda: ["cto", "devops-lead", "product-owner"])
    """Roles that must all approve a GO."""
    review_requires: list[str] = Field(default_factory=lambda: ["cto"])
    """Roles that must approve turning a REVIEW into GO."""
    no_go_any_of: list[str] = Field(
        default_factory=lambda: ["cto", "devops-lead", "product-owner", "senior-engineer"]
    )
    """Any one of these roles may sign a NO-GO record."""
    override_requires: dict[str, int] = Field(
        default_factory=lambda: {"cto": 1, "senior-engineer": 2}
    )
    """Distinct people per role for an emergency override."""

    @model_validator(mode="after")
    def _role_ids(self) -> ApprovalPolicy:
        roles = [*self.go_requires, *self.review_requires, *self.no_go_any_of]
        roles.extend(self.override_requires)
        for role in roles:
            if not re.match(_ROLE, role):
                raise ValueError(f"{role!r} is not a role id (lowercase words joined by '-')")
        if any(count < 1 for count in self.override_requires.values()):
            raise ValueError("override_requires counts must be at least 1")
        return self


class Owner(StrictModel):
    """A person answering for a section in the poll (or the release's deployer)."""

    role: str = Field(min_length=1, max_length=60)
    """What they answer for, as people say it: DBA, Monitoring, Security."""
    name: str | None = Field(default=None, max_length=120)
    """Who; may be `${VAR}`, or left out to take the name the roster gives the role."""
    principal: str | None = Field(default=None, max_length=200)
    """The identity they sign with (e-mail); defaults to the name."""

    @property
    def who(self) -> str:
        """The name, or the role when the roster named nobody."""
        return self.name or self.role

    @property
    def signer(self) -> str:
        """The principal a signature of theirs carries."""
        return self.principal or self.name or ""

    @property
    def label(self) -> str:
        """`DBA: Alice Ng` (or the role alone)."""
        return f"{self.role}: {self.name}" if self.name else self.role


class Policy(StrictModel):
    """The decision matrix (defaults: the seed's 10/10 GO, 9/10 REVIEW, fewer NO-GO)."""

    go_max_no_go: int = Field(default=0, ge=0)
    """At most this many NO-GO sections still give GO."""
    review_max_no_go: int = Field(default=1, ge=0)
    """At most this many NO-GO sections give REVIEW (CTO approval); more give NO-GO."""
    approvals: ApprovalPolicy = Field(default_factory=ApprovalPolicy)
    valid_for: PositiveDuration = Field(
        default=DEFAULT_VALID_FOR, description="how long a GO stays valid for `gonogo verify`"
    )
    """How long a GO stays valid: the record stores `valid_until` (decided_at + this) and
    `gonogo verify` refuses the GO after it (exit 3)."""
    quorum: Literal["all"] | int | None = None
    """Answers the poll needs before a GO: `all` (every section owner) or a number N (N of
    the M owners); `gonogo verify` refuses a GO record that falls short."""
    no_self_approval: bool = False
    """The checklist's `deployer` cannot sign as an approver of their own release."""
    waivers: WaiverPolicy = Field(default_factory=WaiverPolicy)
    """Who may grant a waiver, for how long, how many releases in a row."""

    @model_validator(mode="after")
    def _ordered(self) -> Policy:
        if self.review_max_no_go < self.go_max_no_go:
            raise ValueError("review_max_no_go must be >= go_max_no_go")
        if isinstance(self.quorum, int) and (isinstance(self.quorum, bool) or self.quorum < 1):
            raise ValueError("quorum is 'all' or a number of answers (at least 1)")
        return self


class Criterion(StrictModel):
    """One pass criterion: measured by a probe, or ticked by a person."""

    id: Identifier
    """Unique across the checklist; used by `--tick ID`."""
    title: Title
    probe: AnyProbe | None = None
    manual: bool = False
    """Ticked by a person instead of a probe."""
    why_manual: str | None = None
    """Why no machine can check it (shown beside the tick box)."""
    timeout: PositiveDuration | None = None
    retries: int | None = Field(default=None, ge=0, le=10)
    hint: str | None = None
    """What to look at when it fails."""
    runbook: str | None = None
    """A link or path to the runbook."""
    critical: bool = Field(
        default=False,
        description="must PASS, else NO-GO whatever the section count; cannot be waived",
    )
    """Must PASS: anything else makes the decision NO-GO whatever the section count, and it
    cannot be waived (only an emergency override ships past it)."""
    advisory: bool = Field(default=False, description="probed, shown and recorded, never blocking")
    """Probed, shown and recorded, never blocking: a FAIL does not make its section NO-GO (the
    way to try a new probe before enforcing it). Not together with `critical`."""
    recheck: bool | None = Field(
        default=None,
        description="rerun by `gonogo verify --recheck` (default: when critical and probed)",
    )
    """Rerun by `gonogo verify --recheck` at deploy time; None means: when it is critical."""
    waiver: CriterionWaiverPolicy | None = None
    """Its own waiver rules: each field set wins over `policy.waivers`."""

    @model_validator(mode="after")
    def _probe_or_manual(self) -> Criterion:
        if self.manual and self.probe is not None:
            raise ValueError("a criterion has either a 'probe' or 'manual: true', not both")
        if not self.manual and self.probe is None:
            raise ValueError("a criterion needs a 'probe' or 'manual: true'")
        return self

    @property
    def is_manual(self) -> bool:
        """Whether a person ticks it."""
        return self.probe is None


class Section(StrictModel):
    """A panel of the review: a requirement and its criteria."""

    id: Identifier
    title: Title
    requirement: str = ""
    owner: str | Owner | None = None
    """Who answers for it in the poll: `{role: DBA, name: ...}` (a plain name still works)."""
    time: PositiveDuration | None = Field(
        default=None,
        description="its share of the meeting, e.g. 90s or 2m (default: an even share of "
        "what the sections with a time leave)",
    )
    """Its share of the meeting's agenda (see `core/agenda.py`)."""
    critical: bool = Field(default=False, description="every criterion of the section is critical")
    """Every criterion of the section is critical (see `Criterion.critical`)."""
    criteria: list[Criterion] = Field(default_factory=list)

    def is_critical(self, criterion: Criterion) -> bool:
        """Whether `criterion` (one of this section's) is critical, itself or by its section."""
        return self.critical or criterion.critical

    def is_rechecked(self, criterion: Criterion) -> bool:
        """Whether `gonogo verify --recheck` reruns `criterion`: its `recheck`, else whether it
        is critical; a manual criterion never (no probe to rerun)."""
        if criterion.probe is None:
            return False
        return criterion.recheck if criterion.recheck is not None else self.is_critical(criterion)

    @property
    def poll_owner(self) -> Owner | None:
        """The owner as an `Owner`: a plain string is the role asked (`owner: DBA`), with no
        name (the poll's card then names the section)."""
        if isinstance(self.owner, str):
            return Owner(role=self.owner.strip()[:60]) if self.owner.strip() else None
        return self.owner

    @property
    def owner_label(self) -> str | None:
        """The owner as one line (`DBA: Alice Ng`), or None."""
        if isinstance(self.owner, str):
            return self.owner or None
        return None if self.owner is None else self.owner.label


class Checklist(StrictModel):
    """A whole go/no-go checklist."""

    version: int = Field(default=1, ge=1, le=1)
    """Format version; only 1 exists."""
    title: Title
    description: str = ""
    release: str | None = None
    """Default release label; `--release` overrides it."""
    deployer: Owner | None = None
    """Who deploys this release (with `policy.no_self_approval`, not one of its approvers)."""
    roster: str | None = None
    """A YAML file (beside the checklist) mapping owner roles to names: `DBA: Alice Ng` or
    `DBA: {name: Alice Ng, principal: alice@example.com}`."""
    variables: dict[str, VariableDecl] = Field(default_factory=dict)
    defaults: Defaults = Field(default_factory=Defaults)
    policy: Policy = Field(default_factory=Policy)
    sections: list[Section] = Field(min_length=1)

    _path: Path | None = PrivateAttr(default=None)
    _sha256: str = PrivateAttr(default="")
    _redactor: Redactor = PrivateAttr(default_factory=Redactor)
    _index: dict[str, tuple[Section, Criterion]] | None = PrivateAttr(default=None)

    @property
    def path(self) -> Path | None:
        """The file it was loaded from."""
        return self._path

    @property
    def sha256(self) -> str:
        """Digest of the file's bytes."""
        return self._sha256

    @property
    def redactor(self) -> Redactor:
        """Hides this checklist's secrets in any text."""
        return self._redactor

    def criteria(self) -> Iterator[tuple[Section, Criterion]]:
        """Every criterion with its section, in order."""
        for section in self.sections:
            for criterion in section.criteria:
                yield section, criterion

    def criterion(self, criterion_id: str) -> Criterion:
        """The criterion with this id.

        Raises:
            KeyError: no such criterion.
        """
        return self._by_id()[criterion_id][1]

    def section_of(self, criterion_id: str) -> Section:
        """The section holding this criterion.

        Raises:
            KeyError: no such criterion.
        """
        return self._by_id()[criterion_id][0]

    def waiver_rules(self, criterion_id: str) -> WaiverRules:
        """Who may grant a waiver of this criterion, for how long (`policy.waivers`, narrowed
        by its own `waiver:`).

        Raises:
            KeyError: no such criterion.
        """
        return self.policy.waivers.rules(self.criterion(criterion_id).waiver)

    def _by_id(self) -> dict[str, tuple[Section, Criterion]]:
        # Built once (the model is frozen): the review looks criteria up by id for every
        # probe it starts, a thousand at a time.
        if self._index is None:
            index: dict[str, tuple[Section, Criterion]] = {}
            for section, criterion in self.criteria():
                index.setdefault(criterion.id, (section, criterion))
            self._index = index
        return self._index


__all__ = [
    "DEFAULT_VALID_FOR",
    "ApprovalPolicy",
    "Checklist",
    "Criterion",
    "Defaults",
    "Owner",
    "Policy",
    "Section",
    "VariableDecl",
]
