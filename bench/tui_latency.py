"""Key-to-screen latency of `gonogo review` while 50 probes run (one hanging), and the time
to the first full frame, measured in a real terminal (tmux) from outside the app.

Targets: key-to-screen p95 < 50 ms; first full frame < 1 s.

A key counts as on screen when `tmux capture-pane` shows the detail pane of the criterion
the key selected; the figure includes tmux's own send/capture round trip, printed alongside.
Keys are sent and the screen polled through one tmux control-mode client (`tmux -C`), as
commands on a pipe: a `tmux` process per poll (about 3.7 ms of a core each, hundreds a
second) would compete on this 2-core machine with the app being measured.
Probes answer after 0.2-2.5 s; whenever fewer than 40 are running, `R` reruns them all, so
results keep arriving while 40-50 probes run; one probe never answers (its timeout is 10
minutes). `R` is a key too: it is timed on its own (until the header shows all fifty
running), and the next key follows it after the usual gap.

Usage: .venv/bin/python bench/tui_latency.py [--keys 200] [--starts 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PROBES = 50
SECTIONS = 10
HANGING = 37
"""Index of the probe that never answers."""
KEY_GAP = 0.03
"""Seconds between one key showing and the next key (a fast key repeat), so a run lasts
long enough for results to keep arriving."""
POLL_GAP = 0.002
"""Seconds between two screen captures by a tmux process (each starts a tmux client;
polling flat out would take a core from the app being measured on a two-core machine)."""
CONTROL_POLL_GAP = 0.001
"""Seconds between two screen captures through the control client."""
RERUN_BELOW = 40
"""Send `R` when fewer probes than this are running."""
DEADLINE = 30.0
FIRST_FRAME = ("Decision by the policy", " 1 Section 1", "10 Section 10", "^p")
"""What a full first frame shows: the decision, the first and last sections, the footer."""
TERMINAL_ENV = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
_RUNNING = re.compile(r"· (\d+) running")


class _SlowHandler(BaseHTTPRequestHandler):
    """`/slow/MS` (any query, `?probe=N`) answers 200 after MS milliseconds."""

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        path = self.path.split("?", 1)[0]
        time.sleep(float(path.rsplit("/", 1)[1]) / 1000)
        body = b"ok"
        try:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the app quit (or the probe was rerun) before the answer

    def log_message(self, format: str, *args: object) -> None:
        pass


class SlowServer(ThreadingHTTPServer):
    """All 50 probes connect at once: a listen backlog of 5 would drop connections."""

    request_queue_size = 128
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SlowHandler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> SlowServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


def write_checklist(folder: Path, base_url: str) -> Path:
    rng = random.Random(7)
    lines = [
        "title: TUI latency bench",
        "defaults: {timeout: 600s, concurrency: 64, stale_after: 1h}",
        "sections:",
    ]
    per_section = PROBES // SECTIONS
    for section in range(SECTIONS):
        lines += [f"  - id: s{section}", f"    title: Section {section + 1}", "    criteria:"]
        for item in range(per_section):
            index = section * per_section + item
            delay = 600_000 if index == HANGING else rng.randint(200, 2500)
            lines += [
                f"      - id: c{index:03d}",
                f"        title: bench probe {index:03d}",
                # `?probe=`: every probe sends its own request (none is shared in flight).
                f"        probe: {{kind: http, url: '{base_url}/slow/{delay}?probe={index}',"
                " status: 200}",
            ]
    path = folder / "latency.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


class ScreenPoller:
    """Waits for what a tmux pane shows, polling it every `poll_gap` seconds."""

    poll_gap = POLL_GAP

    def screen(self) -> str:
        raise NotImplementedError

    def wait_for(self, *texts: str) -> tuple[float, str]:
        """When the screen shows every one of `texts`, and that screen."""
        return self.wait_until(lambda screen: all(text in screen for text in texts), repr(texts))

    def wait_until(
        self, shows: Callable[[str], bool], what: str = "the screen"
    ) -> tuple[float, str]:
        """When `shows` is true of the screen, and that screen."""
        deadline = time.perf_counter() + DEADLINE
        while True:
            screen = self.screen()
            if shows(screen):
                return time.perf_counter(), screen
            if time.perf_counter() > deadline:
                raise SystemExit(f"timed out waiting for {what}; screen:\n{screen}")
            time.sleep(self.poll_gap)


class Tmux(ScreenPoller):
    """One private tmux server per session (a fresh socket each start: a killed server may
    still be going away when the next one starts)."""

    def __init__(self) -> None:
        self.socket = ""
        self._count = 0

    def run(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            env=TERMINAL_ENV,
            check=False,
        ).stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "bench")

    def start(self, command: str, cwd: Path) -> float:
        self._count += 1
        self.socket = f"gonogo-bench-{os.getpid()}-{self._count}"
        started = time.perf_counter()
        self.run(
            "new-session", "-d", "-s", "bench", "-x", "120", "-y", "40", "-c", str(cwd), command
        )
        return started

    def stop(self) -> None:
        self.run("kill-server")

    def control(self) -> TmuxControl:
        """A control-mode client of the running session (for fast polling)."""
        # A control client has no size of its own: keep the window at 120x40.
        self.run("set-option", "-t", "bench", "window-size", "manual")
        return TmuxControl(self.socket)


class TmuxControl(ScreenPoller):
    """A tmux control-mode client: each command and its answer go over one pipe, so sending
    a key or capturing the screen starts no process. Pane output is not sent to it."""

    poll_gap = CONTROL_POLL_GAP

    def __init__(self, socket: str) -> None:
        self.process = subprocess.Popen(
            ["tmux", "-L", socket, "-C", "attach-session", "-f", "no-output", "-t", "bench"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=TERMINAL_ENV,
        )
        self._answer()  # attaching answers with an empty block

    def _answer(self) -> list[str]:
        assert self.process.stdout is not None
        lines: list[str] = []
        inside = False
        for raw in self.process.stdout:
            line = raw.rstrip("\n")
            if line.startswith("%begin"):
                inside, lines = True, []
            elif inside and line.startswith(("%end", "%error")):
                if line.startswith("%error"):
                    raise SystemExit(f"tmux: {' '.join(lines)}")
                return lines
            elif inside:
                lines.append(line)
        raise SystemExit("the tmux control client ended")

    def command(self, *words: str) -> list[str]:
        assert self.process.stdin is not None
        self.process.stdin.write(" ".join(words) + "\n")
        self.process.stdin.flush()
        return self._answer()

    def send(self, key: str) -> None:
        self.command("send-keys", "-t", "bench", key)

    def screen(self) -> str:
        return "\n".join(self.command("capture-pane", "-p", "-t", "bench"))

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def first_frame(tmux: Tmux, command: str, cwd: Path, texts: Sequence[str] = FIRST_FRAME) -> float:
    """Seconds from starting the command to a frame that shows all of `texts`."""
    started = tmux.start(command, cwd)
    shown, _ = tmux.wait_for(*texts)
    tmux.stop()
    return shown - started


def key_plan(keys: int) -> list[tuple[str, str]]:
    """`keys` presses of j/k walking the criteria from the first one and back, with the
    criterion each selects."""
    plan = []
    position, step = 0, 1
    for _ in range(keys):
        if not 0 <= position + step < PROBES:
            step = -step
        position += step
        plan.append(("j" if step > 0 else "k", f"c{position:03d}"))
    return plan


def running_count(screen: str) -> int:
    """The probes the header says are running."""
    match = _RUNNING.search(screen)
    return int(match.group(1)) if match else 0


def key_latencies(
    tmux: Tmux, command: str, cwd: Path, keys: int, *, rerun_every: int = 0
) -> tuple[list[float], list[int], list[float]]:
    """Time `keys` presses of j/k; `R` whenever fewer than RERUN_BELOW probes run, or, with
    `rerun_every`, every that many keys (the stress case: fifty rows flip at once).

    `R` keeps the probes running; it is timed on its own (until the header shows all
    fifty running) and the next key goes KEY_GAP after it, as the other keys do.

    Returns:
        The keys' latencies (ms), the probes running after each, and the `R` latencies.
    """
    tmux.start(command, cwd)
    tmux.wait_for("Decision by the policy", "10 Section 10")
    control = tmux.control()
    latencies: list[float] = []
    running: list[int] = []
    reruns: list[float] = []
    for count, (key, target) in enumerate(key_plan(keys)):
        if rerun_every:
            rerun = count % rerun_every == 0
        else:
            rerun = not running or running[-1] < RERUN_BELOW
        if rerun:
            sent = time.perf_counter()
            control.send("R")
            shown, _ = control.wait_until(lambda screen: running_count(screen) == PROBES)
            if running and running[-1] < PROBES:  # else the screen had nothing to change
                reruns.append((shown - sent) * 1000)
            time.sleep(KEY_GAP)
        sent = time.perf_counter()
        control.send(key)
        shown, screen = control.wait_for(f"{target} · section")
        latencies.append((shown - sent) * 1000)
        running.append(running_count(screen))
        time.sleep(KEY_GAP)
    control.close()
    tmux.stop()
    return latencies, running, reruns


def in_process_latencies(
    checklist_path: Path, evidence: Path, plan: Sequence[tuple[str, str]], rerun_below: int
) -> list[float]:
    """Milliseconds from each key of `plan` (a key and the criterion it selects) to the frame
    that shows it, inside the app (headless, no terminal), `R` first whenever fewer than
    `rerun_below` probes run: the bench's load without tmux's share."""
    import asyncio

    os.environ.setdefault("TEXTUAL_FPS", "120")  # as `gonogo review` does
    from textual.events import Key

    from gonogo_tui.core.checklist import load_checklist
    from gonogo_tui.core.engine import ProbeRunner
    from gonogo_tui.ui.app import GonogoApp

    async def measure() -> list[float]:
        checklist = load_checklist(checklist_path)
        runner = ProbeRunner.for_checklist(checklist, root=evidence.parent, isolate_timed=True)
        app = GonogoApp(  # as `gonogo review` makes it
            checklist, runner, evidence_dir=evidence, operator="bench", resume=False, tune_gc=True
        )
        frames: list[float] = []
        latencies: list[float] = []
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            review = app.review
            assert review is not None
            display = app._display  # private: the one place a composed frame passes

            def timed_display(screen: Any, renderable: Any) -> None:
                if renderable is not None:
                    frames.append(time.perf_counter())
                display(screen, renderable)

            app._display = timed_display  # type: ignore[method-assign]
            for key, target in plan:
                # Keys are posted as the terminal driver posts them: `Pilot.press` would wait
                # for the app to be idle, which it is not while many probes run.
                if len(review.running) < rerun_below:
                    app.post_message(Key("R", "R"))
                    while len(review.running) < rerun_below:
                        await asyncio.sleep(0.001)
                    await asyncio.sleep(KEY_GAP)
                seen = len(frames)
                sent = time.perf_counter()
                app.post_message(Key(key, key if len(key) == 1 else None))
                while review.selected != target:
                    await asyncio.sleep(0)
                selected = time.perf_counter()
                while not any(frame > selected for frame in frames[seen:]):
                    await asyncio.sleep(0.0005)
                shown = next(frame for frame in frames[seen:] if frame > selected)
                latencies.append((shown - sent) * 1000)
                await asyncio.sleep(KEY_GAP)
        return latencies

    return asyncio.run(measure())


def tmux_round_trip(tmux: Tmux, cwd: Path) -> float:
    """Milliseconds of one send-keys plus one capture-pane through the control client, on
    an idle shell."""
    tmux.start("sleep 60", cwd)
    control = tmux.control()
    samples = []
    for _ in range(50):
        started = time.perf_counter()
        control.send("")
        control.screen()
        samples.append((time.perf_counter() - started) * 1000)
    control.close()
    tmux.stop()
    return statistics.median(samples)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=200, help="key presses to time")
    parser.add_argument("--starts", type=int, default=5, help="cold starts to time")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is required", file=sys.stderr)
        return 2
    gonogo = Path(sys.executable).with_name("gonogo")
    tmux = Tmux()
    with tempfile.TemporaryDirectory() as tmp, SlowServer() as server:
        folder = Path(tmp)
        checklist = write_checklist(folder, server.url)
        overhead = tmux_round_trip(tmux, folder)
        frames = []
        for run in range(args.starts):
            evidence = folder / f"evidence-start-{run}"
            frames.append(
                first_frame(tmux, f"{gonogo} review {checklist} --evidence-dir {evidence}", folder)
            )
        command = f"{gonogo} review {checklist} --evidence-dir {folder / 'evidence-keys'}"
        latencies, running, reruns = key_latencies(tmux, command, folder, args.keys)
        command = f"{gonogo} review {checklist} --evidence-dir {folder / 'evidence-stress'}"
        stressed, _, stress_reruns = key_latencies(tmux, command, folder, args.keys, rerun_every=20)
        inside = in_process_latencies(
            checklist, folder / "evidence-inside", key_plan(args.keys), RERUN_BELOW
        )
    p95 = percentile(latencies, 0.95)
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"checklist: {PROBES} http probes in {SECTIONS} sections, one never answers")
    print(f"tmux send-keys + capture-pane round trip (included below): {overhead:.2f} ms median")
    print(
        f"first full frame ({args.starts} cold starts of `gonogo review`): "
        f"median {statistics.median(frames) * 1000:.0f} ms, max {max(frames) * 1000:.0f} ms"
    )
    print(
        f"key-to-screen ({len(latencies)} keys, {min(running)}-{max(running)} probes running, "
        f"median {statistics.median(running):.0f}): median {statistics.median(latencies):.1f} ms, "
        f"p95 {p95:.1f} ms, max {max(latencies):.1f} ms"
    )
    every_r = reruns + stress_reruns
    print(
        f"`R` itself, until the header shows fifty running ({len(every_r)} times): median "
        f"{statistics.median(every_r):.1f} ms, p95 {percentile(every_r, 0.95):.1f} ms, "
        f"max {max(every_r):.1f} ms"
    )
    print(
        f"stress, `R` (all fifty rows flip to RUNNING) every 20 keys: median "
        f"{statistics.median(stressed):.1f} ms, p95 {percentile(stressed, 0.95):.1f} ms, "
        f"max {max(stressed):.1f} ms"
    )
    print(
        f"in-process, key to composed frame (no terminal, same load): median "
        f"{statistics.median(inside):.1f} ms, p95 {percentile(inside, 0.95):.1f} ms, "
        f"max {max(inside):.1f} ms"
    )
    print(f"load average during the run: {os.getloadavg()[0]:.2f} (other processes skew it)")
    ok = p95 < 50 and percentile(every_r, 0.95) < 50 and max(frames) < 1.0
    print(
        "targets (p95 < 50 ms for the keys and for `R`, first frame < 1 s):",
        "met" if ok else "NOT met",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
