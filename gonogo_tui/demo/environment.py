"""The demo environment: every system the shipped checklist reads, on 127.0.0.1, in a temp dir.

`DemoEnvironment.start()` brings up the web app, the API (feature flags, metrics), Grafana- and
GitHub-shaped APIs, PostgreSQL with the contract objects, pgBouncer and Prometheus, and writes
a repository root with the files the checklist reads. `variables` are what to put in the
environment of `gonogo check` / `gonogo review`. `stop()` ends every process and thread it
started and removes the temp dir; it is idempotent and safe after a failed start.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shlex
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

from gonogo_tui.core.clock import utc_now
from gonogo_tui.core.errors import GonogoError
from gonogo_tui.core.redaction import Redactor
from gonogo_tui.demo.flavours import SHAPES, Flavour, Shape
from gonogo_tui.demo.scenarios import SCENARIOS, Conditions, Scenario

if TYPE_CHECKING:
    from gonogo_tui.demo.live import Switchboard
    from gonogo_tui.demo.services import PrometheusServer

log = logging.getLogger(__name__)

REPOSITORY = "spark-trading/spark-trading"
"""The `owner/name` the GitHub-shaped API serves."""
SECRET_VARIABLES = ("GITHUB_TOKEN", "GRAFANA_TOKEN")
"""Variables whose values are never printed."""
WORKDIR_PREFIX = "gonogo-demo-"
"""Prefix of the environment's temp dir (the servers' own dirs start with `gonogo-`)."""


def deploy_window(now: datetime) -> dict[str, str]:
    """A deployment window open now: daily, 24 hours from an hour ago (UTC).

    The demo is about the review, not the calendar: whenever it runs, the window is open
    with most of it left (`DEPLOY_MIN_REMAINING` keeps its default).
    """
    opening = (now.astimezone(UTC) - timedelta(hours=1)).strftime("%H:%M")
    return {
        "DEPLOY_TIMEZONE": "UTC",
        "DEPLOY_DAYS": "daily",
        "DEPLOY_WINDOW_START": opening,
        "DEPLOY_WINDOW_END": opening,
    }


class _Stoppable(Protocol):
    def stop(self) -> None: ...


@dataclass(frozen=True)
class MissingService:
    """A service whose binary is not installed, and the variables its stand-in answers."""

    name: str
    package: str
    variables: tuple[str, ...]


class DemoEnvironment:
    """Every system of the target contract, started on 127.0.0.1 random ports."""

    def __init__(
        self,
        scenario: Scenario = Scenario.GREEN,
        *,
        contract_sql: Path,
        flavour: Flavour = Flavour.CONTRACT,
        latency: float = 0.0,
        now: Callable[[], datetime] = utc_now,
        pg_bin_dir: Path | None = None,
        pgbouncer_binary: str = "pgbouncer",
        prometheus_binary: str = "prometheus",
        progress: Callable[[str], None] | None = None,
    ) -> None:
        """Configures, without starting, the environment.

        Args:
            scenario: Which systems are out of bounds.
            contract_sql: The DDL of the database objects the checklist reads.
            flavour: The shapes the systems use: the contract's, or another team's
                (`gonogo_tui.demo.flavours`).
            latency: Seconds every HTTP answer is delayed by, like a remote staging stack.
            now: The clock that dates files, runs and backups.
            pg_bin_dir: Where initdb and postgres live (default: Debian's PostgreSQL 15).
            pgbouncer_binary: The pgbouncer executable.
            prometheus_binary: The prometheus executable.
            progress: Called with a short line as each part comes up.
        """
        self.scenario = scenario
        self.conditions: Conditions = SCENARIOS[scenario]
        self.flavour = flavour
        self.shape: Shape = SHAPES[flavour]
        self._switchboard: Switchboard | None = None
        self.contract_sql = contract_sql
        self.latency = latency
        self.now = now
        self.pg_bin_dir = pg_bin_dir
        self.pgbouncer_binary = pgbouncer_binary
        self.prometheus_binary = prometheus_binary
        self.progress = progress or (lambda _line: None)
        self.variables: dict[str, str] = {}
        """Environment variables for gonogo, filled in by `start()`."""
        self.missing: list[MissingService] = []
        """Services replaced by a stand-in because their binary is not installed."""
        self.workdir: Path | None = None
        self._started: list[_Stoppable] = []
        self._password = secrets.token_urlsafe(12)
        self._github_token = "ghp_demo" + secrets.token_hex(16)
        self._grafana_token = "glsa_demo" + secrets.token_hex(16)

    @property
    def root(self) -> Path:
        """The repository root (`--root`) holding the files the checklist reads."""
        assert self.workdir is not None, "the demo environment is not started"
        return self.workdir / "repo"

    @property
    def evidence_dir(self) -> Path:
        """A scratch evidence folder inside the temp dir."""
        assert self.workdir is not None, "the demo environment is not started"
        return self.workdir / "evidence"

    @property
    def redactor(self) -> Redactor:
        """Hides the tokens and the database password."""
        return Redactor([*(self.variables.get(name, "") for name in SECRET_VARIABLES)])

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Starts everything; on any failure (or Ctrl-C) stops what was started, then raises.

        Raises:
            GonogoError: the contract DDL cannot be read, or a server did not come up.
        """
        try:
            contract_sql = self.contract_sql.read_text(encoding="utf-8")
        except OSError as exc:
            raise GonogoError(
                f"{self.contract_sql}: cannot read the contract DDL: {exc.strerror}"
            ) from None
        try:
            self._start_all(contract_sql)
        except BaseException:
            self.stop()
            raise

    def _start_all(self, contract_sql: str) -> None:
        from gonogo_tui.demo.repository import write_repository
        from gonogo_tui.demo.services import ServerStartError

        self.workdir = Path(tempfile.mkdtemp(prefix=WORKDIR_PREFIX))
        # The servers' own dirs go inside; PostgreSQL and pgBouncer run as `postgres`,
        # which must be able to pass through (but not list) this folder.
        self.workdir.chmod(0o711)
        self.evidence_dir.mkdir()
        now = self.now()
        self._switchboard = self._board(now)
        write_repository(self.root, self.conditions, now, self.shape)
        self._start_http(now)
        try:
            prometheus = self._start_prometheus()
            self._start_databases(contract_sql)
            if prometheus is not None:
                from gonogo_tui.demo.monitoring import ALERT_NAMES

                prometheus.wait_for_rules(len(ALERT_NAMES), timeout=15)
        except ServerStartError as exc:
            raise GonogoError(f"demo: a server did not start: {exc}") from None
        self.variables["GITHUB_REPOSITORY"] = REPOSITORY
        self.variables["GITHUB_TOKEN"] = self._github_token
        self.variables["GRAFANA_TOKEN"] = self._grafana_token
        self.variables.update(deploy_window(now))
        self.progress("ready")

    def _start_http(self, now: datetime) -> None:
        from gonogo_tui.demo.http_host import HttpHost, HttpHostSettings

        host = HttpHost(
            HttpHostSettings(
                scenario=self.scenario.value,
                latency=self.latency,
                now=now.isoformat(),
                repository=REPOSITORY,
                github_token=self._github_token,
                grafana_token=self._grafana_token,
                flavour=self.flavour.value,
                control=str(self._switchboard.control if self._switchboard else ""),
            )
        )
        self._started.append(host)
        self.variables.update(host.start())
        self.progress(
            f"web app, API, Grafana and GitHub APIs on 127.0.0.1 ({self.variables['APP_URL']} ...)"
        )

    def _start_prometheus(self) -> PrometheusServer | None:
        from gonogo_tui.demo.monitoring import ALERT_RULES
        from gonogo_tui.demo.services import PrometheusServer
        from gonogo_tui.demo.unavailable import unavailable_http

        if shutil.which(self.prometheus_binary) is None:
            stand_in = unavailable_http("Prometheus", "prometheus")
            self._started.append(stand_in)
            stand_in.start()
            self.variables["PROMETHEUS_URL"] = stand_in.url
            self._missing("Prometheus", "prometheus", "PROMETHEUS_URL")
            return None
        prometheus = PrometheusServer(
            ALERT_RULES, binary=self.prometheus_binary, parent=self.workdir
        )
        self._started.append(prometheus)
        prometheus.start()
        if self._switchboard is not None:
            self._switchboard.prometheus = prometheus
        self.variables["PROMETHEUS_URL"] = prometheus.url
        self.progress(f"Prometheus {prometheus.url}")
        return prometheus

    def _start_databases(self, contract_sql: str) -> None:
        from gonogo_tui.demo.database import (
            DATABASE,
            PROBE_ROLE,
            prepare_database,
            wait_for_archived_wal,
        )
        from gonogo_tui.demo.services import PG_BIN_DIR, PgBouncerServer, PostgresServer
        from gonogo_tui.demo.unavailable import UnavailablePostgres

        bin_dir = self.pg_bin_dir or PG_BIN_DIR
        if not (bin_dir / "initdb").exists():
            for name, package, variable in (
                ("PostgreSQL", "postgresql-15", "DATABASE_URL"),
                ("pgBouncer", "pgbouncer", "PGBOUNCER_URL"),
            ):
                stand_in = UnavailablePostgres(name, package)
                self._started.append(stand_in)
                stand_in.start()
                self.variables[variable] = stand_in.dsn(DATABASE)
                self._missing(name, package, variable)
            return
        postgres = PostgresServer(bin_dir=bin_dir, parent=self.workdir)
        self._started.append(postgres)
        postgres.start()
        self.variables["DATABASE_URL"] = prepare_database(
            postgres, contract_sql, self.conditions, self._password, self.shape
        )
        if self._switchboard is not None:
            self._switchboard.postgres = postgres
        self.progress(f"PostgreSQL 127.0.0.1:{postgres.port} (database {DATABASE})")
        if shutil.which(self.pgbouncer_binary) is None:
            stand_in = UnavailablePostgres("pgBouncer", "pgbouncer")
            self._started.append(stand_in)
            stand_in.start()
            self.variables["PGBOUNCER_URL"] = stand_in.dsn("pgbouncer")
            self._missing("pgBouncer", "pgbouncer", "PGBOUNCER_URL")
        else:
            bouncer = PgBouncerServer(
                postgres,
                databases=[DATABASE],
                users=[PROBE_ROLE],
                settings={"stats_users": f"postgres, {PROBE_ROLE}"},
                binary=self.pgbouncer_binary,
                parent=self.workdir,
            )
            self._started.append(bouncer)
            bouncer.start()
            connect_once(bouncer.dsn(DATABASE))
            if self._switchboard is not None:
                self._switchboard.bouncer_dsn = bouncer.dsn(DATABASE)
            self.variables["PGBOUNCER_URL"] = (
                f"postgresql://{PROBE_ROLE}:{self._password}@{bouncer.host}:{bouncer.port}"
                "/pgbouncer"
            )
            self.progress(f"pgBouncer 127.0.0.1:{bouncer.port}")
        wait_for_archived_wal(postgres)

    def _board(self, now: datetime) -> Switchboard:
        from gonogo_tui.demo.live import Switchboard

        control = self.root.parent / "conditions.json"
        board = Switchboard(
            self.conditions, root=self.root, now=now, shape=self.shape, control=control
        )
        self._started.append(board)
        return board

    def set_conditions(self, conditions: Conditions) -> None:
        """Switches the running environment to `conditions` (a fault on or off), without a
        restart: files, database rows, HTTP answers, alerting rules, pgBouncer clients.

        Raises:
            AssertionError: the environment is not started.
        """
        assert self._switchboard is not None, "the demo environment is not started"
        self._switchboard.apply(conditions)
        self.conditions = conditions

    def _missing(self, name: str, package: str, *variables: str) -> None:
        self.missing.append(MissingService(name, package, variables))
        self.progress(f"{name} is not installed (apt-get install {package}): its criteria ERROR")

    def shell_lines(self) -> list[str]:
        """`export NAME='value'` lines for a shell, secrets included (for the 0600 env file)."""
        return [f"export {name}={shlex.quote(value)}" for name, value in self.variables.items()]

    def display_lines(self) -> list[str]:
        """`NAME=value` lines with the tokens and passwords replaced by `***`."""
        redact = self.redactor
        return [f"{name}={redact(value)}" for name, value in self.variables.items()]

    def write_env_file(self, path: Path) -> Path:
        """Writes `shell_lines()` and `GONOGO_DEMO_ROOT` (the `--root`) to `path`, readable by
        the owner only."""
        lines = [*self.shell_lines(), f"export GONOGO_DEMO_ROOT={shlex.quote(str(self.root))}"]
        # Written aside and renamed into place: a tool waiting for the file to appear never
        # reads it half written. mkstemp makes it readable by the owner only.
        handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with open(handle, "w", encoding="utf-8") as temp:
                temp.write("\n".join(lines) + "\n")
            os.replace(temp_name, path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        return path

    def stop(self) -> None:
        """Stops every server (newest first) and removes the temp dir; idempotent."""
        # A server leaves the list only once stopped: if this is interrupted, the next call
        # stops it again (every stop() is idempotent).
        while self._started:
            server = self._started[-1]
            try:
                server.stop()
            except Exception:  # one server failing to stop must not leave the others running
                log.exception("demo: stopping %r failed", server)
            self._started.pop()
        self._switchboard = None
        workdir, self.workdir = self.workdir, None
        if workdir is not None:
            with contextlib.suppress(OSError):
                shutil.rmtree(workdir)
            if workdir.exists():
                shutil.rmtree(workdir, ignore_errors=True)


def connect_once(dsn: str) -> None:
    """Be the application's first client through pgBouncer: its pool exists from then on,
    as in production, where the probe measures the load (no pool is no data, an ERROR)."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True, prepare_threshold=None, connect_timeout=5) as db:
        db.execute("SELECT 1")


__all__ = ["REPOSITORY", "SECRET_VARIABLES", "WORKDIR_PREFIX", "DemoEnvironment", "MissingService"]
