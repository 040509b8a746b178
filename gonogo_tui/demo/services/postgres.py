"""Throwaway PostgreSQL clusters and pgBouncer in front of them, as child processes."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, LiteralString

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from gonogo_tui.demo.services.process import (
    LOCALHOST,
    ServerStartError,
    ServiceProcess,
    make_workdir,
    postgres_user_kwargs,
)

__all__ = ["PG_BIN_DIR", "PgBouncerServer", "PostgresServer"]

PG_BIN_DIR = Path(os.environ.get("GONOGO_PG_BIN", "/usr/lib/postgresql/15/bin"))
"""Where initdb and postgres live (Debian's PostgreSQL 15 by default)."""


class PostgresServer(ServiceProcess):
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
        parent: Path | None = None,
    ) -> None:
        """Configures, without starting, a cluster.

        Args:
            archive_command: Shell command PostgreSQL runs per WAL file; exit 0 means archived.
            settings: Extra `-c name=value` server settings.
            bin_dir: Directory holding initdb and postgres.
            startup_timeout: Seconds to wait for the first successful connection.
            parent: Folder the temp dir goes in (default: the system's).
        """
        super().__init__(parent=parent)
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
        self.workdir = make_workdir("gonogo-pg-", for_postgres=True, parent=self.parent)
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
                **postgres_user_kwargs(),
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


class PgBouncerServer(ServiceProcess):
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
        parent: Path | None = None,
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
            parent: Folder the temp dir goes in (default: the system's).
        """
        super().__init__(parent=parent)
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
        self.workdir = make_workdir("gonogo-pgbouncer-", for_postgres=True, parent=self.parent)
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
