"""A sustained check in the review (issue 17, point 4): PENDING while its window fills,
then PASS or FAIL, the row showing the samples' values as a sparkline."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from gonogo_tui.core.checklist import load_checklist
from gonogo_tui.core.engine import ProbeRunner
from gonogo_tui.core.probes.base import Status
from gonogo_tui.ui.app import GonogoApp
from gonogo_tui.ui.widgets.criterion_row import CriterionRow
from tests.servers import HttpTestServer, RecordedRequest, Reply
from tests.ui.conftest import review_of, settle

DEPTHS = [3, 6, 1, 4, 8]


def sustained_app(tmp_path: Path, evidence: Path, url: str) -> GonogoApp:
    path = tmp_path / "sustained.yaml"
    path.write_text(
        "title: Sustained\nsections:\n  - id: q\n    title: Queue\n    criteria:\n"
        "      - id: queue\n        title: Queue drains\n        probe:\n"
        f"          kind: http\n          url: {url}\n"
        "          json: [{path: depth, compare: '< 10'}]\n"
        "          sustain: {for: 1s, every: 0.2s}\n"
    )
    checklist = load_checklist(path)
    runner = ProbeRunner.for_checklist(checklist, root=tmp_path, retry_backoff=0)
    return GonogoApp(checklist, runner, evidence_dir=evidence, operator="alice", resume=False)


async def test_the_row_fills_its_window_then_passes_with_a_sparkline(
    tmp_path: Path, evidence: Path, http_server: HttpTestServer
) -> None:
    third = threading.Event()
    seen: list[int] = []

    def answer(request: RecordedRequest) -> Reply:
        seen.append(len(seen))
        if len(seen) == 3:  # the window stays at 2 of 5 until the test has looked
            third.wait(10)
        return Reply(body={"depth": DEPTHS[len(seen) - 1]})

    http_server.route("GET", "/queue", handler=answer)
    app = sustained_app(tmp_path, evidence, f"{http_server.url}/queue")
    async with app.run_test(size=(120, 40)) as pilot:
        review = review_of(app)
        async with asyncio.timeout(10):
            while (result := review.snapshot.evaluation.outcome("queue").result) is None or len(
                result.samples
            ) < 2:
                await pilot.pause(0.02)
        assert result.status is Status.PENDING
        assert result.detail == "2 of 5 samples, all passed so far (for 1s)"
        assert "queue" in review.running
        row = app.screen.query_one(CriterionRow)
        try:
            async with asyncio.timeout(5):
                while row.view.value != "▁█ 6":
                    await pilot.pause(0.02)
        finally:
            third.set()
        await settle(pilot)
        outcome = review.snapshot.evaluation.outcome("queue")
        assert outcome.status is Status.PASS
        assert outcome.result is not None and len(outcome.result.samples) == 5
        assert row.view.value == "▃▆▁▄█ 8"
        assert review.running == frozenset()
    assert len(seen) == 5
