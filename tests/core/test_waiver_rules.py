"""Truth tables for waivers with an owner and an end: the expiry typed, who may grant one,
whether it still holds, and which waivers of the ledger a new meeting carries."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from gonogo_tui.core.checklist import Expiry, WaiverRules, load_checklist, parse_expiry
from gonogo_tui.core.errors import ChecklistError
from gonogo_tui.core.evaluation import Waiver
from gonogo_tui.core.waiver_rules import (
    LedgerWaivers,
    PastWaiver,
    ReleaseWaivers,
    carry_over,
    expired,
    grant_refusal,
    ordinal,
    waived_short,
    waived_text,
    waiver_from_dict,
    waiver_to_dict,
)

TODAY = date(2026, 12, 7)
NOW = datetime(2026, 12, 7, 10, tzinfo=UTC)
RULES = WaiverRules(
    granted_by=("cto", "devops-lead"), renewed_by=("cto",), max_releases=3, max_days=30
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("3", Expiry(releases=3)),
        ("3 releases", Expiry(releases=3)),
        ("1 release", Expiry(releases=1)),
        ("  2   Releases ", Expiry(releases=2)),
        ("2027-01-15", Expiry(until=date(2027, 1, 15))),
        ("30 days", Expiry(until=date(2027, 1, 6))),
        ("30d", Expiry(until=date(2027, 1, 6))),
        ("1 day", Expiry(until=date(2026, 12, 8))),
    ],
)
def test_an_expiry_is_a_date_a_number_of_releases_or_of_days(typed: str, expected: Expiry) -> None:
    assert parse_expiry(typed, TODAY) == expected


@pytest.mark.parametrize("typed", ["0", "0 releases", "soon", "2027-13-01", "", "-1"])
def test_an_expiry_that_is_none_of_those_is_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_expiry(typed, TODAY)


# role, expiry, release in a row -> refusal (None: granted)
GRANTS = [
    ("cto", Expiry(releases=1), 1, None),
    ("devops-lead", Expiry(releases=3), 1, None),
    ("devops-lead", Expiry(releases=3), 3, None),
    ("product-owner", Expiry(releases=1), 1, "product-owner may not grant a waiver of cov"),
    ("", Expiry(releases=1), 1, "no role may not grant"),
    ("devops-lead", Expiry(releases=1), 4, "cov would be waived 4 releases in a row (limit 3)"),
    ("cto", Expiry(releases=1), 4, None),
    ("cto", Expiry(releases=4), 1, "a waiver lasts at most 3 releases"),
    ("cto", Expiry(until=date(2027, 1, 6)), 1, None),
    ("cto", Expiry(until=date(2027, 1, 7)), 1, "a waiver ends at most 30 days ahead"),
    ("cto", Expiry(until=TODAY), 1, None),
    ("cto", Expiry(until=date(2026, 12, 6)), 1, "2026-12-06 is already past"),
]


@pytest.mark.parametrize(("role", "expiry", "row", "refusal"), GRANTS)
def test_who_may_grant_a_waiver_and_for_how_long(
    role: str, expiry: Expiry, row: int, refusal: str | None
) -> None:
    found = grant_refusal("cov", RULES, role, expiry, row, TODAY)
    if refusal is None:
        assert found is None
    else:
        assert found is not None and refusal in found


def test_past_the_limit_the_refusal_names_who_may_grant_it_again() -> None:
    found = grant_refusal("cov", RULES, "devops-lead", Expiry(releases=1), 4, TODAY)
    assert found == "cov would be waived 4 releases in a row (limit 3): only cto may grant it again"


def test_no_limit_lets_the_granting_roles_grant_it_forever() -> None:
    rules = WaiverRules(granted_by=("devops-lead",), max_releases=None, max_days=None)
    assert grant_refusal("cov", rules, "devops-lead", Expiry(releases=99), 50, TODAY) is None
    assert (
        grant_refusal("cov", rules, "devops-lead", Expiry(until=date(2099, 1, 1)), 1, TODAY) is None
    )


def _waiver(**fields: object) -> PastWaiver:
    base: dict[str, object] = {
        "criterion_id": "cov",
        "approver": "bob",
        "role": "devops-lead",
        "reason": "flaky runner",
        "granted_at": NOW,
    }
    return PastWaiver(**(base | fields))  # type: ignore[arg-type]


# waiver, the release it would cover, today -> why it expired (None: it holds)
VALIDITY = [
    (_waiver(releases=3), 1, TODAY, None),
    (_waiver(releases=3), 3, TODAY, None),
    (_waiver(releases=3), 4, TODAY, "waiver expired after 3 releases"),
    (_waiver(releases=1), 2, TODAY, "waiver expired after 1 release"),
    (_waiver(), 1, TODAY, None),
    (_waiver(), 2, TODAY, "waiver expired after 1 release"),
    (_waiver(until=TODAY), 9, TODAY, None),
    (_waiver(until=date(2026, 12, 6)), 1, TODAY, "waiver expired 2026-12-06"),
    (_waiver(until=date(2027, 1, 1)), 20, TODAY, None),
]


@pytest.mark.parametrize(("waiver", "nth", "today", "why"), VALIDITY)
def test_whether_a_waiver_still_holds(
    waiver: PastWaiver, nth: int, today: date, why: str | None
) -> None:
    assert expired(waiver, nth, today) == why


def _decision(label: str, **waivers: PastWaiver) -> ReleaseWaivers:
    return ReleaseWaivers(label, label, f"go_decision_{label}", dict(waivers))


def _carry(ledger: LedgerWaivers, rules: WaiverRules | None = RULES, today: date = TODAY):  # type: ignore[no-untyped-def]
    return carry_over(ledger, lambda cid: rules, today, NOW, "olivia")


def test_a_valid_waiver_is_carried_into_the_next_release_and_counted() -> None:
    ledger = LedgerWaivers(previous=(_decision("2.3.1", cov=_waiver(releases=3)),))
    carried = _carry(ledger)
    assert carried.lapsed == {}
    waiver = carried.waivers["cov"]
    assert (waiver.nth, waiver.releases, waiver.in_a_row) == (2, 3, 2)
    assert (waiver.approver, waiver.role, waiver.carried_from) == ("bob", "devops-lead", "2.3.1")
    assert (waiver.operator, waiver.at, waiver.granted_at) == ("olivia", NOW, NOW)
    assert waived_text(waiver) == (
        "waived (carried from 2.3.1, 2 of 3 releases) by bob (devops-lead): flaky runner"
    )


def test_a_carried_waiver_keeps_the_release_it_was_granted_in() -> None:
    ledger = LedgerWaivers(
        previous=(
            _decision("2.3.2", cov=_waiver(releases=3, nth=2, carried_from="2.3.1")),
            _decision("2.3.1", cov=_waiver(releases=3)),
        )
    )
    waiver = _carry(ledger).waivers["cov"]
    assert (waiver.nth, waiver.in_a_row, waiver.carried_from) == (3, 3, "2.3.1")


def test_a_release_decided_again_counts_once() -> None:
    """A NO-GO of 2.3.1 decided again: the waiver granted in it is still its 1st release."""
    ledger = LedgerWaivers(same=_decision("2.3.1", cov=_waiver(releases=1)))
    waiver = _carry(ledger).waivers["cov"]
    assert (waiver.nth, waiver.in_a_row, waiver.carried_from) == (1, 1, "2.3.1")


def test_the_meetings_own_release_decided_before_is_the_source() -> None:
    """The same release decided before without the waiver (revoked there): not carried,
    even though the release before held it."""
    ledger = LedgerWaivers(
        same=_decision("2.3.2"), previous=(_decision("2.3.1", cov=_waiver(releases=3)),)
    )
    assert _carry(ledger).waivers == {}


def test_an_expired_waiver_is_not_applied_and_says_so() -> None:
    by_count = LedgerWaivers(previous=(_decision("2.3.1", cov=_waiver(releases=1)),))
    assert _carry(by_count).waivers == {}
    assert _carry(by_count).lapsed == {"cov": "waiver expired after 1 release"}
    by_date = LedgerWaivers(previous=(_decision("2.3.1", cov=_waiver(until=date(2026, 12, 1))),))
    assert _carry(by_date).lapsed == {"cov": "waiver expired 2026-12-01"}
    assert _carry(by_date, today=date(2026, 12, 1)).waivers["cov"].until == date(2026, 12, 1)


def test_past_the_limit_a_carried_waiver_needs_the_cto_again() -> None:
    ledger = LedgerWaivers(
        previous=(
            _decision("4", cov=_waiver(releases=3, nth=3, role="cto")),
            _decision("3", cov=_waiver(releases=3, nth=2)),
            _decision("2", cov=_waiver(releases=3)),
            _decision("1"),
        )
    )
    carried = _carry(ledger, WaiverRules(max_releases=5, granted_by=("cto", "devops-lead")))
    assert carried.lapsed == {"cov": "waiver expired after 3 releases"}
    long = LedgerWaivers(
        previous=tuple(
            _decision(str(n), cov=_waiver(releases=9, nth=4 - n, role="cto")) for n in (1, 2, 3)
        )
    )
    carried = _carry(long, WaiverRules(max_releases=3))
    assert carried.waivers == {}
    assert carried.lapsed == {
        "cov": "waiver needs cto again: 4th release in a row waiving cov (limit 3)"
    }
    assert "cov" in _carry(long, WaiverRules(max_releases=4)).waivers


def test_a_role_that_may_no_longer_grant_it_is_not_carried() -> None:
    ledger = LedgerWaivers(previous=(_decision("2.3.1", cov=_waiver(releases=3)),))
    carried = _carry(ledger, WaiverRules(granted_by=("cto",)))
    assert carried.lapsed == {
        "cov": "waiver from 2.3.1 was granted by devops-lead, who may no longer"
    }


def test_a_criterion_gone_or_critical_drops_its_waiver_silently() -> None:
    ledger = LedgerWaivers(previous=(_decision("2.3.1", cov=_waiver(releases=3)),))
    assert _carry(ledger, None).waivers == {} and _carry(ledger, None).lapsed == {}


def test_releases_in_a_row_count_back_while_each_waived_it() -> None:
    ledger = LedgerWaivers(
        previous=(
            _decision("5", cov=_waiver()),
            _decision("4", cov=_waiver(), lint=_waiver()),
            _decision("3", lint=_waiver()),
            _decision("2", cov=_waiver()),
        )
    )
    assert (ledger.in_a_row("cov"), ledger.in_a_row("lint"), ledger.in_a_row("x")) == (3, 1, 1)


@pytest.mark.parametrize(
    ("number", "text"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th"),
     (21, "21st"), (22, "22nd"), (101, "101st"), (111, "111th")],
)  # fmt: skip
def test_ordinals(number: int, text: str) -> None:
    assert ordinal(number) == text


def test_a_waiver_round_trips_through_its_json() -> None:
    waiver = Waiver(
        "cov", "olivia", NOW, "flaky", approver="bob", role="cto", releases=3, nth=2,
        in_a_row=4, carried_from="2.3.1", granted_at=NOW,
    )  # fmt: skip
    data = waiver_to_dict(waiver)
    assert data == {
        "operator": "olivia",
        "at": "2026-12-07T10:00:00.000Z",
        "reason": "flaky",
        "approver": "bob",
        "role": "cto",
        "releases": 3,
        "nth": 2,
        "in_a_row": 4,
        "carried_from": "2.3.1",
        "granted_at": "2026-12-07T10:00:00.000Z",
    }
    assert waiver_from_dict("cov", data, NOW) == waiver
    dated = Waiver("cov", "olivia", NOW, "x", approver="bob", role="cto", until=TODAY)
    assert waiver_from_dict("cov", waiver_to_dict(dated), NOW) == dated
    old = Waiver("cov", "bob", NOW, "known flake")
    assert waiver_to_dict(old) == {
        "operator": "bob",
        "at": "2026-12-07T10:00:00.000Z",
        "reason": "known flake",
    }


CHECKLIST = """\
title: Waiver rules
policy:
  waivers:
    granted_by: [cto, devops-lead]
    max_releases: 2
    default_expiry: 2 releases
sections:
  - id: q
    title: Quality
    criteria:
      - id: cov
        title: Coverage
        manual: true
        waiver: {granted_by: [qa-lead], max_days: 7}
      - id: lint
        title: Lint
        manual: true
"""


def test_the_policy_and_a_criterions_own_waiver_rules(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(CHECKLIST)
    checklist = load_checklist(path)
    assert checklist.waiver_rules("lint") == WaiverRules(
        granted_by=("cto", "devops-lead"), max_releases=2, max_days=90,
        default_expiry="2 releases",
    )  # fmt: skip
    assert checklist.waiver_rules("cov") == WaiverRules(
        granted_by=("qa-lead",), max_releases=2, max_days=7, default_expiry="2 releases"
    )
    default = tmp_path / "d.yaml"
    default.write_text(
        CHECKLIST.split("policy:")[0] + "sections:" + CHECKLIST.split("sections:")[1]
    )
    assert load_checklist(default).waiver_rules("lint") == WaiverRules()


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ("granted_by: [CTO]", "policy.waivers.granted_by"),
        ("granted_by: []", "policy.waivers.granted_by"),
        ("max_releases: 0", "policy.waivers.max_releases"),
        ("default_expiry: sometime", "policy.waivers.default_expiry"),
        ("until: 2027-01-01", "policy.waivers.until"),
    ],
)
def test_a_bad_waiver_policy_names_its_line_and_field(tmp_path: Path, bad: str, field: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(CHECKLIST.replace("    max_releases: 2\n", f"    {bad}\n"))
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path)
    message = str(caught.value)
    assert f"{path}:" in message and field in message, message


def test_waived_short_names_who_and_how_far_into_the_run() -> None:
    at = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    carried = Waiver(
        "hsts",
        "dana",
        at,
        "CDN",
        approver="alice",
        role="cto",
        releases=3,
        nth=2,
        in_a_row=2,
        carried_from="v2.3.1",
    )
    assert waived_short(carried) == (
        "waived by alice (cto) · 2/3",
        "alice (cto) · 2/3",
        "alice · 2/3",
    )
    renewed = Waiver("hsts", "dana", at, "CDN", approver="bob", role="cto", nth=1, in_a_row=4)
    assert waived_short(renewed)[0] == "waived by bob (cto) · 1/1 · 4th in a row"
    dated = Waiver("hsts", "dana", at, "CDN", approver="bob", role="cto", until=date(2027, 1, 15))
    assert waived_short(dated)[-1] == "bob · to 2027-01-15"
    assert waived_short(Waiver("hsts", "kim", at, "flaky")) == ("waived by kim", "kim")
