"""Time `gonogo check` on 40 HTTP probes (8 answer after 300 ms) against the same probes
run one after another (`--concurrency 1`). Target: wall time <= slowest probe + 0.3 s.

Usage: .venv/bin/python bench/check_bench.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _compile import byte_compile  # noqa: E402
from _http import BenchServer  # noqa: E402

SLOW_MS = 300
PROBES = 40
SLOW_PROBES = 8


def write_checklist(folder: Path, base_url: str) -> Path:
    lines = ["title: bench", "sections:"]
    for section in range(4):
        lines += [f"  - id: s{section}", f"    title: Section {section}", "    criteria:"]
        for item in range(PROBES // 4):
            index = section * (PROBES // 4) + item
            path = f"/slow/{SLOW_MS}" if index % (PROBES // SLOW_PROBES) == 0 else "/fast"
            lines += [
                f"      - id: c{index}",
                f"        title: probe {index}",
                # `?probe=`: every probe sends its own request (none is shared in flight).
                f"        probe: {{kind: http, url: '{base_url}{path}?probe={index}',"
                " status: 200}",
            ]
    path = folder / "bench.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def time_check(checklist: Path, *extra: str) -> tuple[float, float]:
    """Wall time of one `gonogo check`, and its slowest probe's own duration (seconds)."""
    gonogo = Path(sys.executable).with_name("gonogo")
    command = [str(gonogo)] if gonogo.exists() else [sys.executable, "-m", "gonogo_tui"]
    started = time.perf_counter()
    proc = subprocess.run(
        [*command, "check", str(checklist), "--json", *extra],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"gonogo check exited {proc.returncode}: {proc.stderr.strip()}")
    document = json.loads(proc.stdout)
    slowest = max(c["duration_ms"] for s in document["sections"] for c in s["criteria"])
    return elapsed, slowest / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    byte_compile()
    with BenchServer() as server, tempfile.TemporaryDirectory() as tmp:
        checklist = write_checklist(Path(tmp), server.url)
        time_check(checklist)  # warm caches
        concurrent = [time_check(checklist) for _ in range(args.runs)]
        sequential = [time_check(checklist, "--concurrency", "1") for _ in range(2)]
    walls = [wall for wall, _ in concurrent]
    median_concurrent = statistics.median(walls)
    median_sequential = statistics.median(wall for wall, _ in sequential)
    median_slowest = statistics.median(slowest for _, slowest in concurrent)
    overhead = statistics.median(wall - slowest for wall, slowest in concurrent)
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}"
    )
    print(f"probes: {PROBES} http ({SLOW_PROBES} answer after {SLOW_MS} ms), {args.runs} runs")
    print(
        f"gonogo check (concurrent): median {median_concurrent:.3f} s, "
        f"min {min(walls):.3f} s, max {max(walls):.3f} s"
    )
    print(f"slowest probe as measured by gonogo: median {median_slowest:.3f} s")
    print(f"one after another (--concurrency 1): median {median_sequential:.3f} s")
    print(f"speed-up: {median_sequential / median_concurrent:.1f}x")
    print(f"wall time - slowest probe (start-up included): median {overhead:.3f} s")
    print(f"target: at most the slowest probe + 0.3 s: {'met' if overhead <= 0.3 else 'NOT met'}")
    nominal = median_concurrent - SLOW_MS / 1000
    print(f"wall time - nominal server latency ({SLOW_MS} ms): {nominal:.3f} s")


if __name__ == "__main__":
    main()
