"""Stakeholder views of a decision record: a chat message (markdown) and a one-page HTML report.

Both are built from the record's JSON twin (`go_decision_*.json` / `no_go_decision_*.json`).
Every text that came from a probe, a person or the checklist is untrusted: the markdown
escapes what Slack and markdown renderers would act on (`&`, `<`, `>`, backticks, line
breaks, `](` links), and the HTML escapes everything and loads nothing from outside. Neither
keeps a bidirectional control: it could show a line reordered.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from gonogo_tui.core.deltas import since_lines
from gonogo_tui.core.records.poll_lines import answer_line, quorum_line
from gonogo_tui.core.records.reading import CriterionLine, RecordView
from gonogo_tui.core.sanitize import neutralise_invisible
from gonogo_tui.core.waiver_rules import recorded_waiver_text

MAX_LISTED = 15
"""Failed checks (and waivers) listed in the chat message before "and N more"."""
MAX_DETAIL = 180
"""Characters of a detail shown in the chat message."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
"""Controls and line and paragraph separators (become spaces); bidirectional and other
invisible characters are escaped by `neutralise_invisible`."""
_DECISION_MARK = {"GO": "✅", "NO-GO": "❌", "OVERRIDE": "⚠️"}


def chat_text(text: object, limit: int = MAX_DETAIL) -> str:
    """One line of untrusted text made inert for Slack mrkdwn and markdown.

    Line breaks and control characters become spaces (no list or quote can start), `&`,
    `<` and `>` become entities (Slack's rule: no `<!channel>` ping, no `<url|label>`
    link), backticks become quotes (no code span can open or close) and `](` becomes
    `] (` (no `[label](javascript:...)` link or remote image).
    """
    line = neutralise_invisible(_CONTROL.sub(" ", str(text))).strip()
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    line = line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return line.replace("`", "'").replace("](", "] (")


def unescaped(message: str) -> str:
    """A chat message (`record_markdown`, the walkthrough's) for a terminal: `&amp;`, `&lt;`
    and `&gt;` read as `&`, `<`, `>` again. Control and invisible characters stay removed or
    escaped as `chat_text` left them, so nothing acts on the terminal."""
    return message.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def record_markdown(view: RecordView, *, link: str | None = None) -> str:
    """The message for the deploys channel: decision, checks passed, failed checks, waivers,
    approvers and where the record is. Slack mrkdwn and markdown both render it."""
    data = view.data
    decision = view.decision
    title = chat_text((data.get("checklist") or {}).get("title") or "GO/NO-GO review", 100)
    release = data.get("release")
    mark = _DECISION_MARK.get(decision)
    head = f"*GO/NO-GO: {decision}{' ' + mark if mark else ''}*"
    lines = [f"{head} {title}" + (f" (release {chat_text(release, 60)})" if release else "")]
    lines.append(
        f"Checks passed: *{data['sections_go']}/{data['sections_total']}* sections GO"
        + _policy_note(data)
    )
    lines.append(
        f"Decided {chat_text(data['decided_at'], 40)} by {chat_text(data.get('operator'), 60)}"
    )
    if _valid_until(data):
        lines.append(f"Valid until {chat_text(_valid_until(data), 40)} (then decide again)")
    if view.reason:
        lines.append(f"Why: {chat_text(view.reason, 300)}")
    if data.get("waivers_summary"):
        lines.append(f"Waivers: {chat_text(data['waivers_summary'], 300)}")
    lines += [f"{label}: {chat_text(text, 300)}" for label, text in _override_texts(data)]
    lines += ["", "*Failed checks*"]
    lines += _bullets([_failed_line(c) for c in view.failed()])
    if view.advisory():
        lines += ["", "*Advisory (not blocking)*"]
        lines += _bullets([_failed_line(c) for c in view.advisory()])
    since = _since(data)
    if since:
        lines += ["", f"*{chat_text(since[0].rstrip(':'), 200)}*"]
        lines += [f"- {chat_text(line[2:], 300)}" for line in since[1:]]
    lines += ["", "*Waivers*"]
    lines += _bullets(
        [
            f"{chat_text(c.id, 60)} {chat_text(recorded_waiver_text(c.id, c.waiver or {}), 300)}"
            for c in view.waived()
        ]
    )
    lines += _poll_markdown(data.get("poll"))
    lines += ["", "*Approvers*"]
    lines += _bullets(
        [
            f"{chat_text(a.role, 40)}: {chat_text(a.principal, 80)}"
            f" ({chat_text(a.vote, 20)}, signed {chat_text(a.signed_at, 40)})"
            for a in view.signatures.signed
        ]
        + [
            f"{chat_text(a.get('role'), 40)}: {chat_text(a.get('principal'), 80)}"
            f" ({chat_text(a.get('vote', 'approve'), 20)}, named in the meeting, unsigned)"
            + (f": {chat_text(a.get('comment'), 200)}" if a.get("comment") else "")
            for a in view.approvers()
        ],
        empty="none recorded",
    )
    lines.append(f"Signatures: {chat_text(view.signatures.summary, 400)}")
    lines.append("")
    lines.append(f"Next: {chat_text(_next_step(data), 200)}")
    where = link or (str(view.path.with_suffix(".txt")) if view.path else data.get("record_id"))
    lines.append(f"Record: {chat_text(where, 300)}")
    return "\n".join(lines) + "\n"


def _valid_until(data: Mapping[str, Any]) -> str:
    """A GO's `valid_until` (after it `gonogo verify` refuses the GO), or empty."""
    return str(data.get("valid_until") or "") if data.get("decision") == "GO" else ""


def _failed_line(c: CriterionLine) -> str:
    return (
        f"{c.section_number}. {chat_text(c.section_title, 60)}: "
        f"{chat_text(c.id, 60)} {c.shown_status}{c.marks}: {chat_text(c.found)}"
        + (f" (samples {chat_text(c.samples, 120)})" if c.samples else "")
    )


def _policy_note(data: Mapping[str, Any]) -> str:
    mode, policy = data.get("mode"), data.get("policy_decision")
    if mode == "emergency":
        return f" (policy said {chat_text(policy, 20)}; emergency override)"
    if mode == "review":
        return " (REVIEW, approved by the CTO)"
    if policy == "REVIEW":
        return " (REVIEW: CTO approval required, not approved)"
    return ""


def _override_texts(data: Mapping[str, Any]) -> list[tuple[str, object]]:
    """An emergency override's reason and risk assessment, as (label, text)."""
    override = data.get("override") or {}
    return [
        (label, override[key])
        for label, key in (("Override reason", "reason"), ("Risk assessment", "risk_assessment"))
        if override.get(key)
    ]


def _next_step(data: Mapping[str, Any]) -> str:
    if data["decision"] == "GO":
        return "Canary Deployment (1% → 100%)"
    no_go = data.get("no_go") if isinstance(data.get("no_go"), Mapping) else {}
    action = (no_go or {}).get("action") or "Investigation/Fix required"
    review = (no_go or {}).get("next_review") or "to be scheduled"
    return f"{action}; next review {review}"


def _bullets(items: Sequence[str], empty: str = "none") -> list[str]:
    if not items:
        return [f"- {empty}"]
    shown = [f"- {item}" for item in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        shown.append(f"- … and {len(items) - MAX_LISTED} more (see the record)")
    return shown


def record_html(view: RecordView) -> str:
    """A self-contained one-page HTML report: decision, per-section table, failed checks,
    waivers, approvers and every criterion. Nothing is loaded from outside the page."""
    data = view.data
    e = _escape
    decision = view.decision
    title = str((data.get("checklist") or {}).get("title") or "GO/NO-GO review")
    css_class = {"GO": "go", "NO-GO": "nogo"}.get(decision, "override")
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(decision)}: {e(title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f'<header class="{css_class}"><h1>{e(decision)} {_DECISION_MARK.get(decision, "")}'
        f"</h1><p>{e(title)}</p></header>",
        "<dl>",
        *(
            f"<dt>{e(label)}</dt><dd>{e(value)}</dd>"
            for label, value in _facts(view)
            if value not in (None, "")
        ),
        "</dl>",
        "<h2>Sections</h2>",
        "<table><thead><tr><th>#</th><th>Section</th><th>Status</th><th>Passed</th>"
        "</tr></thead><tbody>",
    ]
    for index, section in enumerate(view.sections):
        status = str(section["status"])
        passed = f"{section.get('passed', '?')}/{section.get('total', len(section['criteria']))}"
        parts.append(
            f'<tr class="{_status_class(status)}"><td>{e(section.get("number", index + 1))}</td>'
            f"<td>{e(section['title'])}</td><td>{e(status)}</td><td>{e(passed)}</td></tr>"
        )
    parts.append("</tbody></table>")
    parts += _html_list("Failed checks", [_failed_html(c) for c in view.failed()])
    if view.advisory():
        parts += _html_list("Advisory (not blocking)", [_failed_html(c) for c in view.advisory()])
    since = _since(data)
    if since:
        parts += _html_list(since[0].rstrip(":"), [_escape(line[2:]) for line in since[1:]])
    parts += _html_list(
        "Waivers",
        [
            f"<code>{e(c.id)}</code> {e(recorded_waiver_text(c.id, c.waiver or {}))}"
            for c in view.waived()
        ],
    )
    parts += _poll_html(data.get("poll"))
    parts += _html_list(
        "Approvers",
        [
            f"{e(a.role)}: {e(a.principal)} ({e(a.vote)}, signed {e(a.signed_at)}, "
            f"key <code>{e(a.key)}</code>)"
            for a in view.signatures.signed
        ]
        + [
            f"{e(a.get('role'))}: {e(a.get('principal'))} ({e(a.get('vote', 'approve'))}"
            f", {e(a.get('at'))}, named in the meeting, unsigned)"
            + (f": {e(a.get('comment'))}" if a.get("comment") else "")
            for a in view.approvers()
        ],
        empty="none recorded",
    )
    parts.append('<h2>Criteria</h2><table class="criteria"><thead><tr><th>#</th><th>Criterion</th>')
    parts.append("<th>Status</th><th>Detail</th></tr></thead><tbody>")
    for c in view.criteria():
        parts.append(
            f'<tr class="{_status_class(c.status)}"><td>{e(c.section_number)}</td>'
            f"<td><code>{e(c.id)}</code> {e(c.title)}{e(c.marks)}</td>"
            f"<td>{e(c.shown_status)}</td><td>{e(c.found)}</td></tr>"
        )
    parts.append("</tbody></table>")
    parts.append(f"<footer>Record {e(data.get('record_id'))}")
    if view.path is not None:
        parts.append(f" &middot; {e(view.path)}")
    parts.append(f" &middot; gonogo {e(data.get('tool_version'))}</footer></body></html>")
    return "\n".join(parts) + "\n"


def _since(data: Mapping[str, Any]) -> list[str]:
    """`Changed since last GO (v2.3.1, 2026-12-01): 3 moved, 2 the wrong way:` and a `- `
    line per criterion that moved the wrong way; nothing for a record without it."""
    since = data.get("since_last_go")
    if not isinstance(since, Mapping):
        return []
    try:
        return since_lines(since)
    except (KeyError, TypeError):
        return []


def _poll_markdown(poll: object) -> list[str]:
    """Every owner's answer in the poll, objections first (all of them: every voice)."""
    if not isinstance(poll, Mapping):
        return []
    entries = poll.get("answers") or []
    lines = ["", f"*Poll* ({chat_text(quorum_line(poll), 120)})"]
    lines += [f"- {chat_text(answer_line(entry), 400)}" for entry in entries] or ["- no owners"]
    return lines


def _poll_html(poll: object) -> list[str]:
    if not isinstance(poll, Mapping):
        return []
    items = [
        f'<li class="{"objection" if entry.get("objection") else "voice"}">'
        f"{_escape(answer_line(entry))}</li>"
        for entry in poll.get("answers") or []
    ]
    return [
        f"<h2>Poll</h2><p>{_escape(quorum_line(poll))}</p>",
        f"<ul>{''.join(items) or '<li>no owners</li>'}</ul>",
    ]


def _escape(value: object) -> str:
    text = "" if value is None else str(value)
    return html.escape(neutralise_invisible(_CONTROL.sub(" ", text)), quote=True)


def _facts(view: RecordView) -> list[tuple[str, object]]:
    data = view.data
    checklist = data.get("checklist") or {}
    return [
        ("Checks passed", f"{data['sections_go']}/{data['sections_total']} sections GO"),
        ("Policy decision", data.get("policy_decision")),
        ("Why", view.reason),
        ("Waivers", data.get("waivers_summary")),
        ("Mode", data.get("mode")),
        ("Decided at", data.get("decided_at")),
        ("Valid until", _valid_until(data)),
        ("Operator", data.get("operator")),
        *_override_texts(data),
        ("Release", data.get("release")),
        ("Checklist", checklist.get("path")),
        ("Checklist sha256", checklist.get("sha256")),
        ("Next", _next_step(data)),
        ("Signatures", view.signatures.summary),
    ]


def _failed_html(c: CriterionLine) -> str:
    e = _escape
    return (
        f"{e(c.section_number)}. {e(c.section_title)}: <code>{e(c.id)}</code> "
        f'<span class="{_status_class(c.status)}">{e(c.shown_status)}</span>{e(c.marks)} '
        f"{e(c.found)}" + (f" (samples {e(c.samples)})" if c.samples else "")
    )


def _html_list(heading: str, items: Sequence[str], empty: str = "none") -> list[str]:
    body = "".join(f"<li>{item}</li>" for item in items) or f"<li>{_escape(empty)}</li>"
    return [f"<h2>{_escape(heading)}</h2><ul>{body}</ul>"]


def _status_class(status: str) -> str:
    return {
        "GO": "ok",
        "PASS": "ok",
        "WAIVED": "waived",
        "NO-GO": "bad",
        "FAIL": "bad",
        "ERROR": "error",
    }.get(status, "pending")


_CSS = (
    "body{font:15px/1.45 system-ui,sans-serif;max-width:64rem;margin:1.5rem auto;"
    "padding:0 1rem;color:#1b1f24}"
    "header{padding:.8rem 1.2rem;border-radius:.4rem;color:#fff}"
    "header h1{margin:0;font-size:2rem}header p{margin:.2rem 0 0}"
    ".go{background:#1a7f37}.nogo{background:#cf222e}.override{background:#9a6700}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}"
    "dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}"
    "table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #d0d7de;"
    "padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}"
    "tr.ok td:nth-child(3){color:#1a7f37}tr.bad td:nth-child(3),span.bad{color:#cf222e}"
    "tr.error td:nth-child(3),span.error{color:#9a6700}tr.waived td:nth-child(3){color:#8250df}"
    "td:nth-child(3){white-space:nowrap}table.criteria td:nth-child(4){width:45%}"
    "li.objection{color:#cf222e;font-weight:600}"
    "code{font-size:.9em}footer{margin-top:2rem;color:#57606a;font-size:.85em}"
)

__all__ = [
    "MAX_DETAIL",
    "MAX_LISTED",
    "chat_text",
    "record_html",
    "record_markdown",
    "unescaped",
]
