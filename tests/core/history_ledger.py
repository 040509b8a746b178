"""A ledger of generated decisions for `gonogo history`'s tests and bench, written through
the real record code: `build_record` from a loaded checklist's evaluation, `write_record`
(which seals each record), `sign_record` for the CTO's signatures.

Decision i (from 0), one a day from 2026-01-01, meeting from 10:00, decided 10+i minutes
later:
- i % 10 == 3: NO-GO (backups FAIL, smoke ERROR), the same release as decision i + 1, which
  decides it again;
- else GO, approved in the meeting by the CTO (alice) and the devops lead (bob); alice signs
  when `sign_every` divides i;
- coverage (FAIL) is waived in decisions 10, 11 and from 44 on; lint (FAIL) in decision 20;
- replica-lag (advisory) is ERROR when i % 7 == 0;
- the measured values (`value(i, criterion)`, kept in the record as `measured`): backups are
  2 + i % 5 hours old (30 + i % 3 when they FAIL, `< 24`), coverage is 96 + (i % 4) / 2 %
  (91 + i % 3 when it FAILs, `>= 95`), smoke answers in 80 + 10 * (i % 6) ms (`max_ms`
  500); lint and replica-lag measure no number.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gonogo_tui.core.checklist import load_checklist
from gonogo_tui.core.clock import format_utc
from gonogo_tui.core.evaluation import Tick, Waiver, evaluate
from gonogo_tui.core.probes.base import ProbeResult, Status
from gonogo_tui.core.records.build import build_record
from gonogo_tui.core.records.model import Approval
from gonogo_tui.core.records.write import write_record

T0 = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
CHECKLIST = """\
title: History fixture
policy:
  review_max_no_go: 0
  approvals:
    go_requires: [cto]
sections:
  - id: data
    title: Data safety
    criteria:
      - id: backups
        title: Backups fresh
        probe:
          kind: sql
          dsn: postgresql://127.0.0.1:9/db
          query: SELECT 1
          value: {column: backup_age_hours, compare: '< 24'}
      - id: replica-lag
        title: Replica lag
        advisory: true
        probe: {kind: http, url: 'http://127.0.0.1:9/lag'}
  - id: quality
    title: Quality
    criteria:
      - id: coverage
        title: Coverage
        probe:
          kind: metrics
          url: http://127.0.0.1:9/metrics
          gauge: coverage_lines_pct
          unit: '%'
          compare: '>= 95'
      - id: lint
        title: Lint
        probe: {kind: http, url: 'http://127.0.0.1:9/lint'}
      - id: smoke
        title: Smoke
        probe: {kind: http, url: 'http://127.0.0.1:9/smoke', max_ms: 500}
  - id: team
    title: Team
    criteria:
      - id: on-call
        title: On-call named
        manual: true
"""
PROBED = ("backups", "replica-lag", "coverage", "lint", "smoke")


def releases(count: int) -> list[str]:
    """The release of each decision: a NO-GO shares its release with the next decision."""
    labels, number = [], 0
    for i in range(count):
        labels.append(f"1.{number}")
        if i % 10 != 3:
            number += 1
    return labels


def _status(i: int, criterion: str) -> Status:
    nogo = i % 10 == 3
    if criterion == "backups" and nogo:
        return Status.FAIL
    if criterion == "smoke" and nogo:
        return Status.ERROR
    if criterion == "replica-lag" and i % 7 == 0:
        return Status.ERROR
    if criterion == "coverage" and _waived(i, criterion):
        return Status.FAIL
    if criterion == "lint" and _waived(i, criterion):
        return Status.FAIL
    return Status.PASS


def value(i: int, criterion: str) -> float | None:
    """The number decision `i` measured for `criterion` (None: none, or an ERROR)."""
    status = _status(i, criterion)
    if criterion == "backups":
        return 30.0 + i % 3 if status is Status.FAIL else 2.0 + i % 5
    if criterion == "coverage":
        return 91.0 + i % 3 if status is Status.FAIL else 96 + (i % 4) / 2
    if criterion == "smoke" and status is Status.PASS:
        return 80.0 + 10 * (i % 6)
    return None


def _raw(i: int, criterion: str) -> tuple[str, str]:
    """The probe's value and detail, as its runner words them."""
    status, number = _status(i, criterion), value(i, criterion)
    if criterion == "backups" and number is not None:
        expected = " (expected < 24)" if status is Status.FAIL else ""
        return f"{number:.2f}", f"backup_age_hours = {number:.2f}{expected}; 1 row"
    if criterion == "coverage" and number is not None:
        return f"coverage_lines_pct {number:g}%", f"coverage_lines_pct {number:g}%"
    if criterion == "smoke" and number is not None:
        return f"{number:.0f} ms", f"status 200 in {number:.0f} ms"
    return "v", f"{criterion} {status.value}"


def _waived(i: int, criterion: str) -> bool:
    if criterion == "coverage":
        return i in (10, 11) or i >= 44
    return criterion == "lint" and i == 20


def generate(
    evidence: Path,
    count: int,
    *,
    sign_key: Path | None = None,
    sign_every: int = 2,
    writer: Callable[..., object] = write_record,
    unmeasured: int = 0,
) -> None:
    """Write `count` decisions into `evidence` (see the module's docstring); the first
    `unmeasured` are written as records were before they kept `measured` values."""
    from gonogo_tui.core.signing import sign_record

    evidence.mkdir(parents=True, exist_ok=True)
    source = evidence.parent / "history-fixture.yaml"
    source.write_text(CHECKLIST, encoding="utf-8")
    checklist = load_checklist(source)
    labels = releases(count)
    for i in range(count):
        started = T0 + timedelta(days=i)
        decided = started + timedelta(minutes=10 + i)
        results = {}
        for cid in PROBED:
            raw, detail = _raw(i, cid)
            results[cid] = ProbeResult(cid, _status(i, cid), raw, "e", "http", detail, started, 5.0)
        waivers = {
            cid: Waiver(cid, "olivia", started, f"{cid} is known flaky")
            for cid in ("coverage", "lint")
            if _waived(i, cid)
        }
        ticks = {"on-call": Tick("on-call", "olivia", started)}
        evaluation = evaluate(checklist, results, ticks, waivers)
        approvals = ()
        if i % 10 != 3:
            approvals = (
                Approval("cto", "alice@example.com", decided, "approve", "ok"),
                Approval("devops-lead", "bob@example.com", decided, "approve", "ok"),
            )
        record = build_record(
            checklist,
            evaluation,
            operator="olivia",
            decided_at=decided,
            release=labels[i],
            approvals=approvals,
            started_at=started,
        )
        if i < unmeasured:
            for section in record.data["sections"]:
                for criterion in section["criteria"]:
                    criterion.pop("measured", None)
        written = writer(record, evidence, now=lambda d=decided: d + timedelta(seconds=5))
        if sign_key is not None and approvals and i % sign_every == 0:
            txt = getattr(written, "txt", evidence / f"{record.record_id}.txt")
            sign_record(
                txt,
                role="cto",
                principal="alice@example.com",
                key_path=sign_key,
                now=lambda d=decided: d + timedelta(minutes=1),
            )


def unsealed_writer() -> tuple[Callable[..., object], Callable[[Path], None]]:
    """A writer that writes each record's files with `write_record(seal=False)`, and a
    function that then seals them all at once with the real statement and ledger-line code:
    sealing one by one rewrites the whole ledger each time (fine for 50, hours for 10,000)."""
    from gonogo_tui.core.records.layout import RecordPaths
    from gonogo_tui.core.signing._files import sha256_hex
    from gonogo_tui.core.signing.ledger import ledger_line
    from gonogo_tui.core.signing.record import parse_record_json
    from gonogo_tui.core.signing.statement import (
        GENESIS_SHA256,
        build_statement,
        parse_statement,
        predicate_core,
    )

    written: list[tuple[str, datetime]] = []

    def writer(record: object, evidence: Path, *, now: Callable[[], datetime]) -> object:
        out = write_record(record, evidence, now=now, seal=False)  # type: ignore[arg-type]
        written.append((out.txt.stem, now()))
        return out

    def seal_all(evidence: Path) -> None:
        lines, prev = [], GENESIS_SHA256
        for seq, (stem, sealed_at) in enumerate(written, start=1):
            paths = RecordPaths(evidence, stem)
            txt, raw_json = paths.txt.read_bytes(), paths.json.read_bytes()
            raw, view = parse_record_json(raw_json, source=paths.json.name)
            data = build_statement(
                subjects=[(paths.txt.name, txt), (paths.json.name, raw_json)],
                core=predicate_core(raw, view),
                seq=seq,
                prev_sha256=prev,
                sealed_at=format_utc(sealed_at),
            )
            paths.statement.write_bytes(data)
            line = ledger_line(parse_statement(data, source=paths.statement.name))
            lines.append(line)
            prev = sha256_hex(line)
        (evidence / "ledger.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))

    return writer, seal_all


def bench_ledger(evidence: Path, count: int) -> float | None:
    """The benches' folder of `count` sealed decisions: generated (through `unsealed_writer`)
    unless `evidence` already holds a ledger; the seconds it took, or None when reused."""
    if (evidence / "ledger.jsonl").exists():
        return None
    writer, seal_all = unsealed_writer()
    start = time.perf_counter()
    generate(evidence, count, writer=writer)
    seal_all(evidence)
    return time.perf_counter() - start
