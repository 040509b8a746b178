"""The `oncall` probe on markdown and YAML schedules, against a fixed clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from gonogo_tui.core.checklist import load_checklist
from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.probes.base import Status
from gonogo_tui.core.probes.oncall_run import run_oncall_probe
from tests.core.probes.ops.helpers import T0, context, run_engine, spec

MARKDOWN = """# On-call schedule

Timezone: Europe/Istanbul

Escalation: primary first, secondary after 10 minutes.

| Week | Start            | End              | Primary     | Secondary   | Phone |
|------|------------------|------------------|-------------|-------------|-------|
| 47   | 2026-11-16 09:00 | 2026-11-23 09:00 | Mert Demir  | Ayse Yilmaz | x1    |
| 48   | 2026-11-23 09:00 | 2026-11-30 09:00 | Ayse Yilmaz | Mert Demir  | x2    |
| 49   | 2026-11-30 09:00 | 2026-12-07 09:00 | Can Oz      | TBD         | x3    |
| cover| 2026-11-26       | 2026-11-26       | Deniz Kaya  | Mert Demir  | x4    |

Notes below the table are ignored.
"""

YAML = """timezone: America/New_York
shifts:
  - start: 2026-11-23 04:00
    end: 2026-11-30 04:00
    primary: Lee Chen
    secondary: Sam Ortiz
  - start: 2026-11-30T04:00:00-05:00
    end: 2026-12-07
    primary: Sam Ortiz
    secondary: null
"""


def write(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_markdown_override_row_wins(tmp_path: Path) -> None:
    write(tmp_path, ".github/ONCALL_SCHEDULE.md", MARKDOWN)
    result = run_engine(spec(kind="oncall", path=".github/ONCALL_SCHEDULE.md"), context(tmp_path))
    assert result.status is Status.PASS
    # The date-only cover row covers the whole of 26 November (Istanbul time).
    assert result.value == "primary Deniz Kaya, secondary Mert Demir"
    assert result.detail == "on duty per line 12; next hand-over in 11h (2026-11-26 21:00 UTC)"


def test_markdown_regular_week(tmp_path: Path) -> None:
    write(tmp_path, "oncall.md", MARKDOWN)
    monday = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # 10:00 in Istanbul (UTC+3)
    result = run_engine(spec(kind="oncall", path="oncall.md"), context(tmp_path, now=monday))
    assert result.value == "primary Ayse Yilmaz, secondary Mert Demir"
    assert result.status is Status.PASS
    before_handover = datetime(2026, 11, 23, 5, 59, tzinfo=UTC)  # 08:59 in Istanbul
    earlier = run_engine(
        spec(kind="oncall", path="oncall.md"), context(tmp_path, now=before_handover)
    )
    assert earlier.value == "primary Mert Demir, secondary Ayse Yilmaz"


def test_missing_secondary_fails(tmp_path: Path) -> None:
    write(tmp_path, "oncall.md", MARKDOWN)
    week49 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    result = run_engine(spec(kind="oncall", path="oncall.md"), context(tmp_path, now=week49))
    assert result.status is Status.FAIL
    assert result.value == "primary Can Oz, secondary TBD"
    assert result.detail == "no secondary on duty at line 11"


def test_nobody_on_duty_names_the_next_shift(tmp_path: Path) -> None:
    write(tmp_path, "oncall.md", MARKDOWN)
    early = datetime(2026, 11, 1, tzinfo=UTC)
    result = run_engine(spec(kind="oncall", path="oncall.md"), context(tmp_path, now=early))
    assert result.status is Status.FAIL
    assert result.value == "nobody on duty"
    assert "next shift starts 2026-11-16 06:00 UTC" in result.detail


def test_yaml_schedule_and_distinct_people(tmp_path: Path) -> None:
    write(tmp_path, "oncall.yaml", YAML)
    result = run_engine(spec(kind="oncall", path="oncall.yaml"), context(tmp_path))
    assert result.status is Status.PASS
    assert result.value == "primary Lee Chen, secondary Sam Ortiz"
    late = datetime(2026, 12, 2, tzinfo=UTC)
    missing = run_engine(spec(kind="oncall", path="oncall.yaml"), context(tmp_path, now=late))
    assert missing.status is Status.FAIL
    assert missing.detail == "no secondary on duty at shifts[1]"

    write(tmp_path, "same.yaml", YAML.replace("secondary: Sam Ortiz", "secondary: lee chen"))
    same = run_engine(spec(kind="oncall", path="same.yaml"), context(tmp_path))
    assert same.status is Status.FAIL
    assert "the same person holds several roles" in same.detail


ROLE_ROWS = """# On-call

| Role      | Name       | Contact                 | From (UTC)       | To (UTC)         |
|-----------|------------|-------------------------|------------------|------------------|
| Primary   | Kim Osei   | @kim, +44 20 7946 0001  | 2026-11-23 09:00 | 2026-11-30 09:00 |
| Secondary | Jo Laine   | @jo, +44 20 7946 0002   | 2026-11-23 09:00 | 2026-11-27 09:00 |
| Secondary | Ana Ruiz   | @ana                    | 2026-11-27 09:00 | 2026-11-30 09:00 |

## Emergency contacts
| Who | Contact |
|-----|---------|
"""


def test_role_per_row_tables(tmp_path: Path) -> None:
    write(tmp_path, "oncall.md", ROLE_ROWS)
    result = run_engine(spec(kind="oncall", path="oncall.md"), context(tmp_path))
    assert result.status is Status.PASS
    assert result.value == "primary Kim Osei, secondary Jo Laine"
    assert result.detail == (
        "on duty per line 5, line 6; next hand-over in 23h (2026-11-27 09:00 UTC)"
    )
    friday = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    later = run_engine(spec(kind="oncall", path="oncall.md"), context(tmp_path, now=friday))
    assert later.value == "primary Kim Osei, secondary Ana Ruiz"
    write(tmp_path, "solo.md", ROLE_ROWS.replace("| Secondary |", "| Observer |"))
    solo = run_engine(spec(kind="oncall", path="solo.md"), context(tmp_path))
    assert solo.status is Status.FAIL
    # The schedule never names the role: the detail says which roles it does name.
    assert (solo.value, solo.detail) == (
        "primary Kim Osei, secondary -",
        "no secondary on duty (the schedule's roles: observer, primary)",
    )


def test_covered_for(tmp_path: Path) -> None:
    write(tmp_path, "oncall.md", MARKDOWN)
    probe = spec(kind="oncall", path="oncall.md", covered_for="12h")
    result = run_engine(probe, context(tmp_path))
    assert result.status is Status.FAIL
    assert result.detail == "duty ends in 11h, need 12h"
    assert result.expected == "distinct primary and secondary on duty now for 12h"


def test_custom_roles_and_file_missing(tmp_path: Path) -> None:
    write(tmp_path, "oncall.md", MARKDOWN)
    probe = spec(kind="oncall", path="oncall.md", roles=["Primary"])
    assert run_engine(probe, context(tmp_path)).value == "primary Deniz Kaya"
    missing = run_engine(spec(kind="oncall", path="none.md"), context(tmp_path))
    assert missing.status is Status.FAIL
    assert missing.detail == "on-call schedule not found: none.md (the root holds: oncall.md)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# schedule\n\nNobody wrote a table.\n", "no markdown table with columns start, end"),
        (
            "| Start | End | Primary | Secondary |\n|---|---|---|---|\n| soon | later | a | b |\n",
            "'soon' is not a time",
        ),
        ("Timezone: Mars/Olympus\n\n| Start | End | Primary | Secondary |\n", "Mars/Olympus"),
    ],
)
def test_unusable_schedules_are_errors(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path, "oncall.md", text)
    result = run_engine(spec(kind="oncall", path="oncall.md"), context(tmp_path))
    assert result.status is Status.ERROR
    assert message in result.detail


FOREIGN_ROTATION = """# On-call

| Week starting | Engineer    | Backup      |
|---------------|-------------|-------------|
| 2026-11-23    | Ayse Yilmaz | Mert Demir  |

## Escalation

| Level | Contact token-abcdef123456 |
|---|---|
| 1 | pager |
"""


def test_a_table_of_another_shape_names_the_tables_found(tmp_path: Path) -> None:
    """The detail names the header rows found (issue 13), redacted, and the output has them
    all, so the schedule or the roles can be fitted without opening the file."""
    write(tmp_path, "oncall.md", FOREIGN_ROTATION)
    result = run_engine(
        spec(kind="oncall", path="oncall.md"),
        context(tmp_path),
        secrets=("token-abcdef123456",),
    )
    assert result.status is Status.ERROR
    assert result.detail.startswith("oncall.md: no markdown table with columns start, end, ")
    assert result.detail.endswith(
        "; found tables with columns: Week starting, Engineer, Backup (line 3);"
        " Level, Contact *** (line 9)"
    ), result.detail
    assert result.output == (
        "line 3: Week starting | Engineer | Backup\nline 9: Level | Contact ***"
    )
    write(tmp_path, "none.md", "# schedule\n\nNobody wrote a table.\n")
    nothing = run_engine(spec(kind="oncall", path="none.md"), context(tmp_path))
    assert nothing.detail.endswith("; found no markdown table (a header row, then a |---| rule)")


def test_unknown_timezone_is_a_checklist_error() -> None:
    with pytest.raises(ValidationError, match="not a known IANA time zone"):
        spec(kind="oncall", path="x.md", timezone="Europe/Nowhere")


def test_now_is_thursday() -> None:
    assert T0.strftime("%a") == "Thu"


ROTATION = """# Weekly rotation

Timezone: Europe/Istanbul

| Week starting | Primary     | Secondary   |
|---------------|-------------|-------------|
| 2026-11-16    | Mert Demir  | Ayse Yilmaz |
| 2026-11-23    | Ayse Yilmaz | Mert Demir  |
| 2026-11-30    | Can Oz      | Deniz Kaya  |
"""


def test_a_rotation_with_only_a_start_column(tmp_path: Path) -> None:
    """`Week starting` alone: a shift runs until the next row's start (issue 21)."""
    write(tmp_path, "oncall.md", ROTATION)
    probe = spec(kind="oncall", path="oncall.md")
    result = run_engine(probe, context(tmp_path))
    assert result.status is Status.PASS, result.detail
    assert result.value == "primary Ayse Yilmaz, secondary Mert Demir"
    # Midnight of 30 November in Istanbul (UTC+3), not in UTC.
    assert result.detail == "on duty per line 8; next hand-over in 3.5d (2026-11-29 21:00 UTC)"
    # 29 November, 22:00 UTC is already 30 November in Istanbul: Can Oz's week.
    late = run_engine(probe, context(tmp_path, now=datetime(2026, 11, 29, 22, 0, tzinfo=UTC)))
    assert late.value == "primary Can Oz, secondary Deniz Kaya"
    # The last row lasts a week like the others, then nobody is on duty.
    after = run_engine(probe, context(tmp_path, now=datetime(2026, 12, 7, 0, 0, tzinfo=UTC)))
    assert after.status is Status.FAIL
    assert after.detail == "no shift covers 2026-12-07 00:00 UTC"


def test_a_rotation_in_the_zone_the_variable_gives(tmp_path: Path) -> None:
    """Without a `Timezone:` line the probe's `timezone` (often `${ONCALL_TZ}`) applies."""
    write(tmp_path, "oncall.md", ROTATION.replace("Timezone: Europe/Istanbul\n", ""))
    probe = spec(kind="oncall", path="oncall.md", timezone="America/New_York")
    result = run_engine(probe, context(tmp_path))
    assert result.detail == "on duty per line 7; next hand-over in 3.8d (2026-11-30 05:00 UTC)"


def test_a_yaml_rotation_and_a_single_start(tmp_path: Path) -> None:
    write(
        tmp_path,
        "oncall.yaml",
        "timezone: UTC\nshifts:\n"
        "  - {start: 2026-11-19, primary: Lee, secondary: Sam}\n"
        "  - {start: 2026-11-26 11:00, primary: Sam, secondary: Lee}\n",
    )
    result = run_engine(spec(kind="oncall", path="oncall.yaml"), context(tmp_path))
    assert result.value == "primary Lee, secondary Sam"
    assert result.detail == "on duty per shifts[0]; next hand-over in 60m (2026-11-26 11:00 UTC)"
    write(
        tmp_path,
        "one.md",
        "| Week starting | Primary | Secondary |\n|---|---|---|\n| 2026-11-23 | a | b |\n",
    )
    single = run_engine(spec(kind="oncall", path="one.md"), context(tmp_path))
    assert single.status is Status.ERROR
    assert "needs two starts or more" in single.detail


def test_a_rotation_zone_from_a_checklist_variable(tmp_path: Path) -> None:
    """`timezone: ${ONCALL_TZ}` in the checklist: the zone the environment gives."""
    write(tmp_path, "oncall.md", ROTATION.replace("Timezone: Europe/Istanbul\n", ""))
    checklist = tmp_path / "checklist.yaml"
    checklist.write_text(
        "title: t\nsections:\n  - id: s\n    title: s\n    criteria:\n      - id: c\n"
        "        title: c\n        probe: {kind: oncall, path: oncall.md, timezone: '${ONCALL_TZ}'}\n"
    )
    loaded = load_checklist(checklist, environ={"ONCALL_TZ": "Asia/Tokyo"})
    probe = loaded.sections[0].criteria[0].probe
    assert probe is not None
    result = run_engine(probe, context(tmp_path))
    # Midnight of 30 November in Tokyo (UTC+9) is 29 November, 15:00 UTC.
    assert result.detail == "on duty per line 7; next hand-over in 3.2d (2026-11-29 15:00 UTC)"


def test_role_columns_named_otherwise_come_back_as_suggestions(tmp_path: Path) -> None:
    import asyncio

    from gonogo_tui.core.errors import ProbeError

    write(
        tmp_path,
        "oncall.md",
        "# On call\n\n| From | To | On-call engineer | Backup |\n|---|---|---|---|\n"
        "| 2026-11-23 09:00 | 2026-11-30 09:00 | Ada | Linus |\n",
    )
    probe = spec(kind="oncall", path="oncall.md")
    result = run_engine(probe, context(tmp_path))
    assert result.status is Status.ERROR
    assert "From, To, On-call engineer, Backup (line 3)" in result.detail
    with pytest.raises(ProbeError) as raised:
        asyncio.run(probe.run(context(tmp_path)))
    found = [(s.field, s.found, s.suggested) for s in raised.value.suggestions]
    assert found == [
        ("roles[0]", "primary", "On-call engineer"),
        ("roles[1]", "secondary", "Backup"),
    ]
    fitted = spec(kind="oncall", path="oncall.md", roles=["On-call engineer", "Backup"])
    assert run_engine(fitted, context(tmp_path)).status is Status.PASS


ROTA = """# On-call

| Rota | Engineer | Starts |
|------|----------|--------|
| Primary | Ana Lima | 2026-11-23 09:00 |
| Backup | Tom Berg | 2026-11-23 09:00 |
| Primary | Lee Chan | 2026-11-30 09:00 |
| Backup | Ana Lima | 2026-11-30 09:00 |
"""


def test_a_table_whose_role_column_is_named_otherwise_says_how_to_map_it(
    tmp_path: Path,
) -> None:
    # `Rota` holds the roles (its cells say Primary), `Engineer` the names: the finding is
    # the `columns` mapping, and the role the rows call `Backup`, not a role column.
    write(tmp_path, "rota.md", ROTA)
    result = run_engine(spec(kind="oncall", path="rota.md"), context(tmp_path))
    assert result.status is Status.ERROR
    assert "found tables with columns: Rota, Engineer, Starts (line 3)" in result.detail
    with pytest.raises(ProbeError) as raised:
        asyncio.run(run_oncall_probe(spec(kind="oncall", path="rota.md"), context(tmp_path)))
    found = {(s.field, s.found, s.suggested) for s in raised.value.suggestions}
    assert found == {("columns.role", "role", "Rota"), ("roles[1]", "secondary", "backup")}


def test_the_columns_mapping_reads_a_table_in_its_own_words(tmp_path: Path) -> None:
    write(tmp_path, "rota.md", ROTA)
    probe = spec(
        kind="oncall", path="rota.md", columns={"role": "ROTA"}, roles=["primary", "backup"]
    )
    result = run_engine(probe, context(tmp_path))
    assert (result.status, result.value) == (Status.PASS, "primary Ana Lima, backup Tom Berg")
    # Named in the mapping, a column is found by that header only.
    absent = spec(kind="oncall", path="rota.md", columns={"role": "Role"}, roles=["primary"])
    assert "no markdown table" in run_engine(absent, context(tmp_path)).detail
    # A role the rows never name: the detail lists the roles they do name.
    mapped = spec(kind="oncall", path="rota.md", columns={"role": "Rota"})
    other = asyncio.run(run_oncall_probe(mapped, context(tmp_path)))
    assert not other.ok
    assert other.detail == "no secondary on duty (the schedule's roles: backup, primary)"
    assert [(s.field, s.suggested) for s in other.suggestions] == [("roles[1]", "backup")]


def test_a_schedule_not_found_names_the_one_of_that_name_elsewhere(tmp_path: Path) -> None:
    write(tmp_path, "docs/oncall/ONCALL_SCHEDULE.md", ROTA)
    observed = asyncio.run(
        run_oncall_probe(spec(kind="oncall", path=".github/ONCALL_SCHEDULE.md"), context(tmp_path))
    )
    assert observed.detail == (
        "on-call schedule not found: .github/ONCALL_SCHEDULE.md"
        " (found elsewhere: docs/oncall/ONCALL_SCHEDULE.md)"
    )
    assert [(s.field, s.suggested) for s in observed.suggestions] == [
        ("path", "docs/oncall/ONCALL_SCHEDULE.md")
    ]


def test_two_role_columns_stand_for_the_usual_two_roles_in_their_order(tmp_path: Path) -> None:
    write(
        tmp_path,
        "oncall.md",
        "| From | Until | On call | Escalation |\n|---|---|---|---|\n"
        "| 2026-11-23 09:00 | 2026-11-30 09:00 | Kim Osei | Jo Laine |\n",
    )
    for roles, column in ((["secondary"], "Escalation"), (["primary"], "On call")):
        probe = spec(kind="oncall", path="oncall.md", roles=roles)
        with pytest.raises(ProbeError) as raised:
            asyncio.run(run_oncall_probe(probe, context(tmp_path)))
        assert [(s.field, s.suggested) for s in raised.value.suggestions] == [("roles[0]", column)]
    # A role that is not a usual one, named like no column: nothing is proposed.
    odd = spec(kind="oncall", path="oncall.md", roles=["incident commander"])
    with pytest.raises(ProbeError) as raised:
        asyncio.run(run_oncall_probe(odd, context(tmp_path)))
    assert [s.suggested for s in raised.value.suggestions] == [None]


def test_a_week_table_whose_role_column_is_named_otherwise_says_how_to_map_it(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        "oncall.md",
        "# Rota\n\n**Week of 2026-11-23**\n\n| Duty | Person |\n|---|---|\n"
        "| Primary | Kim Osei |\n| Secondary | Jo Laine |\n",
    )
    with pytest.raises(ProbeError) as raised:
        asyncio.run(run_oncall_probe(spec(kind="oncall", path="oncall.md"), context(tmp_path)))
    assert [(s.field, s.suggested) for s in raised.value.suggestions] == [("columns.role", "Duty")]
    mapped = spec(kind="oncall", path="oncall.md", columns={"role": "Duty"})
    result = run_engine(mapped, context(tmp_path))
    assert (result.status, result.value) == (Status.PASS, "primary Kim Osei, secondary Jo Laine")
