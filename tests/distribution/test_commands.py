"""`gonogo init`, `gonogo validate`, `gonogo completion`, the pre-commit hook, and where the
shipped files are found (fast: the checkout's own gonogo)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gonogo_tui.cli import main
from gonogo_tui.commands.shipped import shipped_checklists, shipped_dir
from gonogo_tui.core.checklist import Defaults
from tests.distribution.conftest import REPO, clean_env

GONOGO = Path(sys.executable).parent / "gonogo"

VALID = """\
title: Team readiness
sections:
  - id: team
    title: Team
    criteria:
      - {id: on-call, title: On-call engineer available, manual: true}
"""
THREE_PROBLEMS = """\
title: Broken
defaults: {timeout: soon}
sections:
  - id: team
    title: Team
    criteria:
      - {id: on-call, titel: On-call, manual: true}
"""


def gonogo(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(GONOGO), *args],
        cwd=cwd,
        env=clean_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_checkout_reads_its_own_checklists_folder() -> None:
    assert shipped_dir() == REPO / "checklists"
    assert shipped_checklists() == ["spark-trading"]


def test_init_writes_the_starter_and_its_contract(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--dir", str(tmp_path)]) == 0
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == [
        "checklists/contract/spark_trading.sql",
        "checklists/spark-trading.md",
        "checklists/spark-trading.yaml",
    ]
    shipped = REPO / "checklists"
    assert (tmp_path / "checklists/spark-trading.yaml").read_bytes() == (
        shipped / "spark-trading.yaml"
    ).read_bytes()
    assert (tmp_path / "checklists/spark-trading.md").read_bytes() == (
        shipped / "README.md"
    ).read_bytes()
    out = capsys.readouterr().out
    assert "gonogo validate" in out and "gonogo check" in out
    assert main(["validate", str(tmp_path / "checklists/spark-trading.yaml")]) == 0


def test_init_never_writes_over_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "checklists").mkdir()
    mine = tmp_path / "checklists" / "spark-trading.md"
    mine.write_text("our own notes\n")
    assert main(["init", "--dir", str(tmp_path)]) == 2
    assert mine.read_text() == "our own notes\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["checklists", "spark-trading.md"]
    assert "spark-trading.md: already there" in capsys.readouterr().err


def test_init_asks_nothing_without_a_terminal(tmp_path: Path) -> None:
    done = gonogo("init", cwd=tmp_path)  # stdin is /dev/null
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("wrote checklists/spark-trading.yaml\n")
    assert (tmp_path / "checklists" / "spark-trading.yaml").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "nope"], "--from nope: no such checklist (shipped: spark-trading)"),
        (["--dir", "missing"], "missing: no such folder"),
    ],
)
def test_init_refuses_bad_arguments(tmp_path: Path, args: list[str], message: str) -> None:
    done = gonogo("init", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_validate_reports_every_problem_of_every_file(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(VALID)
    (tmp_path / "broken.yaml").write_text(THREE_PROBLEMS)
    (tmp_path / "dup.yaml").write_text(
        VALID + "      - {id: on-call, title: Again, manual: true}\n"
    )
    done = gonogo("validate", "broken.yaml", "good.yaml", "missing.yaml", "dup.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "broken.yaml:2: defaults.timeout: 'soon' is not a duration (use e.g. 250ms, 30s, 5m, 24h, 7d)",
        "broken.yaml:7: sections[0].criteria[0].title: field required",
        "broken.yaml:7: sections[0].criteria[0].titel: unknown field",
        "missing.yaml: no such file",
        "dup.yaml:7: sections[0].criteria[1].id: duplicate criterion id 'on-call'",
    ]
    assert done.stdout == "good.yaml: valid (1 section, 1 criterion)\n"


def test_validate_all_valid_and_quiet(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(VALID)
    shipped = str(REPO / "checklists" / "spark-trading.yaml")
    done = gonogo("validate", "good.yaml", shipped, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "good.yaml: valid (1 section, 1 criterion)",
        f"{shipped}: valid (10 sections, 49 criteria)",
    ]
    quiet = gonogo("validate", "--quiet", "good.yaml", cwd=tmp_path)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")


def test_the_one_line_error_still_counts_the_others(tmp_path: Path) -> None:
    """`gonogo check` keeps its one-line error: the first problem and how many more."""
    (tmp_path / "broken.yaml").write_text(THREE_PROBLEMS)
    done = gonogo("check", "broken.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        "gonogo: broken.yaml:2: defaults.timeout: 'soon' is not a duration (use e.g. 250ms, "
        "30s, 5m, 24h, 7d) (and 2 more problems)\n"
    )


def test_validate_imports_no_probe_client_or_ui(tmp_path: Path) -> None:
    """Fast enough for pre-commit: loading never imports a probe's client library."""
    shipped = REPO / "checklists" / "spark-trading.yaml"
    code = (
        "import sys\n"
        "from gonogo_tui.cli import main\n"
        f"assert main(['validate', '-q', {str(shipped)!r}]) == 0\n"
        "heavy = ('textual', 'rich', 'httpx', 'psycopg', 'cryptography', 'argcomplete')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_the_pre_commit_hook_validates_checklists(tmp_path: Path) -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "gonogo-validate"
    assert hook["language"] == "python"  # pre-commit pip-installs this repository
    pattern = re.compile(hook["files"])
    assert pattern.search("checklists/spark-trading.yaml")
    assert pattern.search("checklists/prod.yml")
    assert not pattern.search("docs/checklist-format.md")
    entry = hook["entry"].split()
    assert entry[0] == "gonogo"  # the console script the package installs
    # pre-commit appends the changed files' names to the entry.
    (tmp_path / "checklists").mkdir()
    (tmp_path / "checklists" / "ok.yaml").write_text(VALID)
    (tmp_path / "checklists" / "bad.yaml").write_text(THREE_PROBLEMS)
    passed = gonogo(*entry[1:], "checklists/ok.yaml", cwd=tmp_path)
    assert (passed.returncode, passed.stdout, passed.stderr) == (0, "", "")
    failed = gonogo(*entry[1:], "checklists/ok.yaml", "checklists/bad.yaml", cwd=tmp_path)
    assert failed.returncode == 2
    assert failed.stderr.startswith("checklists/bad.yaml:2: defaults.timeout:")


def test_concurrency_help_says_the_real_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"defaults.concurrency, {Defaults().concurrency} unless it sets one" in help_text


def completions(line: str, tmp_path: Path) -> list[str]:
    """What argcomplete answers the shell for the command line `line` (cursor at its end)."""
    out = tmp_path / "completions"
    env = clean_env(
        _ARGCOMPLETE="1",
        _ARGCOMPLETE_IFS="\n",
        _ARGCOMPLETE_STDOUT_FILENAME=str(out),
        COMP_LINE=line,
        COMP_POINT=str(len(line)),
        COMP_TYPE="9",
    )
    done = subprocess.run(
        [str(GONOGO)], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return out.read_text().split("\n") if out.read_text() else []


def test_completion_follows_the_parser(tmp_path: Path) -> None:
    commands = completions("gonogo ", tmp_path)
    for command in ("check", "review", "validate", "init", "demo", "verify", "completion"):
        assert command in commands
    assert sorted(completions("gonogo demo --scenario r", tmp_path)) == ["red", "review"]
    assert "--expect-decision" in completions("gonogo verify --exp", tmp_path)


def test_bash_completes_through_the_generated_script(tmp_path: Path) -> None:
    script = gonogo("completion", "bash", cwd=tmp_path)
    assert script.returncode == 0, script.stderr
    (tmp_path / "gonogo.bash").write_text(script.stdout)
    # What bash does on TAB: the registered function fills COMPREPLY.
    probe = (
        "source ./gonogo.bash\n"
        "complete -p gonogo\n"
        "COMP_WORDS=(gonogo valid); COMP_CWORD=1; COMP_LINE='gonogo valid'; COMP_POINT=12\n"
        "fn=$(complete -p gonogo | sed -E 's/.* -F ([^ ]+) .*/\\1/')\n"
        '"$fn" gonogo valid gonogo\n'
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = clean_env()
    env["PATH"] = f"{GONOGO.parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", probe],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].strip() == "validate", done.stdout


def test_fish_completes_through_the_generated_script(tmp_path: Path) -> None:
    script = gonogo("completion", "fish", cwd=tmp_path)
    assert script.returncode == 0, script.stderr
    (tmp_path / "gonogo.fish").write_text(script.stdout)
    env = clean_env(HOME=str(tmp_path))
    env["PATH"] = f"{GONOGO.parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        ["fish", "--no-config", "-c", 'source gonogo.fish; complete -C"gonogo va"'],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [line.split("\t")[0] for line in done.stdout.splitlines()] == ["validate"]


def test_zsh_script_is_argcompletes(tmp_path: Path) -> None:
    done = gonogo("completion", "zsh", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("#compdef gonogo\n")
    assert "_ARGCOMPLETE" in done.stdout  # it asks gonogo's parser, nothing hand-written
