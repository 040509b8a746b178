"""What a `file` probe proposes when its pattern or its path finds nothing: a pattern built
from the line the document writes (its label and the criterion's own capture group, never
its names), a path or glob that exists; nothing when no single line or file stands out."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from pathlib import Path

import pytest

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.probes.file_run import run_file_probe
from gonogo_tui.core.probes.pattern_fit import first_group, fit_pattern
from gonogo_tui.core.redaction import Redactor
from tests.core.probes.ops.helpers import context, spec

SIGNOFF = r"(?mi)^Sign-off:[ \t]*(\d{4}-\d{2}-\d{2})"


def test_the_first_capture_group_is_found_past_non_capturing_ones() -> None:
    assert first_group(r"(?mi)(?:^Sign-off:|^#+ x(?!#))(\d{4}-\d{2}-\d{2})") == (
        r"\d{4}-\d{2}-\d{2}"
    )
    assert first_group(r"[(]x(\d+(?:\.\d+)?)") == r"\d+(?:\.\d+)?"
    assert first_group(r"no group \(here\)") is None


def test_a_label_without_a_colon_keeps_no_name() -> None:
    text = "Approved by Dana Reyes on 2026-12-06\n"
    pattern = fit_pattern(
        text.strip(), text, r"\d{4}-\d{2}-\d{2}", capture=True, check=lambda _: True
    )
    assert pattern is not None and "Dana" not in pattern
    found = re.search(pattern, text)
    assert found is not None and found.group(1) == "2026-12-06"


def test_a_date_regex_is_fitted_to_the_only_dated_line(tmp_path: Path) -> None:
    (tmp_path / "s.md").write_text("# Checks\n\n**Approved by:** Dana on 2026-11-20\n")
    probe = spec(kind="file", path="s.md", date_regex=SIGNOFF, max_age="30d")
    with pytest.raises(ProbeError) as raised:
        asyncio.run(run_file_probe(probe, context(tmp_path)))
    assert "line 3: '**Approved by:** Dana on 2026-11-20'" in str(raised.value)
    (fitted,) = raised.value.suggestions
    assert fitted.field == "date_regex" and fitted.found == SIGNOFF
    assert fitted.suggested is not None
    fixed = spec(kind="file", path="s.md", date_regex=fitted.suggested, max_age="30d")
    assert asyncio.run(run_file_probe(fixed, context(tmp_path))).ok


def test_no_pattern_is_proposed_when_no_line_stands_out(tmp_path: Path) -> None:
    # Two dated lines, neither sharing a word with the pattern: both named, none chosen.
    (tmp_path / "s.md").write_text("Load test: 2026-11-20\nChaos run: 2026-11-21\n")
    probe = spec(kind="file", path="s.md", date_regex=SIGNOFF, max_age="30d")
    with pytest.raises(ProbeError) as raised:
        asyncio.run(run_file_probe(probe, context(tmp_path)))
    assert "line 1: 'Load test: 2026-11-20'; line 2: 'Chaos run: 2026-11-21'" in str(raised.value)
    assert raised.value.suggestions == ()


def test_a_contains_pattern_fitted_to_the_closest_line_keeps_its_date(tmp_path: Path) -> None:
    (tmp_path / "r.md").write_text("# Restore\n\n> Last review: 2026-11-30 (Sam)\n")
    wanted = r"(?mi)^last[ \t]+reviewed:[ \t]*\d{4}-\d{2}-\d{2}"
    probe = spec(kind="file", path="r.md", contains=[r"(?m)^#+ Restore", wanted])
    observed = asyncio.run(run_file_probe(probe, context(tmp_path)))
    assert not observed.ok and "closest line 3: '> Last review: 2026-11-30 (Sam)'" in (
        observed.detail
    )
    (fitted,) = observed.suggestions
    assert fitted.field == "contains[1]" and fitted.suggested is not None
    assert r"\d{4}-\d{2}-\d{2}" in fitted.suggested and "Sam" not in fitted.suggested
    # The fitted pattern needs the date: a marker without one does not match it.
    assert re.search(fitted.suggested, "Last review: soon") is None


def test_a_line_holding_a_secret_is_not_proposed(tmp_path: Path) -> None:
    (tmp_path / "s.md").write_text("token=hunter2secret approved: 2026-11-20\n")
    probe = spec(kind="file", path="s.md", date_regex=SIGNOFF, max_age="30d")
    ctx = replace(context(tmp_path), redactor=Redactor(["hunter2secret"]))
    with pytest.raises(ProbeError) as raised:
        asyncio.run(run_file_probe(probe, ctx))
    assert "hunter2secret" not in str(raised.value)
    assert raised.value.suggestions == ()


def test_a_missing_path_names_the_same_name_elsewhere_and_proposes_it(tmp_path: Path) -> None:
    (tmp_path / "ops" / "runbooks").mkdir(parents=True)
    (tmp_path / "ops" / "runbooks" / "db-restore.md").write_text("# Restore\n")
    (tmp_path / "node_modules" / "x").mkdir(parents=True)
    (tmp_path / "node_modules" / "x" / "db-restore.md").write_text("a copy\n")
    probe = spec(kind="file", path="scripts/db-restore.md")
    observed = asyncio.run(run_file_probe(probe, context(tmp_path)))
    assert not observed.ok
    assert observed.detail.endswith("(found elsewhere: ops/runbooks/db-restore.md)")
    assert [(s.field, s.suggested) for s in observed.suggestions] == [
        ("path", "ops/runbooks/db-restore.md")
    ]
    # Two of that name: both named, none proposed.
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "db-restore.md").write_text("# Old\n")
    twice = asyncio.run(run_file_probe(probe, context(tmp_path)))
    assert "docs/db-restore.md, ops/runbooks/db-restore.md" in twice.detail
    assert twice.suggestions == ()


def test_a_glob_matching_no_file_names_the_files_and_the_glob_that_fits(
    tmp_path: Path,
) -> None:
    (tmp_path / "chaos").mkdir()
    for name in ("latency.spec.ts", "reset.spec.ts", "README.md"):
        (tmp_path / "chaos" / name).write_text("x\n")
    probe = spec(kind="file", newest_in={"dir": "chaos", "glob": "*.test.ts"}, max_age="1d")
    observed = asyncio.run(run_file_probe(probe, context(tmp_path)))
    assert "the folder holds: README.md, latency.spec.ts, reset.spec.ts" in observed.detail
    assert [(s.field, s.suggested) for s in observed.suggestions] == [
        ("newest_in.glob", "*.spec.ts")
    ]
    (tmp_path / "chaos" / "helpers.ts").write_text("x\n")  # two kinds of .ts: no guess
    mixed = asyncio.run(run_file_probe(probe, context(tmp_path)))
    assert mixed.suggestions == ()


def test_a_file_of_a_similar_name_is_named_when_none_has_the_same(tmp_path: Path) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "oncall_schedule.md").write_text("x\n")
    (tmp_path / ".github" / "CODEOWNERS").write_text("x\n")
    probe = spec(kind="file", path=".github/ONCALL-SCHEDULE.md")
    observed = asyncio.run(run_file_probe(probe, context(tmp_path)))
    assert observed.detail.endswith("(found elsewhere: .github/oncall_schedule.md)")
    assert [s.suggested for s in observed.suggestions] == [".github/oncall_schedule.md"]
    # Unlike names are not offered: the folder's entries are listed instead.
    other = spec(kind="file", path=".github/DEPLOY_LOG.md")
    listed = asyncio.run(run_file_probe(other, context(tmp_path)))
    assert listed.detail.endswith("(.github/ holds: CODEOWNERS, oncall_schedule.md)")
    assert listed.suggestions == ()


def test_dated_rows_under_one_section_give_the_first_date_under_its_heading(
    tmp_path: Path,
) -> None:
    # An approvals table: three dated rows, none standing out; all sit under one section,
    # so the date is the first under that heading, as the shipped sign-off reads it.
    text = (
        "# Validation\n\n## Approvals\n\n| Approver | Date |\n|---|---|\n"
        "| Kim | 2026-11-24 |\n| Jo | 2026-11-25 |\n"
    )
    (tmp_path / "s.md").write_text(text)
    probe = spec(kind="file", path="s.md", date_regex=SIGNOFF, max_age="7d")
    with pytest.raises(ProbeError) as raised:
        asyncio.run(run_file_probe(probe, context(tmp_path)))
    (fitted,) = raised.value.suggestions
    assert fitted.suggested == (
        r"(?mi)^#+[ \t]*Approvals\b.*\n(?:(?!#).*\n)*?[^#\n]*?(\d{4}-\d{2}-\d{2})"
    )
    fixed = spec(kind="file", path="s.md", date_regex=fitted.suggested, max_age="7d")
    observed = asyncio.run(run_file_probe(fixed, context(tmp_path)))
    assert observed.ok and "dated 2026-11-24" in observed.detail
    # Under the document's title only: no section stands out, nothing is proposed.
    (tmp_path / "t.md").write_text("# Release notes\n\n2026-11-01 fixed\n2026-11-20 fixed\n")
    titled = spec(kind="file", path="t.md", date_regex=SIGNOFF, max_age="7d")
    with pytest.raises(ProbeError) as raised:
        asyncio.run(run_file_probe(titled, context(tmp_path)))
    assert raised.value.suggestions == ()
