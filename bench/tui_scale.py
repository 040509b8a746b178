"""The review at scale: key-to-screen latency and peak RSS of `gonogo review` on the generated
100 sections x 10 criteria checklist (`scale_bench.py`: 1,000 http probes against a local
server on 127.0.0.1 answering after 50 ms), in a real terminal (tmux, 120x40).

Targets (issue 7): key-to-screen p95 < 100 ms; peak RSS < 250 MB.

Keys walk the whole checklist and back with every navigation key (`l` `↓` `tab` `j` `→`
forward, `h` `↑` `shift+tab` `k` `←` back), so the view scrolls through all hundred panels.
The first half of the keys is sent while probes run: `R` reruns all 1,000 whenever fewer
than RERUN_BELOW run (the rerun is timed on its own, to the frame that shows the probes
running again, and the next key follows after the usual gap); the second half once every
probe has finished. A key counts as on screen when `tmux capture-pane` shows the detail pane
of the criterion it selected (tmux's own round trip included, printed alongside). Peak RSS
is the VmHWM of the review process (and of its child processes, if any) read from /proc
just before it is stopped.

Usage: .venv/bin/python bench/tui_scale.py [--keys 300] [--starts 3] [--in-process]
(GONOGO_CMD replaces the `gonogo` command, e.g. with a profiling wrapper.)
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _http import BenchServer  # noqa: E402
from scale_bench import PER_SECTION, SECTIONS, write_checklist  # noqa: E402
from tui_latency import (  # noqa: E402
    KEY_GAP,
    Tmux,
    first_frame,
    in_process_latencies,
    percentile,
    tmux_round_trip,
)

LATENCY_MS = 50.0
CONCURRENCY = 64
PROBES = SECTIONS * PER_SECTION
RERUN_BELOW = 100
"""Send `R` when fewer probes than this are running (first half of the keys)."""
FORWARD = (("l", "l"), ("Down", "down"), ("Tab", "tab"), ("j", "j"), ("Right", "right"))
BACKWARD = (("h", "h"), ("Up", "up"), ("BTab", "shift+tab"), ("k", "k"), ("Left", "left"))
"""Navigation keys as (tmux's name, Textual's name)."""
FIRST_FRAME = ("Decision by the policy", " 1 Section 0 ", " 2 Section 1 ", "^p")
_PROGRESS = re.compile(r"probes (\d+)/(\d+)(?: · (\d+))?")
"""The header's progress; its fixed-width label cuts the word `running` at 1,000."""


def _move(section: int, item: int, key: str) -> tuple[int, int]:
    """The criterion (section, item) that Textual key `key` selects from (section, item)."""
    if key in ("down", "j", "up", "k"):
        flat = section * PER_SECTION + item + (1 if key in ("down", "j") else -1)
        return divmod(max(0, min(flat, PROBES - 1)), PER_SECTION)
    if key in ("tab", "shift+tab"):
        return (section + (1 if key == "tab" else -1)) % SECTIONS, item
    return max(0, min(section + (1 if key in ("l", "right") else -1), SECTIONS - 1)), item


def key_plan(keys: int) -> list[tuple[str, str, str]]:
    """`keys` presses from the first criterion, down to the last section and back: tmux's
    key name, Textual's, and the criterion the key selects."""
    section, item, forward = 0, 0, True
    plan: list[tuple[str, str, str]] = []
    while len(plan) < keys:
        if forward and section == SECTIONS - 1:
            forward = False
        elif not forward and section == 0:
            forward = True
        tmux_key, key = (FORWARD if forward else BACKWARD)[len(plan) % len(FORWARD)]
        section, item = _move(section, item, key)
        plan.append((tmux_key, key, f"c{section}-{item}"))
    return plan


def progress(screen: str) -> tuple[int, int, int]:
    """Probes done, in all and running, as the header shows them."""
    match = _PROGRESS.search(screen)
    if match is None:
        return 0, 0, 0
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def review_pids(tmux: Tmux) -> list[int]:
    """The pane's process and its descendants (the shell may have exec'd `gonogo review`)."""
    pids = [int(tmux.run("display-message", "-p", "-t", "bench", "#{pane_pid}").strip())]
    for pid in pids:  # grows as it goes
        for task in Path(f"/proc/{pid}/task").iterdir():
            pids += [int(child) for child in (task / "children").read_text().split()]
    return pids


def peak_rss_mb(pids: list[int]) -> float:
    """The sum of the processes' peak resident sets (VmHWM)."""
    total_kb = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total_kb += int(line.split()[1])
    return total_kb / 1024


class Timed:
    """Latencies (ms) of keys and probes running at each."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.running: list[int] = []

    def summary(self) -> str:
        return (
            f"{len(self.latencies)} keys, {min(self.running)}-{max(self.running)} probes running"
            f" (median {statistics.median(self.running):.0f}): {summary(self.latencies)}"
        )


def key_latencies(
    tmux: Tmux, command: str, cwd: Path, plan: list[tuple[str, str, str]]
) -> tuple[Timed, Timed, list[float], float]:
    """Time the first half of `plan` while probes run and the second half after they all
    finished; also the reruns' latencies (ms) and the peak RSS (MB)."""
    tmux.start(command, cwd)
    _, screen = tmux.wait_for(*FIRST_FRAME)
    control = tmux.control()
    running_now = progress(screen)[2]
    during, after = Timed(), Timed()
    reruns: list[float] = []
    half = len(plan) // 2
    for count, (tmux_key, _, target) in enumerate(plan):
        timed = during if count < half else after
        if count == half:
            control.wait_until(_all_done, "every probe finished")
        elif count < half and running_now < RERUN_BELOW:
            sent = time.perf_counter()
            control.send("R")
            shown, _ = control.wait_until(
                lambda screen: progress(screen)[2] >= RERUN_BELOW, "the rerun"
            )
            reruns.append((shown - sent) * 1000)
            time.sleep(KEY_GAP)
        sent = time.perf_counter()
        control.send(tmux_key)
        shown, screen = control.wait_for(f"{target} · section")
        timed.latencies.append((shown - sent) * 1000)
        running_now = progress(screen)[2]
        timed.running.append(running_now)
        time.sleep(KEY_GAP)
    control.close()
    return during, after, reruns, peak_rss_mb(review_pids(tmux))


def _all_done(screen: str) -> bool:
    done, total, running = progress(screen)
    return done == total == PROBES and running == 0


def summary(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms, "
        f"max {max(values):.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=300, help="key presses to time")
    parser.add_argument("--starts", type=int, default=3, help="cold starts to time")
    parser.add_argument(
        "--in-process", action="store_true", help="also time keys inside the app (headless)"
    )
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is required", file=sys.stderr)
        return 2
    load_before = os.getloadavg()
    gonogo = os.environ.get("GONOGO_CMD") or Path(sys.executable).with_name("gonogo")
    tmux = Tmux()
    plan = key_plan(args.keys)
    inside: list[float] = []
    with tempfile.TemporaryDirectory() as tmp, BenchServer(latency_ms=LATENCY_MS) as server:
        folder = Path(tmp)
        checklist = write_checklist(folder, server.url, CONCURRENCY)
        overhead = tmux_round_trip(tmux, folder)
        frames = []
        for run in range(args.starts):
            evidence = folder / f"evidence-start-{run}"
            command = f"{gonogo} review {checklist} --evidence-dir {evidence}"
            frames.append(first_frame(tmux, command, folder, FIRST_FRAME))
        command = f"{gonogo} review {checklist} --evidence-dir {folder / 'evidence-keys'}"
        try:
            during, after, reruns, rss = key_latencies(tmux, command, folder, plan)
        finally:
            tmux.stop()
        if args.in_process:
            half = [(key, target) for _, key, target in plan[: len(plan) // 2]]
            inside = in_process_latencies(checklist, folder / "evidence-inside", half, RERUN_BELOW)
    latencies = during.latencies + after.latencies
    p95 = percentile(latencies, 0.95)
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(
        f"checklist: {SECTIONS} sections x {PER_SECTION} http probes, server answers after "
        f"{LATENCY_MS:g} ms, concurrency {CONCURRENCY}"
    )
    print("load average before the run: {:.2f} {:.2f} {:.2f}".format(*load_before))
    print(f"tmux send-keys + capture-pane round trip (included below): {overhead:.1f} ms median")
    print(
        f"first full frame ({args.starts} cold starts of `gonogo review`): "
        f"median {statistics.median(frames) * 1000:.0f} ms, max {max(frames) * 1000:.0f} ms"
    )
    print(f"key-to-screen while probes run, {during.summary()}")
    print(f"key-to-screen after they finished, {after.summary()}")
    print(f"key-to-screen, all {len(latencies)} keys: {summary(latencies)}")
    if reruns:
        print(f"`R` (rerun all 1,000) to screen, {len(reruns)} times: {summary(reruns)}")
    if inside:
        print(f"in-process while probes run (no terminal), key to frame: {summary(inside)}")
    print(f"peak RSS of `gonogo review` and its children (VmHWM): {rss:.0f} MB")
    print("load average after the run: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    ok = p95 < 100 and rss < 250
    print("targets (p95 < 100 ms, peak RSS < 250 MB):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
