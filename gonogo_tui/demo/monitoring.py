"""The demo's Prometheus alerting rules: six rules a trading API would carry, none firing."""

from __future__ import annotations

ALERT_NAMES = (
    "SparkApiHighErrorRate",
    "SparkApiLatencyP95High",
    "SparkDatabaseConnectionsNearCapacity",
    "SparkWebsocketStale",
    "SparkBackupStale",
    "SparkWalArchiveFailing",
)
"""The alerting rules of `ALERT_RULES`, in order."""

# Over series Prometheus does not scrape in the demo, so each evaluates to nothing and stays
# inactive with health "ok", whatever the scenario: the review's monitoring section is about
# rules being configured and quiet, and stays deterministic.
ALERT_RULES = """\
groups:
  - name: spark-trading
    interval: 1s
    rules:
      - alert: SparkApiHighErrorRate
        expr: >-
          sum(rate(http_requests_total{status=~"5.."}[5m]))
          / sum(rate(http_requests_total[5m])) > 0.01
        for: 5m
        labels: {severity: critical, team: spark}
        annotations: {summary: "API error rate above 1%"}
      - alert: SparkApiLatencyP95High
        expr: >-
          histogram_quantile(0.95,
          sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 0.2
        for: 10m
        labels: {severity: warning, team: spark}
        annotations: {summary: "API p95 latency above 200ms"}
      - alert: SparkDatabaseConnectionsNearCapacity
        expr: sum(database_connections_in_use) / sum(database_connections_capacity) > 0.8
        for: 5m
        labels: {severity: warning, team: spark}
        annotations: {summary: "Database connections above 80% of capacity"}
      - alert: SparkWebsocketStale
        expr: max(websocket_staleness_seconds) > 10
        for: 2m
        labels: {severity: critical, team: spark}
        annotations: {summary: "WebSocket feed stale for more than 10s"}
      - alert: SparkBackupStale
        expr: time() - max(spark_backup_last_success_timestamp_seconds) > 86400
        labels: {severity: critical, team: dba}
        annotations: {summary: "No successful base backup in 24h"}
      - alert: SparkWalArchiveFailing
        expr: increase(pg_stat_archiver_failed_count[10m]) > 0
        labels: {severity: critical, team: dba}
        annotations: {summary: "WAL archiving is failing"}
"""
"""A Prometheus rules file (`rule_files`)."""

_FIRING_RULE = """\
      - alert: DemoFaultFiring
        expr: vector(1)
        labels: {severity: critical, team: spark}
        annotations: {summary: "A fault the demo injected"}
"""


def rules_yaml(*, firing: bool = False) -> str:
    """`ALERT_RULES`, plus a rule that fires at once (`DemoFaultFiring`) when `firing`."""
    return ALERT_RULES + (_FIRING_RULE if firing else "")


__all__ = ["ALERT_NAMES", "ALERT_RULES", "rules_yaml"]
