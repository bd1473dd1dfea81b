"""The decision kernel: one definition of signals, contact rules and P x V - cost.

Used for the whole base and for one customer (a batch of one). Layers:

* :mod:`tools.kernel.features` — journey metrics in SQL, one row per customer
  (``customer_features``), and the build of every derived table on import;
  :mod:`tools.kernel.said` (what customers said, from the configured interaction
  signals), :mod:`tools.kernel.offer_propensity` (the offers that matter, one row
  each) and :mod:`tools.kernel.records` (each customer's rows) are its parts.
* :mod:`tools.kernel.signals` — numpy over those columns: journey ``signals`` and
  churn / value bands.
* :mod:`tools.kernel.decide` — numpy: P x V - cost and the best lawful treatment,
  ``decide``, over the customer rules of :mod:`tools.kernel.rules` and P(accept) of
  :mod:`tools.kernel.propensity`; its answer is
  :class:`tools.kernel.decisions.Decisions`.
* :mod:`tools.kernel.batch` — the kernel over a customer source.

Batch API (what the campaign planner calls)::

    from tools.context import ToolContext
    from tools.kernel.batch import decide_where, decide_ids, iter_decisions

    ctx = ToolContext.create()
    d = decide_where(ctx.customers, ctx.config)          # whole base in one batch
    d = decide_where(ctx.customers, ctx.config, "segment = ?", ["family"])
    d = decide_ids(ctx.customers, ctx.config, ["U124", "U1000123"])
    for d in iter_decisions(ctx.customers, ctx.config, chunk=250_000): ...

``d`` is a :class:`tools.kernel.decisions.Decisions`, all numpy columns
(``n`` customers in ``row_no`` order, ``T`` treatments in config order,
``d.treatments``):

* ``d.customer_id`` (n,) str (empty when loaded with ``ids=False``, as a scan of
  the whole base does), ``d.row_no`` (n,) int64;
* ``d.lawful`` (n, T) bool — every customer-level hard rule passed (DISABLED,
  CONSENT, OBJECTION, VULNERABLE) and APPLICABILITY holds; the baseline ``ignore``
  is always lawful;
* ``d.failed[rule]`` (n, T) bool per rule id; ``d.applicable`` (n, T) bool;
* ``d.expected_value`` (n, T) = ``d.propensity`` x ``d.value_at_risk`` (n,) −
  ``d.cost`` (T,), pounds, rounded to pence (0 for ``ignore``);
* ``d.best`` (n,) index of the best lawful treatment (ties: constraint priority,
  cost, config order), ``d.best_key``, ``d.best_ev``;
* ``d.value_band`` (n,) low/medium/high (made on first use from ``d.value_level``,
  0/1/2), ``d.high_value`` (n,) bool (may use the capacity reserved for high-value
  customers), ``d.churn_band`` (from ``d.churn_level``), ``d.signals`` (n, S);
* ``d.excluded_counts()`` → {rule: (n,) int} treatments excluded per customer.

Ledger rules (CAPACITY, BUDGET, FREQUENCY, DUPLICATE) are not in the kernel: the
per-customer tools apply :func:`tools.ledger_rules.ledger_verdicts`; a planner applies
capacities as constraints (``decide(..., blocked=mask)`` removes pairs).
"""
