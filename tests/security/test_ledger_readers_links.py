"""The readers of past records (`gonogo history`, the waivers carried from the ledger) open
each sealed record's JSON without following a link: a link planted at a record's name is
refused, never read through."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gonogo_tui.core.errors import EvidenceError
from gonogo_tui.core.history import read_history
from gonogo_tui.core.history_index import HistoryError
from gonogo_tui.core.waiver_ledger import read_ledger_waivers
from tests.core.history_ledger import generate


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    """Five sealed decisions, the newest record's JSON replaced by a link to a copy."""
    evidence = tmp_path / "evidence"
    generate(evidence, 5)
    last = json.loads((evidence / "ledger.jsonl").read_text().splitlines()[-1])
    newest = evidence / f"{last['record_id']}.json"
    outside = tmp_path / "outside.json"
    outside.write_bytes(newest.read_bytes())
    newest.unlink()
    newest.symlink_to(outside)
    return evidence


def test_history_refuses_a_link_at_a_record(linked: Path) -> None:
    with pytest.raises(HistoryError, match="cannot read"):
        read_history(linked)


def test_the_waivers_carried_refuse_a_link_at_a_record(linked: Path) -> None:
    with pytest.raises(EvidenceError, match="cannot read"):
        read_ledger_waivers(linked, None)
