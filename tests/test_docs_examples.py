"""The checklist examples in `docs/` load and mean what the text around them says."""

from __future__ import annotations

import re
from pathlib import Path

from gonogo_tui.core.checklist import load_checklist

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _yaml_block_after(doc: str, heading: str) -> str:
    text = (DOCS / doc).read_text(encoding="utf-8")
    match = re.compile(r"```yaml\n(.*?)```", re.S).search(text, text.index(heading))
    assert match is not None, f"no yaml block after {heading!r} in {doc}"
    return match.group(1)


def test_sections_example_keeps_its_titles_whole(tmp_path: Path) -> None:
    """An unquoted ` #` starts a YAML comment: the example's titles must survive loading."""
    block = _yaml_block_after("checklist-format.md", "## Sections and criteria")
    path = tmp_path / "example.yaml"
    path.write_text("title: Example\n" + block, encoding="utf-8")
    checklist = load_checklist(path, environ={})
    titles = {criterion.id: criterion.title for _, criterion in checklist.criteria()}
    assert titles["stakeholders"] == "Stakeholders notified (Slack #spark-deploys)"
    assert titles["hsts"] == "HSTS: max-age >= 15552000 (6 months)"
