"""Conditions switched while the demo runs: a control file the HTTP host reads.

`DemoEnvironment.set_conditions()` turns a fault on or off without a restart: it rewrites
the repository files and the database rows itself, and writes the new conditions to a JSON
control file that the HTTP host process (web app, API, Grafana, GitHub) reads back before
each answer, when the file changed. Tests switch faults this way in a second, where a fresh
environment takes ten.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import tempfile
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gonogo_tui.demo.flavours import Shape
from gonogo_tui.demo.scenarios import Conditions

if TYPE_CHECKING:
    import psycopg

    from gonogo_tui.demo.services import PostgresServer, PrometheusServer

FIRING_RULE = "DemoFaultFiring"
"""The alerting rule `Conditions.firing_alert` adds; it fires at its first evaluation."""


def conditions_json(conditions: Conditions) -> str:
    """`conditions` as one JSON object."""
    return json.dumps(dataclasses.asdict(conditions))


def conditions_from_json(text: str) -> Conditions:
    """The conditions `conditions_json` wrote (lists back to tuples)."""
    data: dict[str, Any] = json.loads(text)
    fields: dict[str, Any] = {
        key: tuple(value) if isinstance(value, list) else value for key, value in data.items()
    }
    return Conditions(**fields)


def write_control(path: Path, conditions: Conditions) -> None:
    """Writes `conditions` to the control file at `path`, aside and renamed into place (the
    host never reads it half written)."""
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with open(handle, "w", encoding="utf-8") as temp:
            temp.write(conditions_json(conditions))
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


class LiveConditions:
    """Returns the conditions of the control file, read again before each answer (a file's
    inode and time stamp can repeat across two quick rewrites, its text cannot lie); the
    base conditions while there is none."""

    def __init__(self, base: Conditions, control: Path | None) -> None:
        self._base = base
        self._control = control
        self._parsed: tuple[str, Conditions] | None = None
        self._lock = threading.Lock()

    def __call__(self) -> Conditions:
        """The conditions in force now."""
        if self._control is None:
            return self._base
        try:
            text = self._control.read_text("utf-8")
        except FileNotFoundError:
            return self._base
        with self._lock:
            if self._parsed is None or self._parsed[0] != text:
                self._parsed = (text, conditions_from_json(text))
            return self._parsed[1]


class Switchboard:
    """Switches the conditions of a running demo environment, part by part."""

    def __init__(
        self,
        conditions: Conditions,
        *,
        root: Path,
        now: datetime,
        shape: Shape,
        control: Path,
    ) -> None:
        self.conditions = conditions
        self.root = root
        self.now = now
        self.shape = shape
        self.control = control
        self.postgres: PostgresServer | None = None
        self.prometheus: PrometheusServer | None = None
        self.bouncer_dsn: str | None = None
        """A DSN through pgBouncer to the trading database (its pool of 5)."""
        self._held: list[psycopg.Connection[Any]] = []

    def apply(self, conditions: Conditions) -> None:
        """Puts `conditions` in force: the files, the database rows, the HTTP answers, the
        alerting rules and pgBouncer's busy clients, each only where it changed."""
        from gonogo_tui.demo.repository import write_repository

        old, self.conditions = self.conditions, conditions
        write_repository(self.root, conditions, self.now, self.shape)
        write_control(self.control, conditions)
        history = ("backup_age_hours", "pitr_test_age_days", "size_growth_pct_per_day")
        if self.postgres is not None and _changed(old, conditions, *history):
            from gonogo_tui.demo.database import reset_history

            reset_history(self.postgres, conditions)
        if self.prometheus is not None and _changed(old, conditions, "firing_alert"):
            self._switch_rules(conditions.firing_alert)
        if self.bouncer_dsn is not None:
            self._hold(conditions.busy_pool_clients)

    def _switch_rules(self, firing: bool) -> None:
        from gonogo_tui.demo.monitoring import ALERT_NAMES, rules_yaml
        from gonogo_tui.demo.services import wait_until

        prometheus = self.prometheus
        assert prometheus is not None and prometheus.process is not None
        assert prometheus.workdir is not None
        (prometheus.workdir / "rules.yml").write_text(rules_yaml(firing=firing))
        prometheus.process.send_signal(signal.SIGHUP)  # Prometheus reloads its rule files
        if firing:
            prometheus.wait_for_firing(FIRING_RULE, timeout=15)
            return
        wait_until(
            lambda: (
                len(prometheus.rules()) == len(ALERT_NAMES)
                and not prometheus.api("alerts")["alerts"]
            ),
            15,
            0.05,
            message="the firing rule removed",
        )
        # A reload starts the group afresh: its rules read "not evaluated yet" until the next
        # evaluation, and the alert-rules criterion would fail in the meantime.
        prometheus.wait_for_rules(len(ALERT_NAMES), timeout=15)

    def _hold(self, clients: int) -> None:
        import psycopg

        assert self.bouncer_dsn is not None
        while len(self._held) > clients:
            self._held.pop().close()
        while len(self._held) < clients:
            connection = psycopg.connect(
                self.bouncer_dsn, autocommit=True, prepare_threshold=None, connect_timeout=5
            )
            connection.execute("SELECT 1")
            self._held.append(connection)

    def stop(self) -> None:
        """Lets go of the connections held through pgBouncer."""
        while self._held:
            self._held.pop().close()


def _changed(old: Conditions, new: Conditions, *names: str) -> bool:
    return any(getattr(old, name) != getattr(new, name) for name in names)


__all__ = [
    "FIRING_RULE",
    "LiveConditions",
    "Switchboard",
    "conditions_from_json",
    "conditions_json",
    "write_control",
]
