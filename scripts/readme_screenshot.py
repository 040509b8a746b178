"""Regenerate the README's screenshot from the real demo: `gonogo demo` (green scenario,
its PostgreSQL, pgBouncer, Prometheus and HTTP services on 127.0.0.1), run headless at
120x40 until every probe has run, then saved as SVG by Textual. Nothing is ticked: the
screen is what a meeting sees when it opens the demo.

    .venv/bin/python scripts/readme_screenshot.py [docs/images/review-demo.svg]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from gonogo_tui import cli
from gonogo_tui.ui.app import GonogoApp

SIZE = (120, 40)
TARGET = Path(__file__).resolve().parents[1] / "docs" / "images" / "review-demo.svg"
PROBES_TIMEOUT = 120.0


async def _screenshot(app: GonogoApp, target: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + PROBES_TIMEOUT
        while True:  # the review opens once the journal is made; then every probe runs
            review = app.review
            if review is not None and review.session.measured() == len(review.session.probed):
                break
            if loop.time() > deadline:
                raise SystemExit("the demo's probes did not all finish in time")
            await pilot.pause(0.1)
        await pilot.pause(0.5)  # the last results drawn, toasts gone with their timeout
        app.clear_notifications()
        await pilot.pause()
        app.save_screenshot(filename=target.name, path=str(target.parent))
        app.exit()


def main() -> int:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else TARGET
    target.parent.mkdir(parents=True, exist_ok=True)

    def headless(self: GonogoApp, *args: object, **kwargs: object) -> None:
        asyncio.run(_screenshot(self, target.resolve()))

    GonogoApp.run = headless  # type: ignore[method-assign,assignment]
    with tempfile.TemporaryDirectory() as evidence:
        code = cli.main(["demo", "--operator", "kim", "--evidence-dir", evidence])
    print(f"saved {target}" if target.exists() else "no screenshot was saved")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
