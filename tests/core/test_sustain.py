"""Sustained checks (issue 17, point 4): a probe sampled over a window against a real HTTP
server whose answer changes between samples; `gonogo check --sustain-scale`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gonogo_tui.core.checklist import Criterion, load_checklist
from gonogo_tui.core.checklist.loading import checklist_json_schema
from gonogo_tui.core.clock import iso_utc
from gonogo_tui.core.engine import ProbeRunner
from gonogo_tui.core.errors import ChecklistError
from gonogo_tui.core.execution.sustain import run_sustained
from gonogo_tui.core.probes.base import ProbeContext, ProbeResult, Sample, Status
from gonogo_tui.core.sparkline import spark_line
from tests.core.probes.ops.helpers import T0, spec
from tests.servers import HttpTestServer, RecordedRequest, Reply


def queue_depths(server: HttpTestServer, depths: list[int]) -> list[RecordedRequest]:
    """Answer `/queue` with `{"depth": n}`, the next n for each request (the last repeats)."""
    seen: list[RecordedRequest] = []

    def answer(request: RecordedRequest) -> Reply:
        seen.append(request)
        return Reply(body={"depth": depths[min(len(seen), len(depths)) - 1]})

    server.route("GET", "/queue", handler=answer)
    return seen


def criterion(server: HttpTestServer, sustain: dict[str, Any]) -> Criterion:
    probe = spec(
        kind="http",
        url=f"{server.url}/queue",
        json=[{"path": "depth", "compare": "< 10"}],
        sustain=sustain,
    )
    return Criterion(id="queue", title="Queue drains", probe=probe)


def runner() -> ProbeRunner:
    return ProbeRunner(ProbeContext(root=Path("/")), retry_backoff=0)


async def test_every_sample_passed(http_server: HttpTestServer) -> None:
    seen = queue_depths(http_server, [3, 5, 4, 7, 1])
    progress: list[ProbeResult] = []
    probes = runner()
    result = await run_sustained(
        criterion(http_server, {"for": "1s", "every": "0.2s"}),
        probes.run,
        on_progress=progress.append,
    )
    await probes.aclose()
    assert result.status is Status.PASS
    assert len(seen) == 5
    assert [sample.value for sample in result.samples] == ["3", "5", "4", "7", "1"]
    assert result.detail.startswith("5 of 5 samples passed over 1s: ")
    assert "samples (▃▆▅█▁):" in result.output
    # Until the window is full the result is PENDING, saying how far it got.
    assert [(p.status, p.detail) for p in progress] == [
        (Status.PENDING, f"{n} of 5 samples, all passed so far (for 1s)") for n in range(1, 5)
    ]
    assert [len(p.samples) for p in progress] == [1, 2, 3, 4]
    # The samples are `every` apart from their starts, not back to back.
    starts = [sample.at for sample in result.samples]
    assert (starts[-1] - starts[0]).total_seconds() >= 0.75


async def test_a_failing_sample_ends_the_window_and_is_named(http_server: HttpTestServer) -> None:
    seen = queue_depths(http_server, [3, 4, 50, 2])
    probes = runner()
    result = await run_sustained(
        criterion(http_server, {"for": "10s", "every": "0.1s"}), probes.run
    )
    await probes.aclose()
    assert result.status is Status.FAIL
    assert len(seen) == 3  # no sample after the failing one
    failed = result.samples[-1]
    assert result.detail == (
        f"sample 3 of 100 at {iso_utc(failed.at)} FAIL: JSON depth = 50 (expected < 10)"
    )
    assert [(s.status, s.detail) for s in result.samples] == [
        (Status.PASS, ""),
        (Status.PASS, ""),
        (Status.FAIL, "JSON depth = 50 (expected < 10)"),
    ]
    assert result.to_dict()["samples"][2]["value"] == "50"
    again = ProbeResult.from_dict(result.to_dict())  # the journal's round trip (ms stamps)
    assert [(s.status, s.value, iso_utc(s.at)) for s in again.samples] == [
        (s.status, s.value, iso_utc(s.at)) for s in result.samples
    ]


async def test_a_sample_that_cannot_measure_ends_the_window_as_error(
    http_server: HttpTestServer,
) -> None:
    seen: list[RecordedRequest] = []

    def answer(request: RecordedRequest) -> Reply:
        seen.append(request)
        return Reply(body={"depth": 2}) if len(seen) == 1 else Reply(body="<html>oops</html>")

    http_server.route("GET", "/queue", handler=answer)
    probes = runner()
    result = await run_sustained(criterion(http_server, {"for": "1s", "every": "0.1s"}), probes.run)
    await probes.aclose()
    assert result.status is Status.ERROR
    assert len(seen) == 2
    assert result.detail.startswith(f"sample 2 of 10 at {iso_utc(result.samples[1].at)} ERROR: ")
    assert [s.status for s in result.samples] == [Status.PASS, Status.ERROR]


async def test_scale_shortens_the_window(http_server: HttpTestServer) -> None:
    seen = queue_depths(http_server, [1])
    probes = runner()
    result = await run_sustained(
        criterion(http_server, {"for": "2m", "every": "15s"}), probes.run, scale=0.001
    )
    await probes.aclose()
    assert (result.status, len(seen), len(result.samples)) == (Status.PASS, 8, 8)
    assert result.detail.startswith("8 of 8 samples passed over 120ms: ")


def test_spark_line() -> None:
    def samples(*values: str) -> list[Sample]:
        return [Sample(T0, Status.PASS, value) for value in values]

    assert spark_line(samples("0 ms", "7 ms", "14 ms")) == "▁▅█"
    assert spark_line(samples("5", "5")) == "▅▅"
    assert spark_line(samples("200", "timeout", "100")) == "█·▁"
    assert spark_line(samples("up", "up")) == "··"


@pytest.mark.parametrize(
    ("sustain", "message"),
    [
        ("{for: 1s, every: 2s}", "probe.sustain: 'every' must not be longer than 'for'"),
        ("{for: 2m}", "probe.sustain.every: field required"),
        ("{for: 1h, every: 1s}", "probe.sustain: 'for' / 'every' gives more than 1000 samples"),
        ("{for: 2m, every: soon}", "probe.sustain.every: 'soon' is not a duration"),
        ("{for: 2m, every: 15s, each: 1}", "probe.sustain.each: unknown field"),
    ],
)
def test_a_bad_sustain_is_one_line_naming_file_line_and_field(
    tmp_path: Path, sustain: str, message: str
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "title: t\nsections:\n- id: a\n  title: A\n  criteria:\n  - id: x\n    title: X\n"
        f"    probe:\n      kind: file\n      path: a.txt\n      sustain: {sustain}\n"
    )
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path)
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(f"{path}:11: sections[0].criteria[0].{message}")


def test_schema_describes_sustain() -> None:
    text = json.dumps(checklist_json_schema())
    assert '"Sustain"' in text
    assert '"for"' in text and "How long every sample must pass" in text


def test_check_samples_over_the_scaled_window(http_server: HttpTestServer, tmp_path: Path) -> None:
    seen = queue_depths(http_server, [2, 4, 6, 8, 9, 3])
    (tmp_path / "c.yaml").write_text(
        "title: t\nsections:\n- id: a\n  title: A\n  criteria:\n  - id: queue\n"
        "    title: Queue drains\n    probe:\n      kind: http\n"
        f"      url: {http_server.url}/queue\n"
        "      json: [{path: depth, compare: '< 10'}]\n"
        "      sustain: {for: 60s, every: 10s}\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "gonogo_tui", "check", "c.yaml", "--json", "--record"]
        + ["--sustain-scale", "0.01", "--evidence-dir", "ev"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ},
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    (row,) = json.loads(proc.stdout)["sections"][0]["criteria"]
    assert len(seen) == 6
    del seen[:]
    assert (row["status"], row["sparkline"]) == ("PASS", "▁▃▅▇█▂")
    assert [s["value"] for s in row["samples"]] == ["2", "4", "6", "8", "9", "3"]
    assert row["detail"].startswith("6 of 6 samples passed over 600ms: ")
    # The decision record keeps the samples (and so its signature covers them).
    (record,) = (tmp_path / "ev").glob("go_decision_*[0-9].json")
    (kept,) = json.loads(record.read_text())["sections"][0]["criteria"]
    assert (kept["sparkline"], kept["samples"]) == (row["sparkline"], row["samples"])
    table = subprocess.run(
        [sys.executable, "-m", "gonogo_tui", "check", "c.yaml", "--sustain-scale", "0.01"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert "▁▃▅▇█▂" in table.stdout  # the table's value column shows the samples too
    bad = subprocess.run(
        [sys.executable, "-m", "gonogo_tui", "check", "c.yaml", "--sustain-scale", "0"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2 and "--sustain-scale" in bad.stderr
