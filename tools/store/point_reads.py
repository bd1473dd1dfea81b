"""Reading one customer from the row store (:mod:`tools.store.points`).

The JSON arrays the row store holds become the very values a DuckDB query of the
derived tables gives: dates and times as ``date`` / ``time``, doubles as ``float``,
offers as the columns ``fetchnumpy()`` makes (same dtypes; a column with a NULL a
masked array whose hidden cells hold 0 / False / None, as DuckDB fills them), so the
chat path decides from the same inputs whichever store answered
(tests/test_point_reads.py compares both for every customer of a generated base).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Sequence
from datetime import date, time
from pathlib import Path
from typing import Any

import numpy as np

from tools.store.points import RECORD_FIELDS, RECORD_TABLES
from tools.store.schema import TABLES

Columns = dict[str, np.ndarray]
Convert = Callable[[Any], Any]


def _dates(value: list[str | None]) -> list[date | None]:
    return [None if v is None else date.fromisoformat(v) for v in value]


_CONVERT: dict[str, Convert] = {
    "DATE": date.fromisoformat,
    "TIME": time.fromisoformat,
    "DOUBLE": float,
    "DATE[]": _dates,
}
_NUMPY = {  # DuckDB type -> (dtype, what fetchnumpy puts under a NULL's mask)
    "BIGINT": (np.int64, 0),
    "INTEGER": (np.int32, 0),
    "SMALLINT": (np.int16, 0),
    "BOOLEAN": (np.bool_, False),
    "DOUBLE": (np.float64, 0.0),
    "FLOAT": (np.float32, 0.0),
}


class _Converters:
    """A stored row's values as DuckDB gives them: only the columns that need it.

    Args:
        types: The row's DuckDB column types, in order.
    """

    __slots__ = ("width", "at")

    def __init__(self, types: Sequence[str]) -> None:
        self.width = len(types)
        found = ((i, _CONVERT.get(t)) for i, t in enumerate(types))
        self.at: tuple[tuple[int, Convert], ...] = tuple(
            (i, f) for i, f in found if f is not None
        )

    def __call__(self, values: Sequence[Any]) -> list[Any]:
        if len(values) != self.width:
            raise ValueError(
                f"a stored row of {len(values)} values for {self.width} columns"
            )
        out = list(values)
        for i, f in self.at:
            v = out[i]
            if v is not None:
                out[i] = f(v)
        return out


def _converters(types: Sequence[str]) -> _Converters:
    return _Converters(types)


def _apply(values: Sequence[Any], convert: _Converters) -> list[Any]:
    return convert(values)


_RECORD_CONVERT = {
    table: _converters([c.type for c in TABLES[table] if c.name in names])
    for table, names in RECORD_FIELDS.items()
}


def _numpy(values: list[Any], sql_type: str) -> np.ndarray:
    """A column as ``fetchnumpy()`` gives it (masked where NULL)."""
    dtype, fill = _NUMPY.get(sql_type, (np.object_, None))
    nulls = [v is None for v in values]
    data: np.ndarray = np.array([fill if v is None else v for v in values], dtype=dtype)
    if any(nulls):
        return np.ma.masked_array(data, mask=nulls)
    return data


class PointReads:
    """Per-customer reads of one row store file (a SQLite connection per thread).

    Args:
        path: The row store file (never written in place: opened immutable).
        meta: Its ``meta`` table (column names and types of the feature and offer
            rows).
    """

    def __init__(self, path: Path, meta: dict[str, str]) -> None:
        self.path = path
        features = json.loads(meta["features"])
        offers = json.loads(meta["offers"])
        self.feature_names = [str(n) for n, _ in features]
        self._feature_convert = _converters([str(t) for _, t in features])
        self.offer_columns = [(str(n), str(t)) for n, t in offers]
        self._local = threading.local()

    def _con(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            uri = f"{self.path.resolve().as_uri()}?mode=ro&immutable=1"
            con = self._local.con = sqlite3.connect(uri, uri=True)
        return con  # type: ignore[no-any-return]

    def close(self) -> None:
        """Close this thread's connection."""
        con = getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None

    def _rows(self, column: str, ids: Sequence[str]) -> list[tuple[Any, ...]]:
        marks = ", ".join("?" * len(ids))
        sql = (
            f"SELECT customer_id, {column} FROM customer "
            f"WHERE customer_id IN ({marks}) ORDER BY row_no"
        )
        return self._con().execute(sql, list(ids)).fetchall()

    def records(self, ids: Sequence[str]) -> list[tuple[Any, ...]]:
        """``customer_records`` rows of those of ``ids`` that exist, as DuckDB's."""
        out = []
        for cid, text in self._rows("record", ids):
            if text is None:
                continue
            found: list[Any] = [cid]
            for table, value in zip(RECORD_TABLES, json.loads(text), strict=True):
                names, convert = RECORD_FIELDS[table], _RECORD_CONVERT[table]
                if table == "customers":
                    found.append(dict(zip(names, _apply(value, convert), strict=True)))
                elif value is not None:
                    found.append(
                        [
                            dict(zip(names, _apply(v, convert), strict=True))
                            for v in value
                        ]
                    )
                else:
                    found.append(None)
            out.append(tuple(found))
        return out

    def feature_rows(self, ids: Sequence[str]) -> list[list[Any]]:
        """``customer_features`` rows of those of ``ids`` that exist, in row order."""
        convert = self._feature_convert
        return [_apply(json.loads(t), convert) for _, t in self._rows("features", ids)]

    def offers(self, ids: Sequence[str]) -> Columns:
        """``offer_propensity`` rows of ``ids`` (by row_no, pos) as numpy columns."""
        return self._offer_columns([t for _, t in self._rows("offers", ids)])

    def features_and_offers(
        self, ids: Sequence[str]
    ) -> tuple[list[list[Any]], Columns]:
        """:meth:`feature_rows` and :meth:`offers` of ``ids`` in one query."""
        found = self._rows("features, offers", ids)
        convert = self._feature_convert
        features = [_apply(json.loads(row[1]), convert) for row in found]
        return features, self._offer_columns([row[2] for row in found])

    def _offer_columns(self, texts: Sequence[str | None]) -> Columns:
        rows: list[list[Any]] = []
        for text in texts:
            if text is not None:
                rows.extend(json.loads(text))
        return {
            name: _numpy([r[j] for r in rows], sql_type)
            for j, (name, sql_type) in enumerate(self.offer_columns)
        }
