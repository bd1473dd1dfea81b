"""One customer's reads come from the row store beside DuckDB, with DuckDB's values.

The row store (``customers.points.sqlite``) is written by the import; every customer
of a generated base reads the same record, feature row and offers from it as from
DuckDB's derived tables, and a row store that is not the store file's (the store
replaced without it) is never used.
"""

from __future__ import annotations

import math
import os
import shutil
import sqlite3

import numpy as np
import pytest

from tools.customer_base import DERIVED
from tools.store.build import sample_records
from tools.store.duck import DuckStore
from tools.store.generate import generate
from tools.store.importer import import_path
from tools.store.points import points_current, points_path
from tools.store.source import store_path

N = 1_500


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    folder = tmp_path_factory.mktemp("points")
    generate(N, 5, folder / "base")
    store = folder / "state" / "customers.duckdb"
    import_path(folder / "base", store, r"U\d+", DERIVED, replace=True)
    return store


class _Config:
    def __init__(self, folder):
        self.state_path = folder


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return type(a) is type(b) and a == b


def _duck_only(store: DuckStore) -> DuckStore:
    store._point_reads = lambda: None  # type: ignore[method-assign]
    return store


def test_import_writes_the_row_store_of_its_file(base):
    assert points_current(points_path(base), base, DERIVED.version)
    with sqlite3.connect(points_path(base)) as con:
        assert con.execute("SELECT count(*) FROM customer").fetchone() == (N,)
    store = DuckStore(base, DERIVED)
    assert store._point_reads() is not None


def test_every_customer_reads_the_same_from_both_stores(base):
    points, duck = DuckStore(base, DERIVED), _duck_only(DuckStore(base, DERIVED))
    ids = duck.ids()
    assert len(ids) == N
    for lo in range(0, N, 250):  # some batches, some single customers
        some = ids[lo : lo + 250] if lo % 500 == 0 else [ids[lo]]
        assert points.get_many(some) == duck.get_many(some)
        (pf, po), (df, do) = points.feature_rows(some), duck.feature_rows(some)
        assert list(pf) == list(df)
        for name in df:
            assert pf[name].dtype == df[name].dtype, name
            assert all(_same(a, b) for a, b in zip(pf[name], df[name], strict=True))
        assert list(po) == list(do)
        for name in do:
            assert type(po[name]) is type(do[name]), name
            assert po[name].dtype == do[name].dtype, name
            masks = np.ma.getmaskarray(po[name]), np.ma.getmaskarray(do[name])
            assert np.array_equal(*masks), name
            nan = do[name].dtype.kind == "f"
            data = np.asarray(po[name]), np.asarray(do[name])  # as the kernel reads
            assert np.array_equal(*data, equal_nan=nan), name


def test_unknown_ids_are_absent_from_both(base):
    points, duck = DuckStore(base, DERIVED), _duck_only(DuckStore(base, DERIVED))
    assert points.get_many(["U9999999999"]) == duck.get_many(["U9999999999"]) == {}
    cols, offers = points.feature_rows(["U9999999999"])
    assert all(len(v) == 0 for v in cols.values())
    assert all(len(v) == 0 for v in offers.values())


def test_a_row_store_of_another_file_is_not_used_then_rewritten(base, tmp_path):
    store = tmp_path / "customers.duckdb"
    shutil.copyfile(base, store)  # the store replaced by hand: its row store is not
    shutil.copyfile(points_path(base), points_path(store))
    assert not points_current(points_path(store), store, DERIVED.version)
    reader = DuckStore(store, DERIVED)  # opening it writes the file's own
    assert points_current(points_path(store), store, DERIVED.version)
    assert reader._point_reads() is not None
    os.utime(store, ns=(1, 1))  # the file changed: not its row store any more
    assert reader._point_reads() is None


def test_the_sample_store_comes_with_its_row_store(tmp_path):
    store = store_path(_Config(tmp_path))  # type: ignore[arg-type]
    reader = DuckStore(store, DERIVED)
    assert points_current(points_path(store), store, DERIVED.version)
    assert reader._point_reads() is not None
    want = {r.customer_id: r for r in sample_records()}
    got = reader.get_many(sorted(want))
    assert set(got) == set(want)
    assert got["U124"].name == want["U124"].name


def test_opening_a_store_never_waits_for_a_writer(base, tmp_path):
    from tools.store.build import store_lock

    store = tmp_path / "customers.duckdb"
    shutil.copyfile(base, store)  # no row store of its own yet
    with store_lock(store):  # an import at work
        reader = DuckStore(store, DERIVED)
        assert reader._point_reads() is None  # DuckDB answers meanwhile
        assert reader.get_many(["U1000000"])["U1000000"].customer_id == "U1000000"
    DuckStore(store, DERIVED)
    assert points_current(points_path(store), store, DERIVED.version)
