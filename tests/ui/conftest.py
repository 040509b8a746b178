"""Fixtures for the review UI: the seed-shaped checklist, a frozen clock, app factories."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widget import Widget
from textual.worker import Worker

from gonogo_tui.core.checklist import Checklist, load_checklist
from gonogo_tui.core.engine import ProbeRunner
from gonogo_tui.ui.app import GonogoApp
from gonogo_tui.ui.screens.review import PROBE_GROUP_PREFIX, ReviewScreen
from tests.servers import HttpTestServer
from tests.ui.fakes import FakeClock, FakeRunner, Scripted

DATA = Path(__file__).parent / "data"
SEED_YAML = DATA / "review.yaml"
"""Ten sections shaped like the seed checklist: for layout, navigation and snapshots."""
SMALL_YAML = DATA / "small.yaml"
"""Three sections: for fast flow tests."""
SEED_MANUAL_IDS = (
    "artifacts.approvers",
    "rollback.runbook",
    "rollback.contacts",
    "mon.channels",
    "team.oncall",
    "team.secondary",
    "team.stakeholders",
)
"""The manual criteria of review.yaml."""


@pytest.fixture(autouse=True)
def _no_timing_effects(monkeypatch: pytest.MonkeyPatch) -> None:
    """No blinking cursor and no 0.2 s pressed-button effect (which also ignores a second
    click inside it), so tests and screenshots never depend on timing."""
    from textual.widgets import Button, Input

    monkeypatch.setattr(Input, "cursor_blink", False)
    monkeypatch.setattr(Button, "_start_active_affect", lambda self: None)


@pytest.fixture
def checklist() -> Checklist:
    """The small checklist (most flow tests)."""
    return load_checklist(SMALL_YAML, environ={})


@pytest.fixture
def seed_checklist() -> Checklist:
    """The ten-section checklist."""
    return load_checklist(SEED_YAML, environ={})


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    return tmp_path / "evidence"


AppFactory = Callable[..., tuple[GonogoApp, FakeRunner]]


@pytest.fixture
def make_app(checklist: Checklist, clock: FakeClock, evidence: Path) -> AppFactory:
    """`make_app(script, hang=..., **app_kwargs)` -> (app, fake runner)."""

    made: list[GonogoApp] = []

    def make(
        script: Mapping[str, Scripted] | None = None,
        *,
        hang: Iterable[str] = (),
        **kwargs: Any,
    ) -> tuple[GonogoApp, FakeRunner]:
        # An app made before this one is gone, quit or crashed: as its process would, it
        # no longer holds its journal (`core/journal/file.py` locks it for the process's life).
        for earlier in made:
            if earlier.review is not None and earlier.review.journal is not None:
                earlier.review.journal.close()
        runner = FakeRunner(clock, script, hang=hang)
        used_checklist = kwargs.pop("checklist", checklist)
        options: dict[str, Any] = {
            "evidence_dir": evidence,
            "operator": "alice",
            "clock": clock,
            "resume": False,
        }
        options.update(kwargs)
        app = GonogoApp(used_checklist, runner, **options)
        made.append(app)
        return app, runner

    return make


def review_of(app: GonogoApp) -> ReviewScreen:
    """The app's review screen (fails if the session is not open)."""
    assert app.review is not None
    return app.review


SETTLE_TIMEOUT = 15.0


async def settle(pilot: Pilot[Any], *, hanging: Iterable[str] = ()) -> None:
    """Wait for the probe workers (except the named hanging ones), then for the messages.

    The finalize worker is not waited for: it may be waiting for a dialog; see `finish`.
    """
    skip = set(hanging)
    workers: list[Worker[Any]] = [
        w
        for w in pilot.app.workers
        if w.group.startswith(PROBE_GROUP_PREFIX) and w.name not in skip
    ]
    await _wait(pilot, workers)


async def finish(pilot: Pilot[Any]) -> None:
    """Wait for every worker, the finalize sequence included, then for the messages."""
    await _wait(pilot, list(pilot.app.workers))


async def _wait(pilot: Pilot[Any], workers: list[Worker[Any]]) -> None:
    if workers:  # an empty list would mean "every worker", hanging ones included
        async with asyncio.timeout(SETTLE_TIMEOUT):  # fail, never hang, when a dialog waits
            await asyncio.gather(*(w.wait() for w in workers), return_exceptions=True)
    await pilot.pause()
    await pilot.pause()


def shown_text(widget: Widget) -> str:
    """What the screen shows inside `widget`'s content region (no border or padding), one
    line per row: clipping included, so text a widget holds but cannot fit is not in it."""
    region = widget.content_region
    strips = widget.screen._compositor.render_strips()
    return "\n".join(
        strip.crop(region.x, region.right).text for strip in strips[region.y : region.bottom]
    )


def journal_kinds(app: GonogoApp) -> list[str]:
    """The `kind` of every journal line, in order."""
    path = review_of(app).journal.path
    return [json.loads(line)["kind"] for line in path.read_text().splitlines()]


def journal_entries(app: GonogoApp, kind: str) -> list[dict[str, Any]]:
    path = review_of(app).journal.path
    entries = [json.loads(line) for line in path.read_text().splitlines()]
    return [entry for entry in entries if entry["kind"] == kind]


def tick_all(app: GonogoApp, ids: Iterable[str] | None = None) -> None:
    """Tick manual criteria straight through the journal (setup, not the flow under test)."""
    review = review_of(app)
    if ids is None:
        ids = [c.id for _, c in review.ctx.checklist.criteria() if c.is_manual]
    for cid in ids:
        review.journal.tick(cid, "alice", review.ctx.clock())
    review.publish()


@pytest.fixture
def probe_server(http_server: HttpTestServer) -> HttpTestServer:
    """The shared test HTTP server with the routes the review's probes use."""
    http_server.route("GET", "/ok", body="ok")
    http_server.route("GET", "/fail", status=503, body="down")
    http_server.route("GET", "/slow", body="slow", delay=0.3)
    http_server.route("GET", "/hang", hang=True)
    http_server.route(
        "GET",
        "/ansi",
        status=500,
        body="\x1b[2J\x1b]0;pwned\x07[bold red]markup[/] \x9b31m\u202eevil",
    )
    return http_server


def http_checklist(tmp_path: Path, base_url: str, routes: Mapping[str, str]) -> Checklist:
    """A one-section-per-route checklist of http probes against `base_url`, plus a manual one."""
    # The hanging probe must still be running when a loaded machine has drawn the screen.
    lines = ["title: Real probes", "defaults: {timeout: 4s, stale_after: 5m}", "sections:"]
    for number, (cid, route) in enumerate(routes.items(), start=1):
        lines += [
            f"  - id: s{number}",
            f"    title: Section {number}",
            "    criteria:",
            f"      - id: {cid}",
            f"        title: {cid} probe",
            f"        probe: {{kind: http, url: '{base_url}{route}', status: 200}}",
        ]
    lines += [
        "  - id: people",
        "    title: People",
        "    criteria:",
        "      - {id: people.oncall, title: On-call ready, manual: true}",
    ]
    path = tmp_path / "real.yaml"
    path.write_text("\n".join(lines) + "\n")
    return load_checklist(path)


@pytest.fixture
def real_app(
    tmp_path: Path, probe_server: HttpTestServer, evidence: Path
) -> Iterator[Callable[[Mapping[str, str]], GonogoApp]]:
    """`real_app({criterion_id: route})`: the review with the real ProbeRunner."""

    def make(routes: Mapping[str, str]) -> GonogoApp:
        checklist = http_checklist(tmp_path, probe_server.url, routes)
        runner = ProbeRunner.for_checklist(checklist, root=tmp_path, retry_backoff=0)
        return GonogoApp(checklist, runner, evidence_dir=evidence, operator="alice", resume=False)

    yield make
