"""Journey metrics, once, in SQL: one row of numbers per customer.

``FEATURES_SQL`` turns the store's tables into ``customer_features`` (usage vs
allowance, bill shocks, roaming, payments, network, topics, sentiment, consents, …);
``OFFERS_SQL`` into ``offer_propensity`` (the recommender's best open P(accept) per
customer and treatment). Both are built on every import and read by the decision
kernel (:mod:`tools.kernel.decide`) for a batch of customers or for one.
Missing numbers are NaN in the output, so every numpy comparison with them is
false (inside SQL they stay NULL: DuckDB orders NaN above every number).
"""

from __future__ import annotations

from collections.abc import Callable

DERIVED_VERSION = "4"  # bump when the derived tables' definitions change
RECORDS_SLICE = 200_000  # customers per slice when building the derived tables
BILL_SHOCK_RISE_PCT = 10.0
BILL_SHOCK_EXTRAS_SHARE = 0.30
CONSENT_CHANNELS = ("call", "sms", "email", "push")
PURPOSES = ("marketing", "service", "billing")
TOPICS: dict[str, str] = {  # interaction topic code -> signal
    "billing_dispute": "billing_dispute",
    "network_issue": "network_complaints",
    "competitor_mention": "competitor_mention",
    "switch_threat": "switch_threat",
    "family_interest": "family_interest",
    "product_interest": "product_interest",
    "international_calls": "international_usage",
    "add_line": "add_line_interest",
}
_NAN = "'NaN'::DOUBLE"

_CONSENT_COLS = ",\n    ".join(
    f"coalesce(bool_or(channel = '{ch}' AND {p}), false) AS consent_{ch}_{p}"
    for ch in CONSENT_CHANNELS
    for p in PURPOSES
)
_TOPIC_COLS = ",\n    ".join(
    f"coalesce(bool_or(list_contains(topics, '{code}')), false) AS topic_{code}"
    for code in TOPICS
)

BILLS_SQL = f"""
WITH extras AS (
    SELECT customer_id, bill_date, sum(amount) AS extras_total,
           sum(amount) FILTER (WHERE kind = 'roaming') AS roaming,
           count(*) FILTER (WHERE kind = 'roaming') AS roaming_n,
           bool_or(kind = 'late_fee') AS late_fee
    FROM bill_charges WHERE __SLICE__ GROUP BY ALL
), amounts AS (
    SELECT b.customer_id, b.bill_date, b.status,
           coalesce(e.roaming, 0) AS roaming, coalesce(e.roaming_n, 0) AS roaming_n,
           coalesce(e.late_fee, false) AS late_fee,
           coalesce(b.total, b.plan_charge + coalesce(e.extras_total, 0))::DOUBLE
               AS amount,
           coalesce(e.extras_total, 0) >= {BILL_SHOCK_EXTRAS_SHARE} * b.plan_charge
               AS extras_shock
    FROM bills b LEFT JOIN extras e USING (customer_id, bill_date) WHERE __SLICE__
), history AS (  -- each customer's bills by date, in one list (no window sort)
    SELECT customer_id,
        list_sort(list({{'d': bill_date, 'a': amount, 'x': extras_shock}})) AS h,
        sum(roaming)::DOUBLE AS roaming_charges,
        sum(roaming_n) AS roaming_charge_count,
        bool_or(status = 'overdue' OR late_fee) AS payment_issues
    FROM amounts GROUP BY customer_id
), rises AS (  -- % change of each bill over the one before (NULL for the first)
    SELECT *, list_transform(h, lambda b, i:
        CASE WHEN i = 1 OR h[i - 1].a = 0 THEN NULL
             ELSE round((b.a - h[i - 1].a) / h[i - 1].a * 100, 1) END) AS r
    FROM history
), shocks AS (
    SELECT *, list_filter(list_transform(h, lambda b, i:
        CASE WHEN r[i] >= {BILL_SHOCK_RISE_PCT} OR b.x THEN b.d END),
        lambda d: d IS NOT NULL) AS bill_shock_dates
    FROM rises
)
SELECT customer_id, h[-1].a AS bill_latest, r[-1] AS bill_change_pct,
    len(bill_shock_dates) AS bill_shock_count, bill_shock_dates,
    roaming_charges, roaming_charge_count, payment_issues
FROM shocks
"""

FEATURES_SQL = f"""
WITH bill_f AS ({BILLS_SQL}), usage_f AS (
    SELECT customer_id,
        max_by(data_gb, reading_date, 2) AS last_two
    FROM usage WHERE __SLICE__ GROUP BY customer_id
), net_f AS (
    SELECT customer_id,
        arg_max(quality, measured_on) AS network_quality,
        arg_max(latency_ms, measured_on) AS network_latency_ms,
        arg_max(packet_loss_pct, measured_on) AS network_packet_loss_pct
    FROM network WHERE __SLICE__ GROUP BY customer_id
), int_a AS (
    SELECT customer_id,
        list(CASE sentiment WHEN 'negative' THEN -1 WHEN 'positive' THEN 1 ELSE 0 END
             ORDER BY seq) AS s,
        {_TOPIC_COLS}
    FROM interactions WHERE __SLICE__ GROUP BY customer_id
), int_f AS (
    SELECT *,
        len(s) AS interaction_count,
        list_count(list_filter(s, lambda x: x = -1)) AS negative_interactions,
        least(len(s), 3) AS recent_count,
        list_count(list_filter(s[-3:], lambda x: x = -1)) AS recent_negative,
        CASE WHEN len(s) < 2 THEN 'unknown'
             WHEN list_avg(s[len(s) // 2 + 1:])
                  < list_avg(s[:len(s) // 2]) - 0.25 THEN 'worsening'
             WHEN list_avg(s[len(s) // 2 + 1:])
                  > list_avg(s[:len(s) // 2]) + 0.25 THEN 'improving'
             ELSE 'stable' END AS sentiment_trend
    FROM int_a
), consent_f AS (
    SELECT customer_id, count(*) AS consent_channels,
    {_CONSENT_COLS}
    FROM consents WHERE __SLICE__ GROUP BY customer_id
), ranked AS (  -- the kernel's row number: position in id order (sorts ids only)
    SELECT customer_id,
        (row_number() OVER (ORDER BY customer_id) - 1 + $base)::BIGINT AS row_no
    FROM customers WHERE __SLICE__
)
SELECT
    r.row_no,
    c.customer_id, c.segment, c.region, c.plan_name, c.time_zone,
    c.vulnerable, c.monthly_revenue::DOUBLE AS monthly_revenue,
    c.churn_score, c.tenure_months, c.plan_lines AS lines,
    c.plan_data_allowance_gb,
    u.last_two[1] AS latest_raw,
    u.last_two[2] AS previous_raw,
    coalesce(latest_raw, {_NAN}) AS usage_latest_gb,
    CASE WHEN c.plan_data_allowance_gb > 0
         THEN round(latest_raw / c.plan_data_allowance_gb, 2) END
        AS usage_ratio_raw,
    coalesce(usage_ratio_raw, {_NAN}) AS usage_ratio,
    CASE WHEN usage_ratio_raw IS NULL THEN 0
         ELSE round(greatest(0, latest_raw - c.plan_data_allowance_gb), 2)
         END AS overage_gb,
    CASE WHEN previous_raw IS NULL OR previous_raw = 0 THEN {_NAN}
         ELSE round((latest_raw - previous_raw) / previous_raw * 100, 1)
         END AS usage_trend_pct,
    coalesce(b.bill_latest, {_NAN}) AS bill_latest,
    coalesce(b.bill_change_pct, {_NAN}) AS bill_change_pct,
    coalesce(b.bill_shock_count, 0) AS bill_shock_count,
    coalesce(b.bill_shock_dates, []::DATE[]) AS bill_shock_dates,
    round(coalesce(b.roaming_charges, 0), 2) AS roaming_charges,
    coalesce(b.roaming_charge_count, 0) AS roaming_charge_count,
    coalesce(b.payment_issues, false) AS payment_issues,
    n.network_quality,
    CASE n.network_quality WHEN 'poor' THEN 0 WHEN 'fair' THEN 1 WHEN 'good' THEN 2
         WHEN 'excellent' THEN 3 ELSE -1 END AS network_quality_rank,
    coalesce(n.network_latency_ms, {_NAN}) AS network_latency_ms,
    coalesce(n.network_packet_loss_pct, {_NAN}) AS network_packet_loss_pct,
    coalesce(i.interaction_count, 0) AS interaction_count,
    coalesce(i.negative_interactions, 0) AS negative_interactions,
    coalesce(i.recent_count, 0) AS recent_count,
    coalesce(i.recent_negative, 0) AS recent_negative,
    coalesce(i.sentiment_trend, 'unknown') AS sentiment_trend,
    coalesce(i.sentiment_trend = 'worsening', false) AS sentiment_worsening,
    {", ".join(f"coalesce(i.topic_{t}, false) AS topic_{t}" for t in TOPICS)},
    coalesce(k.consent_channels, 0) AS consent_channels,
    {
    ", ".join(
        f"coalesce(k.consent_{ch}_{p}, false) AS consent_{ch}_{p}"
        for ch in CONSENT_CHANNELS
        for p in PURPOSES
    )
}
FROM customers c
JOIN ranked r USING (customer_id)
LEFT JOIN usage_f u USING (customer_id)
LEFT JOIN bill_f b USING (customer_id)
LEFT JOIN net_f n USING (customer_id)
LEFT JOIN int_f i USING (customer_id)
LEFT JOIN consent_f k USING (customer_id)
WHERE __SLICE__
ORDER BY r.row_no
"""

OFFERS_SQL = """
SELECT f.row_no, o.customer_id, o.treatment,
       max(o.acceptance_probability) AS propensity
FROM offers o JOIN customer_features f USING (customer_id)
WHERE __SLICE__ AND o.treatment IS NOT NULL AND o.status <> 'declined'
GROUP BY ALL ORDER BY f.row_no
"""


def _row_struct(table: str) -> str:
    """One row of ``table`` as a struct whose first fields are its list order.

    ``list_sort`` of such structs is the customer's rows in the record's order
    (ties broken by the other fields), several times cheaper than an ordered
    aggregate; readers take fields by name, so the field order is free. The
    customer id is left out (it is the record's).
    """
    from tools.store.schema import ORDER, TABLES

    first = [ORDER.get(table, "customer_id")]
    if table == "bill_charges":
        first += ["kind", "amount"]
    # the id is the row's own: repeating it in every child row made building 1/4
    # slower and fetching one customer's row about 10 times slower
    names = [n for n in first if n != "customer_id"] + [
        c.name for c in TABLES[table] if c.name not in first and c.name != "customer_id"
    ]
    return "{" + ", ".join(f"'{n}': {n}" for n in names) + "}"


def _records_sql() -> str:
    """Customer rows with every child table's rows as lists (``__SLICE__``: which).

    The chat path reads one such row per customer.
    """
    from tools.store.schema import TABLES

    children = [t for t in TABLES if t != "customers"]
    ctes = ",\n".join(
        f"{t}_l AS (SELECT customer_id, list_sort(list({_row_struct(t)})) AS {t} "
        f"FROM {t} WHERE __SLICE__ GROUP BY customer_id)"
        for t in children
    )
    joins = "\n".join(f"LEFT JOIN {t}_l USING (customer_id)" for t in children)
    cols = ", ".join(f"{t}_l.{t}" for t in children)
    return (
        f"WITH {ctes}\nSELECT c.customer_id, c AS customers, {cols}\n"
        f"FROM customers c\n{joins}\nWHERE __SLICE__\n"
        "ORDER BY c.customer_id"
    )


def _slice(sql: str, upper: bool) -> str:
    """``sql`` for the customers of one slice: ids ``>= $lo`` (and ``< $hi``)."""
    cond = "customer_id >= $lo" + (" AND customer_id < $hi" if upper else "")
    return sql.replace("__SLICE__", cond)


def build(con: object, tick: Callable[[str], None] | None = None) -> None:
    """(Re)build the derived tables on a connection.

    ``customer_features`` and ``offer_propensity`` (the kernel's inputs) and
    ``customer_records`` (each customer's rows in one row, for the chat path), each
    stored in customer order (the kernel reads them in ``row_no`` ranges). Every
    table is built in slices of ``RECORDS_SLICE`` customers (the stored tables are
    sorted by customer, so a slice reads only its row groups): memory stays
    bounded whatever the base's size.

    Args:
        con: A DuckDB connection to the store being built.
        tick: Called with a label as each step starts (a progress bar).
    """
    step = tick or (lambda _label: None)
    run = con.execute  # type: ignore[attr-defined]
    run("SET enable_progress_bar = false")
    run("SET preserve_insertion_order = true")  # stored in the ORDER BY's order
    for table in ("offer_propensity", "customer_features", "customer_records"):
        run(f"DROP TABLE IF EXISTS {table}")
    bounds = [
        r[0]
        for r in run(
            "SELECT customer_id FROM (SELECT customer_id, row_number() OVER "
            "(ORDER BY customer_id) AS n FROM customers) "
            f"WHERE n % {RECORDS_SLICE} = 1 ORDER BY customer_id"
        ).fetchall()
    ] or [""]
    builds = [
        ("journey metrics", "customer_features", FEATURES_SQL),
        (None, "offer_propensity", OFFERS_SQL),
        ("customer records", "customer_records", _records_sql()),
    ]
    for label, table, sql in builds:
        if label:
            step(label)
        for i, lo in enumerate(bounds):
            upper = i + 1 < len(bounds)
            params: dict[str, object] = {"lo": lo}
            if upper:
                params["hi"] = bounds[i + 1]
            if "$base" in sql:
                params["base"] = i * RECORDS_SLICE  # row_no of the slice's first
            verb = f"CREATE TABLE {table} AS" if i == 0 else f"INSERT INTO {table}"
            run(f"{verb} {_slice(sql, upper)}", params)
    # point lookups by id (the chat path) use these instead of scanning row groups
    step("indexes")
    run("CREATE UNIQUE INDEX customer_features_id ON customer_features (customer_id)")
    run("CREATE UNIQUE INDEX customer_records_id ON customer_records (customer_id)")
    run("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    run("INSERT OR REPLACE INTO meta VALUES ('derived_version', ?)", [DERIVED_VERSION])
