"""A symbolic link or FIFO planted in the evidence folder is never followed, never blocks on
open, and never stops the next record: through `gonogo check --record`, `seal`, `sign`,
`verify`, `verify-ledger` and `review`."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.core.signing.helpers import Person, make_key, write_allowed_signers, write_record
from tests.security.helpers import fifo, gonogo, one_line, project, record_go, upcoming_stems

REFUSAL = "not a regular file; gonogo never follows links or opens special files"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return project(tmp_path / "project")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """Where a planted link points: a file (such as ~/.bashrc) or a name that must not appear."""
    folder = tmp_path / "home"
    folder.mkdir()
    (folder / ".bashrc").write_text("export PATH=/usr/bin\n")
    return folder


def _untouched(outside: Path) -> None:
    assert sorted(p.name for p in outside.iterdir()) == [".bashrc"]
    assert (outside / ".bashrc").read_text() == "export PATH=/usr/bin\n"


def _record_path(stdout: str) -> str:
    return stdout.split("Record: ", 1)[1].split()[0]


@pytest.mark.parametrize("lock", [".records.lock", ".ledger.lock"])
@pytest.mark.parametrize("dangling", [True, False])
def test_a_link_at_a_lock_is_refused_in_one_line_and_not_followed(
    workdir: Path, outside: Path, lock: str, dangling: bool
) -> None:
    (workdir / "evidence").mkdir()
    target = outside / ("new_file" if dangling else ".bashrc")
    (workdir / "evidence" / lock).symlink_to(target)
    done = record_go(workdir)
    assert done.returncode == 2, done.stdout + done.stderr
    line = one_line(done.stderr)
    assert line.startswith("gonogo: ") and f"evidence/{lock}: cannot lock" in line, line
    assert f"a symbolic link is there, {REFUSAL}" in line
    _untouched(outside)


def test_a_fifo_at_a_lock_is_refused_without_hanging(workdir: Path) -> None:
    (workdir / "evidence").mkdir()
    fifo(workdir / "evidence" / ".records.lock")
    done = record_go(workdir)
    assert done.returncode == 2
    assert f"evidence/.records.lock: cannot lock its records: a FIFO is there, {REFUSAL}" in (
        one_line(done.stderr)
    )


@pytest.mark.parametrize("command", ["check", "review"])
def test_a_symlinked_evidence_folder_is_refused(workdir: Path, outside: Path, command: str) -> None:
    (workdir / "evidence").symlink_to(outside)
    review = ("review", "checklist.yaml")
    done = record_go(workdir) if command == "check" else gonogo(*review, cwd=workdir)
    assert done.returncode == 2
    assert one_line(done.stderr) == (
        "gonogo: evidence: is a symbolic link; gonogo does not follow links in the evidence "
        "folder (give the real folder's path)"
    )
    _untouched(outside)


@pytest.mark.parametrize(
    "name",
    [
        "{stem}.txt",
        "{stem}.json",
        "{stem}.statement.json",
        "pending_{stem}.json",
        "{stem}_artifacts",
    ],
)
@pytest.mark.parametrize("trap", ["dangling", "live", "fifo"])
def test_a_name_planted_at_the_next_record_moves_the_record_on(
    workdir: Path, outside: Path, name: str, trap: str
) -> None:
    """Links and FIFOs at the names of the next 3 minutes' records: the record takes the
    next free name, nothing is written where the links point, and the ledger is intact."""
    evidence = workdir / "evidence"
    evidence.mkdir()
    planted = [evidence / name.format(stem=stem) for stem in upcoming_stems()]
    for path in planted:
        if trap == "fifo":
            fifo(path)
        else:
            path.symlink_to(outside / (f"x_{path.name}" if trap == "dangling" else ".bashrc"))
    done = record_go(workdir)
    assert done.returncode == 0, done.stderr
    written = workdir / _record_path(done.stdout)
    assert written.name.endswith("_2.txt"), written
    assert not written.is_symlink() and written.is_file()
    _untouched(outside)
    if name == "{stem}.statement.json":  # a statement-shaped name that is not one is named
        broken = gonogo("verify-ledger", cwd=workdir, timeout=30)
        assert broken.returncode == 4
        assert f"{planted[0].name}: " in broken.stderr and "is there, not a regular" in (
            broken.stderr
        )
    for path in planted:
        path.unlink()
    ledger = gonogo("verify-ledger", cwd=workdir)
    assert ledger.returncode == 0, ledger.stderr
    assert "ledger intact: 1 entries" in ledger.stdout


@pytest.mark.parametrize("dangling", [True, False])
def test_a_link_at_the_ledger_is_refused(workdir: Path, outside: Path, dangling: bool) -> None:
    evidence = workdir / "evidence"
    evidence.mkdir()
    (evidence / "ledger.jsonl").symlink_to(outside / ("ledger" if dangling else ".bashrc"))
    done = record_go(workdir)
    assert done.returncode == 2
    assert f"ledger.jsonl: cannot read ledger (a symbolic link is there, {REFUSAL}" in (
        one_line(done.stderr)
    )
    checked = gonogo("verify-ledger", cwd=workdir)
    assert checked.returncode == 4
    assert "cannot read ledger (a symbolic link is there" in one_line(checked.stderr)
    _untouched(outside)


def test_a_fifo_ledger_fails_verify_ledger_without_hanging(workdir: Path) -> None:
    evidence = workdir / "evidence"
    evidence.mkdir()
    fifo(evidence / "ledger.jsonl")
    checked = gonogo("verify-ledger", cwd=workdir, timeout=30)
    assert checked.returncode == 4
    assert f"cannot read ledger (a FIFO is there, {REFUSAL}" in one_line(checked.stderr)


def test_gonogo_log_as_a_link_stops_the_review_in_one_line(workdir: Path, outside: Path) -> None:
    """The issue's case: probe output appended to the file `evidence/gonogo.log` points to."""
    evidence = workdir / "evidence"
    evidence.mkdir()
    (evidence / "gonogo.log").symlink_to(outside / ".bashrc")
    done = gonogo("review", "checklist.yaml", cwd=workdir)
    assert done.returncode == 2, done.stdout + done.stderr
    assert one_line(done.stderr) == (
        f"gonogo: {evidence / 'gonogo.log'}: a symbolic link is there, {REFUSAL} "
        "in the evidence folder: remove it"
    )
    _untouched(outside)


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> list[Person]:
    keys = tmp_path_factory.mktemp("trap-keys")
    return [Person("cto", "alice@example.com", make_key(keys, "alice"))]


def _sealed(workdir: Path) -> str:
    done = record_go(workdir)
    assert done.returncode == 0, done.stderr
    return _record_path(done.stdout)


def _sign(workdir: Path, record: str, person: Person) -> subprocess.CompletedProcess[str]:
    return gonogo(
        "sign", record, "--as", person.role, "--principal", person.principal,
        "--key", str(person.key), cwd=workdir,
    )  # fmt: skip


@pytest.mark.parametrize("dangling", [True, False])
def test_a_link_at_the_signature_name_is_refused_by_sign(
    workdir: Path, outside: Path, people: list[Person], dangling: bool
) -> None:
    record = _sealed(workdir)
    stem = Path(record).name.removesuffix(".txt")
    sig = workdir / "evidence" / f"{stem}.approval.cto.alice@example.com.json.sig"
    sig.symlink_to(outside / ("sig" if dangling else ".bashrc"))
    done = _sign(workdir, record, people[0])
    assert done.returncode == 2
    assert f"{sig}: a symbolic link is there, {REFUSAL}" in one_line(done.stderr)
    _untouched(outside)


def test_a_link_at_the_approval_document_is_replaced_not_written_through(
    workdir: Path, outside: Path, people: list[Person]
) -> None:
    record = _sealed(workdir)
    stem = Path(record).name.removesuffix(".txt")
    document = workdir / "evidence" / f"{stem}.approval.cto.alice@example.com.json"
    document.symlink_to(outside / ".bashrc")
    done = _sign(workdir, record, people[0])
    assert done.returncode == 0, done.stderr
    assert not document.is_symlink() and document.is_file()
    _untouched(outside)


def test_verify_refuses_a_signature_that_is_a_link_to_a_valid_one(
    workdir: Path, tmp_path: Path, people: list[Person]
) -> None:
    """A .sig that links to a genuine signature kept elsewhere is not read through."""
    record = _sealed(workdir)
    assert _sign(workdir, record, people[0]).returncode == 0
    allowed = write_allowed_signers(tmp_path / "trust" / "allowed_signers", people)
    stem = Path(record).name.removesuffix(".txt")
    sig = workdir / "evidence" / f"{stem}.approval.cto.alice@example.com.json.sig"
    kept = tmp_path / "kept.sig"
    shutil.move(sig, kept)
    sig.symlink_to(kept)
    done = gonogo("verify", record, "--allowed-signers", str(allowed), cwd=workdir)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "a symbolic link is there" in one_line(done.stderr)
    os.unlink(sig)
    shutil.move(kept, sig)
    # The same bytes as a file: the CTO's signature counts (the other two roles are missing).
    restored = gonogo("verify", record, "--allowed-signers", str(allowed), cwd=workdir)
    assert restored.returncode == 2
    assert "missing approval from devops-lead, product-owner" in restored.stderr


@pytest.mark.parametrize("name", ["{stem}.txt", "{stem}.json", "{stem}.statement.json"])
def test_verify_refuses_record_files_that_are_links_or_fifos(
    workdir: Path, tmp_path: Path, people: list[Person], name: str
) -> None:
    record = _sealed(workdir)
    allowed = write_allowed_signers(tmp_path / "trust" / "allowed_signers", people)
    stem = Path(record).name.removesuffix(".txt")
    path = workdir / "evidence" / name.format(stem=stem)
    kept = tmp_path / "kept"
    shutil.move(path, kept)
    path.symlink_to(kept)  # the same bytes, through a link
    linked = gonogo("verify", record, "--allowed-signers", str(allowed), cwd=workdir)
    assert linked.returncode != 0
    assert "a symbolic link is there" in linked.stderr, linked.stderr
    os.unlink(path)
    fifo(path)
    blocked = gonogo("verify", record, "--allowed-signers", str(allowed), cwd=workdir, timeout=30)
    assert blocked.returncode != 0
    assert "a FIFO is there" in blocked.stderr, blocked.stderr


def test_seal_refuses_a_record_file_that_is_a_link(workdir: Path, tmp_path: Path) -> None:
    """`gonogo seal` of a record whose .txt is a link reads nothing through it."""
    evidence = workdir / "evidence"
    evidence.mkdir()
    txt = write_record(evidence)
    kept = tmp_path / "kept.txt"
    shutil.move(txt, kept)
    txt.symlink_to(kept)
    done = gonogo("seal", str(txt.relative_to(workdir)), cwd=workdir)
    assert done.returncode == 2
    assert one_line(done.stderr) == (
        f"gonogo: {txt}: cannot read (a symbolic link is there, {REFUSAL} in the evidence "
        "folder: remove it)"
    )
    assert not txt.with_name(txt.stem + ".statement.json").exists()


def test_report_refuses_a_fifo_record_without_hanging(workdir: Path) -> None:
    evidence = workdir / "evidence"
    evidence.mkdir()
    fifo(evidence / "go_decision_20261126_101500.json")
    done = gonogo("report", "evidence/go_decision_20261126_101500.json", cwd=workdir, timeout=30)
    assert done.returncode == 2
    assert one_line(done.stderr) == (
        "gonogo: evidence/go_decision_20261126_101500.json: cannot read: a FIFO is there, "
        f"{REFUSAL} in the evidence folder: remove it"
    )
