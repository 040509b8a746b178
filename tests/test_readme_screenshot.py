"""The README's screenshot is the real demo (`scripts/readme_screenshot.py`), not a snapshot of
made-up results ("200 vs status 200" on nearly every row)."""

from __future__ import annotations

import html
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_shows_the_demo_as_a_user_sees_it() -> None:
    readme = (ROOT / "README.md").read_text()
    (image,) = re.findall(r"!\[[^\]]*\]\(([^)]+\.svg)\)", readme)
    assert "__snapshots__" not in image
    assert "scripts/readme_screenshot.py" in readme, "the README says how it was made"
    svg = (ROOT / image).read_text()
    text = html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")
    assert "probes 44/44" in text, "every probe of the demo had run"
    assert "Spark Trading GO/NO-GO" in text and "WAITING" in text
    assert text.count("200 vs status 200") <= 1
