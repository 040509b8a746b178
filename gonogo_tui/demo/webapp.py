"""The demo's web app and API: security headers, CSP reports, feature flags and metrics text."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from gonogo_tui.demo.scenarios import LATENCY_BUCKETS, Conditions
from gonogo_tui.demo.services import HttpServer, RecordedRequest, Reply

FEATURE_FLAGS = {
    "FEATURE_OUTBOX": True,
    "FEATURE_BIST": True,
    "FEATURE_PAPER_TRADING": True,
    "FEATURE_EXECUTION": False,
}
"""The four critical flags of the seed and whether each is on (each can be switched off)."""

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Spark Trading (gonogo demo)</title>
<script nonce="{nonce}">window.sparkBoot = Date.now();</script></head>
<body><h1>Spark Trading</h1><p>The gonogo demo's stand-in for the web app.</p></body></html>
"""
_API_ROUTES = ("/api/orders", "/api/positions", "/api/risk/limits")
_REQUESTS_PER_ROUTE = 40_000


def security_headers(conditions: Conditions, nonce: str) -> dict[str, str]:
    """The headers the web app sends with every page: a fresh CSP nonce per response."""
    return {
        "Content-Security-Policy": (
            f"default-src 'self'; script-src 'self' 'nonce-{nonce}' 'strict-dynamic'; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
            "report-uri /api/csp-report"
        ),
        "Cross-Origin-Embedder-Policy": "require-corp",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Strict-Transport-Security": f"max-age={conditions.hsts_max_age}; includeSubDomains",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
    }


def serve_web_app(server: HttpServer, conditions: Conditions) -> None:
    """Routes the web app: `GET /` with the security headers, `POST /api/csp-report` -> 204."""

    def page(_request: RecordedRequest) -> Reply:
        nonce = secrets.token_urlsafe(18)
        headers = security_headers(conditions, nonce)
        headers["Content-Type"] = "text/html; charset=utf-8"
        return Reply(200, headers, _PAGE.format(nonce=nonce))

    def csp_report(request: RecordedRequest) -> Reply:
        kind = request.headers.get("content-type", "")
        if not kind.startswith(("application/csp-report", "application/reports+json")):
            return Reply(415, body={"error": "expected application/csp-report"})
        return Reply(204)

    server.route("GET", "/", handler=page)
    server.route("HEAD", "/", handler=page)
    server.route("POST", "/api/csp-report", handler=csp_report)


def feature_status(updated_at: datetime) -> dict[str, object]:
    """The flag service's answer: every flag listed, toggleable, with its current state."""
    return {
        "flags": {
            name: {"enabled": enabled, "toggleable": True}
            for name, enabled in FEATURE_FLAGS.items()
        },
        "updated_at": updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def serve_api(server: HttpServer, conditions: Conditions, now: Callable[[], datetime]) -> None:
    """Routes the API: feature-flag status, the public metrics text and a health check."""
    flags = feature_status(now())
    metrics = metrics_text(conditions)
    server.route("GET", "/api/features/status", body=flags)
    server.route(
        "GET",
        "/api/public/metrics.prom",
        headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"},
        body=metrics,
    )
    server.route("GET", "/health", body={"status": "ok"})


def metrics_text(conditions: Conditions) -> str:
    """The API's Prometheus text: latency histogram, request counters, database connections,
    WebSocket staleness, CPU and memory, with the scenario's values."""
    lines: list[str] = []
    lines += _latency_histogram(conditions)
    lines += _request_counters(conditions)
    lines += [
        "# HELP error_rate Share of requests answered 5xx over the last 5 minutes.",
        "# TYPE error_rate gauge",
        f"error_rate {conditions.error_ratio:g}",
        "# HELP database_connections_in_use Server connections in use, by pool.",
        "# TYPE database_connections_in_use gauge",
        'database_connections_in_use{pool="primary"} 23',
        'database_connections_in_use{pool="replica"} 7',
        "# HELP database_connections_capacity Connection capacity, by pool.",
        "# TYPE database_connections_capacity gauge",
        'database_connections_capacity{pool="primary"} 100',
        'database_connections_capacity{pool="replica"} 50',
        "# HELP database_connections_idle Open idle connections, by pool.",
        "# TYPE database_connections_idle gauge",
        'database_connections_idle{pool="primary"} 12',
        'database_connections_idle{pool="replica"} 5',
        "# HELP websocket_staleness_seconds Seconds since each feed's last message.",
        "# TYPE websocket_staleness_seconds gauge",
        'websocket_staleness_seconds{channel="prices"} 1.4',
        'websocket_staleness_seconds{channel="orders"} 0.6',
        "# HELP resource_utilization_ratio Share of the API's CPU and memory limits in use.",
        "# TYPE resource_utilization_ratio gauge",
        f'resource_utilization_ratio{{resource="cpu"}} {conditions.cpu_ratio:g}',
        f'resource_utilization_ratio{{resource="memory"}} {conditions.memory_ratio:g}',
    ]
    return "\n".join(lines) + "\n"


def _latency_histogram(conditions: Conditions) -> list[str]:
    name = "http_request_duration_seconds"
    lines = [f"# HELP {name} API request latency.", f"# TYPE {name} histogram"]
    bounds = [f"{bound:g}" for bound in LATENCY_BUCKETS] + ["+Inf"]
    shares = [*conditions.latency_profile, 1.0]
    for route in _API_ROUTES:
        for bound, share in zip(bounds, shares, strict=True):
            count = round(share * _REQUESTS_PER_ROUTE)
            lines.append(f'{name}_bucket{{route="{route}",le="{bound}"}} {count}')
        seconds = _REQUESTS_PER_ROUTE * _mean_seconds(conditions.latency_profile)
        lines.append(f'{name}_sum{{route="{route}"}} {seconds:.3f}')
        lines.append(f'{name}_count{{route="{route}"}} {_REQUESTS_PER_ROUTE}')
    return lines


def _mean_seconds(profile: tuple[float, ...]) -> float:
    """Mean latency if each bucket's requests took its midpoint."""
    mean, below, lower = 0.0, 0.0, 0.0
    for bound, share in zip(LATENCY_BUCKETS, profile, strict=True):
        mean += (share - below) * (lower + bound) / 2
        below, lower = share, bound
    return mean


def _request_counters(conditions: Conditions) -> list[str]:
    name = "http_requests_total"
    lines = [f"# HELP {name} API requests by route and status.", f"# TYPE {name} counter"]
    errors = round(_REQUESTS_PER_ROUTE * conditions.error_ratio)
    for route in _API_ROUTES:
        lines.append(f'{name}{{route="{route}",status="200"}} {_REQUESTS_PER_ROUTE - errors}')
        lines.append(f'{name}{{route="{route}",status="500"}} {errors}')
    return lines


__all__ = [
    "FEATURE_FLAGS",
    "feature_status",
    "metrics_text",
    "security_headers",
    "serve_api",
    "serve_web_app",
]
