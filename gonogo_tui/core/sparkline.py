"""Sparklines: a row of values as unicode blocks (`▁▃▂█`), for sustained checks' samples and
a criterion's values over the last decisions (`core/deltas.py`)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from gonogo_tui.core.probes.base import Sample

BLOCKS = "▁▂▃▄▅▆▇█"
"""The sparkline's heights, lowest first."""
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def spark_line(samples: Sequence[Sample]) -> str:
    """The samples' values as unicode blocks, lowest to highest (`▁▃▂█`); a sample whose
    value holds no number shows as `·`. Equal values all show mid-height."""
    return spark_numbers([_number(sample.value) for sample in samples])


def spark_numbers(numbers: Sequence[float | None]) -> str:
    """Numbers as unicode blocks, lowest to highest; None shows as `·`. Equal values all
    show mid-height."""
    found = [n for n in numbers if n is not None]
    if not found:
        return "·" * len(numbers)
    low, high = min(found), max(found)
    spread = high - low

    def block(number: float | None) -> str:
        if number is None:
            return "·"
        if spread == 0:
            return BLOCKS[len(BLOCKS) // 2]
        return BLOCKS[round((number - low) / spread * (len(BLOCKS) - 1))]

    return "".join(block(number) for number in numbers)


def samples_note(line: str, *, cells: int = 60) -> str:
    """`▁▃█ (3 taken)`: a sustained check's samples for a record or a report, as the detail
    pane says them (the detail says how many passed); the latest `cells` of a long line."""
    shown = f"…{line[-cells:]}" if len(line) > cells else line
    return f"{shown} ({len(line)} taken)"


def _number(value: str) -> float | None:
    match = _NUMBER.search(value)
    return float(match.group(0)) if match else None


__all__ = ["BLOCKS", "samples_note", "spark_line", "spark_numbers"]
