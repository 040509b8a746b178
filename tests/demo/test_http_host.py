"""The demo's HTTP services answer from a process of their own, and never outlive the demo.

Served from threads of gonogo's own process they waited for its interpreter lock, so a burst
of probes was measured as the flag service's latency (the shipped `flags-latency` read 108 ms
on a busy machine although the service answers in 2 ms).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime

import httpx
import pytest

from gonogo_tui.demo.http_host import HttpHost, HttpHostSettings
from tests.demo.leaks import alive, descendants, processes
from tests.servers import wait_until

SETTINGS = HttpHostSettings(
    scenario="green",
    latency=0.0,
    now=datetime(2026, 12, 7, 9, 30, tzinfo=UTC).isoformat(),
    repository="acme/shop",
    github_token="ghp_hosttest",
    grafana_token="glsa_hosttest",
)


def _host_pids(parent: int) -> set[int]:
    table = processes()
    return {
        pid
        for pid in descendants(parent)
        if pid in table and "gonogo_tui.demo.http_host" in table[pid].cmdline
    }


def test_the_services_answer_from_their_own_process_and_stop_with_the_demo() -> None:
    host = HttpHost(SETTINGS)
    try:
        urls = host.start()
        assert set(urls) == {"APP_URL", "API_URL", "GRAFANA_URL", "GITHUB_API_URL"}
        pids = _host_pids(os.getpid())
        assert len(pids) == 1
        # No server thread in this process: the answers do not wait for our interpreter.
        assert not [t.name for t in threading.enumerate() if t.name.startswith("HttpServer")]
        flags = httpx.get(f"{urls['API_URL']}/api/features/status", timeout=10)
        assert flags.status_code == 200
        assert "FEATURE_EXECUTION" in flags.text
        runs = httpx.get(
            f"{urls['GITHUB_API_URL']}/repos/acme/shop/actions/runs",
            headers={"Authorization": "Bearer ghp_hosttest"},
            timeout=10,
        )
        assert runs.status_code == 200, runs.text
        assert runs.json()["workflow_runs"], "the runs are dated from the settings' instant"
    finally:
        host.stop()
    assert not alive(pids)
    with pytest.raises(httpx.ConnectError):
        httpx.get(urls["APP_URL"], timeout=5)


def test_the_host_ends_when_the_demo_is_killed() -> None:
    script = textwrap.dedent(
        f"""
        import sys, time
        from gonogo_tui.demo.http_host import HttpHost, HttpHostSettings
        host = HttpHost(HttpHostSettings(**{SETTINGS.__dict__!r}))
        print(host.start()["APP_URL"], flush=True)
        time.sleep(600)
        """
    )
    demo = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert demo.stdout is not None
        url = demo.stdout.readline().strip()
        pids = _host_pids(demo.pid)
        assert len(pids) == 1
        assert httpx.get(url, timeout=10).status_code == 200
        demo.send_signal(signal.SIGKILL)
        demo.wait(timeout=10)
        wait_until(lambda: not alive(pids), timeout=10, message="the host to exit")
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
