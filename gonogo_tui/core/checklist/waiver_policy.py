"""Who may grant a waiver, for how long, and how many releases in a row before the CTO must
grant it again: `policy.waivers` for the whole checklist, `waiver:` on a criterion to narrow
it (each field it sets wins).

The role ids are those of `policy.approvals` (cto, devops-lead, ...): one name per role,
whether it signs a record or grants a waiver.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import Field, field_validator

from gonogo_tui.core.probes.base import StrictModel

_ROLE = re.compile(r"^[a-z][a-z0-9-]*$")
_RELEASES = re.compile(r"^(\d+)(?:\s*releases?)?$")
_DAYS = re.compile(r"^(\d+)\s*(?:d|days?)$")
DEFAULT_EXPIRY = "1 release"
"""A waiver lasts the release it was granted in unless the dialog (or the policy) says more."""


@dataclass(frozen=True)
class Expiry:
    """When a waiver ends: after a date (`until`, the last day it holds, UTC) or after a
    number of releases (`releases`, the one it was granted in counting as the first)."""

    until: date | None = None
    releases: int | None = None

    def text(self) -> str:
        """`until 2027-01-15` or `for 3 releases`."""
        if self.until is not None:
            return f"until {self.until.isoformat()}"
        count = self.releases or 1
        return f"for {count} release{'s' * (count != 1)}"


def parse_expiry(text: str, today: date) -> Expiry:
    """Read an expiry as typed: `2027-01-15` (a date), `3` or `3 releases`, `30d` or
    `30 days` (a date that many days after `today`).

    Raises:
        ValueError: none of those, or a count below 1.
    """
    value = " ".join(text.strip().lower().split())
    if match := _RELEASES.match(value):
        count = int(match.group(1))
        if count < 1:
            raise ValueError("a waiver lasts at least 1 release")
        return Expiry(releases=count)
    if match := _DAYS.match(value):
        return Expiry(until=today + timedelta(days=int(match.group(1))))
    try:
        return Expiry(until=date.fromisoformat(value))
    except ValueError:
        raise ValueError(
            f"{text.strip()[:40]!r} is not an expiry: a date (2027-01-15), a number of "
            "releases (3 releases) or of days (30 days)"
        ) from None


def _roles(roles: list[str] | None) -> list[str] | None:
    if roles is None:
        return None
    if not roles:
        raise ValueError("name at least one role")
    for role in roles:
        if not _ROLE.match(role):
            raise ValueError(f"{role!r} is not a role id (lowercase words joined by '-')")
    return roles


def _expiry(text: str | None) -> str | None:
    if text is not None:
        parse_expiry(text, date(2000, 1, 1))
    return text


class CriterionWaiverPolicy(StrictModel):
    """A criterion's own waiver rules (`waiver:` on it); each field set wins over the
    checklist's `policy.waivers`."""

    granted_by: list[str] | None = Field(
        default=None, description="roles that may grant a waiver of this criterion"
    )
    """Roles that may grant a waiver of this criterion."""
    renewed_by: list[str] | None = None
    """Roles that may grant it past `max_releases` in a row."""
    max_releases: int | None = Field(default=None, ge=1)
    """Releases in a row it may be waived before only `renewed_by` may grant it again."""
    max_days: int | None = Field(default=None, ge=1)
    """The furthest an expiry date may lie after the day it is granted."""
    default_expiry: str | None = None
    """The expiry the dialog offers: `1 release`, `3 releases`, `30 days`."""

    @field_validator("granted_by", "renewed_by")
    @classmethod
    def _role_ids(cls, roles: list[str] | None) -> list[str] | None:
        return _roles(roles)

    @field_validator("default_expiry")
    @classmethod
    def _default(cls, text: str | None) -> str | None:
        return _expiry(text)


class WaiverPolicy(StrictModel):
    """Who may grant a waiver, for how long (`policy.waivers`); the defaults: the CTO grants,
    for the release at hand, at most 3 releases in a row and 90 days ahead."""

    granted_by: list[str] = Field(
        default_factory=lambda: ["cto"], description="roles that may grant a waiver"
    )
    """Roles that may grant a waiver (role ids of `policy.approvals`)."""
    renewed_by: list[str] = Field(default_factory=lambda: ["cto"])
    """Past `max_releases` in a row, only these roles may grant it again, each release."""
    max_releases: int | None = Field(default=3, ge=1)
    """Releases in a row a criterion may be waived (and the most a waiver may last) before
    only `renewed_by` may grant it again; null: no limit."""
    max_days: int | None = Field(default=90, ge=1)
    """The furthest an expiry date may lie after the day it is granted; null: no limit."""
    default_expiry: str = DEFAULT_EXPIRY
    """The expiry the dialog offers."""

    @field_validator("granted_by", "renewed_by")
    @classmethod
    def _role_ids(cls, roles: list[str]) -> list[str]:
        return _roles(roles) or roles

    @field_validator("default_expiry")
    @classmethod
    def _default(cls, text: str) -> str:
        return _expiry(text) or text

    def rules(self, own: CriterionWaiverPolicy | None) -> WaiverRules:
        """The rules for one criterion: its own `waiver:` fields, else these."""
        own = own or CriterionWaiverPolicy()
        return WaiverRules(
            granted_by=tuple(own.granted_by or self.granted_by),
            renewed_by=tuple(own.renewed_by or self.renewed_by),
            max_releases=own.max_releases if own.max_releases is not None else self.max_releases,
            max_days=own.max_days if own.max_days is not None else self.max_days,
            default_expiry=own.default_expiry or self.default_expiry,
        )


@dataclass(frozen=True)
class WaiverRules:
    """The waiver rules of one criterion, merged (`WaiverPolicy.rules`)."""

    granted_by: tuple[str, ...] = ("cto",)
    renewed_by: tuple[str, ...] = ("cto",)
    max_releases: int | None = 3
    max_days: int | None = 90
    default_expiry: str = DEFAULT_EXPIRY

    def may_grant(self, in_a_row: int) -> tuple[str, ...]:
        """The roles that may grant a waiver that would be the `in_a_row`-th release in a
        row waiving the criterion."""
        if self.max_releases is not None and in_a_row > self.max_releases:
            return self.renewed_by
        return self.granted_by


__all__ = [
    "DEFAULT_EXPIRY",
    "CriterionWaiverPolicy",
    "Expiry",
    "WaiverPolicy",
    "WaiverRules",
    "parse_expiry",
]
