"""Connections to a PostgreSQL ledger: a pool, transactions, faults as refusals.

One pool (``psycopg_pool``) per store and process; a verb borrows a connection for
one transaction. Connections are in autocommit mode and every transaction says its
own BEGIN and COMMIT, so a pipelined transaction (the booking's) goes to the server
in as few round trips as it reads results: BEGIN travels with its first statements,
COMMIT with its last (psycopg's ``transaction()`` in pipeline mode waits for BEGIN
alone and for each nested block's end: five round trips instead of two).

A server that cannot be reached, goes away or refuses to write (read-only, disk
full) is a ``LedgerUnavailable`` refusal (rule LEDGER) with the transaction rolled
back. A transaction the server aborts to break a deadlock or a serialisation
conflict is run again from the start (the booking writer's judge is pure: it may be
called again).

The lost-ledger marker of the SQLite ledger (:mod:`tools.ledger.marker`) has no
counterpart here: a PostgreSQL ledger is shared by processes on several machines,
whose state dirs differ, and keeping committed transactions is the server's job
(its write-ahead log, replicas and backups). The ledger's random id is still kept
in ``ledger_meta`` and reported by backups.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import errors
from psycopg_pool import ConnectionPool, PoolTimeout

from tools.errors import LedgerUnavailable, StorageError
from tools.ledger.postgres_schema import migrate

log = logging.getLogger(__name__)
SETTING = "CVM_LEDGER_URL"
RETRIES = 20  # deadlocks or serialisation conflicts before giving up
T = TypeVar("T")
_RETRY = (errors.DeadlockDetected, errors.SerializationFailure)
_FAULTS = (
    psycopg.OperationalError,  # connection lost, server shut down, disk full
    errors.ReadOnlySqlTransaction,
    errors.InsufficientResources,
    errors.InsufficientPrivilege,
)


def redacted(url: str) -> str:
    """The URL without its password (for messages and logs)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def pool_size() -> int:
    """Connections per process (``CVM_LEDGER_POOL``, default 8)."""
    try:
        return max(1, int(os.environ.get("CVM_LEDGER_POOL", "8")))
    except ValueError:
        return 8


class LedgerServer:
    """Connections to one PostgreSQL ledger and its transactions.

    Args:
        url: A libpq URL (``postgresql://user@host/db``; ``?host=/dir`` for a
            unix socket, ``options=-csearch_path=NAME`` for a schema).

    Raises:
        StorageError: The server cannot be reached or the tables cannot be made.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._pool_lock = threading.Lock()
        self._pool: ConnectionPool | None = None
        try:
            with self._connection() as conn:
                migrate(conn)
        except (psycopg.Error, PoolTimeout) as exc:
            self.close()
            raise StorageError(
                f"ledger {self.location} ({SETTING}): cannot be used: "
                f"{_first_line(exc)}"
            ) from None

    @property
    def location(self) -> str:
        """Where the ledger is (the URL without its password)."""
        return redacted(self.url)

    def _pool_now(self) -> ConnectionPool:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ConnectionPool(
                    self.url,
                    min_size=1,
                    max_size=pool_size(),
                    timeout=30.0,
                    open=True,
                    name="cvm-ledger",
                    kwargs={"autocommit": True},  # BEGIN / COMMIT said explicitly
                )
            return self._pool

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        with self._pool_now().connection() as conn:
            yield conn

    def run(
        self, work: Callable[[psycopg.Connection], T], *, pipelined: bool = False
    ) -> T:
        """Run ``work`` in one transaction (again after a deadlock); its result.

        ``pipelined``: in psycopg's pipeline mode (:func:`_pipelined`): statements
        go to the server without waiting for each answer; a round trip only where
        ``work`` reads a result, and one at the end (COMMIT). No COPY or named
        cursors then.

        Raises:
            LedgerUnavailable: The server cannot be reached or refused to write;
                nothing was committed.
        """

        def once() -> T:
            with self._connection() as conn:
                if pipelined:
                    return _pipelined(conn, work)
                with conn.transaction():
                    return work(conn)

        return self._again_after_deadlock(once)

    def single(self, work: Callable[[psycopg.Connection], T]) -> T:
        """Run ``work``, which sends ONE statement: its own transaction and snapshot.

        One round trip (``read`` and ``run`` add BEGIN and COMMIT to it): for the
        reads made on every tool call, such as the catalogue version in force,
        and the one-statement booking (:mod:`tools.ledger.postgres_one`: two such
        statements). A statement the server aborted to break a deadlock wrote
        nothing: ``work`` runs again, as :meth:`run` does.

        Raises:
            LedgerUnavailable: The server cannot be reached.
        """

        def once() -> T:
            with self._connection() as conn:
                return work(conn)

        return self._again_after_deadlock(once)

    def _again_after_deadlock(self, once: Callable[[], T]) -> T:
        """``once()``, again after a deadlock or serialisation conflict.

        Raises:
            LedgerUnavailable: The server cannot be reached or refused to write,
                or the conflicts went on :data:`RETRIES` times.
        """
        for attempt in range(RETRIES):
            try:
                return once()
            except _RETRY as exc:
                log.info("ledger transaction retried (%s)", type(exc).__name__)
                if attempt == RETRIES - 1:
                    raise self._refusal(exc) from None
            except (PoolTimeout, *_FAULTS) as exc:
                raise self._refusal(exc) from None
        raise AssertionError("unreachable")

    def read(self, work: Callable[[psycopg.Connection], T]) -> T:
        """Run ``work`` in one read-only snapshot (REPEATABLE READ)."""

        def snapshot(conn: psycopg.Connection) -> T:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            return work(conn)

        return self.run(snapshot)

    def _refusal(self, exc: Exception) -> LedgerUnavailable:
        log.error("ledger %s refused a transaction: %s", self.location, exc)
        return LedgerUnavailable(
            f"LEDGER: the ledger {self.location} cannot be used now "
            f"({_first_line(exc)}); nothing was committed and earlier bookings "
            "are kept"
        )

    def close(self) -> None:
        """Close the pool's connections (the next use opens a new pool)."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()


def _pipelined(conn: psycopg.Connection, work: Callable[[psycopg.Connection], T]) -> T:
    """``work`` between BEGIN and COMMIT, all in one pipeline.

    BEGIN is queued with ``work``'s first statements and COMMIT with its last; the
    pipeline's end waits for COMMIT's answer, so an error anywhere (COMMIT's own
    included) raises here, after the server skipped the rest: nothing committed.
    On any error the transaction is rolled back (psycopg then also forgets the
    statements it had prepared in it) before the error propagates.
    """
    try:
        with conn.pipeline():
            conn.execute("BEGIN")
            result = work(conn)
            conn.execute("COMMIT")
        return result
    except BaseException:
        if not conn.closed:
            try:
                conn.rollback()
            except psycopg.Error:  # the connection is gone: the pool drops it
                log.debug("ledger rollback failed", exc_info=True)
        raise


def _first_line(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
