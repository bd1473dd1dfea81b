"""What the decision kernel answers for a batch: :class:`Decisions`, all columns.

Made by :func:`tools.kernel.decide.decide`; ``n`` customers in ``row_no`` order,
``T`` treatments in config order. Every number is per customer (row-wise), so
:meth:`Decisions.take` of one customer's row is what a batch of one gives.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from tools.kernel.signals import BANDS


@dataclass(frozen=True)
class Decisions:
    """The kernel's answer for a batch: columns per customer and per treatment.

    Shapes: ``n`` customers, ``T`` treatments (``treatments`` order = config order).
    """

    customer_id: np.ndarray  # (n,) str; (0,) when the batch was loaded without ids
    row_no: np.ndarray  # (n,) int64, the store's row number
    treatments: tuple[str, ...]  # (T,)
    failed: dict[str, np.ndarray]  # rule id -> (n, T) bool, True = rule failed
    applicable: np.ndarray  # (n, T) bool (soft APPLICABILITY)
    lawful: np.ndarray  # (n, T) bool: every hard rule passed and applicable
    propensity: np.ndarray  # (n, T) float64, P(accept) after cap and rounding
    from_offer: np.ndarray  # (n, T) bool: a live recommender offer entered P
    value_at_risk: np.ndarray  # (n,) float64, pounds
    cost: np.ndarray  # (T,) float64, pounds per contact
    expected_value: np.ndarray  # (n, T) float64, P x V - cost (0 for the baseline)
    best: np.ndarray  # (n,) int, index into ``treatments`` of the best lawful one
    signals: np.ndarray  # (n, S) bool in SIGNALS order
    churn_level: np.ndarray  # (n,) int8 index into BANDS (0 low, 1 medium, 2 high)
    value_level: np.ndarray  # (n,) int8 index into BANDS
    high_value: np.ndarray  # (n,) bool
    order: tuple[int, ...]  # treatment indexes by tie-break (priority, cost, config)
    p_journey: np.ndarray  # (n, T) float64, the journey's P (base + boosts, capped)
    p_offer: np.ndarray  # (n, T) float64, the live offer's P that entered; NaN none
    need_value: np.ndarray  # (n, T) float64, pounds a stated need met adds to V
    offer_pos: np.ndarray  # (n, T) int32, that offer's index in the record; -1 none
    declined: np.ndarray  # (n, T) bool, an offer of it declined within the cool-off
    problems: np.ndarray  # (n, K) bool, open problems (decisions.suitability order)
    problem_keys: tuple[str, ...]  # (K,)
    extra: Mapping[str, np.ndarray] = field(default_factory=dict)  # feature columns

    @cached_property
    def churn_band(self) -> np.ndarray:
        """``low`` / ``medium`` / ``high`` churn band per customer (str)."""
        return BANDS[self.churn_level]  # type: ignore[no-any-return]

    @cached_property
    def value_band(self) -> np.ndarray:
        """``low`` / ``medium`` / ``high`` value band per customer (str)."""
        return BANDS[self.value_level]  # type: ignore[no-any-return]

    @property
    def best_key(self) -> np.ndarray:
        """The best lawful treatment's key per customer."""
        return np.asarray(self.treatments, dtype=object)[self.best]

    @property
    def best_ev(self) -> np.ndarray:
        """The best lawful treatment's expected value per customer."""
        return self.expected_value[np.arange(len(self.best)), self.best]

    def excluded_counts(self) -> dict[str, np.ndarray]:
        """Per customer, how many treatments each rule excludes.

        Hard rules and APPLICABILITY; a treatment may count under several rules.
        """
        out = {rule: mask.sum(axis=1) for rule, mask in self.failed.items()}
        out["APPLICABILITY"] = (~self.applicable).sum(axis=1)
        return out

    def take(self, rows: Sequence[int] | np.ndarray) -> Decisions:
        """The same decisions for some customers of the batch (``rows`` indexes).

        Every number is per customer (row-wise), so a customer's row of a batch is
        what a batch of one gives.
        """
        at = np.asarray(rows, dtype=np.intp)
        if len(at) == len(self.row_no) and (at == np.arange(len(at))).all():
            return self  # every row in order (a batch of one): the same decisions
        # one customer's row: views of the batch's arrays (nothing copied)
        i = slice(int(at[0]), int(at[0]) + 1) if len(at) == 1 else at
        ids = self.customer_id[i] if len(self.customer_id) else self.customer_id
        return Decisions(
            customer_id=ids,
            row_no=self.row_no[i],
            treatments=self.treatments,
            failed={rule: mask[i] for rule, mask in self.failed.items()},
            applicable=self.applicable[i],
            lawful=self.lawful[i],
            propensity=self.propensity[i],
            from_offer=self.from_offer[i],
            value_at_risk=self.value_at_risk[i],
            cost=self.cost,
            expected_value=self.expected_value[i],
            best=self.best[i],
            signals=self.signals[i],
            churn_level=self.churn_level[i],
            value_level=self.value_level[i],
            high_value=self.high_value[i],
            order=self.order,
            p_journey=self.p_journey[i],
            p_offer=self.p_offer[i],
            need_value=self.need_value[i],
            offer_pos=self.offer_pos[i],
            declined=self.declined[i],
            problems=self.problems[i],
            problem_keys=self.problem_keys,
            extra=_Rows(self.extra, i),
        )

    def ranking(self, i: int) -> list[int]:
        """Customer ``i``'s lawful treatments, best first (the kernel's order)."""
        lawful = [t for t in self.order if self.lawful[i, t]]
        return sorted(lawful, key=lambda t: -self.expected_value[i, t])


class _Rows(Mapping[str, np.ndarray]):
    """A batch's feature columns at some of its rows, each taken when first read.

    A customer's row of a batch keeps ~75 feature columns that a booking mostly
    never reads (the journey's words do): each is sliced on first use.
    """

    __slots__ = ("_columns", "_at", "_taken")

    def __init__(self, columns: Mapping[str, np.ndarray], at: Any) -> None:
        self._columns = columns
        self._at = at
        self._taken: dict[str, np.ndarray] = {}

    def __getitem__(self, key: str) -> np.ndarray:
        found = self._taken.get(key)
        if found is None:  # (two threads may both take it: the same view)
            found = self._taken[key] = self._columns[key][self._at]
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    def __contains__(self, key: object) -> bool:
        return key in self._columns
