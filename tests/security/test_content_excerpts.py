"""A detail quotes file content only as a short excerpt: redacted first, then cut to
about 40 characters, on one line, with control characters replaced.

The file here looks like `/etc/passwd` (placed inside the root, since the root
confinement keeps the real one out) and holds a checklist secret.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gonogo_tui.core.probes.base import ProbeResult, Status
from gonogo_tui.core.probes.confined import EXCERPT_LIMIT
from tests.core.probes.ops.helpers import T0, context, run_engine, spec

SECRET = "hunter2-SUPERSECRET-token"
LONG_LINE = "root:x:0:0:root:/root:/bin/bash:" + SECRET + ":" + "z" * 200
PASSWD = (
    f"{LONG_LINE}\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\x1b[2J\x1b]0;owned\x07\n"
    "alice:$6$saltsalt$" + "h" * 86 + ":19000:0:99999:7:::\n"
)


def _run(root: Path, **fields: object) -> ProbeResult:
    probe = spec(kind="file", path="passwd", **fields)
    return run_engine(probe, context(root, now=T0), secrets=(SECRET,))


def _quoted(detail: str) -> str:
    """The excerpt a detail quotes (between the first pair of single quotes)."""
    return detail.split("'", 2)[1]


def _assert_short_and_clean(detail: str) -> None:
    assert SECRET[:6] not in detail, detail
    assert "\x1b" not in detail and "\x07" not in detail
    assert "z" * 20 not in detail and "h" * 20 not in detail
    assert len(_quoted(detail)) <= EXCERPT_LIMIT, detail


@pytest.mark.parametrize("offset", [32, 50])
def test_date_regex_quotes_a_short_redacted_excerpt(tmp_path: Path, offset: int) -> None:
    """The secret straddles the cut wherever it is: redacted before the cut, no part of it
    is left (a cut first would leave `hunter2-SU`, which no redactor recognises)."""
    line = "root:x:0:0:root:/root:/bin/bash:".ljust(offset, "y") + SECRET + "z" * 200
    (tmp_path / "passwd").write_text(line + "\n" + PASSWD)
    result = _run(tmp_path, max_age="1d", date_regex=r"^(root:.*)$")
    assert result.status is Status.ERROR
    assert "is not a date" in result.detail
    _assert_short_and_clean(result.detail)
    assert _quoted(result.detail).startswith("root:x:0:0:root:/root:/bin/bash:")


def test_date_regex_control_characters_are_replaced(tmp_path: Path) -> None:
    (tmp_path / "passwd").write_text(PASSWD)
    result = _run(tmp_path, max_age="1d", date_regex=r"^(daemon.*)$")
    assert result.status is Status.ERROR
    _assert_short_and_clean(result.detail)


def test_no_date_found_says_what_the_file_holds(tmp_path: Path) -> None:
    (tmp_path / "passwd").write_text(PASSWD)
    result = _run(tmp_path, max_age="1d", date_regex=r"Sign-off: (\d{4}-\d\d-\d\d)")
    assert result.status is Status.ERROR
    assert "no date matching" in result.detail
    assert "3 lines; first: 'root:x:0:0" in result.detail
    _assert_short_and_clean(result.detail)


def test_contains_mismatch_quotes_a_short_redacted_excerpt(tmp_path: Path) -> None:
    (tmp_path / "passwd").write_text(PASSWD)
    result = _run(tmp_path, contains=[r"^Sign-off: \d{4}"])
    assert result.status is Status.FAIL
    assert "no match for" in result.detail and "3 lines; first:" in result.detail
    _assert_short_and_clean(result.detail)
    assert result.output.count("root:x") == 0  # the output describes the file, not its text


def test_coverage_error_quotes_a_short_excerpt(tmp_path: Path) -> None:
    (tmp_path / "lcov.info").write_text(f"SF:a.py\nLF:{LONG_LINE}\nLH:1\nend_of_record\n")
    probe = spec(kind="coverage", path="lcov.info", compare=">= 90")
    result = run_engine(probe, context(tmp_path, now=T0), secrets=(SECRET,))
    assert result.status is Status.ERROR
    assert "not a lcov report" in result.detail
    assert SECRET[:6] not in result.detail
    assert "z" * 20 not in result.detail
