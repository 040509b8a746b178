"""`gonogo report`: the chat message and the HTML page of a real record, hostile text made
inert, and `--post` to local webhooks (plain HTTP, HTTPS with verification on)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.servers import HttpTestServer, Reply

HOSTILE = "<img src=x onerror=alert(1)> <!channel> `rm -rf /` *loud* <https://evil.example|click>"
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "p", "dl", "dt",
    "dd", "table", "thead", "tbody", "tr", "th", "td", "ul", "li", "code", "span", "footer",
}  # fmt: skip
WEBHOOK_SECRET = "T000/B000/s3cretWebhookPath"
NO_PROXY_ENV = {
    key: value for key, value in os.environ.items() if "proxy" not in key.lower()
}  # the webhook is on 127.0.0.1: no proxy in between


def gonogo(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gonogo_tui", *args],
        capture_output=True,
        text=True,
        env=env or NO_PROXY_ENV,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A real NO-GO record whose texts hold markup, then a waiver and approvals added."""
    with HttpTestServer() as server:
        server.route("GET", "/state", body={"state": HOSTILE})
        yield _write_record(tmp_path_factory.mktemp("record"), server.url)


def _write_record(tmp_path: Path, url: str) -> Path:
    checklist = tmp_path / "hostile.yaml"
    checklist.write_text(
        f"""\
title: "Deploy <b>checklist</b> & co"
sections:
  - id: web
    title: "Web <script>alert(1)</script>"
    criteria:
      - id: state
        title: "State `x` *bold*"
        probe:
          kind: http
          url: {url}/state
          json:
            - {{path: state, equals: ok}}
      - id: tick-me
        title: Manual
        manual: true
  - id: second
    title: Second
    criteria:
      - id: waived-one
        title: Waived later
        manual: true
""",
        encoding="utf-8",
    )
    evidence = tmp_path / "evidence"
    done = gonogo(
        "check", str(checklist), "--record", "--tick", "*", "--evidence-dir", str(evidence)
    )
    assert done.returncode == 3, done.stdout + done.stderr
    (json_path,) = evidence.glob("no_go_decision_*[0-9].json")
    data = json.loads(json_path.read_text(encoding="utf-8"))
    waived = data["sections"][1]["criteria"][0]
    waived["status"] = "WAIVED"
    waived["waiver"] = {
        "operator": "kim",
        "at": "2026-11-26T10:00:00Z",
        "reason": f"{HOSTILE}\n- injected",
    }
    data["approvals"] = [
        {
            "role": "cto",
            "principal": "Dana <b>Ito</b>",
            "vote": "reject",
            "comment": "not <i>today</i>\n- rollback untested",
            "at": "2026-11-26T10:01Z",
        }
    ]
    json_path.write_text(json.dumps(data), encoding="utf-8")
    return json_path.with_suffix(".txt")


def test_markdown_message_lists_what_the_channel_needs(record: Path) -> None:
    done = gonogo("report", str(record))
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert text.startswith("*GO/NO-GO: NO-GO ❌* Deploy &lt;b&gt;checklist&lt;/b&gt; &amp; co")
    assert "Checks passed: *1/2* sections GO" in text
    failed = [line for line in text.splitlines() if line.startswith("- 1. Web")]
    assert len(failed) == 1 and "state FAIL: " in failed[0] and "(probe: JSON state = " in failed[0]
    (waived,) = [line for line in text.splitlines() if line.startswith("- waived-one")]
    assert waived.startswith("- waived-one waived by kim: &lt;img") and "- injected" in waived
    assert not any(line.startswith("- injected") for line in text.splitlines())
    assert (
        "- cto: Dana &lt;b&gt;Ito&lt;/b&gt; (reject, named in the meeting, unsigned): "
        "not &lt;i&gt;today&lt;/i&gt;"
    ) in text
    assert not any(line.startswith("- rollback") for line in text.splitlines())
    assert f"Record: {record.resolve()}" in text
    assert "<" not in text and "`" not in text  # no <!channel>, no <url|link>, no code span


def test_markdown_link_option_replaces_the_path(record: Path) -> None:
    done = gonogo("report", str(record), "--link", "https://ci.example/artifacts/42")
    assert done.stdout.rstrip().endswith("Record: https://ci.example/artifacts/42")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)


def test_html_page_is_self_contained_and_escapes_everything(record: Path, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    done = gonogo("report", str(record), "--format", "html", "--output", str(page))
    assert done.returncode == 0 and done.stdout == ""
    text = page.read_text(encoding="utf-8")
    parsed = _Tags()
    parsed.feed(text)
    assert parsed.tags <= ALLOWED_TAGS
    assert parsed.attributes <= {"lang", "charset", "http-equiv", "content", "name", "class"}
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "Web &lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "default-src &#x27;none&#x27;" in text or "default-src 'none'" in text
    for cell in ("<td>1</td><td>Web &lt;script&gt;", "<td>NO-GO</td><td>1/2</td>"):
        assert cell in text
    assert "WAIVED" in text and "Dana &lt;b&gt;Ito&lt;/b&gt;" in text
    assert "not &lt;i&gt;today&lt;/i&gt;" in text


def test_post_sends_the_markdown_as_slack_json(record: Path, http_server: HttpTestServer) -> None:
    http_server.route("POST", f"/services/{WEBHOOK_SECRET}", body="ok")
    url = f"{http_server.url}/services/{WEBHOOK_SECRET}"
    done = gonogo("report", str(record), "--post", url)
    assert done.returncode == 0, done.stderr
    (request,) = [r for r in http_server.requests if r.method == "POST"]
    assert request.headers["content-type"] == "application/json"
    markdown = gonogo("report", str(record)).stdout
    assert request.json() == {"text": markdown}
    assert done.stdout == ""
    assert "posted to http://127.0.0.1" in done.stderr and "s3cret" not in done.stderr


def test_verbose_post_logs_no_webhook_secret(record: Path, http_server: HttpTestServer) -> None:
    """With -v httpx logs the URL it posts to; the webhook's path is masked there too."""
    http_server.route("POST", f"/services/{WEBHOOK_SECRET}", body="ok")
    url = f"{http_server.url}/services/{WEBHOOK_SECRET}"
    done = gonogo("-v", "report", str(record), "--post", url, env=NO_PROXY_ENV)
    assert done.returncode == 0, done.stderr
    assert "HTTP Request: POST" in done.stderr and "s3cret" not in done.stderr


def test_post_refused_exits_1_without_the_secret(record: Path, http_server: HttpTestServer) -> None:
    http_server.route(
        "POST", f"/services/{WEBHOOK_SECRET}", handler=lambda _r: Reply(403, body="invalid_token")
    )
    done = gonogo("report", str(record), "--post", f"{http_server.url}/services/{WEBHOOK_SECRET}")
    assert done.returncode == 1
    assert "refused the message: 403 invalid_token" in done.stderr
    assert "s3cret" not in done.stderr + done.stdout


def test_post_verifies_tls(record: Path, https_server: HttpTestServer) -> None:
    https_server.route("POST", f"/services/{WEBHOOK_SECRET}", body="ok")
    url = f"{https_server.url}/services/{WEBHOOK_SECRET}"
    refused = gonogo("report", str(record), "--post", url)
    assert refused.returncode == 1
    assert "certificate verify failed" in refused.stderr and "s3cret" not in refused.stderr
    assert not [r for r in https_server.requests if r.method == "POST"]
    trusted = gonogo(
        "report",
        str(record),
        "--post",
        url,
        env={**NO_PROXY_ENV, "SSL_CERT_FILE": str(https_server.cert_file)},
    )
    assert trusted.returncode == 0, trusted.stderr
    assert len([r for r in https_server.requests if r.method == "POST"]) == 1


@pytest.mark.parametrize(
    "url",
    [
        f"https://hooks.example:99999/{WEBHOOK_SECRET}",
        f"https://hooks.example:abc/{WEBHOOK_SECRET}",
        f"https://[::1/{WEBHOOK_SECRET}",
    ],
)
def test_post_to_an_unusable_url_exits_2_in_one_line(record: Path, url: str) -> None:
    done = gonogo("report", str(record), "--post", url, env=NO_PROXY_ENV)
    assert done.returncode == 2
    assert done.stderr == "gonogo: --post: expected an http:// or https:// webhook URL\n"


@pytest.mark.parametrize(
    ("proxy", "reason"),
    [("HTTP_PROXY", "Invalid port: ':::'"), ("ALL_PROXY", "Using SOCKS proxy")],
)
def test_post_with_unusable_proxy_variables_exits_2_naming_them(
    record: Path, proxy: str, reason: str
) -> None:
    value = "http://proxy.example::::" if proxy == "HTTP_PROXY" else "socks5://127.0.0.1:9"
    env = {**NO_PROXY_ENV, proxy: value}
    done = gonogo("report", str(record), "--post", f"http://127.0.0.1:9/{WEBHOOK_SECRET}", env=env)
    assert done.returncode == 2
    assert done.stderr.startswith(
        f"gonogo: --post: cannot use the proxy settings of the environment ({proxy}): {reason}"
    )
    assert len(done.stderr.splitlines()) == 1 and "s3cret" not in done.stderr


def test_post_with_an_unreadable_ssl_cert_file_exits_2_in_one_line(
    record: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "missing-ca.pem"
    url = f"https://127.0.0.1:9/services/{WEBHOOK_SECRET}"
    done = gonogo(
        "report", str(record), "--post", url, env={**NO_PROXY_ENV, "SSL_CERT_FILE": str(missing)}
    )
    assert done.returncode == 2
    assert done.stderr == (
        f"gonogo: --post: cannot read the trusted CA certificates from SSL_CERT_FILE={missing}"
        " (No such file or directory)\n"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [("not json", "not a JSON decision record"), ('{"format": "other"}', "not a gonogo decision")],
)
def test_unusable_record_exits_2_in_one_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "no_go_decision_x.json"
    path.write_text(content, encoding="utf-8")
    done = gonogo("report", str(path))
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("checklist", "x", "malformed record: checklist is not an object"),
        ("approvals", 5, "malformed record: approvals is not a list of objects"),
        ("approvals", ["cto"], "malformed record: approvals is not a list of objects"),
        (
            "override",
            {"approvers": [1]},
            "malformed record: override.approvers is not a list of objects",
        ),
        ("no_go", [], "malformed record: no_go is not an object"),
    ],
)
@pytest.mark.parametrize("report_format", ["markdown", "html"])
def test_record_of_the_wrong_shape_exits_2_in_one_line(
    record: Path, tmp_path: Path, key: str, value: object, message: str, report_format: str
) -> None:
    """A record edited by hand (or by a newer tool) is refused in one line, not a traceback."""
    data = json.loads(record.with_suffix(".json").read_text(encoding="utf-8"))
    data[key] = value
    path = tmp_path / "no_go_decision_x.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    done = gonogo("report", str(path), "--format", report_format)
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"gonogo: {path}: {message}\n"


def test_reports_open_no_markdown_link_and_reorder_no_line(record: Path, tmp_path: Path) -> None:
    data = json.loads(record.with_suffix(".json").read_text(encoding="utf-8"))
    data["checklist"]["title"] = (
        "Deploy [approved by the CTO](javascript:alert(1)) ![x](https://evil.example/p.png)"
    )
    data["operator"] = "kim \u202eOG-ON\u202c"
    path = tmp_path / "no_go_decision_x.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    message = gonogo("report", str(path))
    assert message.returncode == 0, message.stderr
    assert "[approved by the CTO] (javascript:alert(1)) ![x] (https://evil.example/p.png)" in (
        message.stdout
    )
    assert "](" not in message.stdout
    page = gonogo("report", str(path), "--format", "html")
    assert page.returncode == 0, page.stderr
    for shown in (message.stdout, page.stdout):
        assert "kim \\u202eOG-ON\\u202c" in shown  # visible escapes, in stored order
        assert not any(
            ch in shown for ch in "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2069"
        )


def test_an_override_says_why_and_at_what_risk(record: Path, tmp_path: Path) -> None:
    data = json.loads(record.with_suffix(".json").read_text(encoding="utf-8"))
    data.update(decision="OVERRIDE", mode="emergency", policy_decision="NO-GO")
    data["override"] = {
        "reason": "hotfix <b>now</b>\n- line",
        "risk_assessment": "low: [x](javascript:1)",
        "approvers": [{"role": "cto", "principal": "Dana", "vote": "approve", "at": "t"}],
    }
    path = tmp_path / "go_decision_x.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    message = gonogo("report", str(path)).stdout.splitlines()
    assert message[2].startswith("Decided ")
    assert message[3:5] == [
        "Override reason: hotfix &lt;b&gt;now&lt;/b&gt; - line",
        "Risk assessment: low: [x] (javascript:1)",
    ]
    page = gonogo("report", str(path), "--format", "html").stdout
    assert "<dt>Override reason</dt><dd>hotfix &lt;b&gt;now&lt;/b&gt; - line</dd>" in page
    assert "<dt>Risk assessment</dt><dd>low: [x](javascript:1)</dd>" in page


def test_record_without_checklist_block_is_reported(record: Path, tmp_path: Path) -> None:
    data = json.loads(record.with_suffix(".json").read_text(encoding="utf-8"))
    data["checklist"] = None
    path = tmp_path / "no_go_decision_x.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    for report_format in ("markdown", "html"):
        done = gonogo("report", str(path), "--format", report_format)
        assert done.returncode == 0, done.stderr
        assert "GO/NO-GO review" in done.stdout


def test_missing_record_or_twin_is_named_as_given(record: Path, tmp_path: Path) -> None:
    typo = tmp_path / "go_decision_typo.txt"
    done = gonogo("report", str(typo))
    assert (done.returncode, done.stderr) == (2, f"gonogo: {typo}: no such record\n")
    alone = tmp_path / record.name
    alone.write_bytes(record.read_bytes())
    done = gonogo("report", str(alone))
    assert done.returncode == 2
    assert done.stderr == (
        f"gonogo: {alone}: its JSON twin {record.with_suffix('.json').name} is missing\n"
    )
