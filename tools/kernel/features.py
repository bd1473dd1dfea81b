"""Journey metrics, once, in SQL: one row of numbers per customer, as of a date.

:data:`~tools.kernel.features_sql.FEATURES_SQL` turns the store's tables into
``customer_features`` (usage vs allowance, bill shocks, roaming, payments, network,
topics, sentiment, consents, …);
:data:`~tools.kernel.offer_propensity.OFFERS_SQL` into ``offer_propensity`` (the
recommender's offers that matter on the decision date). :func:`build` makes both,
and ``customer_records``, on every import; the decision kernel
(:mod:`tools.kernel.decide`) reads them for a batch of customers or for one. What
customers said (the configured interaction signals) is :mod:`tools.kernel.said`.

Everything is computed **as of the decision date** (``$as_of``, see
:func:`decision_date`): records dated after it are not used (nor shown: the
per-customer records of ``customer_records`` are cut at it too), and each dated
signal's evidence comes with its age in days (``*_days`` columns), which the kernel
compares with the configured recency windows.
Missing numbers are NaN in the output, so every numpy comparison with them is
false (inside SQL they stay NULL: DuckDB orders NaN above every number).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from tools.kernel.as_of import decision_date
from tools.kernel.features_sql import FEATURES_SQL
from tools.kernel.offer_propensity import OFFERS_SQL
from tools.kernel.records import records_sql
from tools.kernel.said import SaidSpec, said_params
from tools.store.meta import meta_value

if TYPE_CHECKING:  # DuckDB loads where a connection is made
    import duckdb

DERIVED_VERSION = "6"  # bump when the derived tables' definitions change
RECORDS_SLICE = 200_000  # customers per slice when building the derived tables


def _slice_starts(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The first customer id of each slice of ``RECORDS_SLICE`` (``[""]``: none)."""
    rows = con.execute(
        "SELECT customer_id FROM (SELECT customer_id, row_number() OVER "
        "(ORDER BY customer_id) AS n FROM customers) "
        f"WHERE n % {RECORDS_SLICE} = 1 ORDER BY customer_id"
    ).fetchall()
    return [r[0] for r in rows] or [""]


def _build_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    sql: str,
    starts: list[str],
    params: dict[str, object],
) -> None:
    """Create ``table`` from ``sql`` slice by slice (``starts``: each first id).

    A slice is the customers with ids ``>= $lo`` (and ``< $hi``, the next start);
    ``$base`` is the row number of its first customer; ``params`` are bound too.
    """
    for i, lo in enumerate(starts):
        upper = i + 1 < len(starts)
        bound: dict[str, object] = {"lo": lo}
        if upper:
            bound["hi"] = starts[i + 1]
        if "$base" in sql:
            bound["base"] = i * RECORDS_SLICE  # row_no of the slice's first
        bound.update({k: v for k, v in params.items() if f"${k}" in sql})
        cond = "customer_id >= $lo" + (" AND customer_id < $hi" if upper else "")
        verb = f"CREATE TABLE {table} AS" if i == 0 else f"INSERT INTO {table}"
        con.execute(f"{verb} {sql.replace('__SLICE__', cond)}", bound)


def derived_stamp(configured: date | None, said: SaidSpec) -> str:
    """What ``meta.derived_version`` says of tables built for this configuration.

    The configured date, and a digest of what is read from interactions (topics,
    keywords): tables built for other keywords are rebuilt when opened, equal
    tables (the shipped configuration's and the defaults) share their tables.
    """
    stamp = DERIVED_VERSION + (f"@{configured.isoformat()}" if configured else "")
    return stamp + "#" + hashlib.sha256(repr(said).encode()).hexdigest()[:12]


def build(
    con: duckdb.DuckDBPyConnection,
    tick: Callable[[str], None] | None,
    as_of: date | None,
    said: SaidSpec,
) -> None:
    """(Re)build the derived tables on a connection, as of the decision date.

    ``customer_features`` and ``offer_propensity`` (the kernel's inputs) and
    ``customer_records`` (each customer's rows in one row, for the chat path), each
    stored in customer order (the kernel reads them in ``row_no`` ranges). Every
    table is built in slices of ``RECORDS_SLICE`` customers (the stored tables are
    sorted by customer, so a slice reads only its row groups): memory stays
    bounded whatever the base's size. ``meta`` records the decision date
    (``as_of``) and where it came from (``as_of_source``).

    Args:
        con: A DuckDB connection to the store being built.
        tick: Called with a label as each step starts (a progress bar).
        as_of: The configured decision date (None: see :func:`decision_date`).
        said: What is read from interactions (:func:`said_spec`).
    """
    step = tick or (lambda _label: None)
    run = con.execute
    run("SET enable_progress_bar = false")
    run("SET preserve_insertion_order = true")  # stored in the ORDER BY's order
    for table in ("offer_propensity", "customer_features", "customer_records"):
        run(f"DROP TABLE IF EXISTS {table}")
    day, source = decision_date(con, as_of)
    starts = _slice_starts(con)
    params = {"as_of": day, **said_params(said)}
    step("journey metrics")
    _build_table(con, "customer_features", FEATURES_SQL, starts, params)
    _build_table(con, "offer_propensity", OFFERS_SQL, starts, params)
    step("customer records")
    _build_table(con, "customer_records", records_sql(), starts, params)
    # point lookups by id (the chat path) use these instead of scanning row groups
    step("indexes")
    run("CREATE UNIQUE INDEX customer_features_id ON customer_features (customer_id)")
    run("CREATE UNIQUE INDEX customer_records_id ON customer_records (customer_id)")
    meta_value(con, "derived_version")  # creates meta when missing
    for key, value in (
        ("derived_version", derived_stamp(as_of, said)),
        ("as_of", day.isoformat()),
        ("as_of_source", source),
    ):
        run("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])
