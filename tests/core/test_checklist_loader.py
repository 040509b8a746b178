"""`load_checklist`: the broken-checklist corpus, the shipped checklist, variables, redaction
and the JSON Schema."""

from __future__ import annotations

import json
import re
import time
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml

from gonogo_tui.core.checklist import (
    Checklist,
    Policy,
    checklist_json_schema,
    load_checklist,
)
from gonogo_tui.core.errors import ChecklistError
from gonogo_tui.core.probes import (
    AnyProbe,
    GithubRunsProbe,
    GrafanaDashboardProbe,
    HttpProbe,
    MetricsProbe,
    PrometheusProbe,
    SqlProbe,
)
from gonogo_tui.core.types import parse_duration

REPO = Path(__file__).resolve().parents[2]
BROKEN_DIR = REPO / "tests" / "data" / "broken"
SHIPPED = REPO / "checklists" / "spark-trading.yaml"

BROKEN: dict[str, tuple[int, str]] = {
    "alias-bomb.yaml": (8, "lol5: document expands past 500000 nodes (aliases nested too deeply?)"),
    "alias-bomb-in-probe.yaml": (
        19,
        "sections[0].criteria[0].probe.json_body.l5: document expands past",
    ),
    "bad-comparison.yaml": (13, "sections[0].criteria[0].probe.extract.compare: '>>= 3'"),
    "bad-criterion-id.yaml": (6, "sections[0].criteria[0].id: string should match pattern"),
    "bad-duration.yaml": (11, "sections[0].criteria[0].probe.max_age: '5 parsecs' is not a"),
    "bad-regex-in-contains.yaml": (
        13,
        "sections[0].criteria[0].probe.contains[1]: invalid regular expression '(unclosed'",
    ),
    "binary-nul.yaml": (3, "binary data (NUL byte)"),
    "command-not-a-list.yaml": (
        10,
        "sections[0].criteria[0].probe.command[2]: input should be a valid string",
    ),
    "command-string-without-shell.yaml": (
        8,
        "sections[0].criteria[0].probe: a command string needs 'shell: true'",
    ),
    "criteria-not-a-list.yaml": (5, "sections[0].criteria: input should be a valid list"),
    "duplicate-criterion-id.yaml": (
        15,
        "sections[1].criteria[1].id: duplicate criterion id 'same'",
    ),
    "duplicate-key.yaml": (11, "sections[0].criteria[0].probe.url: duplicate key 'url'"),
    "duplicate-section-id.yaml": (9, "sections[1].id: duplicate section id 's1'"),
    "empty-file.yaml": (1, "the checklist is empty"),
    "file-path-and-newest-in.yaml": (
        8,
        "sections[0].criteria[0].probe: give exactly one of 'path' or 'newest_in'",
    ),
    "http-bad-method.yaml": (10, "sections[0].criteria[0].probe.method: input should be 'GET'"),
    "http-status-not-a-number.yaml": (
        12,
        "sections[0].criteria[0].probe.status: input should be a valid integer",
    ),
    "http-without-url.yaml": (8, "sections[0].criteria[0].probe.url: field required"),
    "invalid-utf8.yaml": (2, "not UTF-8 text"),
    "json-compare-not-a-comparison.yaml": (
        13,
        "sections[0].criteria[0].probe.json[0].compare: 'about 5' is not a comparison",
    ),
    "malformed-variable.yaml": (
        10,
        "sections[0].criteria[0].probe.url: malformed variable reference",
    ),
    "missing-probe-kind.yaml": (8, "sections[0].criteria[0].probe: 'kind' is required"),
    "missing-sections.yaml": (2, "sections: field required"),
    "missing-title.yaml": (2, "title: field required"),
    "multiple-documents.yaml": (9, "invalid YAML: but found another document"),
    "negative-retries.yaml": (
        8,
        "sections[0].criteria[0].retries: input should be greater than or equal to 0",
    ),
    "neither-probe-nor-manual.yaml": (
        6,
        "sections[0].criteria[0]: a criterion needs a 'probe' or 'manual: true'",
    ),
    "only-comments.yaml": (1, "the checklist is empty"),
    "policy-review-below-go.yaml": (9, "policy: review_max_no_go must be >= go_max_no_go"),
    "probe-and-manual.yaml": (
        6,
        "sections[0].criteria[0]: a criterion has either a 'probe' or 'manual: true', not both",
    ),
    "sections-empty.yaml": (3, "sections: list should have at least 1 item"),
    "sql-without-dsn.yaml": (8, "sections[0].criteria[0].probe.dsn: field required"),
    "tab-indentation.yaml": (5, "invalid YAML: "),
    "timeout-not-a-duration.yaml": (3, "defaults.timeout: expected a duration"),
    "top-level-list.yaml": (2, "the top level must be a mapping with 'sections', not a list"),
    "top-level-scalar.yaml": (2, "the top level must be a mapping with 'sections', not a string"),
    "unknown-criterion-field.yaml": (9, "sections[0].criteria[0].severity: unknown field"),
    "unknown-probe-kind.yaml": (8, "sections[0].criteria[0].probe: unknown probe kind 'smtp'"),
    "unknown-top-level-field.yaml": (9, "colour: unknown field"),
    "unknown-variable-field.yaml": (5, "variables.APP_URL.secrett: unknown field"),
    "unset-variable-no-default.yaml": (
        13,
        "sections[0].criteria[0].probe.url: variable APP_URL is not set and has no default",
    ),
    "unsupported-version.yaml": (1, "version: input should be less than or equal to 1"),
    "http-header-not-ascii.yaml": (
        11,
        "sections[0].criteria[0].probe.headers: header X-Team: the value must be ASCII text",
    ),
    "http-header-bad-name.yaml": (
        12,
        "sections[0].criteria[0].probe.headers: 'X Scope OrgID' is not an HTTP header name",
    ),
    "token-not-ascii.yaml": (
        12,
        "sections[0].criteria[0].probe.token: a token must be ASCII text on one line",
    ),
    "command-nul-byte.yaml": (8, "sections[0].criteria[0].probe: 'command', 'env' and 'cwd'"),
    "backup-alerts-query-empty.yaml": (
        12,
        "sections[0].criteria[0].probe.query: the query is empty",
    ),
    "metrics-scale-zero.yaml": (
        14,
        "sections[0].criteria[0].probe.scale: input should be greater than 0",
    ),
    "http-status-empty-list.yaml": (
        11,
        "sections[0].criteria[0].probe.status: an empty list accepts no status",
    ),
    "http-status-out-of-range.yaml": (
        11,
        "sections[0].criteria[0].probe.status: 2000 is not an HTTP status code (100-599)",
    ),
    "release-is-a-number.yaml": (
        2,
        "release: input should be a valid string: YAML read 2.4 as a number; quote it",
    ),
    "oncall-role-twice.yaml": (
        11,
        "sections[0].criteria[0].probe.roles: role 'primary' is listed twice",
    ),
    "http-headers-present-empty-name.yaml": (
        11,
        "sections[0].criteria[0].probe.headers_present[1]: '' is not an HTTP header name",
    ),
    "sql-query-empty.yaml": (11, "sections[0].criteria[0].probe.query: the query is empty"),
    "file-path-empty.yaml": (
        10,
        "sections[0].criteria[0].probe.path: string should have at least 1 character",
    ),
    "timeout-zero.yaml": (8, "sections[0].criteria[0].timeout: input should be greater than 0"),
    "defaults-timeout-zero.yaml": (3, "defaults.timeout: input should be greater than 0"),
    "probe-timeout-zero.yaml": (
        11,
        "sections[0].criteria[0].probe.timeout: input should be greater than 0",
    ),
    "comparison-nan.yaml": (
        12,
        "sections[0].criteria[0].probe.compare: '!= NaN': NaN cannot be compared",
    ),
    "variables-not-mapping.yaml": (2, "variables: must be a mapping"),
    "yaml-syntax-error.yaml": (5, "expected ',' or ']'"),
    "criterion-title-blank.yaml": (7, "sections[0].criteria[0].title: a title needs a visible"),
    "defaults-retry-backoff-hour.yaml": (4, "defaults.retry_backoff: input should be less than"),
    "section-time-zero.yaml": (5, "sections[0].time: input should be greater than 0"),
    "section-time-words.yaml": (5, "sections[0].time: 'soon' is not a duration"),
}
"""Each broken checklist: the line its error must name, and a part of the message."""


def test_every_corpus_file_has_an_expectation() -> None:
    on_disk = sorted(path.name for path in BROKEN_DIR.iterdir())
    assert on_disk == sorted(BROKEN)
    assert len(on_disk) >= 25


@pytest.mark.parametrize(
    ("name", "line", "fragment"),
    [pytest.param(name, *expected, id=name) for name, expected in sorted(BROKEN.items())],
)
def test_broken_checklist_error_names_file_line_and_field(
    name: str, line: int, fragment: str
) -> None:
    path = BROKEN_DIR / name
    started = time.monotonic()
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path, environ={})
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert fragment in message, message
    assert "\n" not in message and "\r" not in message
    assert time.monotonic() - started < 10, "refusing a broken checklist must be quick"


def test_error_names_the_path_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "x.yaml").write_text("title: t\nsections: []\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ChecklistError, match=r"^x\.yaml:2: sections: "):
        load_checklist("x.yaml", environ={})


def test_merge_keys_are_not_duplicate_keys(tmp_path: Path) -> None:
    path = tmp_path / "merge.yaml"
    path.write_text(
        "title: t\n"
        "sections:\n"
        "  - id: s\n"
        "    title: S\n"
        "    criteria:\n"
        "      - id: a\n"
        "        title: A\n"
        "        probe: &base {kind: http, url: 'http://127.0.0.1:1/', status: 200}\n"
        "      - id: b\n"
        "        title: B\n"
        "        probe:\n"
        "          <<: *base\n"
        "          status: 204\n",
        encoding="utf-8",
    )
    checklist = load_checklist(path, environ={})
    probe = checklist.criterion("b").probe
    assert isinstance(probe, HttpProbe)
    assert (probe.url, probe.status) == ("http://127.0.0.1:1/", 204)


# The shipped checklist ------------------------------------------------------------------

SEED_SECTIONS = [
    ("Artifacts & Documentation", "All validation artifacts present and signed", 4),
    ("CI/CD Pipeline", "All CI checks GREEN within last 24 hours", 5),
    ("Test Coverage", "Coverage ≥ 95%, contract & chaos tests fresh", 5),
    ("Rollback Readiness", "Rollback plan tested within last 7 days", 5),
    ("Security Headers", "CSP/COEP/HSTS active, violation reporting working", 5),
    ("Feature Flags", "Critical features can be disabled independently", 5),
    ("Database Health", "Database metrics nominal, connections healthy", 5),
    ("Monitoring & Alerts", "Grafana dashboard configured, alerts functional", 5),
    ("Baseline Metrics", "Current production metrics within acceptable ranges", 5),
    ("Team Readiness", "On-call team notified, deployment window scheduled", 5),
]
"""The seed's sections in order: title, requirement, number of pass criteria."""


@pytest.fixture(scope="module")
def shipped() -> Checklist:
    return load_checklist(SHIPPED, environ={})


def test_shipped_checklist_has_the_seeds_10_sections_and_49_criteria(shipped: Checklist) -> None:
    assert len(shipped.sections) == 10
    assert sum(len(section.criteria) for section in shipped.sections) == 49
    found = [(s.title, s.requirement, len(s.criteria)) for s in shipped.sections]
    assert found == SEED_SECTIONS


def test_shipped_checklist_ids_are_unique_kebab_case(shipped: Checklist) -> None:
    section_ids = [section.id for section in shipped.sections]
    criterion_ids = [criterion.id for _, criterion in shipped.criteria()]
    assert len(set(section_ids)) == len(section_ids) == 10
    assert len(set(criterion_ids)) == len(criterion_ids) == 49
    kebab = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
    assert [i for i in [*section_ids, *criterion_ids] if not kebab.match(i)] == []


def test_shipped_checklist_uses_the_seeds_policy(shipped: Checklist) -> None:
    assert shipped.policy == Policy()
    assert (shipped.policy.go_max_no_go, shipped.policy.review_max_no_go) == (0, 1)


def test_shipped_checklist_loads_in_an_empty_environment_with_the_seeds_defaults(
    shipped: Checklist,
) -> None:
    defaults = {name: decl.default for name, decl in shipped.variables.items()}
    assert defaults["APP_URL"] == "http://localhost:3003"
    assert defaults["API_URL"] == "http://localhost:4001"
    assert defaults["GRAFANA_URL"] == "http://localhost:3001"
    assert defaults["PROMETHEUS_URL"] == "http://localhost:9090"
    assert defaults["DATABASE_URL"] == "postgresql://localhost:5432/spark_trading"
    assert defaults["PGBOUNCER_URL"] == "postgresql://localhost:6432/pgbouncer"
    assert defaults["GITHUB_API_URL"] == "https://api.github.com"
    assert all(value is not None for value in defaults.values())
    assert {n for n, d in shipped.variables.items() if d.secret} == {
        "GITHUB_TOKEN",
        "GRAFANA_TOKEN",
    }
    assert all(decl.description for decl in shipped.variables.values())
    csp = shipped.criterion("headers-csp").probe
    assert isinstance(csp, HttpProbe) and csp.url == "http://localhost:3003/"


def test_shipped_checklist_takes_endpoints_from_the_environment() -> None:
    environ = {
        "APP_URL": "http://app.test:8080",
        "DATABASE_URL": "postgresql://gonogo:pw-9f3k@db.test/spark_trading",
        "GITHUB_REPOSITORY": "acme/spark",
    }
    checklist = load_checklist(SHIPPED, environ=environ)
    report = checklist.criterion("headers-csp-report").probe
    backup = checklist.criterion("rollback-db-backup").probe
    runs = checklist.criterion("ci-test-workflow").probe
    assert isinstance(report, HttpProbe) and report.url == "http://app.test:8080/api/csp-report"
    assert isinstance(backup, SqlProbe) and backup.dsn == environ["DATABASE_URL"]
    assert isinstance(runs, GithubRunsProbe) and runs.repository == "acme/spark"
    assert "pw-9f3k" in checklist.redactor.secrets


def test_every_shipped_criterion_explains_itself(shipped: Checklist) -> None:
    assert [c.id for _, c in shipped.criteria() if not c.hint] == []
    manual = [c for _, c in shipped.criteria() if c.is_manual]
    assert manual and all(c.why_manual for c in manual)
    assert [c.id for _, c in shipped.criteria() if not c.is_manual and not c.runbook] == []


def test_every_shipped_http_probe_has_a_short_timeout(shipped: Checklist) -> None:
    network = (HttpProbe, GithubRunsProbe, GrafanaDashboardProbe, PrometheusProbe, MetricsProbe)
    remote = [c.probe for _, c in shipped.criteria() if isinstance(c.probe, network)]
    assert len(remote) >= 25
    assert all(p.timeout is not None and p.timeout <= 10 for p in remote)
    assert shipped.defaults.timeout == 10


# Variables ---------------------------------------------------------------------------

VARIABLES_YAML = """\
title: ${TITLE:-Fallback title}
description: ${DESCRIPTION-unset only}
variables:
  API_URL:
    description: the API
    default: http://api.default
  API_KEY_HOLDER:
    secret: true
    default: ""
sections:
  - id: s
    title: Costs $$5 at ${API_URL}
    criteria:
      - id: c
        title: API answers
        probe:
          kind: http
          url: ${API_URL}/price?currency=$$USD
"""


@pytest.fixture
def variables_file(tmp_path: Path) -> Path:
    path = tmp_path / "vars.yaml"
    path.write_text(VARIABLES_YAML, encoding="utf-8")
    return path


def _url(checklist: Checklist) -> str:
    probe = checklist.criterion("c").probe
    assert isinstance(probe, HttpProbe)
    return probe.url


def test_declared_default_inline_default_and_dollar_dollar(variables_file: Path) -> None:
    checklist = load_checklist(variables_file, environ={})
    assert _url(checklist) == "http://api.default/price?currency=$USD"
    assert checklist.title == "Fallback title"
    assert checklist.description == "unset only"
    assert checklist.sections[0].title == "Costs $5 at http://api.default"


def test_environment_wins_over_defaults(variables_file: Path) -> None:
    environ = {"API_URL": "http://api.env", "TITLE": "From env", "DESCRIPTION": "d"}
    checklist = load_checklist(variables_file, environ=environ)
    assert _url(checklist) == "http://api.env/price?currency=$USD"
    assert (checklist.title, checklist.description) == ("From env", "d")


def test_empty_value_counts_as_unset_only_with_colon_dash(variables_file: Path) -> None:
    checklist = load_checklist(variables_file, environ={"TITLE": "", "DESCRIPTION": ""})
    assert checklist.title == "Fallback title"
    assert checklist.description == ""


def test_explicit_environ_ignores_the_process_environment(
    variables_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("API_URL", "http://from-os-environ")
    assert _url(load_checklist(variables_file, environ={})).startswith("http://api.default/")
    assert _url(load_checklist(variables_file)).startswith("http://from-os-environ/")


# Redaction ---------------------------------------------------------------------------

SECRETS_YAML = """\
title: Secrets
variables:
  VAULT_SECRET:
    secret: true
    default: ""
  PLAIN:
    default: not-a-secret-value
sections:
  - id: s
    title: S
    criteria:
      - id: db
        title: Database
        probe:
          kind: sql
          dsn: postgresql://gonogo:hunter2-db-pw@db.internal:5432/spark
          query: SELECT 1
      - id: kv
        title: Database by keywords
        probe:
          kind: sql
          dsn: host=db.internal user=gonogo password=kv-pw-77 dbname=spark
          query: SELECT 1
      - id: api
        title: API
        probe:
          kind: http
          url: http://api.internal/${PLAIN}/${VAULT_SECRET}
          headers:
            Authorization: Bearer inline-token-abc123
            X-Api-Token: ${API_TOKEN:-from-default-tok}
"""


@pytest.fixture
def secrets_checklist(tmp_path: Path) -> Checklist:
    path = tmp_path / "secrets.yaml"
    path.write_text(SECRETS_YAML, encoding="utf-8")
    return load_checklist(path, environ={"VAULT_SECRET": "vault-s3cr3t-value"})


@pytest.mark.parametrize(
    "secret",
    [
        "vault-s3cr3t-value",
        "hunter2-db-pw",
        "kv-pw-77",
        "inline-token-abc123",
        "Bearer inline-token-abc123",
        "from-default-tok",
    ],
)
def test_secrets_are_collected_and_redacted(secrets_checklist: Checklist, secret: str) -> None:
    redact = secrets_checklist.redactor
    assert secret in redact.secrets
    text = f"GET failed: sent {secret!r} to the server"
    redacted = redact(text)
    assert secret not in redacted
    assert "***" in redacted


def test_plain_values_are_not_secrets(secrets_checklist: Checklist) -> None:
    redact = secrets_checklist.redactor
    assert "not-a-secret-value" not in redact.secrets
    assert redact("path /not-a-secret-value/ ok") == "path /not-a-secret-value/ ok"


def test_redactor_masks_a_dsn_password_it_was_not_told_about(secrets_checklist: Checklist) -> None:
    redacted = secrets_checklist.redactor("connect postgresql://u:other-pw@h/db failed")
    assert "other-pw" not in redacted
    assert "postgresql://u:***@h/db" in redacted


def test_credential_query_parameters_in_urls_are_secrets(tmp_path: Path) -> None:
    """`?access_token=...` in a URL is a token like a `token:` field; other parameters are not."""
    path = tmp_path / "query.yaml"
    path.write_text(
        """\
title: Query tokens
sections:
  - id: s
    title: S
    criteria:
      - id: api
        title: API
        probe:
          kind: http
          url: https://api.example.com/health?region=eu&access_token=qt-5555-abc&API_KEY=k-77x
""",
        encoding="utf-8",
    )
    redact = load_checklist(path, environ={}).redactor
    assert {"qt-5555-abc", "k-77x"} <= set(redact.secrets)
    assert "eu" not in redact.secrets
    assert redact("GET https://api.example.com/health?region=eu&access_token=qt-5555-abc") == (
        "GET https://api.example.com/health?region=eu&access_token=***"
    )


def test_a_token_as_a_web_urls_user_name_is_a_secret() -> None:
    """`https://TOKEN@host` (GitHub's clone URLs) hides the token; a database URL's bare
    user name, or a short one, is not a secret (it would mask the word everywhere)."""
    from gonogo_tui.core.redaction import secrets_in_text

    assert secrets_in_text("https://ghp_0123456789abcdefXYZ@github.com/o/r") == {
        "ghp_0123456789abcdefXYZ"
    }
    assert secrets_in_text("postgresql://postgres@127.0.0.1:5432/db") == set()
    assert secrets_in_text("https://deploybot@git.example.com/") == set()
    assert secrets_in_text("https://u:pw-12345@h/") == {"pw-12345"}


def test_shipped_checklist_redacts_tokens_from_the_environment() -> None:
    environ = {"GITHUB_TOKEN": "ghp_0123456789abcdef", "GRAFANA_TOKEN": "glsa_fedcba9876"}
    checklist = load_checklist(SHIPPED, environ=environ)
    for token in environ.values():
        assert token in checklist.redactor.secrets
        assert token not in checklist.redactor(f"Authorization: Bearer {token}")


# JSON Schema -------------------------------------------------------------------------


def _kinds_of_any_probe() -> set[str]:
    union = typing.get_args(AnyProbe)[0]
    return {model.model_fields["kind"].default for model in typing.get_args(union)}


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    assert ref.startswith("#/$defs/")
    resolved: dict[str, Any] = schema["$defs"][ref.removeprefix("#/$defs/")]
    return resolved


def _probe_union(schema: dict[str, Any]) -> dict[str, Any]:
    probe = schema["$defs"]["Criterion"]["properties"]["probe"]
    for option in probe.get("anyOf", [probe]):
        if "discriminator" in option:
            found: dict[str, Any] = option
            return found
    raise AssertionError(f"no discriminated union in {probe}")


def test_schema_has_sections_and_a_kind_discriminator_listing_every_kind() -> None:
    schema = checklist_json_schema()
    json.dumps(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "sections" in schema["properties"] and "sections" in schema["required"]
    union = _probe_union(schema)
    assert union["discriminator"]["propertyName"] == "kind"
    kinds = set(union["discriminator"]["mapping"])
    assert kinds == _kinds_of_any_probe()
    assert {"file", "command", "http", "sql"} <= kinds


def _assert_keys_allowed(schema: dict[str, Any], node: dict[str, Any], data: Any, at: str) -> None:
    """Check `data` against `node` for the parts this test understands: object keys."""
    node = _resolve(schema, node)
    if isinstance(data, dict) and "properties" in node:
        unknown = set(data) - set(node["properties"])
        assert not unknown, f"{at}: {sorted(unknown)} not in the schema"
        missing = set(node.get("required", [])) - set(data)
        assert not missing, f"{at}: required {sorted(missing)} missing"
        for key, value in data.items():
            _assert_keys_allowed(schema, node["properties"][key], value, f"{at}.{key}")
    elif isinstance(data, list) and "items" in node:
        for index, item in enumerate(data):
            _assert_keys_allowed(schema, node["items"], item, f"{at}[{index}]")
    elif isinstance(data, dict) and "discriminator" in node:
        target = node["discriminator"]["mapping"][data["kind"]]
        _assert_keys_allowed(schema, {"$ref": target}, data, at)
    elif isinstance(data, dict) and "anyOf" in node:
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        assert len(options) == 1, f"{at}: ambiguous anyOf"
        _assert_keys_allowed(schema, options[0], data, at)


def test_schema_accepts_the_shipped_checklist() -> None:
    schema = checklist_json_schema()
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    _assert_keys_allowed(schema, schema, data, "checklist")
    probe_kinds = {
        criterion["probe"]["kind"]
        for section in data["sections"]
        for criterion in section["criteria"]
        if "probe" in criterion
    }
    assert probe_kinds == {
        "file", "command", "http", "sql", "github_runs", "coverage", "junit", "pg_health",
        "pgbouncer", "grafana_dashboard", "prometheus", "metrics", "oncall", "window",
    }  # fmt: skip


def test_the_schema_says_what_the_loader_says_of_deadlines() -> None:
    """An editor validating against `gonogo schema` refuses `timeout: 0` as the loader does,
    and takes the durations the loader takes."""
    schema = checklist_json_schema()
    number, text = schema["$defs"]["Defaults"]["properties"]["timeout"]["anyOf"]
    assert number == {"type": "number", "exclusiveMinimum": 0}
    pattern = re.compile(text["pattern"])
    for accepted in ("250ms", "30s", "0.5", "10", " 5m ", "1w"):
        assert pattern.match(accepted), accepted
        assert parse_duration(accepted) > 0
    for refused in ("0", "0s", "0.0ms", "00", "-1s", "soon"):
        assert not pattern.match(refused), refused
