"""Scale: a generated checklist of 100 sections x 10 criteria (1,000 http probes against a
local server answering after LATENCY ms).

Measures: load time (target < 1 s), `gonogo check` wall time against
(1,000 / concurrency) x latency + 1 s, and the peak RSS of `gonogo check` (target < 250 MB).
Usage: .venv/bin/python bench/scale_bench.py [--latency-ms 50] [--concurrency 64]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _compile import byte_compile  # noqa: E402
from _http import BenchServer  # noqa: E402

SECTIONS = 100
PER_SECTION = 10


def write_checklist(folder: Path, base_url: str, concurrency: int) -> Path:
    lines = [
        "title: scale",
        f"defaults: {{concurrency: {concurrency}, timeout: 30s}}",
        f"policy: {{go_max_no_go: 0, review_max_no_go: {SECTIONS}}}",
        "sections:",
    ]
    for section in range(SECTIONS):
        lines += [f"  - id: s{section}", f"    title: Section {section}", "    criteria:"]
        for item in range(PER_SECTION):
            lines += [
                f"      - id: c{section}-{item}",
                f"        title: probe {section}.{item}",
                # A query of its own per probe: the same request in flight would be shared
                # (core/execution/http_share.py), and each probe must send one.
                f"        probe: {{kind: http, url: '{base_url}/fast?probe={section}-{item}',"
                " status: 200,"
                " json: [{path: ok, equals: true}]}",
            ]
    path = folder / "scale.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def time_load(checklist: Path) -> float:
    code = (
        "import time, sys\n"
        "from gonogo_tui.core.checklist import load_checklist\n"
        "t = time.perf_counter()\n"
        f"c = load_checklist({str(checklist)!r})\n"
        "print(time.perf_counter() - t)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument(
        "--workers", type=int, default=None, help="passed to gonogo check (default: its own)"
    )
    args = parser.parse_args()
    workers = [] if args.workers is None else ["--workers", str(args.workers)]
    byte_compile()
    with BenchServer(latency_ms=args.latency_ms) as server, tempfile.TemporaryDirectory() as tmp:
        checklist = write_checklist(Path(tmp), server.url, args.concurrency)
        size = checklist.stat().st_size
        load_times = sorted(time_load(checklist) for _ in range(3))
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "gonogo_tui", "check", str(checklist), "--json", *workers],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    document = json.loads(proc.stdout)
    passed = document["counts"]["PASS"]
    budget = PER_SECTION * SECTIONS / args.concurrency * args.latency_ms / 1000 + 1
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}"
    )
    print(f"checklist: {SECTIONS} sections x {PER_SECTION} criteria, {size} bytes")
    print(f"load: median {load_times[1]:.3f} s (target < 1 s)")
    print(
        f"gonogo check: {wall:.2f} s for {passed} PASS of {SECTIONS * PER_SECTION}, "
        f"exit {proc.returncode}; budget (1000 / {args.concurrency}) x {args.latency_ms:g} ms "
        f"+ 1 s = {budget:.2f} s"
    )
    print(f"peak RSS of the largest child: {peak_kb / 1024:.0f} MB (target < 250 MB)")


if __name__ == "__main__":
    main()
