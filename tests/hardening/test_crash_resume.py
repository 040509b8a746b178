"""Issue 7, crash and resume: kill -9 loses nothing the screen showed, and a kill -9 while
finalizing leaves a whole decision record or none.

The sweep drives the installed `gonogo review` in tmux through ticks with notes, an untick,
a waiver and notes, kills it at seeded random moments (after an action showed on screen, or
right after its last key), resumes with `y` and checks the screen and the journal; then it
records GO and kills it again while the record is written. The second test kills the core's
finalize before every file-system call in turn.

Every sweep failure starts with `seed N`; rerun that round with
`CRASH_SEEDS=N pytest tests/hardening/test_crash_resume.py -k sweep`.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gonogo_tui.commands.exit_codes import EXIT_OK, EXIT_POLICY, exit_code
from gonogo_tui.core.checklist import Checklist, load_checklist
from gonogo_tui.core.evaluation import Tick, evaluate
from gonogo_tui.core.journal import JOURNAL_GLOB, Journal, load_journal
from gonogo_tui.core.probes.base import ProbeResult, Status
from gonogo_tui.core.records.build import build_record
from gonogo_tui.core.records.finalize import complete_finalize, finalize_session
from gonogo_tui.core.records.model import CTO, SENIOR_ENGINEER, Approval, DecisionRecord, Override
from gonogo_tui.core.records.plan import RecordPlan, plan_record
from gonogo_tui.core.records.write import write_record
from gonogo_tui.core.signing import verify_ledger, verify_record
from tests.hardening.kill9 import killed_at
from tests.servers import HttpTestServer
from tests.ui.test_tmux import DEADLINE, GONOGO, Tmux, cmdline, descendants

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

OPERATOR = "tester"
ORDER = ("up", "down", "oncall", "backup", "comms")
"""The criteria in screen order (j/k walk them)."""
TITLES = {
    "up": "Web is up",
    "down": "Web fails",
    "oncall": "On-call ready",
    "backup": "Backup ready",
    "comms": "Comms sent",
}
SEEDS = [int(s) for s in os.environ.get("CRASH_SEEDS", "7,11,2026").split(",")]
KILLS_PER_ROUND = 2
MAX_KILL_DELAY = 0.2
"""The kill lands 0-200 ms after the action's last key or its confirmation on screen."""
HMS = r"\d\d:\d\d:\d\d"
BAR = "sections GO"
"""In the decision bar: on screen except while the detail pane is full screen (`d`)."""
MAX_FINALIZE_DELAY = 0.1
"""The finalize kill lands 0-100 ms after the key that records the decision."""


@dataclass(frozen=True)
class Action:
    """One operator action on one criterion."""

    kind: str
    """tick, untick, waive or note."""
    cid: str
    text: str = ""
    """The tick's note, the waiver's reason or the note's text."""

    def __str__(self) -> str:
        return f"{self.kind} {self.cid}" + (f" {self.text!r}" if self.text else "")


ACTIONS = (
    Action("tick", "oncall", "on the bridge"),
    Action("waive", "down", "known outage 42"),
    Action("note", "up", "latency looks fine"),
    Action("tick", "backup", "paged in"),
    Action("untick", "backup"),
    Action("tick", "comms"),
    Action("note", "comms", "mail sent to all"),
    Action("tick", "backup", "second try"),
)


@dataclass
class Expected:
    """What the screen and the journal must hold: every action confirmed so far."""

    ticks: dict[str, str] = field(default_factory=dict)
    """criterion -> tick note"""
    waivers: dict[str, str] = field(default_factory=dict)
    notes: list[tuple[str | None, str]] = field(default_factory=list)

    def apply(self, action: Action) -> None:
        if action.kind == "tick":
            self.ticks[action.cid] = action.text
        elif action.kind == "untick":
            self.ticks.pop(action.cid, None)
        elif action.kind == "waive":
            self.waivers[action.cid] = action.text
        else:
            self.notes.append((action.cid, action.text))


def row_of(screen: str, cid: str) -> str:
    """The criterion's row: its half of the line in the two-column layout."""
    title = TITLES[cid]
    for line in screen.splitlines():
        at = line.find(title)
        if at >= 0:
            half = 61 if at >= 61 else 0
            return line[half : half + 60].strip()
    return ""


class Review:
    """`gonogo review` on the crash checklist in a private tmux server."""

    def __init__(self, tmux: Tmux, checklist: Path, evidence: Path, seed: int) -> None:
        self.tmux = tmux
        self.command = (
            f"{GONOGO} review {checklist} --evidence-dir {evidence} --operator {OPERATOR}"
        )
        self.evidence = evidence
        self.seed = seed
        self.resumes = 0
        self.last_screen = ""

    def fail(self, message: str) -> AssertionError:
        return AssertionError(f"seed {self.seed}: {message}")

    def gone(self) -> AssertionError:
        return self.fail(f"the app exited by itself; its last screen was:\n{self.last_screen}")

    def keys(self, *keys: str, literal: bool = False) -> None:
        """Send keys (`literal`: one text, typed as is) to the running app."""
        args = ["-l", *keys] if literal else list(keys)
        if self.tmux.status("send-keys", "-t", "review", *args) != 0:
            raise self.gone()

    def until(self, what: str, check: Callable[[str], bool], *, twice: bool = False) -> str:
        """Poll the screen until `check` holds (on two captures in a row with `twice`, for
        checks that also need something absent: a half-drawn frame must not pass)."""
        deadline = time.monotonic() + DEADLINE
        screen, streak = "", 0
        while time.monotonic() < deadline:
            screen = self.tmux.screen()
            if not screen and not self.tmux.alive():
                raise self.gone()
            self.last_screen = screen
            streak = streak + 1 if check(screen) else 0
            if streak >= (2 if twice else 1):
                return screen
            time.sleep(0.03)
        raise self.fail(f"{what}: never on screen; the screen was:\n{screen}")

    def open(self, *, resume: bool) -> None:
        self.tmux.start(self.command)
        if resume:
            self.until("the resume question", lambda s: "Resume the unfinished review?" in s)
            self.keys("y")
            self.resumes += 1
        self.until("the review", lambda s: "probes 2/2" in s and BAR in s)

    def kill(self) -> None:
        """SIGKILL the app (not the shell around it) and wait for the pane to close."""
        apps = [p for p in descendants(self.tmux.pane_pid()) if "gonogo review" in cmdline(p)]
        assert apps, self.fail("no gonogo review process in the pane")
        for pid in apps:
            os.kill(pid, signal.SIGKILL)
        self.tmux.wait_closed()

    def select(self, cid: str) -> None:
        self.keys(*["k"] * len(ORDER), *["j"] * ORDER.index(cid))
        header = re.compile(rf"(?<![\w-]){cid} · section")
        self.until(f"{cid} selected", lambda s: bool(header.search(s)))

    def send(self, action: Action) -> None:
        """Every key of the action, waiting only for its dialog to open."""
        self.select(action.cid)
        if action.kind == "untick":
            self.keys("Space")
            self.until(f"the question of {action}", lambda s: f"Untick {action.cid}?" in s)
            self.keys("y")
            return
        key, title = {
            "tick": ("Space", f"Tick {action.cid}"),
            "waive": ("w", f"Waive {action.cid} (FAIL)"),
            "note": ("n", "Add a note"),
        }[action.kind]
        self.keys(key)
        self.until(f"the dialog of {action}", lambda s: title in s)
        if action.text:
            self.keys(action.text, literal=True)
        self.keys("Enter")

    def confirmed(self, action: Action) -> None:
        """Wait until the screen shows the action done (its dialog closed)."""
        if action.kind == "note":
            self.until(f"{action}: dialog closed", lambda s: "Add a note" not in s, twice=True)
            self.keys("d")  # the detail pane full screen: every note is in view
            note = re.compile(rf"Note\s+{OPERATOR} at {HMS}: {re.escape(action.text)}")
            self.until(str(action), lambda s: BAR not in s and bool(note.search(s)))
            self.keys("d")
            self.until("the panels back", lambda s: BAR in s)
            return
        row = {
            "tick": f"ticked by {OPERATOR}",
            "untick": "needs tick",
            "waive": "WAIVED",
        }[action.kind]
        dialog = {"tick": "Tick ", "untick": "Tick ", "waive": "Waive "}[action.kind]
        self.until(
            str(action),
            lambda s: row in row_of(s, action.cid) and f"█  {dialog}" not in s,
            twice=True,
        )

    def journal_path(self) -> Path:
        paths = sorted(self.evidence.glob(JOURNAL_GLOB))
        assert len(paths) == 1, self.fail(f"one journal expected, found {paths}")
        return paths[0]

    def in_journal(self, action: Action) -> bool:
        """Whether the journal on disk holds `action` as its latest change of that kind."""
        state = load_journal(self.journal_path()).state
        if action.kind == "tick":
            tick = state.ticks.get(action.cid)
            return tick is not None and tick.note == action.text
        if action.kind == "untick":
            return action.cid not in state.ticks
        if action.kind == "waive":
            return action.cid in state.waivers
        return any(n.criterion_id == action.cid and n.text == action.text for n in state.notes)

    def check_journal(self, expected: Expected) -> None:
        """The journal, read by the core's reader, holds exactly what was confirmed."""
        path = self.journal_path()
        loaded = load_journal(path)
        state = loaded.state
        found = Expected(
            {cid: tick.note for cid, tick in state.ticks.items()},
            {cid: waiver.reason for cid, waiver in state.waivers.items()},
            [(note.criterion_id, note.text) for note in state.notes],
        )
        assert found == expected, self.fail(f"journal {path.name} holds {found}, not {expected}")
        people = [t.operator for t in state.ticks.values()]
        people += [w.operator for w in state.waivers.values()]
        people += [n.operator for n in state.notes]
        assert set(people) <= {OPERATOR}, self.fail(f"operators {people}")
        assert set(state.results) == {"up", "down"}, self.fail(f"results {state.results}")
        kinds = [
            json.loads(line)["kind"]
            for line in path.read_bytes()[: loaded.good_bytes].split(b"\n")
            if line
        ]
        assert kinds.count("resumed") == self.resumes, self.fail(f"journal kinds {kinds}")

    def check_screen(self, expected: Expected) -> None:
        """Every row, and each criterion's detail pane full screen, show what was confirmed."""
        for cid in ORDER:
            self.select(cid)
            row = expected_row(cid, expected)
            self.until(f"{cid}'s row {row!r}", lambda s, cid=cid, row=row: row in row_of(s, cid))
            detail = DetailCheck.of(cid, expected)
            self.keys("d")
            self.until(f"{cid}'s detail as {expected}", detail.shown, twice=True)
            self.keys("d")
            self.until("the panels back", lambda s: BAR in s)


def expected_row(cid: str, expected: Expected) -> str:
    """What the criterion's row says after the confirmed actions."""
    if cid == "up":
        return "PASS"
    if cid == "down":
        return "WAIVED" if cid in expected.waivers else "FAIL"
    return f"ticked by {OPERATOR}" if cid in expected.ticks else "needs tick"


@dataclass(frozen=True)
class DetailCheck:
    """What a criterion's full-screen detail pane must show, and must not."""

    wanted: tuple[re.Pattern[str], ...]
    unwanted: tuple[re.Pattern[str], ...]
    notes: int

    @classmethod
    def of(cls, cid: str, expected: Expected) -> DetailCheck:
        wanted: list[re.Pattern[str]] = []
        unwanted: list[re.Pattern[str]] = []
        if cid in expected.ticks:
            note = expected.ticks[cid]
            tail = f": {re.escape(note)}" if note else r"\s*$"
            wanted.append(re.compile(rf"Ticked\s+by {OPERATOR} at {HMS}{tail}", re.M))
        else:
            unwanted.append(re.compile(r"^\s*Ticked\s", re.M))
        if cid in expected.waivers:
            reason = re.escape(expected.waivers[cid])
            wanted.append(
                re.compile(
                    rf"Waived\s+waived by {OPERATOR} \(cto\), for 1 release: {reason}"
                    rf" \(was FAIL, at {HMS}\)"
                )
            )
        else:
            unwanted.append(re.compile(r"^\s*Waived\s", re.M))
        notes = [text for about, text in expected.notes if about == cid]
        wanted += [re.compile(rf"Note\s+{OPERATOR} at {HMS}: {re.escape(text)}") for text in notes]
        return cls(tuple(wanted), tuple(unwanted), len(notes))

    def shown(self, screen: str) -> bool:
        return (
            BAR not in screen  # the pane is full screen
            and all(p.search(screen) for p in self.wanted)
            and not any(p.search(screen) for p in self.unwanted)
            and len(re.findall(rf"Note\s+{OPERATOR} at", screen)) == self.notes
        )


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    session = Tmux(tmp_path)
    yield session
    session.kill()


def write_checklist(tmp_path: Path, server: HttpTestServer | None) -> Path:
    """Two http probes (one fails, to be waived) and three manual criteria."""
    url = "http://127.0.0.1:9"
    if server is not None:
        server.route("GET", "/ok", body="ok")
        server.route("GET", "/fail", status=503, body="down")
        url = server.url
    path = tmp_path / "crash.yaml"
    path.write_text(
        "title: Crash meeting\n"
        "release: v1.0.0\n"  # known: the finalize dialog's keys go to its choices at once
        "sections:\n"
        "  - id: web\n"
        "    title: Web\n"
        "    criteria:\n"
        f"      - {{id: up, title: Web is up, probe: {{kind: http, url: '{url}/ok'}}}}\n"
        f"      - {{id: down, title: Web fails, probe: {{kind: http, url: '{url}/fail'}}}}\n"
        "  - id: people\n"
        "    title: People\n"
        "    criteria:\n"
        "      - {id: oncall, title: On-call ready, manual: true}\n"
        "      - {id: backup, title: Backup ready, manual: true}\n"
        "      - {id: comms, title: Comms sent, manual: true}\n"
    )
    return path


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_kill_9_sweep_restores_every_confirmed_action(
    seed: int, tmux: Tmux, tmp_path: Path, http_server: HttpTestServer
) -> None:
    rng = random.Random(seed)
    kills = dict.fromkeys(sorted(rng.sample(range(len(ACTIONS)), KILLS_PER_ROUND)))
    for index in kills:
        # "during": the kill follows the action's last key (Enter), so it may land before,
        # during or after the journal write and the redraw; "after": it follows the
        # action's confirmation on screen.
        kills[index] = rng.choice(("during", "after"))
    review = Review(tmux, write_checklist(tmp_path, http_server), tmp_path / "evidence", seed)
    (tmp_path / "allowed_signers").write_text("")  # nobody signs: verify finds only that
    expected = Expected()
    review.open(resume=False)
    index = 0
    while index < len(ACTIONS):
        action = ACTIONS[index]
        review.send(action)
        when = kills.pop(index, None)
        if when == "during":
            time.sleep(rng.uniform(0, MAX_KILL_DELAY))  # the kill moment itself, not a wait
            review.kill()
            if review.in_journal(action):
                expected.apply(action)
                index += 1
            # else: lost before it was confirmed; the operator does it again after resuming
        else:
            review.confirmed(action)
            expected.apply(action)
            index += 1
            if when == "after":
                time.sleep(rng.uniform(0, MAX_KILL_DELAY))  # the kill moment itself
                review.kill()
        if when is not None:
            review.check_journal(expected)
            review.open(resume=True)
            review.check_screen(expected)
    # Every section is GO now (the failing probe is waived): record GO, and kill -9 at a
    # random moment after the key, while the record is written or just after.
    journal = review.journal_path()
    review.keys("f")
    review.until("the finalize dialog", lambda s: "Record GO (g)" in s)
    review.keys("g")
    time.sleep(rng.uniform(0, MAX_FINALIZE_DELAY))  # the kill moment itself
    review.kill()
    review.check_journal(expected)
    evidence = review.evidence
    state = load_journal(journal).state
    plan = journal_plan(journal)
    context = f"seed {seed}: killed while finalizing"
    if plan is None:  # the decision never reached the journal: nothing of it may be on disk
        assert not record_files(evidence), f"{context}: {record_files(evidence)}"
    else:
        check_planned_files(evidence, plan, context)
    if state.finalized is None:
        # Resuming completes a record whose plan was journaled; else finalize again.
        review.open(resume=True)
        if plan is None:
            review.keys("f")
            review.until("the finalize dialog", lambda s: "Record GO (g)" in s)
            review.keys("g")
        review.until("the recorded decision", lambda s: "FINAL: GO" in s)
        review.check_screen(expected)
        review.keys("q")  # finalized: quits without asking
    else:
        # Finalized before the kill: reopening starts a fresh meeting.
        tmux.start(review.command)
        review.until("a fresh review", lambda s: "probes 2/2" in s and "Decision by" in s)
        review.keys("q")
        review.until("the quit question", lambda s: "Quit without a decision?" in s)
        review.keys("y")
    tmux.wait_closed()
    plan = journal_plan(journal)
    assert plan is not None and load_journal(journal).state.finalized is not None, context
    check_whole(evidence, plan, tmp_path / "allowed_signers", context)
    check_no_debris(evidence, context)
    assert verify_ledger(evidence).entries == 1, f"{context}: one decision, one record"
    recorded = json.loads((evidence / plan.json).read_text())
    assert recorded_actions(recorded) == expected, f"{context}: the record lacks an action"


# Kill -9 during finalize: a whole record or none.

T0 = datetime(2026, 11, 26, 10, 15, tzinfo=UTC)
"""When the meeting of the every-step test decides."""
HIDDEN_OK = re.compile(r"\.ledger\.lock|\..+\.tmp")
"""Hidden names a kill may leave: the ledger's lock and the temp files of `core/files.py`
(a complete record's own temp files are removed when it is completed)."""


def clock(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def probe_results() -> dict[str, ProbeResult]:
    """What the two http probes measured (one fails), each keeping artifacts."""
    return {
        "up": ProbeResult(
            "up", Status.PASS, "200", "status < 400", "GET /ok", "", T0, 5.0,
            artifacts={"headers.txt": "HTTP/1.1 200 OK\n"},
        ),
        "down": ProbeResult(
            "down", Status.FAIL, "503", "status < 400", "GET /fail", "down", T0, 5.0,
            artifacts={"body.txt": "down\n", "headers.txt": "HTTP/1.1 503\n"},
        ),
    }  # fmt: skip


def meeting_record(checklist: Checklist, decided_at: datetime) -> DecisionRecord:
    """An emergency override of a NO-GO whose probes kept artifacts: every kind of file a
    record has (.json, override text, artifacts, .txt, statement, ledger line)."""
    results = probe_results()
    ticks = {cid: Tick(cid, OPERATOR, T0) for cid in ("oncall", "backup", "comms")}
    override = Override(
        "payments outage",
        "low: the failing endpoint is retired",
        (
            Approval(CTO, "carol", decided_at),
            Approval(SENIOR_ENGINEER, "sam", decided_at),
            Approval(SENIOR_ENGINEER, "sue", decided_at),
        ),
    )
    evaluation = evaluate(checklist, results, ticks)
    return build_record(
        checklist, evaluation, operator=OPERATOR, decided_at=decided_at, override=override
    )


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` (relative name -> bytes)."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def check_whole(evidence: Path, plan: RecordPlan, allowed: Path, context: str) -> None:
    """Every planned file holds its planned bytes, the JSON and artifacts agree, and the
    record is sealed in an intact ledger: `gonogo verify` finds only the missing signatures."""
    on_disk = files_under(evidence)
    for name, text in plan.files:
        assert on_disk.get(name) == text.encode(), f"{context}: {name} is not as planned"
    data = json.loads(on_disk[plan.json])
    assert data["record_id"] == plan.stem, context
    for key, digest in data["artifacts"].items():
        cid, name = key.split("/")
        kept = on_disk[f"{plan.stem}_artifacts/{cid}/{name}"]
        assert hashlib.sha256(kept).hexdigest() == digest, f"{context}: artifact {key}"
    result = verify_record(evidence / plan.txt, allowed, now=clock(T0))
    assert exit_code(result.failure) == EXIT_POLICY, f"{context}: {result.reason}"
    assert "missing approval" in result.reason, f"{context}: {result.reason}"
    ledger = verify_ledger(evidence)
    assert exit_code(ledger.failure) == EXIT_OK and not ledger.unsealed, (
        f"{context}: {ledger.reason}"
    )


def journal_plan(journal: Path) -> RecordPlan | None:
    """The plan of the record the journal's `finalizing` line announced, if any."""
    for line in journal.read_bytes().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # a torn last line
        if entry["kind"] == "finalizing":
            return RecordPlan.from_dict(entry["plan"])
    return None


RECORD_NAME = re.compile(r"(no_)?go_decision_.*|emergency_override_.*|ledger\.jsonl")


def record_files(evidence: Path) -> list[str]:
    """Files of decision records below `evidence` (hidden temp files aside)."""
    return [
        name
        for name in files_under(evidence)
        if RECORD_NAME.fullmatch(name.split("/")[0]) and not Path(name).name.startswith(".")
    ]


def check_planned_files(evidence: Path, plan: RecordPlan, context: str) -> None:
    """Right after a kill: the record's files on disk each hold their planned bytes, and
    its .txt is there only once every other planned file is."""
    planned = dict(plan.files)
    on_disk = files_under(evidence)
    present = {
        name
        for name in record_files(evidence)
        if name not in (f"{plan.stem}.statement.json", "ledger.jsonl")
    }
    for name in present:
        assert name in planned, f"{context}: {name} is not a file of {plan.stem}"
        assert on_disk[name] == planned[name].encode(), f"{context}: {name} is partial"
    if plan.txt in present:
        assert set(planned) <= present, f"{context}: the .txt before the rest"


def recorded_actions(record: dict[str, Any]) -> Expected:
    """The ticks, waivers and notes a record's JSON holds."""
    criteria = [c for section in record["sections"] for c in section["criteria"]]
    return Expected(
        {c["id"]: c["tick"]["note"] for c in criteria if "tick" in c},
        {c["id"]: c["waiver"]["reason"] for c in criteria if "waiver" in c},
        [(note["criterion_id"], note["text"]) for note in record["notes"]],
    )


def check_no_debris(evidence: Path, context: str) -> None:
    hidden = [
        str(p.relative_to(evidence))
        for p in evidence.rglob(".*")
        if not HIDDEN_OK.fullmatch(p.name) or p.name.endswith(".tmp")
    ]
    assert not hidden, f"{context}: left behind {hidden}"


def finalize_killed_at(kill_at: int, journal_path: Path, record: DecisionRecord) -> int:
    """Finalize the session in a forked child that SIGKILLs itself just before its
    `kill_at`-th file-system call (0: before finalizing); returns its wait status.

    The journal's `finalizing` line reaches the kernel before the first counted call (its
    fsync), so every kill from 1 on finds the plan in the journal."""

    def setup() -> Callable[[], object]:
        journal = Journal.resume(journal_path, operator=OPERATOR, now=clock(T0))
        return lambda: finalize_session(
            journal, record, journal_path.parent, operator=OPERATOR, now=clock(T0)
        )

    return killed_at(kill_at, setup)


@pytest.mark.slow
def test_kill_9_at_every_step_of_finalize_leaves_a_whole_record_or_none(tmp_path: Path) -> None:
    """The core path the review's finalize takes (`finalize_session`), killed before each
    file-system call in turn; then what reopening the review does (`complete_finalize`),
    then a later meeting's finalize in the same folder."""
    checklist_path = write_checklist(tmp_path, None)
    checklist = load_checklist(checklist_path, environ={})
    allowed = tmp_path / "allowed_signers"
    allowed.write_text("")
    base = tmp_path / "base"
    # An earlier meeting's sealed record, so the new one is the ledger's second entry.
    write_record(meeting_record(checklist, T0 - timedelta(days=1)), base, now=clock(T0))
    journal = Journal.create(base, checklist, operator=OPERATOR, release=None, now=clock(T0))
    journal.close()
    before = files_under(base)
    record = meeting_record(checklist, T0)
    plan = plan_record(record, base)
    outcomes: Counter[str] = Counter()
    for kill_at in range(400):
        evidence = tmp_path / f"kill{kill_at}"
        shutil.copytree(base, evidence)
        journal_path = evidence / journal.path.name
        status = finalize_killed_at(kill_at, journal_path, record)
        context = f"killed before file-system call {kill_at}"
        if os.WIFEXITED(status):
            assert os.WEXITSTATUS(status) == 0, f"{context}: the child failed (see stderr)"
            outcomes["completed"] += 1
            check_whole(evidence, plan, allowed, "uninterrupted")
            check_no_debris(evidence, "uninterrupted")
            break
        assert os.WTERMSIG(status) == signal.SIGKILL, context
        # Right after the kill: the earlier files untouched; the new record's files each
        # whole and as planned, the .txt only once all others are there; none at all
        # unless the journal holds the plan.
        state = load_journal(journal_path).state
        after = files_under(evidence)
        for name, data in before.items():
            if name != journal_path.name and not name.startswith("ledger"):
                assert after[name] == data, f"{context}: {name} changed"
        new = {n for n in set(after) - set(before) if not Path(n).name.startswith(".")}
        planned = dict(plan.files)
        if state.pending is None and state.finalized is None:
            assert not new, f"{context}: files without a journaled plan: {new}"
            outcomes["none"] += 1
        else:
            if state.pending is not None:
                assert state.pending.plan == plan, context
            new.discard(f"{plan.stem}.statement.json")
            for name in new:
                assert after[name] == planned[name].encode(), f"{context}: {name} is partial"
            if plan.txt in new:
                assert set(planned) <= new, f"{context}: a .txt before the rest"
            outcomes["finalized" if state.finalized else "pending"] += 1
        # Reopening the review: an interrupted record is completed, as planned and once.
        reopened = Journal.resume(journal_path, operator=OPERATOR, now=clock(T0))
        completed = complete_finalize(reopened, evidence, now=clock(T0))
        assert (completed is not None) == (state.pending is not None), context
        if state.pending is None and state.finalized is None:
            # Nothing was written: the meeting finalizes again, under the same names.
            finalize_session(reopened, record, evidence, operator=OPERATOR, now=clock(T0))
        finalized = reopened.state.finalized
        reopened.close()
        assert finalized is not None and finalized.record_id == plan.stem, context
        assert load_journal(journal_path).state.finalized == finalized, context
        check_whole(evidence, plan, allowed, context)
        check_no_debris(evidence, context)
        # A later meeting in the same folder writes beside it, never over it.
        kept = files_under(evidence)
        later = Journal.create(evidence, checklist, operator=OPERATOR, release=None, now=clock(T0))
        second = finalize_session(later, record, evidence, operator=OPERATOR, now=clock(T0))
        later.close()
        assert second.finalized.record_id == f"{plan.stem}_2", context
        now_on_disk = files_under(evidence)
        for name, data in kept.items():
            if name != "ledger.jsonl":
                assert now_on_disk[name] == data, f"{context}: {name} was overwritten"
        assert verify_ledger(evidence).entries == 3, context
    assert outcomes["completed"] == 1, outcomes
    assert outcomes["none"] == 1 and outcomes["pending"] >= 30, outcomes
    assert outcomes["finalized"] >= 1, outcomes
