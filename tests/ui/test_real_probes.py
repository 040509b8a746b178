"""The review with the real ProbeRunner against a local HTTP server: fast, slow, failing,
hanging, and hostile output."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, Mapping

from rich.console import Console

from gonogo_tui.core.probes.base import Status
from gonogo_tui.ui.app import GonogoApp
from gonogo_tui.ui.screens.modals import ConfirmModal
from tests.servers import HttpTestServer
from tests.ui.conftest import review_of, settle

RealApp = Callable[[Mapping[str, str]], GonogoApp]


async def test_fast_slow_failing_and_hanging_probes(
    real_app: RealApp, probe_server: HttpTestServer
) -> None:
    app = real_app({"fast": "/ok", "slow": "/slow", "failing": "/fail", "hanging": "/hang"})
    async with app.run_test(size=(120, 40)) as pilot:
        review = review_of(app)
        await settle(pilot, hanging={"hanging", "slow"})
        assert "hanging" in review.running
        # While a probe hangs, the keyboard still answers at once.
        started = time.perf_counter()
        for key in ("j", "j", "j", "k"):
            await pilot.press(key)
        assert review.selected == "failing"
        assert time.perf_counter() - started < 2, "navigation must not wait for the probe"
        await settle(pilot)
        outcome = review.snapshot.evaluation.outcome
        assert outcome("fast").status is Status.PASS
        assert outcome("slow").status is Status.PASS
        assert outcome("failing").status is Status.FAIL
        hanging = outcome("hanging")
        assert hanging.status is Status.ERROR
        assert hanging.result is not None
        assert re.search(r"timed out|no response .* within", hanging.result.detail)
        assert review.running == frozenset()
        paths = [request.path for request in probe_server.requests]
        assert sorted(set(paths)) == ["/fail", "/hang", "/ok", "/slow"]


async def test_probe_output_cannot_inject_markup_or_escapes(real_app: RealApp) -> None:
    app = real_app({"hostile": "/ansi"})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        review = review_of(app)
        result = review.snapshot.evaluation.outcome("hostile").result
        assert result is not None and "\x1b" in result.output
        detail = app.screen.query_one("#detail-text").render()
        console = Console(width=200, record=True, file=io.StringIO())
        console.print(detail)
        shown = console.export_text()
        assert "\\x1b[2J" in shown and "\\x1b]0;pwned\\x07" in shown
        assert "[bold red]markup[/]" in shown
        assert "\\x9b31m" in shown and "\\u202eevil" in shown
        assert "\x1b" not in shown and "\u202e" not in shown
        screenshot = app.export_screenshot()
        assert "\x1b" not in screenshot


async def test_quitting_cancels_a_hanging_probe_at_once(
    real_app: RealApp, probe_server: HttpTestServer
) -> None:
    app = real_app({"hanging": "/hang"})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, hanging={"hanging"})
        assert review_of(app).running == {"hanging"}
        started = time.perf_counter()
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await pilot.pause()
    # Well under the probe's 4 s deadline: quitting cancelled it instead of waiting for it.
    assert time.perf_counter() - started < 3
    assert app.return_code == 0
