"""The recommender's offers on the decision date, per customer x treatment.

One definition of what an offer means (used by :func:`tools.kernel.decide.decide` for
a batch of one or of millions; the per-customer explanations cite the offer chosen
here, never choose one themselves):

* **live** (open or pending, made on or before the decision date, not expired): its
  P(accept) is the recommender's estimate for the treatment it maps to, combined
  with the journey's P by :func:`combine`; the best live offer counts (ties: the
  earliest in the customer's record);
* **held**: a live offer of a product the customer already has (their current plan,
  or an offer they accepted) is never made: if every live offer of a treatment is
  held, the treatment is excluded (rule HELD); an accepted offer is evidence about
  the customer, never a P for a new contact;
* **declined**: a product the customer declined is not offered again within the
  cool-off, and while an offer of a treatment is within its cool-off the
  treatment's P is multiplied by ``declined_factor``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tools.kernel.signals import Columns, one_of
from tools.kernel.treatments import Treatments


@dataclass(frozen=True)
class OfferTerms:
    """What the offers say per customer x treatment, ``(n, T)`` each."""

    p_offer: np.ndarray  # float64, the best usable live offer's P; NaN: none
    pos: np.ndarray  # int32, that offer's index in the customer's record; -1: none
    held: np.ndarray  # bool, live offers exist and the customer holds every one
    declined: np.ndarray  # bool, an offer of it was declined within the cool-off


def _treatment_index(offers: Columns, keys: tuple[str, ...]) -> np.ndarray:
    """Each offer's treatment as an index into ``keys`` (-1: not a treatment).

    Offers come with ``treatment`` names, or (cheaper for big batches, see
    :func:`tools.kernel.batch.load`) with ``treatment_index`` into the names
    ``treatment_keys`` (-1 for none of them), re-mapped here onto ``keys``.
    """
    index = {k: t for t, k in enumerate(keys)}
    if "treatment_index" not in offers:
        names = [str(k) for k in offers["treatment"]]
        return np.array([index.get(k, -1) for k in names], dtype=np.int64)
    remap = [index.get(str(k), -1) for k in offers["treatment_keys"]] + [-1]
    return np.asarray(remap, dtype=np.int64)[np.asarray(offers["treatment_index"])]


def _rows(rows: np.ndarray, offers: Columns) -> np.ndarray:
    """Each offer's customer as an index into the batch (-1: not in it)."""
    n, orow = len(rows), np.asarray(offers["row_no"])
    if not n:
        return np.full(len(orow), -1, dtype=np.int64)
    if rows[-1] - rows[0] == n - 1:  # consecutive rows: no search needed
        at = np.clip(orow - rows[0], 0, n - 1)
    else:
        at = np.minimum(np.searchsorted(rows, orow), n - 1)
    return np.where(rows[at] == orow, at, -1)


def _cells(rows: np.ndarray, offers: Columns, keys: tuple[str, ...]) -> np.ndarray:
    """Each offer's cell ``customer x T + treatment`` in the batch (-1: not in it)."""
    at = _rows(rows, offers)
    t = _treatment_index(offers, keys)
    return np.where((at >= 0) & (t >= 0), at * len(keys) + t, -1)


def _usable(offers: Columns, tt: Treatments) -> np.ndarray:
    """Live offers the customer does not hold nor declined within the cool-off."""
    live = np.asarray(offers["live"], dtype=bool)
    is_held = np.asarray(offers["held"], dtype=bool)
    redeclined = np.asarray(offers["product_declined_days"], dtype=np.float64)
    return live & ~is_held & ~(redeclined <= tt.cool_off_days)  # type: ignore[no-any-return]


def need_values(rows: np.ndarray, offers: Columns, tt: Treatments) -> np.ndarray:
    """Per customer x stated need, the margin of the best live offer meeting it.

    ``(n, N)`` pounds: an offer meets a need when its kind is one of the need's
    ``offer_kinds``; its margin is its value x ``value.margin_rate``; only usable
    offers count (live, not held, not declined within the cool-off).
    """
    n = len(rows)
    out = np.zeros((n, len(tt.need_kinds)))
    if not n or not len(offers.get("row_no", ())) or "kind" not in offers:
        return out
    at = _rows(rows, offers)
    ok = _usable(offers, tt) & (at >= 0)
    if not ok.any():  # no live offer meets anything
        return out
    kinds = np.asarray(offers["kind"], dtype=object)
    margin = np.nan_to_num(np.asarray(offers["offer_value"], dtype=np.float64))
    margin = np.round(margin * tt.margin_rate, 2)
    for k, wanted in enumerate(tt.need_kinds):
        if wanted:
            m = ok & one_of(kinds, wanted)
            np.maximum.at(out[:, k], at[m], margin[m])
    return out


def offer_terms(rows: np.ndarray, offers: Columns, tt: Treatments) -> OfferTerms:
    """The offers' terms for the customers ``rows`` (row numbers, ascending)."""
    n, n_t = len(rows), len(tt.keys)
    p_offer = np.full(n * n_t, np.nan)
    pos = np.full(n * n_t, -1, dtype=np.int32)
    held = np.zeros(n * n_t, dtype=bool)
    declined = np.zeros(n * n_t, dtype=bool)
    if n and len(offers.get("row_no", ())):
        cell = _cells(rows, offers, tt.keys)
        live = np.asarray(offers["live"], dtype=bool) & (cell >= 0)
        is_held = np.asarray(offers["held"], dtype=bool)
        usable = _usable(offers, tt) & (cell >= 0)
        p = np.asarray(offers["propensity"], dtype=np.float64)
        usable &= ~np.isnan(p)
        np.fmax.at(p_offer, cell[usable], p[usable])
        best = usable & (p == p_offer[np.maximum(cell, 0)])
        first = np.full(n * n_t, np.iinfo(np.int32).max, dtype=np.int64)
        np.minimum.at(first, cell[best], np.asarray(offers["pos"])[best])
        pos = np.where(np.isnan(p_offer), -1, first).astype(np.int32)
        held[cell[live & is_held]] = True
        held &= np.isnan(p_offer)  # a usable offer is made instead
        age = np.asarray(offers["age_days"], dtype=np.float64)
        gone = ~np.asarray(offers["live"], dtype=bool) & (cell >= 0)
        declined[cell[gone & (age <= tt.cool_off_days)]] = True
    shape = (n, n_t)
    return OfferTerms(
        p_offer.reshape(shape),
        pos.reshape(shape),
        held.reshape(shape),
        declined.reshape(shape),
    )


def combine(p_journey: np.ndarray, terms: OfferTerms, tt: Treatments) -> np.ndarray:
    """P(accept) from the journey's and the recommender's, ``(n, T)``.

    ``P = w x P_recommender + (1 - w) x P_journey`` where a usable live offer maps
    (``w`` = ``decisions.offers.recommender_weight``), else ``P_journey``; then x
    ``declined_factor`` while an offer of the treatment is within its cool-off.
    """
    w = tt.offer_weight
    has = ~np.isnan(terms.p_offer)
    p = np.where(has, w * np.nan_to_num(terms.p_offer) + (1 - w) * p_journey, p_journey)
    return np.where(terms.declined, p * tt.declined_factor, p)
