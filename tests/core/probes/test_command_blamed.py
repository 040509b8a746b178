"""A failed command whose last words blame a file (the shipped sign-off check) says what
that file holds, not only what the command expected of it."""

from __future__ import annotations

from pathlib import Path

from gonogo_tui.core.probes.base import ProbeContext
from gonogo_tui.core.probes.command import CommandProbe
from gonogo_tui.core.redaction import Redactor

# The shipped artifacts-signoff check's shape: grep, else blame the file on stderr.
CHECK = (
    "grep -q 'APPROVED FOR PRODUCTION' SUMMARY.txt"
    " || { echo 'SUMMARY.txt: no APPROVED FOR PRODUCTION' >&2; exit 1; };"
    " grep -q '^Sign-off: ....-..-.. by [A-Z]' docs/SIGNOFF.md"
    " || { echo 'docs/SIGNOFF.md: no completed Sign-off line' >&2; exit 1; }"
)


async def _run(root: Path, secrets: tuple[str, ...] = ()) -> tuple[bool, str]:
    probe = CommandProbe.model_validate({"kind": "command", "shell": True, "command": CHECK})
    observed = await probe.run(ProbeContext(root=root, timeout=10, redactor=Redactor(secrets)))
    return observed.ok, observed.detail


async def test_the_file_a_failed_command_blames_is_quoted(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "SUMMARY.txt").write_text(
        "FINAL SUMMARY\nDate: 2026-11-25\n\nStatus: PENDING (contract tests re-run)\n\n"
    )
    (tmp_path / "docs/SIGNOFF.md").write_text("Sign-off: 2026-11-24 by Dana Ito (CTO)\n")
    # No line holds the complaint's words: the file's last line, where a status usually is.
    assert await _run(tmp_path) == (
        False,
        "exit 1 (expected exit 0): SUMMARY.txt: no APPROVED FOR PRODUCTION; SUMMARY.txt:"
        " 5 lines; last, line 4: 'Status: PENDING (contract tests re-run)'",
    )
    # The line closest to the complaint, two documents failing one check told apart.
    (tmp_path / "SUMMARY.txt").write_text("Status: APPROVED FOR PRODUCTION\n")
    (tmp_path / "docs/SIGNOFF.md").write_text(
        "# Validation\n\n- [x] Tests green\n\nSigned off: 2026-11-24 by Dana Ito (CTO)\n"
        "\nNotes: token s3cr3t-value\n"
    )
    ok, detail = await _run(tmp_path, secrets=("s3cr3t-value",))
    assert (ok, detail) == (
        False,
        "exit 1 (expected exit 0): docs/SIGNOFF.md: no completed Sign-off line;"
        " docs/SIGNOFF.md: closest line 5: 'Signed off: 2026-11-24 by Dana Ito (CTO)'",
    )
    (tmp_path / "docs/SIGNOFF.md").write_text("Notes: token s3cr3t-value\n")
    ok, detail = await _run(tmp_path, secrets=("s3cr3t-value",))
    assert not ok and "s3cr3t" not in detail and detail.endswith("line 1: 'Notes: token ***'")


async def test_a_blamed_file_outside_the_root_or_missing_is_not_read(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "docs").mkdir(parents=True)
    (tmp_path / "SUMMARY.txt").write_text("Status: PENDING\n")
    (root / "SUMMARY.txt").symlink_to(tmp_path / "SUMMARY.txt")  # resolves outside the root
    ok, detail = await _run(root)
    assert (ok, detail) == (
        False,
        "exit 1 (expected exit 0): SUMMARY.txt: no APPROVED FOR PRODUCTION",
    )
    (root / "SUMMARY.txt").unlink()
    (root / "SUMMARY.txt").write_text("Status: APPROVED FOR PRODUCTION\n")
    ok, detail = await _run(root)  # docs/SIGNOFF.md is not there: nothing more to say
    assert detail == "exit 1 (expected exit 0): docs/SIGNOFF.md: no completed Sign-off line"
