"""`gonogo review` (and plain `gonogo`): arguments, the default checklist, one-line errors."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from textual.app import App

from gonogo_tui.cli import main
from gonogo_tui.commands.review import find_default_checklist
from gonogo_tui.core.errors import GonogoError
from gonogo_tui.ui.app import GonogoApp
from tests.ui.conftest import SMALL_YAML


def test_the_only_checklist_is_the_default(tmp_path: Path) -> None:
    folder = tmp_path / "checklists"
    with pytest.raises(GonogoError, match="no checklist file in"):
        find_default_checklist(folder)
    folder.mkdir()
    (folder / "README.md").write_text("not a checklist")
    only = folder / "prod.yaml"
    only.write_text("x")
    assert find_default_checklist(folder) == only
    (folder / "staging.yml").write_text("x")
    with pytest.raises(GonogoError, match=r"holds 2 \(prod.yaml, staging.yml\): name one"):
        find_default_checklist(folder)


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> list[GonogoApp]:
    """Captures the app `gonogo review` would run, instead of running it."""
    apps: list[GonogoApp] = []
    monkeypatch.setattr(GonogoApp, "run", lambda self, *a, **k: apps.append(self))
    return apps


def test_review_passes_its_options_to_the_app(
    launched: list[GonogoApp], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code = main(
        [
            "review",
            str(SMALL_YAML),
            "--operator",
            "dana",
            "--release",
            "v9",
            "--duration",
            "90s",
            "--evidence-dir",
            "ev",
            "--root",
            str(tmp_path),
            "--walkthrough",
        ]
    )
    assert code == 0
    (app,) = launched
    ctx = app.ctx
    assert (ctx.operator, ctx.release, ctx.duration) == ("dana", "v9", 90.0)
    assert ctx.evidence_dir == Path("ev") and ctx.checklist.title == "Small deploy"
    assert app._walkthrough


def test_the_review_log_masks_the_checklists_secrets(
    launched: list[GonogoApp], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The review logs at INFO into evidence/gonogo.log, where httpx writes request URLs."""
    import logging

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REVIEW_SECRET", "r3view-s3cret")
    (tmp_path / "c.yaml").write_text(
        "title: t\nvariables:\n  REVIEW_SECRET: {secret: true}\nsections:\n  - id: s\n"
        "    title: S\n    criteria:\n      - id: up\n        title: Up\n"
        "        probe: {kind: http, url: 'http://127.0.0.1:9/?k=${REVIEW_SECRET}'}\n",
        encoding="utf-8",
    )
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    try:
        assert main(["review", "c.yaml", "--evidence-dir", "ev"]) == 0
        logging.getLogger("httpx").info("HTTP Request: GET http://127.0.0.1:9/?k=r3view-s3cret")
        for handler in root.handlers:
            handler.flush()
    finally:  # the review moves logging to its file: give pytest its handlers back
        for handler in [h for h in root.handlers if h not in before]:
            handler.close()
        root.handlers[:] = before
        root.setLevel(level)
    text = (tmp_path / "ev" / "gonogo.log").read_text(encoding="utf-8")
    assert "?k=***" in text and "r3view-s3cret" not in text


def test_plain_gonogo_opens_the_review_of_the_only_checklist(
    launched: list[GonogoApp], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "checklists").mkdir()
    shutil.copy(SMALL_YAML, tmp_path / "checklists" / "small.yaml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("USER", "erin")
    assert main([]) == 0
    (app,) = launched
    assert app.ctx.operator == "erin" and app.ctx.duration == 600.0
    assert app.ctx.release == "v2.0.0"
    assert app.ctx.evidence_dir == Path("evidence")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["review"], "no CHECKLIST given and no checklist file in checklists/"),
        (["review", "missing.yaml"], "missing.yaml: no such file"),
        (["review", str(SMALL_YAML), "--duration", "0"], "--duration must be longer than 0s"),
        (["review", str(SMALL_YAML), "--duration", "soon"], "'soon' is not a duration"),
        (["review", str(SMALL_YAML), "--root", "nowhere"], "nowhere: no such folder"),
    ],
)
def test_errors_are_one_line_and_exit_2(
    argv: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    launched: list[GonogoApp],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert exit_code(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert launched == []


def exit_code(argv: list[str]) -> int:
    """`main`'s exit code, whether it returns it or argparse exits with it."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def test_without_a_terminal_the_review_is_one_line_exit_2(tmp_path: Path) -> None:
    """Plain `gonogo` in a CI job (stdin not a terminal) must not write escape codes into
    the void until it is killed: it says what to run instead."""
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_DRIVER"}
    done = subprocess.run(
        [sys.executable, "-m", "gonogo_tui", "review", str(SMALL_YAML),
         "--evidence-dir", str(tmp_path / "evidence")],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd=tmp_path, env=env,
        timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        "gonogo: the review needs a terminal, and standard input is not one; for a run "
        "without a screen (CI), use `gonogo check` (`gonogo demo --check` on the demo)\n"
    )


def test_an_evidence_folder_that_cannot_hold_the_journal_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The session cannot open (the journal cannot be created): one line, exit 2, even
    when the message is longer than 80 columns (Rich wrapped the app's exit message)."""
    monkeypatch.setattr(GonogoApp, "run", lambda self, *a, **k: App.run(self, headless=True))
    monkeypatch.chdir(tmp_path)
    blocked = tmp_path / ("a-file-where-the-evidence-folder-should-be-" + "x" * 60)
    blocked.write_text("not a folder")
    code = main(["review", str(SMALL_YAML), "--evidence-dir", str(blocked / "evidence")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("gonogo: ") and "cannot create a journal" in err
    assert err.count("\n") == 1 and str(blocked) in err


def test_serve_on_a_taken_port_is_one_line_and_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    launched: list[GonogoApp],
) -> None:
    """Something else listens on the port: the review once said "attendees follow the
    review at http://127.0.0.1:PORT/" (that other server answered the readiness check)."""
    monkeypatch.chdir(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = exit_code(["review", str(SMALL_YAML), "--serve", f"127.0.0.1:{port}"])
    assert code == 2
    err = capsys.readouterr().err
    assert err == f"gonogo: --serve 127.0.0.1:{port}: cannot listen there: Address already in use\n"
    assert launched == []
