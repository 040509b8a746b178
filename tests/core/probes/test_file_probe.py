"""The `file` probe against real files in tmp_path: existence, regexes, ages, newest in a folder."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gonogo_tui.core.errors import ProbeError
from gonogo_tui.core.probes.base import Observation, ProbeContext
from gonogo_tui.core.probes.file import FileProbe
from gonogo_tui.core.probes.file_run import READ_LIMIT

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def _probe(**fields: Any) -> FileProbe:
    return FileProbe.model_validate({"kind": "file", **fields})


async def _run(root: Path, **fields: Any) -> Observation:
    return await _probe(**fields).run(ProbeContext(root=root, now=lambda: NOW, timeout=5))


def _touch(path: Path, age: timedelta, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    moment = (NOW - age).timestamp()
    os.utime(path, (moment, moment))
    return path


async def test_existing_file_passes(tmp_path: Path) -> None:
    (tmp_path / "RELEASE_NOTES.md").write_text("notes")
    observation = await _run(tmp_path, path="RELEASE_NOTES.md")
    assert observation.ok
    assert observation.value == "present"
    assert str(tmp_path / "RELEASE_NOTES.md") in observation.output


async def test_missing_file_fails_as_measured(tmp_path: Path) -> None:
    observation = await _run(tmp_path, path="missing.md")
    assert not observation.ok
    assert observation.value == "absent"
    assert "does not exist" in observation.detail


async def test_exists_false_inverts(tmp_path: Path) -> None:
    assert (await _run(tmp_path, path="maintenance.flag", exists=False)).ok
    (tmp_path / "maintenance.flag").write_text("")
    observation = await _run(tmp_path, path="maintenance.flag", exists=False)
    assert not observation.ok
    assert observation.value == "present"


async def test_absolute_path_outside_root_needs_allowing(tmp_path: Path) -> None:
    target = tmp_path / "abs.txt"
    target.write_text("x")
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(ProbeError, match="outside the root"):
        await _run(tmp_path / "elsewhere", path=str(target))
    allowed = await _run(tmp_path / "elsewhere", path=str(target), allow_outside_root=True)
    assert allowed.ok
    assert (await _run(tmp_path, path=str(target))).ok  # absolute, inside the root


async def test_all_patterns_must_match(tmp_path: Path) -> None:
    (tmp_path / "signoff.md").write_text("# Sign-off\nApproved by: Dana\nRollback tested: yes\n")
    passing = await _run(
        tmp_path, path="signoff.md", contains=[r"^Approved by: \w+$", r"^Rollback tested: yes$"]
    )
    assert passing.ok
    failing = await _run(
        tmp_path, path="signoff.md", contains=[r"^Approved by: \w+$", r"^Security review: done$"]
    )
    assert not failing.ok
    assert "Security review: done" in failing.detail
    assert "Approved by" not in failing.detail


async def test_patterns_search_only_the_start_of_huge_files(tmp_path: Path) -> None:
    with (tmp_path / "big.log").open("w") as handle:
        handle.write("x" * READ_LIMIT)
        handle.write("\nNEEDLE\n")
    observation = await _run(tmp_path, path="big.log", contains=["NEEDLE"])
    assert not observation.ok
    assert "first 4 MB searched" in observation.detail


async def test_age_from_mtime(tmp_path: Path) -> None:
    _touch(tmp_path / "backup.done", timedelta(hours=2))
    fresh = await _run(tmp_path, path="backup.done", max_age="1d")
    assert fresh.ok
    assert fresh.value == "2h old"
    stale = await _run(tmp_path, path="backup.done", max_age="1h")
    assert not stale.ok
    assert "older than 60m" in stale.detail


@pytest.mark.parametrize(
    ("line", "date_format", "ok", "value"),
    [
        ("Signed off: 2026-11-20", None, True, "6.5d old"),
        ("Signed off: 2026-11-01", None, False, "25.5d old"),
        ("Signed off: 2026-11-26T10:00:00+02:00", None, True, "4h old"),
        ("Signed off: 2026-11-26T11:30Z", None, True, "30m old"),
        ("Signed off: 20/11/2026", "%d/%m/%Y", True, "6.5d old"),
    ],
)
async def test_age_from_a_date_in_the_file(
    tmp_path: Path, line: str, date_format: str | None, ok: bool, value: str
) -> None:
    # A fresh mtime proves the age comes from the text, not the file system.
    _touch(tmp_path / "signoff.md", timedelta(0), f"# Release\n{line}\n")
    fields: dict[str, Any] = {"date_regex": r"^Signed off: (\S+)$", "max_age": "7d"}
    if date_format:
        fields["date_format"] = date_format
    observation = await _run(tmp_path, path="signoff.md", **fields)
    assert observation.ok is ok
    assert observation.value == value


@pytest.mark.parametrize(
    ("line", "ok"),
    [("Signed off: 2026-11-27", True), ("Signed off: 2062-11-20", False)],
)
async def test_a_date_far_in_the_future_fails(tmp_path: Path, line: str, ok: bool) -> None:
    """A typo like 2062 for 2026 must not keep a sign-off "fresh" for decades; a date a
    few hours ahead (written in another time zone) still passes."""
    (tmp_path / "signoff.md").write_text(f"{line}\n")
    observation = await _run(
        tmp_path, path="signoff.md", date_regex=r"Signed off: (\S+)", max_age="7d"
    )
    assert observation.ok is ok
    if not ok:
        assert observation.value == "in the future"
        assert observation.detail.endswith("dated 2062-11-20T00:00:00.000Z: 13142.5d in the future")


async def test_a_named_pipe_is_not_read(tmp_path: Path) -> None:
    """Opening a FIFO blocks until a writer comes, in a thread no deadline can stop (the
    command would never exit): it is refused instead of read."""
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(ProbeError, match="pipe is not a regular file"):
        async with asyncio.timeout(5):
            await _run(tmp_path, path="pipe", contains=["x"])
    present = await _run(tmp_path, path="pipe")
    assert present.ok


async def test_unparseable_date_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "signoff.md").write_text("Signed off: next tuesday\n")
    with pytest.raises(ProbeError, match="'next' is not a date"):
        await _run(tmp_path, path="signoff.md", date_regex=r"Signed off: (\S+)", max_age="7d")


async def test_missing_date_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "signoff.md").write_text("nobody signed\n")
    with pytest.raises(ProbeError, match="no date matching"):
        await _run(tmp_path, path="signoff.md", date_regex=r"Signed off: (\S+)", max_age="7d")


async def test_newest_in_folder_with_glob(tmp_path: Path) -> None:
    pacts = tmp_path / "pacts"
    _touch(pacts / "web-api.json", timedelta(days=10))
    _touch(pacts / "mobile-api.json", timedelta(days=2))
    _touch(pacts / "notes.txt", timedelta(hours=1))
    _touch(pacts / "nested" / "admin-api.json", timedelta(hours=3))

    flat = await _run(tmp_path, newest_in={"dir": "pacts", "glob": "*.json"}, max_age="7d")
    assert flat.ok
    assert flat.value == "mobile-api.json, 2d old"

    deep = await _run(
        tmp_path, newest_in={"dir": "pacts", "glob": "*.json", "recursive": True}, max_age="1d"
    )
    assert deep.ok
    assert deep.value == "admin-api.json, 3h old"

    stale = await _run(tmp_path, newest_in={"dir": "pacts", "glob": "*.json"}, max_age="1d")
    assert not stale.ok


async def test_newest_in_without_matches_fails(tmp_path: Path) -> None:
    (tmp_path / "chaos").mkdir()
    _touch(tmp_path / "chaos" / "README.md", timedelta(hours=1))
    empty = await _run(tmp_path, newest_in={"dir": "chaos", "glob": "*.test.ts"}, max_age="30d")
    assert not empty.ok
    assert empty.value == "no files"
    assert "no matching file" in empty.detail

    missing = await _run(tmp_path, newest_in={"dir": "nowhere", "glob": "*"})
    assert not missing.ok
    assert "does not exist" in missing.detail


async def test_folder_with_contains_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    with pytest.raises(ProbeError, match="is a folder"):
        await _run(tmp_path, path="dir", contains=["x"])


SIGNATURES = (
    "# Approvals\nAlice signed: 2026-11-25\nBob signed: 2026-11-12\nCarol signed: 2026-11-24\n"
)


@pytest.mark.parametrize(
    ("date_match", "ok", "value", "detail"),
    [
        ("first", True, "36h old", "signoff.md dated 2026-11-25T00:00:00.000Z: 36h old, within 7d"),
        (
            "newest",
            True,
            "36h old",
            "signoff.md newest of 3 dates 2026-11-25T00:00:00.000Z (line 2): 36h old, within 7d",
        ),
        (
            "oldest",
            False,
            "14.5d old",
            "signoff.md oldest of 3 dates 2026-11-12T00:00:00.000Z (line 3): 14.5d old, older than 7d",
        ),
        (
            "all",
            False,
            "14.5d old",
            "signoff.md oldest of 3 dates 2026-11-12T00:00:00.000Z (line 3): 14.5d old, older than 7d",
        ),
    ],
)
async def test_date_match_chooses_which_dates_count(
    tmp_path: Path, date_match: str, ok: bool, value: str, detail: str
) -> None:
    """`date_match: all`: every approver's date within 7 days, the oldest named (issue 21)."""
    _touch(tmp_path / "signoff.md", timedelta(0), SIGNATURES)
    observation = await _run(
        tmp_path,
        path="signoff.md",
        date_regex=r"signed: (\S+)",
        max_age="7d",
        date_match=date_match,
    )
    assert observation.ok is ok, observation.detail
    assert observation.value == value
    assert observation.detail == f"{tmp_path / detail}"


async def test_date_match_all_passes_only_when_every_date_is_recent(tmp_path: Path) -> None:
    recent = SIGNATURES.replace("2026-11-12", "2026-11-23")
    _touch(tmp_path / "signoff.md", timedelta(0), recent)
    fields: dict[str, Any] = {
        "path": "signoff.md",
        "date_regex": r"signed: (\S+)",
        "max_age": "7d",
        "date_match": "all",
    }
    passing = await _run(tmp_path, **fields)
    assert passing.ok, passing.detail
    assert passing.detail == str(tmp_path) + "/" + (
        "signoff.md oldest of 3 dates 2026-11-23T00:00:00.000Z (line 3): 3.5d old, within 7d"
    )
    _touch(tmp_path / "signoff.md", timedelta(0), recent + "Dave signed: soon\n")
    with pytest.raises(ProbeError, match=r"signoff.md:5: 'soon' is not a date \(ISO 8601\)"):
        await _run(tmp_path, **fields)
    assert _probe(**fields).expectation() == "exists, every date's age <= 7d"
    with pytest.raises(ValueError, match="'date_match' needs 'date_regex'"):
        _probe(path="x", max_age="7d", date_match="all")


async def test_contains_mismatch_quotes_the_line_that_nearly_matches(tmp_path: Path) -> None:
    """A sign-off written another way: the detail quotes the closest line (issue 13), as a
    short excerpt; the output names the closest lines by number only."""
    (tmp_path / "signoff.md").write_text(
        "# Release 4.2\n\nNotes about the release.\n\n## Sign-off\n"
        "- 2026-11-20 Alice (QA)\nSigned off by: Bob, 2026-11-21\n"
    )
    observation = await _run(tmp_path, path="signoff.md", contains=[r"^Sign-off: \w+"])
    assert not observation.ok
    assert observation.detail.endswith(
        "(7 lines; first: '# Release 4.2'; closest line 5: '## Sign-off')"
    ), observation.detail
    assert observation.output.endswith("lines closest to /^Sign-off: \\w+/: 5, 7")
    assert "Bob" not in observation.output
