"""The customer rules of the decision kernel, column-wise for a batch.

Per customer x treatment, the hard rules that read only the customer's own record
(:data:`CUSTOMER_RULES`: DISABLED, CONSENT, OBJECTION, VULNERABLE, SUITABILITY,
HELD), the soft APPLICABILITY and the open problems (``decisions.suitability``).
The rules that read the ledger (DUPLICATE, CAPACITY, BUDGET, FREQUENCY) are the
callers' (:func:`tools.ledger_rules.ledger_verdicts`, a planner's constraints).
"""

from __future__ import annotations

import numpy as np

from tools.kernel.features_sql import CONSENT_CHANNELS
from tools.kernel.signals import Columns, as_bool, as_float, one_of
from tools.kernel.treatments import Treatments

CUSTOMER_RULES = (
    "DISABLED",
    "CONSENT",
    "OBJECTION",
    "VULNERABLE",
    "SUITABILITY",
    "HELD",
)


def customer_rules(
    cols: Columns, sig: np.ndarray, tt: Treatments, held: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """The customer rules' failures, APPLICABILITY and the open problems.

    Returns ``failed`` (rule -> (n, T)), ``applicable`` (n, T) and ``problems``
    (n, K): which of ``decisions.suitability`` are open per customer.
    """
    n, n_t = len(cols["row_no"]), len(tt.keys)
    any_marketing = np.zeros(n, dtype=bool)
    for ch in CONSENT_CHANNELS:
        any_marketing |= as_bool(cols, f"consent_{ch}_marketing")
    objects = (as_float(cols, "consent_channels") > 0) & ~any_marketing
    failed = {rule: np.zeros((n, n_t), dtype=bool) for rule in CUSTOMER_RULES}
    failed["DISABLED"][:] = tt.disabled
    if len(tt.consent_t):
        given = np.empty((n, len(tt.consent_columns)), dtype=bool)
        for c, column in enumerate(tt.consent_columns):
            given[:, c] = as_bool(cols, column)
        failed["CONSENT"][:, tt.consent_t] = ~given[:, tt.consent_c]
    failed["OBJECTION"][:] = objects[:, None] & tt.marketing
    failed["VULNERABLE"][:] = as_bool(cols, "vulnerable")[:, None] & tt.marketing
    problems = np.zeros((n, len(tt.problems)), dtype=bool)
    for k in range(len(tt.problems)):
        problems[:, k] = sig[:, tt.problem_signals[k]].any(axis=1)
    open_any = np.asarray(problems.any(axis=1), dtype=bool)
    failed["SUITABILITY"][:] = open_any[:, None] & tt.marketing
    failed["HELD"][:] = held
    applicable = np.ones((n, n_t), dtype=bool)
    segment = np.asarray(cols.get("segment", np.full(n, "", dtype=object)), object)
    with np.errstate(invalid="ignore"):  # a missing metric (NaN) passes no test
        for when in tt.applicable:  # any of its signals held, or any metric test
            on = np.asarray(sig[:, when.signals].any(axis=1), dtype=bool)
            if not len(when.signals) and not when.metrics:
                on = np.ones(n, dtype=bool)  # no condition but its segments
            for column, compare, value in when.metrics:
                on |= compare(as_float(cols, column), value)
            if when.segments:  # made for some kinds of customer only
                on &= one_of(segment, when.segments)
            applicable[:, when.t] = on
    return failed, applicable, problems
