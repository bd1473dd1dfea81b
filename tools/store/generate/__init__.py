"""A synthetic customer base in the store's schema (``cvm generate-customers``).

Column-wise with numpy, a chunk of customers at a time (:data:`CHUNK`), each chunk
written as one Parquet part per table (``DIR/<table>/part-00000.parquet`` …, the
layout ``cvm import`` reads), so memory stays flat however many customers are asked
for. Each chunk has its own random generator seeded by ``(seed, chunk number)``: the
same seed gives the same base on every machine, and a smaller base is the start of a
bigger one.

Modules: :mod:`.catalogue` (every distribution's parameters), :mod:`.people`
(segment, tariff, lines, region, tenure, churn), :mod:`.billing` (usage, bills, extra
charges, revenue), :mod:`.contacts` (consents, quiet hours, network, interactions,
offers), :mod:`.writer` (numpy columns to Parquet parts), :mod:`.output` (the
folder: written aside and moved in when complete, never over files it did not write,
at most :data:`~.output.MAX_CUSTOMERS` customers).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np

from tools.clock import now as clock_now
from tools.store.generate import billing, contacts, output, people
from tools.store.generate.catalogue import CHUNK, FIRST_ID
from tools.store.generate.writer import Cat, Column, PartWriter, ids_of
from tools.store.schema import TABLES

__all__ = ["CHUNK", "FIRST_ID", "generate"]


def chunk_tables(
    seed: int, part: int, start: int, n: int, as_of: date
) -> Iterator[tuple[str, dict[str, Column]]]:
    """The tables of customers ``start`` … ``start + n - 1``, one at a time.

    Dates run up to ``as_of`` (the day the base is "extracted").
    """
    rng = np.random.default_rng([seed, part])
    today = np.datetime64(as_of, "D")
    who = people.draw(rng, start, n)
    bills = billing.draw(rng, who, as_of)
    yield "customers", people.customers_table(rng, who, bills.revenue, today)
    yield from bills.tables.items()
    bills.tables = {}  # written: free them before the next tables
    yield "consents", contacts.consents(rng, who, today)
    yield "do_not_disturb", contacts.quiet_hours(rng, who)
    measured, poor_now = contacts.network(rng, who, today)
    yield "network", measured
    del measured
    yield "interactions", contacts.interactions(rng, who, bills, poor_now, today)
    yield "offers", contacts.offers(rng, who, bills.usage_level, today)
    if part == 0:  # the table exists, empty: the generator has no web analytics
        yield (
            "web_sessions",
            {
                "customer_id": ids_of(np.zeros(0, dtype=np.int64)),
                "session_date": np.array([], dtype="datetime64[D]"),
                "page": Cat(np.zeros(0, dtype=np.int32), ["home"]),
                "duration_seconds": np.zeros(0),
            },
        )


def generate(
    n: int,
    seed: int,
    out: Path,
    chunk: int = CHUNK,
    force: bool = False,
    as_of: date | None = None,
) -> dict[str, int]:
    """Write a base of ``n`` customers into ``out`` as Parquet parts.

    Args:
        n: Customers (ids ``U1000000`` upwards), 1 to ``output.MAX_CUSTOMERS``.
        seed: Random seed (>= 0).
        out: A new or empty folder (with ``force``: one holding a base generated
            before, which is replaced; other files stay untouched).
        chunk: Customers per part (the base depends on it; keep the default).
        force: Replace a base generated into ``out`` before.
        as_of: The day the base is extracted: its records run up to it (default
            today by the clock, which honours ``CVM_NOW``). The same seed and day
            give the same base.

    Returns:
        Rows written per table.

    Raises:
        ToolInputError: ``n`` out of range or too big for the disk, or ``out``
            not usable (one line; nothing written).
    """
    output.check_size(n, out)
    day = as_of or clock_now().date()
    tmp, old = output.prepare(out, force)
    rows = dict.fromkeys(TABLES, 0)
    try:
        writer = PartWriter(tmp)
        try:
            for part, start in enumerate(range(0, n, chunk)):
                size = min(chunk, n - start)
                for table, cols in chunk_tables(seed, part, start, size, day):
                    rows[table] += writer.write(table, part, cols)
        finally:
            writer.close()
        output.publish(tmp, out, old)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rows
