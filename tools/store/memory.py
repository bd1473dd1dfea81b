"""A JSON folder's customers (``settings.data_dir``), held in memory.

The folder's records go into an in-memory DuckDB database, so the kernel's derived
tables (``customer_features``, ``offer_propensity``, ``customer_records``) and every
SQL question work as on a store file. Because the whole base is in memory anyway, the
per-customer reads of the chat and booking paths (records, feature rows, offers) are
answered from Python objects made once from those tables, with the same conversion a
store file's reads use (so both sources give the same values), and no query per
customer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from tools.customer import CustomerData
from tools.store.derived import Derivation
from tools.store.duck import DuckStore
from tools.store.feature_reads import Columns, columns
from tools.store.records import record_from_row


class MemoryStore(DuckStore):
    """A :class:`tools.store.duck.DuckStore` in memory, per-customer reads held.

    Args:
        records: The customers (a JSON folder's, validated).
        derived: Builds the derived tables.
        data_as_of: The records' own as-of date (their files' field), if any.
    """

    def __init__(
        self,
        records: Sequence[CustomerData],
        derived: Derivation,
        data_as_of: date | None = None,
    ) -> None:
        super().__init__(None, derived, records, data_as_of)
        cur = self.cursor()
        self._records = {
            row[0]: record_from_row(row)
            for row in cur.execute("SELECT * FROM customer_records").fetchall()
        }
        found = cur.execute("SELECT * FROM customer_features ORDER BY row_no")
        rows = found.fetchall()
        names = [d[0] for d in found.description or []]
        self._features = columns(names, rows)
        self._position = {
            str(cid): i for i, cid in enumerate(self._features["customer_id"])
        }
        self._offers = dict(
            cur.execute(
                "SELECT * EXCLUDE (customer_id) FROM offer_propensity "
                "ORDER BY row_no, pos"
            ).fetchnumpy()
        )

    def get_many(self, ids: Sequence[str]) -> dict[str, CustomerData]:
        """The records of those of ``ids`` that exist (held, not queried)."""
        return {cid: self._records[cid] for cid in ids if cid in self._records}

    def feature_rows(self, ids: Sequence[str]) -> tuple[Columns, Columns]:
        """Feature columns and offers of the customers of ``ids`` (held)."""
        cols = self._feature_rows(ids)
        if not ids:
            return cols, {}
        keep = np.isin(self._offers["row_no"], cols["row_no"])
        return cols, {name: values[keep] for name, values in self._offers.items()}

    def _feature_rows(self, ids: Sequence[str]) -> Columns:
        if not ids:
            return {}
        rows = sorted(self._position[c] for c in ids if c in self._position)
        at = np.asarray(rows, dtype=np.intp)
        return {name: values[at] for name, values in self._features.items()}
