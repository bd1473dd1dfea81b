"""Parts of the decision kernel that big batches lean on, against plain Python."""

from __future__ import annotations

import numpy as np

from tools.kernel.offers import _treatment_index
from tools.kernel.propensity import boosted


def _plain(sig: np.ndarray, base: np.ndarray, boosts: np.ndarray) -> np.ndarray:
    out = np.empty((len(sig), len(base)))
    for i in range(len(sig)):
        for t in range(len(base)):
            total = 0.0
            for s in range(boosts.shape[0]):
                if boosts[s, t] and sig[i, s]:
                    total += float(boosts[s, t])
            out[i, t] = total + float(base[t])
    return out


def test_boosts_are_summed_signal_by_signal_for_every_customer():
    rng = np.random.default_rng(4)
    n_s = 19
    boosts = np.round(rng.random((n_s, 4)) * 0.3, 2)
    boosts[rng.random((n_s, 4)) < 0.6] = 0.0
    boosts[:18, 3] = np.linspace(0.01, 0.18, 18)  # 18 boosts: the per-customer sum
    boosts[:, 2] = 0.0  # no boost at all: the base
    base = np.array([0.1, 0.07, 0.2, 0.05])
    sig = rng.random((500, n_s)) < 0.4
    got = boosted(sig, base, boosts)
    assert np.array_equal(got, _plain(sig, base, boosts))
    assert (got[:, 2] == 0.2).all()
    assert np.array_equal(boosted(sig[:1], base, boosts), got[:1])  # batch of one
    small = boosted(sig[:200], base, boosts)  # signal by signal (small batch)
    assert np.array_equal(small, got[:200])
    assert boosted(sig[:0], base, boosts).shape == (0, 4)


def test_offer_treatments_map_by_name_or_by_index_into_the_sources_keys():
    keys = ("a", "b", "c")
    by_name = {"treatment": np.array(["c", "zz", "a"], dtype=object)}
    assert _treatment_index(by_name, keys).tolist() == [2, -1, 0]
    by_index = {
        "treatment_index": np.array([0, 1, -1, 2]),
        "treatment_keys": np.array(["c", "a", "old"], dtype=object),
    }
    assert _treatment_index(by_index, keys).tolist() == [2, 0, -1, -1]
