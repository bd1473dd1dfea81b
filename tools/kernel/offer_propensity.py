"""The ``offer_propensity`` table: the recommender's offers that matter, in SQL.

One row per offer that matters on the decision date (read by
:mod:`tools.kernel.offers`, built with ``customer_features`` by
:func:`tools.kernel.features.build`): live ones (open or pending, made on or before
the date, not expired) with whether the customer holds the product already (it is
the current plan or an offer they accepted) and how long ago they declined the same
product; and declined ones with their age (the treatment's cool-off). ``pos`` is the
offer's index in the customer's record (offers up to the date, in seq order).
"""

from __future__ import annotations

from tools.kernel.as_of import days_sql

OFFERS_SQL = f"""
WITH o AS (
    SELECT customer_id, offer_date, treatment, acceptance_probability, status,
        lower(trim(name)) AS product, kind, value,
        status IN ('open', 'pending') AND coalesce(expires >= $as_of, true) AS live,
        (row_number() OVER (PARTITION BY customer_id ORDER BY seq) - 1)::INTEGER
            AS pos
    FROM offers WHERE __SLICE__ AND offer_date <= $as_of
), held AS (
    SELECT customer_id, product FROM o WHERE status = 'accepted'
    UNION
    SELECT customer_id, lower(trim(plan_name)) FROM customers WHERE __SLICE__
), declined AS (
    SELECT customer_id, product, max(offer_date) AS last FROM o
    WHERE status = 'declined' GROUP BY ALL
)
SELECT f.row_no, o.customer_id, o.treatment, o.pos, o.live,
    o.acceptance_probability AS propensity,
    coalesce(o.kind, '') AS kind, coalesce(o.value, 0)::DOUBLE AS offer_value,
    h.product IS NOT NULL AS held,
    {days_sql("d.last")} AS product_declined_days,
    {days_sql("o.offer_date")} AS age_days
FROM o JOIN customer_features f USING (customer_id)
LEFT JOIN held h USING (customer_id, product)
LEFT JOIN declined d USING (customer_id, product)
WHERE o.live OR (o.treatment IS NOT NULL AND o.status = 'declined')
ORDER BY f.row_no, o.pos
"""
OFFER_COLUMNS = (  # what the kernel reads of offer_propensity, per offer
    "row_no",
    "treatment",
    "pos",
    "live",
    "propensity",
    "held",
    "product_declined_days",
    "age_days",
    "kind",
    "offer_value",
)
