"""Worker processes for a headless burst (`core/execution/shares.py`, the plan, and
`core/execution/process_pool.py`, real forks).

The forking runs happen in a fresh interpreter (a script in a temp folder): forking is
only done by a process without other threads, and pytest's process holds server threads.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, Literal

from gonogo_tui.core.checklist import Criterion, load_checklist
from gonogo_tui.core.execution.shares import (
    MIN_PROBES_TO_FORK,
    plan_shares,
    share_concurrency,
    worker_count,
)
from gonogo_tui.core.probes.base import Observation, ProbeContext, ProbeSpec

REPO = Path(__file__).resolve().parents[2]


class _Tiered(ProbeSpec):
    kind: Literal["tiered"] = "tiered"
    tier: int = 0
    budget: float | None = None

    @property
    def start_tier(self) -> int:  # type: ignore[override]
        return self.tier

    @property
    def latency_budget(self) -> float | None:
        return self.budget

    def source(self) -> str:
        return "tiered"

    def expectation(self) -> str:
        return "ok"

    async def run(self, ctx: ProbeContext) -> Observation:
        return Observation(ok=True, value="ok")


def _criterion(cid: str, tier: int, budget: float | None = None) -> Criterion:
    return Criterion.model_construct(
        id=cid,
        title=cid,
        probe=_Tiered(tier=tier, budget=budget),
        manual=False,
        timeout=None,
        retries=None,
    )


def test_the_seed_checklist_splits_databases_and_local_work_from_web_apis() -> None:
    checklist = load_checklist(REPO / "checklists" / "spark-trading.yaml", environ={})
    criteria = [c for _, c in checklist.criteria()]
    shares = plan_shares(criteria, 2)
    assert len(shares) == 2
    probed = [c.id for c in criteria if c.probe is not None]
    planned = [c.id for share in shares for c in share]
    assert sorted(planned) == sorted(probed)  # every probe once, no manual criterion
    first, second = ({c.probe.start_tier for c in share if c.probe} for share in shares)
    assert first == {0} and second == {1, 2}
    timed = [c.id for c in criteria if c.probe is not None and c.probe.latency_budget]
    assert timed and set(timed) <= {c.id for c in shares[0]}


def test_a_kind_of_work_is_never_split() -> None:
    criteria = [_criterion(f"web-{n}", 0) for n in range(1000)]
    assert plan_shares(criteria, 2) == [criteria]
    assert plan_shares(criteria, 8) == [criteria]


def test_kinds_are_balanced_and_a_tiny_share_joins_the_first() -> None:
    web = [_criterion(f"web-{n}", 0) for n in range(40)]
    database = [_criterion(f"db-{n}", 1) for n in range(20)]
    local = [_criterion(f"local-{n}", 2) for n in range(3)]
    shares = plan_shares([*web, *database, *local], 2)
    # database (45 + 20 x 7 ms) is costlier than web (35 + 40 x 2.5 ms): it goes first,
    # web to the other share, and the 6 ms of local work to the lighter one (web's).
    assert {c.id for c in shares[0]} == {c.id for c in database}
    assert {c.id for c in shares[1]} == {c.id for c in [*web, *local]}
    # Timed probes pin their kind to the first share.
    shares = plan_shares([*web, *database, _criterion("timed", 0, budget=0.1)], 2)
    assert "timed" in {c.id for c in shares[0]} and "web-0" in {c.id for c in shares[0]}
    # 2 local probes (4 ms) are not worth a process.
    assert len(plan_shares([*web, *local[:2]], 2)) == 1


def test_worker_count() -> None:
    enough = MIN_PROBES_TO_FORK
    assert worker_count(None, enough - 1, 64) == 1
    assert worker_count(3, enough, 64) == 3
    assert worker_count(4, enough, 1) == 1  # --concurrency 1: one after another
    assert worker_count(1, 500, 64) == 1
    assert 1 <= worker_count(None, enough, 64) <= (os.cpu_count() or 1)


SCRIPT = """
import json, os, signal, sys, time
from typing import Literal
from gonogo_tui.core.checklist import Criterion
from gonogo_tui.core.engine import ProbeRunner
from gonogo_tui.core.probes.base import Observation, ProbeContext, ProbeSpec
from gonogo_tui.core.redaction import Redactor
from gonogo_tui.core.execution.process_pool import run_in_workers

class Where(ProbeSpec):
    kind: Literal["where"] = "where"
    tier: int = 0
    action: str = "pid"

    @property
    def start_tier(self):
        return self.tier

    def source(self):
        return "where"

    def expectation(self):
        return "answers"

    async def run(self, ctx):
        if self.action != "pid" and os.getpid() == MAIN:
            return Observation(ok=False, value="ran in the main process, not in a worker")
        if self.action == "die":
            import asyncio
            await asyncio.sleep(0.3)  # let the others report first
            os.kill(os.getpid(), signal.SIGKILL)
        if self.action == "block":
            time.sleep(60)  # blocks the worker's event loop: its own timeout cannot fire
        if self.action == "hang":
            import asyncio
            await asyncio.sleep(60)
        if self.action == "secret":
            return Observation(ok=True, value="token=hunter2-secret", output="hunter2-secret")
        return Observation(ok=True, value=str(os.getpid()))

def criterion(cid, tier, action="pid"):
    return Criterion.model_construct(
        id=cid, title=cid, probe=Where(tier=tier, action=action),
        manual=False, timeout=None, retries=None,
    )

MAIN = os.getpid()
scenario, workers = sys.argv[1], int(sys.argv[2])
criteria = [criterion(f"web-{n}", 0) for n in range(12)]
criteria += [criterion(f"db-{n}", 1) for n in range(12)]
# The web share (the lighter one) runs in the worker.
if scenario == "die":
    criteria.append(criterion("web-dies", 0, "die"))
if scenario == "block":
    criteria.append(criterion("web-blocks", 0, "block"))
if scenario == "secret":
    criteria.append(criterion("web-secret", 0, "secret"))
if scenario == "hang":
    criteria.append(criterion("web-hangs", 0, "hang"))
if scenario == "commands":  # local work: sleeping commands with a marker to find them by
    criteria += [
        Criterion.model_validate({"id": f"cmd-{n}", "title": "sleeps", "probe": {
            "kind": "command", "command": ["sleep", "29.4871"]}})
        for n in range(14)
    ]
if scenario == "nofork":
    def refuse(*args, **kwargs):
        raise BlockingIOError(11, "Resource temporarily unavailable")
    os.fork = refuse

def make_runner(concurrency):
    return ProbeRunner(
        ProbeContext(root=__import__("pathlib").Path(".")),
        concurrency=concurrency,
        default_timeout=60 if scenario in ("hang", "commands") else 0.5, retry_backoff=0,
        redactor=Redactor(["hunter2-secret"]),
    )

started = time.monotonic()
print("started", flush=True)
results = run_in_workers(criteria, make_runner, concurrency=64, workers=workers,
                         deadline_slack=0.5)
children = []
for entry in os.listdir("/proc"):
    if entry.isdigit():
        try:
            fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():
            children.append(int(entry))
print(json.dumps({
    "pid": os.getpid(),
    "elapsed": time.monotonic() - started,
    "children": children,
    "results": {cid: r.to_dict() for cid, r in results.items()},
}))
"""


def run_script(tmp_path: Path, scenario: str, workers: int) -> dict[str, Any]:
    script = tmp_path / "burst.py"
    script.write_text(textwrap.dedent(SCRIPT))
    proc = subprocess.run(
        [sys.executable, str(script), scenario, str(workers)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    document: dict[str, Any] = json.loads(proc.stdout.removeprefix("started\n"))
    assert document["children"] == []  # every worker reaped
    return document


def test_a_second_process_runs_the_database_share(tmp_path: Path) -> None:
    alone = run_script(tmp_path, "plain", 1)
    assert {r["value"] for r in alone["results"].values()} == {str(alone["pid"])}
    shared = run_script(tmp_path, "plain", 2)
    results = shared["results"]
    assert len(results) == 24 and {r["status"] for r in results.values()} == {"PASS"}
    web_pids = {results[f"web-{n}"]["value"] for n in range(12)}
    db_pids = {results[f"db-{n}"]["value"] for n in range(12)}
    # Each kind of work whole in one process: the costlier (databases) here, the other in
    # the worker.
    assert db_pids == {str(shared["pid"])}
    assert len(web_pids) == 1 and web_pids != db_pids


def test_a_worker_killed_midway_leaves_its_unreported_probes_error(tmp_path: Path) -> None:
    results = run_script(tmp_path, "die", 2)["results"]
    dead = results["web-dies"]
    assert dead["status"] == "ERROR"
    assert "was killed by signal 9" in dead["detail"] and "not measured" in dead["detail"]
    # What the worker reported before it died is kept; the main process's share is whole.
    assert all(results[f"web-{n}"]["status"] == "PASS" for n in range(12))
    assert all(results[f"db-{n}"]["status"] == "PASS" for n in range(12))


def test_a_worker_that_overruns_its_deadline_is_killed(tmp_path: Path) -> None:
    started = time.monotonic()
    document = run_script(tmp_path, "block", 2)
    results = document["results"]
    blocked = results["web-blocks"]
    assert blocked["status"] == "ERROR"
    assert "did not finish in time and was stopped" in blocked["detail"]
    # Deadline: 0.5 s timeout x 1 wave + 0.5 s slack, then SIGTERM (which a blocked loop
    # cannot act on) and SIGKILL 2 s later; the worker was not waited for 60 s.
    assert document["elapsed"] < 6 and time.monotonic() - started < 15
    assert all(results[f"db-{n}"]["status"] == "PASS" for n in range(12))


def test_results_from_a_worker_are_redacted_like_any(tmp_path: Path) -> None:
    results = run_script(tmp_path, "secret", 2)["results"]
    secret = results["web-secret"]
    assert secret["status"] == "PASS"
    assert "hunter2-secret" not in json.dumps(secret)
    assert "token=" in secret["value"]


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry))
    return found


def start_script(
    tmp_path: Path, scenario: str, *, start_new_session: bool = False
) -> subprocess.Popen[str]:
    """The burst script with two workers, running in the background."""
    script = tmp_path / "burst.py"
    script.write_text(textwrap.dedent(SCRIPT))
    return subprocess.Popen(
        [sys.executable, str(script), scenario, "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        start_new_session=start_new_session,
        preexec_fn=_as_a_terminal_job,
    )


def _as_a_terminal_job() -> None:
    """The script starts with Ctrl-C's default disposition and no signal blocked, as a job a
    shell starts: what the test process inherited from its runner (a SIGINT ignored or
    blocked: a child keeps both across exec) must not decide whether Ctrl-C works."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, set())


def test_a_worker_dies_with_a_killed_check(tmp_path: Path) -> None:
    """kill -9 of the parent while its worker waits on a probe for a minute: the worker goes
    too (the kernel sends it SIGTERM, which cancels its probes)."""
    proc = start_script(tmp_path, "hang")
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "started\n"
        deadline = time.monotonic() + 10
        while not (workers := children_of(proc.pid)) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(workers) == 1
        proc.kill()
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while Path(f"/proc/{workers[0]}").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        stat = Path(f"/proc/{workers[0]}/stat")
        assert not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_without_a_process_to_spare_the_share_runs_here(tmp_path: Path) -> None:
    """fork() failing (EAGAIN at a container's process limit) is no error: the main process
    runs the worker's share itself."""
    document = run_script(tmp_path, "nofork", 2)
    results = document["results"]
    assert len(results) == 24 and {r["status"] for r in results.values()} == {"PASS"}
    assert {r["value"] for r in results.values()} == {str(document["pid"])}


def marked_sleeps() -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if argv[:2] == [b"sleep", b"29.4871"]:
                found.append(int(entry))
    return found


def test_ctrl_c_cancels_a_workers_commands_too(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the foreground process group) while the worker's commands run:
    they are cancelled and their process groups killed, as in a single process."""
    # Its own process group, as a terminal's foreground job.
    proc = start_script(tmp_path, "commands", start_new_session=True)
    try:
        deadline = time.monotonic() + 15
        while len(marked_sleeps()) < 14 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(marked_sleeps()) == 14
        assert children_of(proc.pid), "the commands run in a worker"
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)  # a loaded machine: the workers' 14 process groups are killed
        deadline = time.monotonic() + 5
        while marked_sleeps() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marked_sleeps() == []
        assert children_of(proc.pid) == []
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        for pid in marked_sleeps():
            os.kill(pid, signal.SIGKILL)


def test_concurrency_is_shared_in_proportion_to_the_probes() -> None:
    assert share_concurrency([1000, 13], 64) == [51, 13]
    assert share_concurrency([10, 10], 64) == [10, 10]  # nobody gets more than its probes
    assert share_concurrency([30, 30], 8) == [4, 4]
    assert sum(share_concurrency([500, 3, 3], 16)) == 16
    assert share_concurrency([5, 5], 2) == [1, 1]
