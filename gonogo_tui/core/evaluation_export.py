"""Machine-readable views of an evaluation: the `--json` document and JUnit XML."""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree

from gonogo_tui.core.clock import iso_utc
from gonogo_tui.core.evaluation import CriterionOutcome, Evaluation, SectionOutcome
from gonogo_tui.core.measures import measure
from gonogo_tui.core.probes.base import Status
from gonogo_tui.core.readings import reading
from gonogo_tui.core.sanitize import neutralise_invisible
from gonogo_tui.core.sparkline import samples_note, spark_line
from gonogo_tui.core.waiver_rules import waived_text, waiver_to_dict

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def criterion_value(outcome: CriterionOutcome) -> str:
    """The measured value, or who ticked a manual criterion."""
    if outcome.result is not None:
        return outcome.result.value
    if outcome.tick is not None:
        return f"ticked by {outcome.tick.operator}"
    return ""


NEEDS_TICK = "needs tick"
"""A manual criterion nobody ticked yet, as its row says it (its status stays PENDING)."""


def criterion_reading(outcome: CriterionOutcome) -> str:
    """The measured value as the screen shows it (`30 h old`, `1.4 %/day`, `2 d old`), the
    one reading of `core.readings`; who ticked a manual criterion; `needs tick` when nobody
    has. An ERROR keeps the probe's value (its cause is the detail)."""
    result = outcome.result
    if result is None or outcome.criterion.probe is None:
        if outcome.tick is None and outcome.criterion.is_manual:
            return NEEDS_TICK
        return criterion_value(outcome)
    if result.status is Status.ERROR:
        return result.value
    found = reading(outcome.criterion.probe, result)
    return f"{found.label} {found.value}".strip() or result.value


def criterion_reading_text(outcome: CriterionOutcome) -> str:
    """`criterion_reading` with the threshold it missed (`30 h old, needs < 24 h`), as a
    row says a FAIL."""
    result = outcome.result
    if result is None or outcome.criterion.probe is None or result.status is Status.ERROR:
        return criterion_reading(outcome)
    return reading(outcome.criterion.probe, result).text or result.value


def status_text(outcome: CriterionOutcome) -> str:
    """The status as people read it: `needs tick` for a manual criterion nobody ticked (the
    row's words), else the status (`PASS`, `FAIL`, ...). The JSON keeps `PENDING`."""
    if outcome.status is Status.PENDING and outcome.criterion.is_manual and outcome.tick is None:
        return NEEDS_TICK
    return outcome.status.value


def criterion_expected(outcome: CriterionOutcome) -> str:
    """What counts as passing."""
    criterion = outcome.criterion
    if criterion.probe is not None:
        return outcome.result.expected if outcome.result else criterion.probe.expectation()
    return "ticked by a person"


def criterion_source(outcome: CriterionOutcome) -> str:
    """URL, query, command or path measured; `manual` for ticked criteria."""
    criterion = outcome.criterion
    if criterion.probe is not None:
        return outcome.result.source if outcome.result else criterion.probe.source()
    return "manual"


def criterion_detail(outcome: CriterionOutcome) -> str:
    """One line on what was found, or why it is not passing."""
    if outcome.waiver is not None:
        return waived_text(outcome.waiver)
    if outcome.result is not None:
        return outcome.result.detail
    if outcome.tick is not None:
        return outcome.tick.note
    if outcome.criterion.is_manual:
        return outcome.criterion.why_manual or "waiting for a manual tick"
    return "not run yet"


def criterion_to_dict(outcome: CriterionOutcome) -> dict[str, Any]:
    """The JSON form of one criterion (documented in docs/check.md)."""
    result = outcome.result
    criterion = outcome.criterion
    data: dict[str, Any] = {
        "id": criterion.id,
        "title": criterion.title,
        "status": outcome.status.value,
        "value": criterion_value(outcome),
        "expected": criterion_expected(outcome),
        "source": criterion_source(outcome),
        "detail": criterion_detail(outcome),
        "started_at": iso_utc(result.started_at) if result else None,
        "duration_ms": round(result.duration_ms, 1) if result else None,
        "manual": criterion.is_manual,
        "kind": criterion.probe.kind if criterion.probe is not None else "manual",
    }
    # Only when set: a record of a checklist without these fields keeps its bytes.
    if outcome.critical:
        data["critical"] = True
    if criterion.advisory:
        data["advisory"] = True
    shown = criterion_reading_text(outcome)
    if result is not None and shown and shown != data["value"]:
        data["reading"] = shown  # as the row showed it (`30 h old, needs < 24 h`); `value` raw
    if outcome.underlying is not None:
        data["waived_status"] = outcome.underlying.value
    if result is not None and result.attempts > 1:
        data["attempts"] = result.attempts
    # The number and unit the room read, for "what changed since the last GO" (core/deltas.py).
    measured = measure(criterion.probe, result)
    if measured is not None:
        data["measured"] = measured.to_dict()
    if result is not None and result.samples:  # a sustained check's window
        data["sparkline"] = spark_line(result.samples)
        data["samples"] = [sample.to_dict() for sample in result.samples]
    if outcome.tick is not None:
        data["tick"] = {
            "operator": outcome.tick.operator,
            "at": iso_utc(outcome.tick.at),
            "note": outcome.tick.note,
        }
    if outcome.waiver is not None:
        data["waiver"] = waiver_to_dict(outcome.waiver)
    if outcome.waiver_note:
        data["waiver_note"] = outcome.waiver_note
    if criterion.waiver is not None:  # its own rules, for `gonogo verify`
        data["waiver_policy"] = criterion.waiver.model_dump(mode="json", exclude_none=True)
    if outcome.status is not Status.PASS:
        if criterion.hint:
            data["hint"] = criterion.hint
        if criterion.runbook:
            data["runbook"] = criterion.runbook
    return data


def section_to_dict(section: SectionOutcome) -> dict[str, Any]:
    """The JSON form of one section."""
    data = {
        "id": section.section.id,
        "number": section.number,
        "title": section.section.title,
        "status": section.status.value,
        "passed": section.passed_count,
        "total": len(section.criteria),
        "criteria": [criterion_to_dict(outcome) for outcome in section.criteria],
    }
    if section.objection is not None:
        data["objection"] = section.objection
    return data


def missing_for_go(evaluation: Evaluation) -> list[str]:
    """One line per criterion standing between this evaluation and GO."""
    lines = []
    for section in evaluation.sections:
        if not section.criteria:
            lines.append(f"{section.section.id}: section has no criteria")
        if section.objection is not None:
            lines.append(f"{section.section.id}: owner's objection: {section.objection}")
        for outcome in section.criteria:
            if outcome.blocking:
                detail = criterion_detail(outcome)
                tail = f": {detail}" if detail else ""
                mark = " (critical)" if outcome.critical else ""
                lines.append(f"{outcome.criterion.id} {outcome.status.value}{mark}{tail}")
    return lines


def advisory_findings(evaluation: Evaluation) -> list[str]:
    """One line per advisory criterion not passing: shown and recorded, never blocking."""
    return [
        f"{outcome.criterion.id} {outcome.status.value}: {criterion_detail(outcome)}"
        for section in evaluation.sections
        for outcome in section.criteria
        if outcome.advisory and not outcome.passed
    ]


def evaluation_to_dict(evaluation: Evaluation) -> dict[str, Any]:
    """The `gonogo check --json` document."""
    data = {
        "decision": evaluation.decision.value,
        "sections_go": evaluation.sections_go,
        "sections_total": evaluation.sections_total,
        "counts": {status.value: evaluation.count(status) for status in Status},
        "missing": missing_for_go(evaluation),
        "sections": [section_to_dict(section) for section in evaluation.sections],
    }
    return with_weights(data, evaluation)


def with_weights(data: dict[str, Any], evaluation: Evaluation) -> dict[str, Any]:
    """Add `reason` (a critical criterion decided NO-GO) and `advisory` (advisory criteria not
    passing) to a document, only when there is something to say: the documents of a checklist
    without critical or advisory criteria keep their bytes."""
    if evaluation.reason:
        data["reason"] = evaluation.reason
    advisory = advisory_findings(evaluation)
    if advisory:
        data["advisory"] = advisory
    return data


def _xml_text(text: str) -> str:
    return neutralise_invisible(_XML_ILLEGAL.sub("\ufffd", text))


def _junit_extra(outcome: CriterionOutcome) -> str:
    """A JUnit body's lines for a critical criterion and a sustained check's samples."""
    extra = ""
    if outcome.critical:
        extra += "\ncritical: anything but PASS makes the decision NO-GO"
    result = outcome.result
    if result is not None and result.samples:
        extra += f"\nsamples: {samples_note(spark_line(result.samples))}"
    return extra


def evaluation_to_junit(evaluation: Evaluation, *, name: str) -> bytes:
    """JUnit XML: one testsuite per section, one testcase per criterion.

    FAIL is a <failure>, ERROR an <error>, PENDING a <skipped>; WAIVED passes with a
    system-out line saying who waived it, and so does an advisory criterion that did not
    pass (it never fails the build).
    """
    suites = ElementTree.Element("testsuites", name=_xml_text(name))
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for section in evaluation.sections:
        # An advisory criterion never fails the build: its result goes to system-out.
        blocking = [o for o in section.criteria if not o.advisory]
        counts = {
            "tests": len(section.criteria),
            "failures": sum(1 for o in blocking if o.status is Status.FAIL),
            "errors": sum(1 for o in blocking if o.status is Status.ERROR),
            "skipped": sum(1 for o in blocking if o.status is Status.PENDING),
        }
        for key, value in counts.items():
            totals[key] += value
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            attrib={
                "name": _xml_text(f"{section.number}. {section.section.title}"),
                **{key: str(value) for key, value in counts.items()},
            },
        )
        for outcome in section.criteria:
            result = outcome.result
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=_xml_text(section.section.id),
                name=_xml_text(f"{outcome.criterion.id}: {outcome.criterion.title}"),
                time=f"{(result.duration_ms / 1000) if result else 0:.3f}",
            )
            message = _xml_text(criterion_detail(outcome))
            body = _xml_text(
                f"value: {criterion_value(outcome)}\nexpected: {criterion_expected(outcome)}\n"
                f"source: {criterion_source(outcome)}" + _junit_extra(outcome)
            )
            if outcome.advisory and not outcome.passed:
                ElementTree.SubElement(
                    case, "system-out"
                ).text = f"advisory (not blocking): {outcome.status.value}: {message}\n{body}"
            elif outcome.status is Status.FAIL:
                ElementTree.SubElement(case, "failure", message=message).text = body
            elif outcome.status is Status.ERROR:
                ElementTree.SubElement(case, "error", message=message).text = body
            elif outcome.status is Status.PENDING:
                ElementTree.SubElement(case, "skipped", message=message)
            elif outcome.status is Status.WAIVED:
                ElementTree.SubElement(case, "system-out").text = message
    for key, value in totals.items():
        suites.set(key, str(value))
    ElementTree.indent(suites)
    xml: bytes = ElementTree.tostring(suites, encoding="utf-8", xml_declaration=True)
    return xml


__all__ = [
    "advisory_findings",
    "criterion_detail",
    "criterion_expected",
    "criterion_source",
    "criterion_to_dict",
    "criterion_reading",
    "criterion_reading_text",
    "criterion_value",
    "NEEDS_TICK",
    "status_text",
    "evaluation_to_dict",
    "evaluation_to_junit",
    "missing_for_go",
    "section_to_dict",
    "with_weights",
]
