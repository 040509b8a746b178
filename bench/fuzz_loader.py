"""Fuzz the checklist loader with N examples per strategy (default 10,000).

Anything but a Checklist or a clean one-line ChecklistError naming the file and a line
is a failure. Usage: .venv/bin/python bench/fuzz_loader.py [--examples N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=10_000)
    args = parser.parse_args()
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         str(ROOT / "tests" / "hardening" / "test_loader_fuzz.py")],
        cwd=ROOT,
        env={**os.environ, "GONOGO_FUZZ_EXAMPLES": str(args.examples)},
        check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    print(f"{args.examples} examples per strategy (3 strategies) in {elapsed:.1f} s: "
          f"{'no failure' if proc.returncode == 0 else 'FAILURES'}")  # fmt: skip
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
