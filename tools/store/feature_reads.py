"""Batch reads of the derived tables, on any DuckDB connection that holds them.

The kernel's two inputs, ``customer_features`` and ``offer_propensity``, as numpy
columns in ``row_no`` order: for the whole base or a filtered batch
(:func:`feature_columns`, :func:`feature_codes`, :func:`offer_propensity`) and for
some customers by id (:func:`feature_rows`, :func:`offer_rows`). A store file
(:class:`tools.store.duck.DuckStore`), the in-memory store and a Ray shard
(:class:`tools.engines.shards.ShardSource`) ask the same queries through these.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # DuckDB loads where a connection is made
    import duckdb

Columns = dict[str, np.ndarray]


def marks(values: Sequence[object]) -> str:
    """``?, ?, …``: one placeholder per value (an IN list the scan can filter on)."""
    return ", ".join("?" * len(values))


def column(values: list[Any]) -> np.ndarray:
    """A feature column from Python values: objects (text, lists, NULL) kept as such."""
    for v in values:
        if v is None or isinstance(v, (str, list)):
            out = np.empty(len(values), dtype=object)
            for i, x in enumerate(values):
                out[i] = x
            return out
    return np.array(values)


def columns(names: Sequence[str], rows: Sequence[Sequence[Any]]) -> Columns:
    """Feature columns by name from rows of values (see :func:`column`)."""
    return {name: column([row[j] for row in rows]) for j, name in enumerate(names)}


def _in_row_order(rows: np.ndarray) -> bool:
    return len(rows) <= 1 or bool(np.all(rows[1:] > rows[:-1]))


def feature_columns(
    cur: duckdb.DuckDBPyConnection,
    columns: Sequence[str] | None = None,
    where: str = "",
    params: Sequence[Any] = (),
) -> Columns:
    """Columns of ``customer_features`` (all, or those named) for a batch.

    Rows come in ``row_no`` order: the table is stored in that order and DuckDB
    preserves insertion order, which is checked (and restored if ever not so)
    here rather than sorted in SQL (a sort of every column costs more than the
    read at a million customers).

    Args:
        cur: A connection to the store.
        columns: Column names; ``None`` = every column.
        where: An SQL condition over the feature columns ("" = every customer).
        params: Its parameters.
    """
    names = list(columns) if columns else None
    if names is not None and "row_no" not in names:
        names.append("row_no")
    sql = f"SELECT {', '.join(names) if names else '*'} FROM customer_features"
    if where:
        sql += f" WHERE {where}"
    out: Columns = dict(cur.execute(sql, list(params)).fetchnumpy())
    rows = np.asarray(out["row_no"])
    if not _in_row_order(rows):
        order = np.argsort(rows, kind="stable")
        out = {k: np.asarray(v)[order] for k, v in out.items()}
    if columns and "row_no" not in columns:
        out.pop("row_no")
    return out


def feature_codes(
    cur: duckdb.DuckDBPyConnection,
    name: str,
    where: str = "",
    params: Sequence[Any] = (),
) -> tuple[list[str], np.ndarray]:
    """A text feature column as codes (a million cost less than a million str).

    Returns its sorted distinct values and, per customer ``where`` selects (in
    row_no order), the index of its value (-1 for none).
    """
    cond = f" WHERE {where}" if where else ""
    values = [
        str(r[0])
        for r in cur.execute(
            f"SELECT DISTINCT {name} FROM customer_features{cond} ORDER BY {name}",
            list(params),
        ).fetchall()
        if r[0] is not None
    ]
    got = cur.execute(
        f"SELECT row_no, coalesce(list_position(?::VARCHAR[], {name}), 0)"
        f"::INTEGER - 1 AS code FROM customer_features{cond}",
        [values, *params],
    ).fetchnumpy()
    rows, codes = np.asarray(got["row_no"]), np.asarray(got["code"])
    if not _in_row_order(rows):
        codes = codes[np.argsort(rows, kind="stable")]
    return values, codes


def offer_propensity(
    cur: duckdb.DuckDBPyConnection,
    row_lo: int,
    row_hi: int,
    treatments: Sequence[str] | None = None,
) -> Columns:
    """The recommender's offers that matter on the decision date, one row each.

    For customers whose ``row_no`` is in ``[row_lo, row_hi]``: every column of
    the table but the customer id (the kernel's
    :data:`tools.kernel.offer_propensity.OFFER_COLUMNS`). With ``treatments``, each
    row's treatment comes as ``treatment_index`` into that list (-1: none of
    them) and the list as ``treatment_keys``, not as names.
    """
    if treatments is None:
        return dict(
            cur.execute(
                "SELECT * EXCLUDE (customer_id) FROM offer_propensity "
                "WHERE row_no BETWEEN ? AND ?",
                [row_lo, row_hi],
            ).fetchnumpy()
        )
    out: Columns = dict(
        cur.execute(
            "SELECT row_no, coalesce(list_position($keys::VARCHAR[], treatment), 0)"
            "::INTEGER - 1 AS treatment_index, "
            "* EXCLUDE (customer_id, row_no, treatment) FROM offer_propensity "
            "WHERE row_no BETWEEN $lo AND $hi",
            {"keys": list(treatments), "lo": row_lo, "hi": row_hi},
        ).fetchnumpy()
    )
    out["treatment_keys"] = np.array(list(treatments), dtype=object)
    return out


def feature_rows(cur: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> Columns:
    """Every feature column of the customers of ``ids`` (Python values kept)."""
    found = cur.execute(
        f"SELECT * FROM customer_features WHERE customer_id IN ({marks(ids)}) "
        "ORDER BY row_no",
        list(ids),
    )
    return columns([d[0] for d in found.description or []], found.fetchall())


def offer_rows(cur: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> Columns:
    """The ``offer_propensity`` rows of the customers of ``ids``, in row order."""
    sql = (
        "SELECT * EXCLUDE (customer_id) FROM offer_propensity "
        f"WHERE customer_id IN ({marks(ids)}) ORDER BY row_no, pos"
    )
    return dict(cur.execute(sql, list(ids)).fetchnumpy())
