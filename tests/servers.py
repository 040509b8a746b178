"""Real PostgreSQL, pgBouncer, Prometheus and HTTP servers on 127.0.0.1 for tests, never mocks.

Each server is a context manager: `start()` brings it up on a random free port in a fresh temp
dir and polls it until it answers (with a deadline, never a blind sleep); `stop()` ends the
process and removes the dir. Anything still running at interpreter exit is stopped by an atexit
hook, and processes started from the main thread also get a parent-death signal (via util-linux
`setpriv`) so a SIGKILLed test run does not leave servers behind.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime
import ipaddress
import json
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, LiteralString, Self, TypeVar
from urllib.parse import urlsplit

import httpx
import psycopg
import yaml
from psycopg import sql
from psycopg.rows import dict_row

__all__ = [
    "LOCALHOST",
    "HttpTestServer",
    "PgBouncerServer",
    "PostgresServer",
    "PrometheusServer",
    "RecordedRequest",
    "Reply",
    "ServerStartError",
    "free_port",
    "make_self_signed_cert",
    "running_servers",
    "wait_until",
]

LOCALHOST = "127.0.0.1"
PG_BIN_DIR = Path(os.environ.get("GONOGO_PG_BIN", "/usr/lib/postgresql/15/bin"))
_PORT_TAKEN = re.compile(r"address already in use", re.IGNORECASE)
_START_ATTEMPTS = 3
_NEVER_EVALUATED = "0001-01-01T00:00:00Z"

T = TypeVar("T")
Body = bytes | str | dict[str, Any] | list[Any] | None


class ServerStartError(RuntimeError):
    """A test server did not come up; the message carries the tail of its log."""


def free_port() -> int:
    """Returns a TCP port on 127.0.0.1 that was free a moment ago (callers retry if it is taken)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCALHOST, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(
    predicate: Callable[[], T | None],
    timeout: float,
    interval: float = 0.02,
    *,
    ignore: tuple[type[Exception], ...] = (),
    message: str = "condition",
) -> T:
    """Polls `predicate` until it returns a truthy value, and returns that value.

    Args:
        predicate: Called repeatedly; a truthy result ends the wait.
        timeout: Seconds before giving up.
        interval: Seconds between calls.
        ignore: Exceptions that mean "not yet" rather than failure.
        message: What is awaited, for the error message.

    Raises:
        TimeoutError: The deadline passed; the last ignored exception is chained.
    """
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            result = predicate()
        except ignore as exc:
            last_error = exc
        else:
            if result:
                return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{message} not met within {timeout:g} s") from last_error
        time.sleep(interval)


_running: set[_Stoppable] = set()
_running_lock = threading.Lock()


class _Stoppable:
    """Something `stop()`-able that the atexit hook stops if a test run forgot to."""

    def stop(self) -> None:
        raise NotImplementedError

    def _register(self) -> None:
        with _running_lock:
            _running.add(self)

    def _unregister(self) -> None:
        with _running_lock:
            _running.discard(self)

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
        raise NotImplementedError


@atexit.register
def _stop_leftovers() -> None:
    with _running_lock:
        leftovers = list(_running)
    for server in leftovers:
        with contextlib.suppress(Exception):
            server.stop()


def _is_root() -> bool:
    return os.geteuid() == 0


def _postgres_user_kwargs() -> dict[str, Any]:
    """Popen arguments that drop root to `postgres`, keeping the server our child process."""
    if not _is_root():
        return {}
    return {"user": "postgres", "group": "postgres", "extra_groups": []}


def _make_workdir(prefix: str, *, for_postgres: bool) -> Path:
    # Under /tmp, not pytest's tmp_path: that sits in a 0700 root folder `postgres` cannot enter.
    workdir = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp" if for_postgres else None))
    if for_postgres and _is_root():
        account = pwd.getpwnam("postgres")
        os.chown(workdir, account.pw_uid, account.pw_gid)
    return workdir


class _ServiceProcess(_Stoppable):
    """A server binary run in the foreground as our child, with its output in a log file."""

    name = "server"
    stop_signals: tuple[tuple[signal.Signals, float], ...] = (
        (signal.SIGTERM, 10.0),
        (signal.SIGKILL, 5.0),
    )
    """(signal, seconds to wait for the exit), sent in turn until the process is gone."""
    death_signal = "TERM"
    """Signal the kernel sends the server if the test process dies first."""
    startup_timeout = 30.0

    def __init__(self) -> None:
        self.host = LOCALHOST
        self.port = 0
        self.workdir: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        assert self.workdir is not None, f"{self.name} is not started"
        return self.workdir / f"{self.name}.out"

    def log_tail(self, chars: int = 3000) -> str:
        """The end of everything the server wrote (stdout, stderr and its own log files)."""
        if self.workdir is None:
            return ""
        texts = []
        for path in sorted(self.workdir.glob("*.out")) + sorted(self.workdir.glob("*.log")):
            with contextlib.suppress(OSError):
                texts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-chars:]}")
        return "\n".join(texts)

    def _spawn(self, argv: Sequence[str], *, as_postgres: bool) -> None:
        assert self.workdir is not None
        command = list(argv)
        setpriv = shutil.which("setpriv")
        # The parent-death signal follows the forking thread, so only the main thread's
        # children (pytest fixtures) get it; a worker thread's exit would kill the server.
        if setpriv and threading.current_thread() is threading.main_thread():
            command = [setpriv, f"--pdeathsig={self.death_signal}", "--", *command]
        # Truncated per attempt, so an earlier attempt's "address in use" is not read again.
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,  # `postgres` cannot stat a root-only cwd.
                start_new_session=True,  # a terminal's Ctrl-C reaches pytest, which stops us.
                **(_postgres_user_kwargs() if as_postgres else {}),
            )
        self._register()

    def _wait_ready(self, check: Callable[[], object], timeout: float) -> bool:
        """Polls `check` until it passes; False if the server died because its port was taken."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while True:
            returncode = self.process.poll()
            if returncode is not None:
                tail = self.log_tail()
                if _PORT_TAKEN.search(tail):
                    return False
                raise ServerStartError(f"{self.name} exited with status {returncode}:\n{tail}")
            try:
                if check():
                    return True
            except (OSError, psycopg.Error, httpx.HTTPError) as exc:
                last_error = exc
            if time.monotonic() >= deadline:
                raise ServerStartError(
                    f"{self.name} not ready within {timeout:g} s ({last_error!r}):\n"
                    f"{self.log_tail()}"
                )
            time.sleep(0.02)

    def _launch(self, argv_for_port: Callable[[int], Sequence[str]], **spawn: Any) -> None:
        """Starts the server on a free port, retrying on a new port if another process won it."""
        for _attempt in range(_START_ATTEMPTS):
            self.port = free_port()
            self._before_spawn()
            self._spawn(argv_for_port(self.port), **spawn)
            if self._wait_ready(self._is_ready, self.startup_timeout):
                return
            self._stop_process()
        raise ServerStartError(f"{self.name}: no free port after {_START_ATTEMPTS} attempts")

    def _before_spawn(self) -> None:
        """Writes per-port config files before each launch attempt."""

    def _is_ready(self) -> bool:
        raise NotImplementedError

    def _stop_process(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        for sig, timeout in self.stop_signals:
            if process.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout)
        process.wait()

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        """Stops the process (idempotent) and removes the temp dir."""
        try:
            self._stop_process()
        finally:
            if self.workdir is not None:
                shutil.rmtree(self.workdir, ignore_errors=True)
            self._unregister()

    def _start_guarded(self, body: Callable[[], None]) -> None:
        self._register()
        try:
            body()
        except BaseException:
            self.stop()
            raise


class PostgresServer(_ServiceProcess):
    """A throwaway PostgreSQL cluster: initdb in a temp dir, `postgres` in the foreground.

    As root, initdb and postgres run as the `postgres` user (both refuse root). WAL archiving
    is on, so `pg_stat_archiver` moves; pass `archive_command="/bin/false"` for a failing
    archiver.
    """

    name = "postgres"
    # Fast shutdown (SIGINT) takes ~0.05 s, but with a failing archive_command it retries the
    # last WAL file for ~3 s; the data dir is thrown away, so then immediate (SIGQUIT) is fine.
    stop_signals = (
        (signal.SIGINT, 0.5),
        (signal.SIGQUIT, 5.0),
        (signal.SIGKILL, 5.0),
    )
    death_signal = "QUIT"

    def __init__(
        self,
        *,
        archive_command: str = "/bin/true",
        settings: Mapping[str, str | int] | None = None,
        bin_dir: Path = PG_BIN_DIR,
        startup_timeout: float = 30.0,
    ) -> None:
        """Configures, without starting, a cluster.

        Args:
            archive_command: Shell command PostgreSQL runs per WAL file; exit 0 means archived.
            settings: Extra `-c name=value` server settings.
            bin_dir: Directory holding initdb and postgres.
            startup_timeout: Seconds to wait for the first successful connection.
        """
        super().__init__()
        self.archive_command = archive_command
        self.settings = dict(settings or {})
        self.bin_dir = bin_dir
        self.startup_timeout = startup_timeout

    @property
    def data_dir(self) -> Path:
        assert self.workdir is not None, "postgres is not started"
        return self.workdir / "data"

    def start(self) -> None:
        self._start_guarded(self._initdb_and_launch)

    def _initdb_and_launch(self) -> None:
        self.workdir = _make_workdir("gonogo-pg-", for_postgres=True)
        initdb = [
            str(self.bin_dir / "initdb"),
            f"--pgdata={self.data_dir}",
            "--username=postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        ]
        with open(self.workdir / "initdb.out", "wb") as log:
            done = subprocess.run(
                initdb,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
                timeout=120,
                check=False,
                **_postgres_user_kwargs(),
            )
        if done.returncode != 0:
            raise ServerStartError(f"initdb failed ({done.returncode}):\n{self.log_tail()}")
        self._launch(self._postgres_argv, as_postgres=True)

    def _postgres_argv(self, port: int) -> list[str]:
        settings: dict[str, str | int] = {
            "listen_addresses": LOCALHOST,
            "fsync": "off",
            "archive_mode": "on",
            "archive_command": self.archive_command,
            **self.settings,
        }
        argv = [str(self.bin_dir / "postgres"), "-D", str(self.data_dir), "-p", str(port)]
        argv += ["-k", str(self.workdir)]
        for key, value in settings.items():
            argv += ["-c", f"{key}={value}"]
        return argv

    def _is_ready(self) -> bool:
        with psycopg.connect(self.dsn(), connect_timeout=2):
            return True

    def dsn(self, dbname: str = "postgres", user: str = "postgres") -> str:
        """A `postgresql://` URL for `dbname` as `user` over TCP on 127.0.0.1 (no password)."""
        return f"postgresql://{user}@{self.host}:{self.port}/{dbname}"

    def execute(
        self,
        statement: LiteralString | bytes | sql.SQL | sql.Composed,
        params: Sequence[Any] | Mapping[str, Any] | None = None,
        *,
        dbname: str = "postgres",
        user: str = "postgres",
    ) -> list[tuple[Any, ...]]:
        """Runs one statement in autocommit mode and returns its rows ([] if it returns none)."""
        with psycopg.connect(self.dsn(dbname, user), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(statement, params)
            return cursor.fetchall() if cursor.description is not None else []

    def create_database(self, name: str) -> None:
        """Creates database `name` unless it exists."""
        exists = self.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not exists:
            self.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def switch_wal(self) -> None:
        """Writes a commit record and closes the WAL segment, giving the archiver one file."""
        self.execute("SELECT txid_current()")
        self.execute("SELECT pg_switch_wal()")

    def archiver_status(self) -> dict[str, Any]:
        """The `pg_stat_archiver` row as a dict (archived_count, failed_count, ...)."""
        with psycopg.connect(
            self.dsn(), autocommit=True, row_factory=dict_row, connect_timeout=5
        ) as conn:
            row = conn.execute("SELECT * FROM pg_stat_archiver").fetchone()
        assert row is not None
        return row


class PgBouncerServer(_ServiceProcess):
    """pgBouncer in front of a `PostgresServer`, trust auth, run as `postgres` when root.

    Connect to the admin console (`admin_dsn()`) with `autocommit=True` and
    `prepare_threshold=None`: it speaks neither BEGIN nor the extended query protocol.
    """

    name = "pgbouncer"
    # SIGINT is pgBouncer's "safe" shutdown, which waits for clients; SIGTERM is immediate (1.18).
    stop_signals = ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0))

    def __init__(
        self,
        postgres: PostgresServer,
        databases: Sequence[str] = ("postgres",),
        *,
        users: Sequence[str] = ("postgres",),
        pool_mode: str = "session",
        default_pool_size: int = 5,
        max_client_conn: int = 100,
        settings: Mapping[str, str | int] | None = None,
        binary: str = "pgbouncer",
        startup_timeout: float = 10.0,
    ) -> None:
        """Configures, without starting, a pgBouncer.

        Args:
            postgres: The running server behind it.
            databases: Database names pgBouncer routes (each to the same name on `postgres`).
            users: Users in the auth_file; others are refused even with trust. `postgres`,
                the admin user, is always added.
            pool_mode: session, transaction or statement.
            default_pool_size: Server connections per (database, user) pool.
            max_client_conn: Client connection limit.
            settings: Extra `[pgbouncer]` settings.
            binary: The pgbouncer executable.
            startup_timeout: Seconds to wait for the admin console to answer.
        """
        super().__init__()
        self.postgres = postgres
        self.databases = list(databases)
        self.users = list(dict.fromkeys(["postgres", *users]))
        self.pool_mode = pool_mode
        self.default_pool_size = default_pool_size
        self.max_client_conn = max_client_conn
        self.settings = dict(settings or {})
        self.binary = binary
        self.startup_timeout = startup_timeout

    @property
    def config_path(self) -> Path:
        assert self.workdir is not None, "pgbouncer is not started"
        return self.workdir / "pgbouncer.ini"

    def start(self) -> None:
        self._start_guarded(self._write_auth_and_launch)

    def _write_auth_and_launch(self) -> None:
        self.workdir = _make_workdir("gonogo-pgbouncer-", for_postgres=True)
        auth_file = self.workdir / "userlist.txt"
        auth_file.write_text("".join(f'"{user}" ""\n' for user in self.users))
        self._launch(lambda _port: [self.binary, str(self.config_path)], as_postgres=True)

    def _before_spawn(self) -> None:
        assert self.workdir is not None
        pg = self.postgres
        lines = ["[databases]"]
        lines += [f"{db} = host={pg.host} port={pg.port} dbname={db}" for db in self.databases]
        settings: dict[str, str | int] = {
            "listen_addr": LOCALHOST,
            "listen_port": self.port,
            "unix_socket_dir": "",
            "auth_type": "trust",
            "auth_file": str(self.workdir / "userlist.txt"),
            "admin_users": "postgres",
            "stats_users": "postgres",
            "pool_mode": self.pool_mode,
            "default_pool_size": self.default_pool_size,
            "max_client_conn": self.max_client_conn,
            "logfile": str(self.workdir / "pgbouncer.log"),
            "ignore_startup_parameters": "extra_float_digits",
            **self.settings,
        }
        lines += ["", "[pgbouncer]", *(f"{key} = {value}" for key, value in settings.items())]
        self.config_path.write_text("\n".join(lines) + "\n")
        (self.workdir / "pgbouncer.log").unlink(missing_ok=True)

    def _is_ready(self) -> bool:
        self.show("VERSION")
        return True

    def dsn(self, dbname: str = "postgres", user: str = "postgres") -> str:
        """A `postgresql://` URL for `dbname` through pgBouncer."""
        return f"postgresql://{user}@{self.host}:{self.port}/{dbname}"

    def admin_dsn(self) -> str:
        """The admin console URL (database `pgbouncer`, user `postgres`)."""
        return self.dsn("pgbouncer")

    def show(self, what: str) -> list[dict[str, Any]]:
        """Runs `SHOW <what>` (POOLS, DATABASES, CONFIG, ...) on the admin console."""
        if not what.isalpha():
            raise ValueError(f"not a SHOW subject: {what!r}")
        # what.isalpha() was checked, so the subject cannot smuggle in SQL.
        statement = sql.SQL("SHOW {}").format(sql.SQL(what.upper()))
        with psycopg.connect(
            self.admin_dsn(),
            autocommit=True,
            prepare_threshold=None,
            connect_timeout=2,
            row_factory=dict_row,
        ) as conn:
            return conn.execute(statement).fetchall()


class PrometheusServer(_ServiceProcess):
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
        """
        super().__init__()
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
        self.workdir = _make_workdir("gonogo-prometheus-", for_postgres=False)
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


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the `HttpTestServer` received it."""

    method: str
    path: str
    """Path without the query string."""
    query: str
    headers: dict[str, str]
    """Header names lower-cased."""
    body: bytes
    """The body as sent with Content-Length (chunked request bodies are not read)."""

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    """What a route answers; `handler` routes build one per request."""

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    """Sent as given; Content-Type and Content-Length are added unless present."""
    body: Body = b""
    """bytes as is, str as UTF-8 text, dict/list as JSON."""
    delay: float = 0.0
    """Seconds to wait before the status line."""
    trickle: tuple[bytes, float, int] | None = None
    """(chunk, interval, count): the body is `chunk` sent `count` times, `interval` apart."""
    hang: bool = False
    """Read the request, then never answer (until the server stops)."""


def _encode_body(body: Body) -> tuple[bytes, str]:
    if body is None or isinstance(body, bytes):
        return body or b"", "application/octet-stream"
    if isinstance(body, str):
        return body.encode(), "text/plain; charset=utf-8"
    return json.dumps(body).encode(), "application/json"


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, keep-alive clients would wait
    # for a delayed ACK (~40 ms) and latency probes would measure the test server, not the code.
    disable_nagle_algorithm = True
    server: _HttpServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: the request log is `HttpTestServer.requests`."""

    def _dispatch(self) -> None:
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        url = urlsplit(self.path)
        request = RecordedRequest(
            method=self.command,
            path=url.path,
            query=url.query,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        reply = owner._reply_for(request)
        stopping = owner._stopping
        if reply.hang or (reply.delay and stopping.wait(reply.delay)):
            stopping.wait()
            self.close_connection = True
            return
        payload, content_type = _encode_body(reply.body)
        chunk, interval, count = reply.trickle or (payload, 0.0, 1)
        payload = chunk * count
        present = {name.lower() for name in reply.headers}
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if "content-type" not in present and payload:
            self.send_header("Content-Type", content_type)
        if "content-length" not in present:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command == "HEAD":
            return
        for index in range(count):
            if index and stopping.wait(interval):
                self.close_connection = True
                return
            self.wfile.write(chunk)
            self.wfile.flush()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the default 5 drops SYNs under a burst of probes (1 s retransmits)
    owner: HttpTestServer

    def finish_request(self, request: Any, client_address: Any) -> None:
        owner = self.owner
        if owner._ssl_context is not None:
            request.settimeout(10)
            try:
                request = owner._ssl_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                owner._errors.append(exc)  # e.g. the client rejected our certificate
                return
            request.settimeout(None)
        owner._track(request, open_=True)
        try:
            super().finish_request(request, client_address)
        finally:
            owner._track(request, open_=False)
            with contextlib.suppress(OSError):
                request.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Keeps handler errors (mostly clients hanging up) off stderr, in `owner.errors`."""
        self.owner._errors.append(sys.exc_info()[1])


class HttpTestServer(_Stoppable):
    """A threaded HTTP(S) server on 127.0.0.1 with programmable routes and a request log.

    Unknown routes answer 404. A later `route()` for the same method and path replaces the
    earlier one. Method `*` matches any method.
    """

    def __init__(self, *, tls: bool = False, expired_cert: bool = False) -> None:
        """Configures, without starting, a server.

        Args:
            tls: Serve HTTPS with a fresh self-signed certificate for 127.0.0.1 and localhost.
            expired_cert: With `tls`, make that certificate expired as well.
        """
        self.host = LOCALHOST
        self.port = 0
        self.tls = tls
        self.expired_cert = expired_cert
        self.cert_file: Path | None = None
        self.key_file: Path | None = None
        self._workdir: Path | None = None
        self._ssl_context: ssl.SSLContext | None = None
        self._routes: dict[tuple[str, str], Reply | Callable[[RecordedRequest], Reply]] = {}
        self._requests: list[RecordedRequest] = []
        self._errors: list[BaseException | None] = []
        self._lock = threading.Lock()
        self._connections: set[Any] = set()
        self._stopping = threading.Event()
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash)."""
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def errors(self) -> list[BaseException | None]:
        """Exceptions raised while serving (client disconnects, TLS handshakes refused)."""
        return list(self._errors)

    def route(
        self,
        method: str,
        path: str,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        body: Body = b"",
        delay: float = 0.0,
        trickle: tuple[bytes, float, int] | None = None,
        hang: bool = False,
        handler: Callable[[RecordedRequest], Reply] | None = None,
    ) -> None:
        """Programs the answer to `method path` (path without query string).

        Args:
            method: HTTP method, or `*` for any.
            path: Exact path, e.g. `/health`.
            status: Status code.
            headers: Response headers, sent as given.
            body: bytes, str (text/plain) or dict/list (application/json).
            delay: Seconds before answering.
            trickle: (chunk, interval, count) to send the body slowly.
            hang: Never answer.
            handler: Builds the `Reply` from the request; the other answer arguments are
                then ignored.
        """
        key = (method.upper(), path)
        answer = handler or Reply(status, dict(headers or {}), body, delay, trickle, hang)
        with self._lock:
            self._routes[key] = answer

    def _reply_for(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self._requests.append(request)
            answer = self._routes.get((request.method, request.path)) or self._routes.get(
                ("*", request.path)
            )
        if answer is None:
            return Reply(404, body={"error": f"no route for {request.method} {request.path}"})
        if not callable(answer):
            return answer
        try:
            return answer(request)
        except Exception as exc:  # a broken test handler should read as a 500, not a hang-up
            self._errors.append(exc)
            return Reply(500, body=f"route handler raised {exc!r}")

    def _track(self, connection: Any, *, open_: bool) -> None:
        with self._lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def client_ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's self-signed certificate."""
        assert self.cert_file is not None, "server was not started with tls=True"
        return ssl.create_default_context(cafile=str(self.cert_file))

    def start(self) -> None:
        self._register()
        try:
            if self.tls:
                self._workdir = Path(tempfile.mkdtemp(prefix="gonogo-https-"))
                self.cert_file, self.key_file = make_self_signed_cert(
                    self._workdir, expired=self.expired_cert
                )
                context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                context.load_cert_chain(self.cert_file, self.key_file)
                self._ssl_context = context
            httpd = _HttpServer((LOCALHOST, 0), _RequestHandler)
            httpd.owner = self
            self._httpd = httpd
            self.port = httpd.server_address[1]
            self._thread = threading.Thread(
                target=httpd.serve_forever,
                kwargs={"poll_interval": 0.02},  # how long stop() waits for the loop
                name=f"HttpTestServer:{self.port}",
                daemon=True,
            )
            self._thread.start()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Releases hanging and delayed requests, closes open connections, stops serving.

        A stopped server cannot be started again.
        """
        self._stopping.set()
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            if self._thread is not None and self._thread.is_alive():
                httpd.shutdown()
            with self._lock:
                connections = list(self._connections)
            for connection in connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            httpd.server_close()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
        self._unregister()


def make_self_signed_cert(
    directory: Path,
    hosts: Sequence[str] = (LOCALHOST, "localhost"),
    *,
    expired: bool = False,
) -> tuple[Path, Path]:
    """Writes a self-signed EC certificate for `hosts` and its key; returns (cert, key) paths.

    Args:
        directory: Where `cert.pem` and `key.pem` go.
        hosts: IP addresses and DNS names for the subjectAltName; the first is the CN.
        expired: Make it valid for one day that ended yesterday.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
    now = datetime.datetime.now(datetime.UTC)
    not_before = now - datetime.timedelta(days=2 if expired else 0, minutes=5)
    not_after = now - datetime.timedelta(days=1) if expired else now + datetime.timedelta(days=1)
    alt_names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            alt_names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            alt_names.append(x509.DNSName(host))
    public_key = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def running_servers() -> list[object]:
    """Servers started and not yet stopped, in no order (for leak checks)."""
    with _running_lock:
        return list(_running)
