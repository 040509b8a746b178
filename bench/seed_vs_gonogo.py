"""The seed's commands one after another (`bench/seed_sequential.sh`) against `gonogo check` on
the same demo environment, with every HTTP answer delayed by 0, 100 and 300 ms.

For each latency one `gonogo demo --keep-running --latency-ms N` is started; then, after a
warm-up, the seed's script and `gonogo check checklists/spark-trading.yaml --tick '*' --json`
run alternately, each as a fresh process (start-up included). Targets (issue 7): gonogo is
never slower than the seed's commands at 0 ms, at least 2x faster at 100 ms and 3x at 300 ms,
and its wall time is at most its slowest probe plus 0.3 s.

Usage: .venv/bin/python bench/seed_vs_gonogo.py [--runs N] [--latencies 0,100,300]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _compile import byte_compile  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CHECKLIST = REPO / "checklists" / "spark-trading.yaml"
SEED = REPO / "bench" / "seed_sequential.sh"
START_TIMEOUT = 60.0


@dataclass
class Figures:
    latency_ms: int
    seed: list[float] = field(default_factory=list)
    gonogo: list[float] = field(default_factory=list)
    slowest_probe: list[float] = field(default_factory=list)
    all_at_once: list[float] = field(default_factory=list)
    """`gonogo check --concurrency 64`: every probe at once, not the checklist's limit."""
    decisions: set[str] = field(default_factory=set)
    seed_exit_codes: set[int] = field(default_factory=set)


def gonogo_command() -> list[str]:
    script = Path(sys.executable).with_name("gonogo")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gonogo_tui"]


class Demo:
    """`gonogo demo --keep-running` for one latency, stopped with SIGINT."""

    def __init__(self, latency_ms: int, folder: Path) -> None:
        self.env_file = folder / f"demo-{latency_ms}.env"
        self.process = subprocess.Popen(
            [
                *gonogo_command(),
                "demo",
                "--keep-running",
                "--latency-ms",
                str(latency_ms),
                "--env-file",
                str(self.env_file),
            ],
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def variables(self) -> dict[str, str]:
        deadline = time.monotonic() + START_TIMEOUT
        while not self.env_file.exists():
            if self.process.poll() is not None:
                raise SystemExit(f"gonogo demo exited with {self.process.returncode}")
            if time.monotonic() > deadline:
                raise SystemExit("gonogo demo did not come up")
            time.sleep(0.05)
        found = {}
        for line in self.env_file.read_text().splitlines():
            name, _, value = line.removeprefix("export ").partition("=")
            found[name] = shlex.split(value)[0]
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=30)


def time_seed(env: dict[str, str], root: str) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run(
        ["bash", str(SEED), root],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return time.perf_counter() - started, done.returncode


def time_gonogo(
    env: dict[str, str], root: str, evidence: Path, *extra: str
) -> tuple[float, float, str]:
    """Wall time, slowest probe (seconds) and decision of one `gonogo check`."""
    started = time.perf_counter()
    done = subprocess.run(
        [
            *gonogo_command(),
            "check",
            str(CHECKLIST),
            "--root",
            root,
            "--tick",
            "*",
            "--json",
            "--evidence-dir",
            str(evidence),
            *extra,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    document = json.loads(done.stdout)
    durations = [
        criterion["duration_ms"] or 0.0
        for section in document["sections"]
        for criterion in section["criteria"]
    ]
    return wall, max(durations) / 1000, document["decision"]


def measure(latency_ms: int, runs: int, folder: Path) -> Figures:
    figures = Figures(latency_ms)
    demo = Demo(latency_ms, folder)
    try:
        variables = demo.variables()
        root = variables["GONOGO_DEMO_ROOT"]
        env = {**os.environ, **variables}
        evidence = folder / f"evidence-{latency_ms}"
        time_seed(env, root)  # warm-up: page cache, first connections
        time_gonogo(env, root, evidence)
        for _ in range(runs):
            seconds, code = time_seed(env, root)
            figures.seed.append(seconds)
            figures.seed_exit_codes.add(code)
            wall, slowest, decision = time_gonogo(env, root, evidence)
            figures.gonogo.append(wall)
            figures.slowest_probe.append(slowest)
            figures.decisions.add(decision)
            wall, _, _ = time_gonogo(env, root, evidence, "--concurrency", "64")
            figures.all_at_once.append(wall)
    finally:
        demo.stop()
    return figures


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} s ({min(values):.3f}-{max(values):.3f})"


def report(all_figures: list[Figures], runs: int) -> None:
    machine = f"{os.cpu_count()} cores, {platform.platform()}"
    print(f"machine: {machine}, Python {platform.python_version()}")
    print(f"runs per latency: {runs} (after one warm-up each); medians with (min-max)")
    print()
    header = (
        "| latency | seed commands, one after another | gonogo check | speed-up "
        "| slowest probe | gonogo minus slowest | decision | --concurrency 64 |"
    )
    print(header)
    print("|---|---|---|---|---|---|---|---|")
    for f in all_figures:
        seed, gonogo = statistics.median(f.seed), statistics.median(f.gonogo)
        slowest = statistics.median(f.slowest_probe)
        print(
            f"| {f.latency_ms} ms | {spread(f.seed)} | {spread(f.gonogo)} | {seed / gonogo:.1f}x "
            f"| {slowest:.3f} s | {gonogo - slowest:.3f} s | {', '.join(sorted(f.decisions))} "
            f"| {spread(f.all_at_once)} |"
        )
    print()
    targets = {0: 1.0, 100: 2.0, 300: 3.0}
    for f in all_figures:
        if f.latency_ms in targets:
            ratio = statistics.median(f.seed) / statistics.median(f.gonogo)
            verdict = "met" if ratio >= targets[f.latency_ms] else "NOT met"
            print(f"target at {f.latency_ms} ms: >= {targets[f.latency_ms]:g}x -> {verdict}")
        overhead = statistics.median(f.gonogo) - statistics.median(f.slowest_probe)
        verdict = "met" if overhead <= 0.3 else "NOT met"
        print(
            f"  wall <= slowest probe + 0.3 s at {f.latency_ms} ms: {overhead:.3f} s -> {verdict}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--latencies", default="0,100,300")
    args = parser.parse_args()
    byte_compile()
    latencies = [int(text) for text in args.latencies.split(",")]
    with tempfile.TemporaryDirectory(prefix="gonogo-bench-") as folder:
        results = [measure(latency, args.runs, Path(folder)) for latency in latencies]
    report(results, args.runs)


if __name__ == "__main__":
    main()
