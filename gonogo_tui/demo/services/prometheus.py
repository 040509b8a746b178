"""Prometheus with a rules file, as a child process on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml

from gonogo_tui.demo.services.process import LOCALHOST, ServiceProcess, make_workdir, wait_until

__all__ = ["PrometheusServer"]

_NEVER_EVALUATED = "0001-01-01T00:00:00Z"


class PrometheusServer(ServiceProcess):
    """Prometheus with a rules file, evaluating every second, storage in a temp dir."""

    name = "prometheus"

    def __init__(
        self,
        rules_yaml: str | None = None,
        scrape_targets: Sequence[str] = (),
        *,
        scrape_interval: str = "1s",
        evaluation_interval: str = "1s",
        binary: str = "prometheus",
        startup_timeout: float = 15.0,
        parent: Path | None = None,
    ) -> None:
        """Configures, without starting, a Prometheus.

        Args:
            rules_yaml: A whole rules file (`groups: ...`), or None for no rules.
            scrape_targets: `host:port` (scraped at /metrics) or full URLs; one job each,
                named `target0`, `target1`, ...
            scrape_interval: Global scrape interval (scrape timeout is set equal).
            evaluation_interval: Rule evaluation interval.
            binary: The prometheus executable.
            startup_timeout: Seconds to wait for `/-/ready`.
            parent: Folder the temp dir goes in (default: the system's).
        """
        super().__init__(parent=parent)
        self.rules_yaml = rules_yaml
        self.scrape_targets = list(scrape_targets)
        self.scrape_interval = scrape_interval
        self.evaluation_interval = evaluation_interval
        self.binary = binary
        self.startup_timeout = startup_timeout
        # trust_env=False: a proxy from HTTP_PROXY must never see 127.0.0.1 traffic.
        self._client = httpx.Client(trust_env=False, timeout=5.0)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        if self._client.is_closed:
            self._client = httpx.Client(trust_env=False, timeout=5.0)
        self._start_guarded(self._write_config_and_launch)

    def _write_config_and_launch(self) -> None:
        self.workdir = make_workdir("gonogo-prometheus-", for_postgres=False, parent=self.parent)
        config: dict[str, Any] = {
            "global": {
                "scrape_interval": self.scrape_interval,
                "scrape_timeout": self.scrape_interval,
                "evaluation_interval": self.evaluation_interval,
            },
            "scrape_configs": [
                _scrape_config(f"target{index}", target)
                for index, target in enumerate(self.scrape_targets)
            ],
        }
        if self.rules_yaml is not None:
            rules_path = self.workdir / "rules.yml"
            rules_path.write_text(self.rules_yaml)
            config["rule_files"] = [str(rules_path)]
        config_path = self.workdir / "prometheus.yml"
        config_path.write_text(yaml.safe_dump(config, sort_keys=False))
        storage_path = self.workdir / "data"
        self._launch(
            lambda port: [
                self.binary,
                f"--config.file={config_path}",
                f"--storage.tsdb.path={storage_path}",
                f"--web.listen-address={LOCALHOST}:{port}",
            ],
            as_postgres=False,
        )

    def _is_ready(self) -> bool:
        return self._client.get(f"{self.url}/-/ready").status_code == 200

    def stop(self) -> None:
        try:
            super().stop()
        finally:
            self._client.close()

    def api(self, path: str, **params: str) -> Any:
        """GETs `/api/v1/<path>` and returns its `data`, raising if the status is not success."""
        response = self._client.get(f"{self.url}/api/v1/{path}", params=params)
        payload = response.json()
        if payload.get("status") != "success":
            raise RuntimeError(f"prometheus /api/v1/{path}: {payload}")
        return payload["data"]

    def rules(self, **params: str) -> list[dict[str, Any]]:
        """All rules of all groups, flattened (`type="alert"` keeps alerting rules only)."""
        groups = self.api("rules", **params)["groups"]
        return [rule for group in groups for rule in group["rules"]]

    def wait_for_rules(self, n: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Waits until at least `n` rules have been evaluated once; returns all rules."""

        def evaluated() -> list[dict[str, Any]] | None:
            rules = self.rules()
            stamps = [rule.get("lastEvaluation", _NEVER_EVALUATED) for rule in rules]
            done = [stamp for stamp in stamps if stamp != _NEVER_EVALUATED]
            return rules if len(done) >= n else None

        return wait_until(
            evaluated, timeout, 0.05, ignore=(httpx.HTTPError,), message=f"{n} rules evaluated"
        )

    def wait_for_firing(self, alertname: str, timeout: float = 10.0) -> dict[str, Any]:
        """Waits until alert `alertname` is firing and returns it (from `/api/v1/alerts`)."""

        def firing() -> dict[str, Any] | None:
            for alert in self.api("alerts")["alerts"]:
                if alert["labels"].get("alertname") == alertname and alert["state"] == "firing":
                    return dict(alert)
            return None

        return wait_until(
            firing, timeout, 0.05, ignore=(httpx.HTTPError,), message=f"{alertname} firing"
        )


def _scrape_config(job_name: str, target: str) -> dict[str, Any]:
    scheme, hostport, path = "http", target, "/metrics"
    if "://" in target:
        parts = urlsplit(target)
        scheme, hostport, path = parts.scheme, parts.netloc, parts.path or "/metrics"
    return {
        "job_name": job_name,
        "scheme": scheme,
        "metrics_path": path,
        "static_configs": [{"targets": [hostport]}],
    }
