"""Fenced examples from `checklists/README.md`, the target contract of the shipped checklist."""

from __future__ import annotations

import re
from pathlib import Path

CONTRACT_README = Path(__file__).resolve().parents[1] / "checklists" / "README.md"


def readme_example(heading: str, fence: str, readme: str | None = None) -> str:
    """The first ```` ```fence ```` block after `heading` in the contract README.

    Args:
        heading: Text of the heading (or any text) the block follows.
        fence: The block's info string, e.g. `json`, `text`, `xml`.
        readme: The README's text; read from disk when not given.
    """
    text = CONTRACT_README.read_text(encoding="utf-8") if readme is None else readme
    start = text.index(heading)
    match = re.compile(rf"```{fence}\n(.*?)```", re.S).search(text, start)
    assert match is not None, f"no ```{fence} block after {heading!r}"
    return match.group(1)
