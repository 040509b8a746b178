"""What "changed since the last GO" costs the review's start, over a ledger of 10,000 records.

The review reads the last GO and the last 10 decisions (`core/deltas.py: read_past`) when
its session opens. The records are generated through the real record code, as for
`gonogo history` (`tests/core/history_ledger.py`); `read_past` is then timed in this process
(files warm in the page cache, as on a second meeting) and once in a fresh process (import
included), against an empty folder.

    python bench/deltas_bench.py [--count 10000] [--runs 21] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gonogo_tui.core.deltas import read_past  # noqa: E402
from tests.core.history_ledger import bench_ledger  # noqa: E402

_FRESH = (
    "import sys, time; t = time.perf_counter(); from gonogo_tui.core.deltas import read_past; "
    "from pathlib import Path; p = read_past(Path(sys.argv[1])); "
    "print(time.perf_counter() - t, p.last_go is not None)"
)


def _median_ms(folder: Path, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        read_past(folder)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def _fresh_ms(folder: Path) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _FRESH, str(folder)], capture_output=True, text=True, check=True
    )
    return float(out.stdout.split()[0]) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--keep", type=Path, default=None, help="generate into (or reuse) DIR")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="gonogo-deltas-bench-"))
    evidence = base / "evidence"
    took = bench_ledger(evidence, args.count)
    if took is not None:
        print(f"generated {args.count} records in {took:.1f} s")
    past = read_past(evidence)
    assert past.last_go is not None and len(past.recent) == 10
    empty = base / "empty"
    empty.mkdir(exist_ok=True)
    for label, folder in ((f"{args.count} records", evidence), ("empty folder", empty)):
        median, worst = _median_ms(folder, args.runs)
        fresh = statistics.median(_fresh_ms(folder) for _ in range(3))
        print(
            f"read_past, {label}: median {median:.2f} ms (max {worst:.2f}; {args.runs} runs);"
            f" fresh process, import included: {fresh:.1f} ms"
        )
    ledger = (evidence / "ledger.jsonl").stat().st_size
    print(
        f"ledger {ledger / 1e6:.1f} MB; Python {platform.python_version()},"
        f" {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
