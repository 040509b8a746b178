"""`gonogo doctor` measures a timed probe (http `max_ms`) on its own before the others, as
`gonogo check` does: inside the burst the other probes' wait would be counted as the
target's latency, and doctor reported a FAIL that check never saw."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from gonogo_tui.core.checklist import load_checklist
from gonogo_tui.core.doctor.probing import probe_once
from gonogo_tui.core.probes.base import Status
from gonogo_tui.demo.services.http import RecordedRequest, Reply
from tests.servers import HttpTestServer


def test_a_timed_probe_runs_alone_before_the_others(
    http_server: HttpTestServer, tmp_path: Path
) -> None:
    arrived: dict[str, float] = {}

    def answer(delay: float) -> Callable[[RecordedRequest], Reply]:
        def reply(request: RecordedRequest) -> Reply:
            arrived[request.path] = time.monotonic()
            return Reply(200, {}, "ok", delay)

        return reply

    for i in range(4):  # four URLs: identical requests would be shared as one
        http_server.route("GET", f"/slow-{i}", handler=answer(0.0))
    http_server.route("GET", "/fast", handler=answer(0.4))  # within its 2 s budget
    untimed = "\n".join(
        f"""      - id: slow-{i}
        title: Slow {i}
        probe: {{kind: http, url: "{http_server.url}/slow-{i}"}}"""
        for i in range(4)
    )
    source = tmp_path / "timed.yaml"
    source.write_text(
        f"""title: Timed first
sections:
  - id: api
    title: API
    criteria:
{untimed}
      - id: fast
        title: Answers fast
        probe: {{kind: http, url: "{http_server.url}/fast", max_ms: 2000}}
""",
        encoding="utf-8",
    )
    probed = probe_once(load_checklist(source), root=tmp_path)

    # Checklist order in the answer, the timed probe measured first and alone.
    assert [p.criterion_id for p in probed] == ["slow-0", "slow-1", "slow-2", "slow-3", "fast"]
    assert [p.status for p in probed] == [Status.PASS] * 5
    # The others were sent only once the timed request had its answer (0.4 s later).
    assert len(arrived) == 5
    first_other = min(at for path, at in arrived.items() if path != "/fast")
    assert first_other - arrived["/fast"] >= 0.35, arrived
