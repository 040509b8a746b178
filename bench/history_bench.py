"""`gonogo history` over a ledger of 10,000 sealed decisions (issue 17: under 1 s).

The records are generated through the real record code (`tests/core/history_ledger.py`:
`build_record`, `write_record`, the statement and ledger-line builders; sealed in one pass,
since sealing one by one rewrites the whole ledger each time). `gonogo history DIR` and
`gonogo history DIR --json` then run as subprocesses, start-up included, after a warm-up.

    python bench/history_bench.py [--count 10000] [--runs 7] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.core.history_ledger import bench_ledger  # noqa: E402

CPU: list[float] = []
"""CPU seconds (user + system) of each run, in order: less moved by other work than wall time."""


def _run(argv: list[str], env: dict[str, str] | None = None) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, check=False, env=env)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode()[:300]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", type=Path, default=None, help="generate into (or reuse) DIR")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="gonogo-history-bench-"))
    evidence = base / "evidence"
    took = bench_ledger(evidence, args.count)
    if took is not None:
        print(f"generated {args.count} records in {took:.1f} s")
    size = sum(p.stat().st_size for p in evidence.iterdir() if p.is_file())
    gonogo = [sys.executable, "-m", "gonogo_tui", "history", str(evidence)]
    env = {**os.environ, "GONOGO_CACHE_DIR": str(base / "cache")}
    cold = [_run([*gonogo, "--no-cache"], env) for _ in range(2)]
    print(
        f"gonogo history --no-cache (every record read): {', '.join(f'{t:.3f}' for t in cold)} s,"
        f" CPU {', '.join(f'{t:.3f}' for t in CPU[-2:])} s"
    )
    shutil.rmtree(base / "cache", ignore_errors=True)
    print(f"first run, building the index: {_run(gonogo, env):.3f} s")
    for label, argv in (("text", gonogo), ("--json", [*gonogo, "--json"])):
        times = [_run(argv, env) for _ in range(args.runs)]
        cpu = statistics.median(CPU[-args.runs :])
        print(
            f"gonogo history {label}, from the index: median {statistics.median(times):.3f} s"
            f" (min {min(times):.3f}, max {max(times):.3f}; {args.runs} runs), CPU {cpu:.3f} s"
        )
    startup = [_run([sys.executable, "-m", "gonogo_tui", "--version"]) for _ in range(3)]
    print(
        f"start-up alone (gonogo --version): median {statistics.median(startup):.3f} s,"
        f" CPU {statistics.median(CPU[-3:]):.3f} s"
    )
    print(
        f"folder: {args.count} records, {size / 1e6:.1f} MB; Python {platform.python_version()},"
        f" {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
