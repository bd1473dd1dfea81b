"""A real PostgreSQL server for the tests: started once per session in a temp dir.

Debian's ``postgresql`` package (``make test`` installs it when missing) gives the
server under ``/usr/lib/postgresql/<version>/bin``. :class:`LocalPostgres` runs
``initdb`` and ``pg_ctl`` as a non-root user (``postgres`` when the tests run as
root: initdb refuses root), listening on a unix socket in its folder only (no TCP
port). Each test gets a schema of its own (a URL whose ``search_path`` names it).

Fixtures: ``pg_server``, the session's server, is registered in ``tests/conftest.py``:
one server per test process (an xdist worker), shared by every module that asks for
it (imported into each module, it was one ``initdb`` and start per module). Test
modules import the others:

* ``ledger_backend``: parametrised ``sqlite`` / ``postgres``; for ``postgres`` it
  sets ``CVM_LEDGER_URL`` to a fresh schema (child processes inherit it).
* ``ctx``: the conftest's context, on the backend in force (so a module that
  imports it runs each of its ledger tests against both backends).
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tools.context import ToolContext

BACKENDS = ["sqlite", "postgres"]
_names = itertools.count()


def server_bin() -> Path:
    """The newest installed PostgreSQL server's bin dir.

    Raises:
        RuntimeError: No server is installed (``make test`` installs Debian's).
    """
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise RuntimeError(
        "PostgreSQL server not installed: `make test` installs it "
        "(apt-get install -y postgresql)"
    )


def _version(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


class LocalPostgres:
    """A throw-away PostgreSQL cluster in ``root``, reachable on a unix socket."""

    def __init__(self, root: Path, *, fsync: bool = False) -> None:
        self.root = root
        self.data = root / "data"
        self.bin = server_bin()
        self.user = "postgres" if os.geteuid() == 0 else None
        self.fsync = fsync

    def _run(self, *argv: str) -> None:
        done = subprocess.run(
            argv,
            user=self.user,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=self.root,
        )
        if done.returncode:
            raise RuntimeError(f"{argv[0]} failed: {done.stderr or done.stdout}")

    def start(self) -> LocalPostgres:
        """initdb (trust auth, user ``cvm``) and start; returns when it accepts."""
        self.root.mkdir(parents=True, exist_ok=True)
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "cvm",
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = (
            f"-k {self.root} -c listen_addresses= -c max_connections=300 "
            f"-c fsync={'on' if self.fsync else 'off'} -c shared_buffers=64MB"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "start",
        )
        return self

    def url(self, schema: str | None = None, database: str = "postgres") -> str:
        """A libpq URL to the server (a schema of its own if named)."""
        url = f"postgresql://cvm@/{database}?host={quote(str(self.root))}"
        if schema:
            url += "&options=" + quote(f"-csearch_path={schema}")
        return url

    def new_schema(self) -> str:
        """A URL to a new, empty schema."""
        import psycopg

        name = f"t{os.getpid()}_{next(_names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{name}"')  # a name of our own making
        return self.url(name)

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast",
                      "stop")  # fmt: skip
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[LocalPostgres]:
    server = LocalPostgres(Path(tempfile.mkdtemp(prefix="cvm-pg-"))).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=BACKENDS)
def ledger_backend(request, monkeypatch) -> Iterator[str]:
    if request.param == "sqlite":
        monkeypatch.delenv("CVM_LEDGER_URL", raising=False)
        yield "sqlite"
        return
    server: LocalPostgres = request.getfixturevalue("pg_server")
    monkeypatch.setenv("CVM_LEDGER_URL", server.new_schema())
    yield "postgres"
    from tools.ledger import forget_ledger, open_ledger

    forget_ledger(open_ledger("."))


@pytest.fixture
def ctx(ledger_backend, tmp_path, config):
    return ToolContext.create(config, state_dir=tmp_path / "state")


def reopened(ledger):
    """A new store on the same ledger (as a new process would open it)."""
    from tools.ledger import SQLiteLedger

    if isinstance(ledger, SQLiteLedger):
        return SQLiteLedger(ledger.path)
    from tools.ledger.postgres import PostgresLedger

    return PostgresLedger(ledger.url)
